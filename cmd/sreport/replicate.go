package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"time"

	"sreport/replicate"
)

func init() {
	register(command{name: "replicate", summary: "replicate the database continuously (run by serve --replicate, or as a sidecar)", run: runReplicate})
}

func runReplicate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("replicate", "Replicates the database continuously with Litestream until SIGTERM/SIGINT, then ships what is left.\n"+
		"serve --replicate runs it for you; run it yourself as a sidecar beside serve on the same volume.", stderr)
	db := dbFlag(fs)
	to := fs.String("to", envOr("SREPORT_REPLICATE", ""), "replica URL: file:///DIR, s3://BUCKET/PATH[?endpoint=URL] or sftp://USER@HOST/PATH (env SREPORT_REPLICATE)")
	snapshotEvery := fs.Duration("snapshot-every", replicate.DefaultOptions.SnapshotEvery, "full snapshot interval")
	retention := fs.Duration("retention", replicate.DefaultOptions.Retention, "how far back a point-in-time restore can go")
	supervised := fs.Bool("supervised", false, "run under serve: status as JSON lines on stdout, stop when stdin closes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return errors.New("replicate: --to (or SREPORT_REPLICATE) names the replica")
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	report := logStatus(logger)
	if *supervised {
		// serve holds our stdin open; it closes when serve stops or dies,
		// even by kill -9, and we then make the final sync. Signals are
		// left to serve (a Ctrl-C reaches both): it stops us after its
		// last requests, so their writes are in the final sync.
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(context.WithoutCancel(ctx))
		defer cancel()
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			cancel()
		}()
		enc := json.NewEncoder(stdout)
		report = func(st replicate.Status) { _ = enc.Encode(st) }
	}
	return replicate.Run(ctx, *db, *to, replicate.Options{SnapshotEvery: *snapshotEvery, Retention: *retention}, logger, report)
}

// logStatus logs the replication state of a sidecar when it changes
// between caught up and behind, and once a minute while behind.
func logStatus(logger *slog.Logger) func(replicate.Status) {
	var behind bool
	var last time.Time
	return func(st replicate.Status) {
		lag := st.Lag(st.At)
		now := lag > 0
		if now == behind && (!now || st.At.Sub(last) < time.Minute) {
			return
		}
		behind, last = now, st.At
		logger.Info("replication", "lag", lag.Round(time.Second), "local_txid", st.LocalTXID, "replica_txid", st.ReplicaTXID, "last_sync", st.LastSync.Format(time.RFC3339))
	}
}
