package main

import (
	"context"
	"fmt"
	"io"

	"sreport/analytics/store"
)

func init() {
	register(command{name: "migrate", summary: "apply database migrations (embedded)", run: runMigrate})
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", "Applies the embedded goose migrations to the database.", stderr)
	db := dbFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := store.Open(ctx, *db) // Open migrates
	if err != nil {
		return err
	}
	defer st.Close()
	packRecordDays(ctx, st, stderr)
	fmt.Fprintf(stdout, "migrated %s\n", *db)
	return nil
}
