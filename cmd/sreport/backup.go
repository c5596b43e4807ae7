package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"sreport/backup"
)

func init() {
	register(command{name: "backup", summary: "copy the live database to a checked backup file", run: runBackup})
}

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", "Copies the database with SQLite's online backup API while the server keeps running,\n"+
		"then opens the copy and checks it (integrity_check and schema version).", stderr)
	db := dbFlag(fs)
	out := fs.String("out", "", "backup file to create (must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("backup: --out names the backup file")
	}
	info, err := backup.Copy(ctx, *db, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup %s: %d bytes, schema version %d, integrity ok (took %s)\n", info.Path, info.Bytes, info.SchemaVersion, info.Took.Round(1e6))
	return nil
}
