package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"sreport/backup"
	"sreport/replicate"
)

func init() {
	register(command{name: "restore", summary: "restore a database from a backup file or a replica", run: runRestore})
}

func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("restore", "Restores a database from a backup file (sreport backup) or a Litestream replica URL to a new file,\n"+
		"then checks it (integrity_check and schema version). Never overwrites: stop the server, move the old file aside.", stderr)
	from := fs.String("from", envOr("SREPORT_RESTORE_FROM", ""), "backup FILE, or replica URL file:///DIR, s3://BUCKET/PATH[?endpoint=URL], sftp://USER@HOST/PATH (env SREPORT_RESTORE_FROM)")
	to := fs.String("to", "", "database file to create")
	ts := fs.String("timestamp", "", "replicas only: restore the state as of this time (RFC 3339, e.g. 2026-11-01T09:30:00Z); default the newest")
	emptyOK := fs.Bool("empty-ok", false, "replicas only: an empty replica is no error (nothing is written); serve --restore-if-missing uses it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return errors.New("restore: --from and --to are required")
	}
	var at time.Time
	if *ts != "" {
		var err error
		if at, err = time.Parse(time.RFC3339, *ts); err != nil {
			return fmt.Errorf("restore: --timestamp %q: want RFC 3339 such as 2026-11-01T09:30:00Z", *ts)
		}
	}
	start := time.Now()
	if !strings.Contains(*from, "://") {
		if !at.IsZero() {
			return errors.New("restore: --timestamp needs a replica URL: a backup file holds one point in time")
		}
		info, err := backup.Restore(ctx, *from, *to)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "restored %s from backup %s: %d bytes, schema version %d, integrity ok (took %s)\n",
			*to, *from, info.Bytes, info.SchemaVersion, time.Since(start).Round(time.Millisecond))
		return nil
	}
	if err := replicate.ResetLocalState(*to); err != nil {
		return err
	}
	if err := replicate.Restore(ctx, *from, *to, at); err != nil {
		if *emptyOK && errors.Is(err, replicate.ErrEmptyReplica) {
			fmt.Fprintf(stdout, "the replica %s is empty: nothing restored\n", replicate.Redact(*from))
			return nil
		}
		return err
	}
	restored := time.Since(start)
	info, err := backup.Verify(ctx, *to)
	if err != nil {
		return fmt.Errorf("restore: the restored database failed its check (left at %s for inspection): %w", *to, err)
	}
	as := "its newest state"
	if !at.IsZero() {
		as = "the state as of " + at.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(stdout, "restored %s from %s (%s): %d bytes, schema version %d, integrity ok (restore took %s, check %s)\n",
		*to, replicate.Redact(*from), as, info.Bytes, info.SchemaVersion, restored.Round(time.Millisecond), info.Took.Round(time.Millisecond))
	return nil
}
