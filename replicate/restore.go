package replicate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/benbjohnson/litestream"
)

// ErrEmptyReplica is returned when the replica holds nothing to restore
// (or nothing as old as the requested time).
var ErrEmptyReplica = errors.New("the replica holds no database to restore")

// Bounds returns the time of the oldest and newest state the replica can
// restore; both are zero for an empty replica.
func Bounds(ctx context.Context, rawURL string) (oldest, newest time.Time, err error) {
	client, err := NewClient(rawURL)
	if err != nil {
		return oldest, newest, err
	}
	if err := client.Init(ctx); err != nil {
		return oldest, newest, fmt.Errorf("replicate: connect to %s: %w", Redact(rawURL), err)
	}
	r := litestream.NewReplicaWithClient(nil, client)
	oldest, newest, err = r.TimeBounds(ctx)
	if err != nil {
		return oldest, newest, fmt.Errorf("replicate: read %s: %w", Redact(rawURL), err)
	}
	return oldest, newest, nil
}

// Restore writes the database as the replica held it at time at (its
// newest state when at is zero) to out, which must not exist yet. The file
// appears only when complete: Litestream writes out.tmp and renames it.
// The process must hold no other connection to out (see the package doc).
func Restore(ctx context.Context, rawURL, out string, at time.Time) error {
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("replicate: restore: %s already exists; restore to a new path, then move it into place", out)
	}
	client, err := NewClient(rawURL)
	if err != nil {
		return err
	}
	if err := client.Init(ctx); err != nil {
		return fmt.Errorf("replicate: connect to %s: %w", Redact(rawURL), err)
	}
	r := litestream.NewReplicaWithClient(nil, client)
	opt := litestream.NewRestoreOptions()
	opt.OutputPath = out
	opt.Timestamp = at
	if err := r.Restore(ctx, opt); err != nil {
		if errors.Is(err, litestream.ErrTxNotAvailable) || errors.Is(err, litestream.ErrNoSnapshots) {
			if at.IsZero() {
				return fmt.Errorf("replicate: restore from %s: %w", Redact(rawURL), ErrEmptyReplica)
			}
			return fmt.Errorf("replicate: restore from %s as of %s: %w", Redact(rawURL), at.UTC().Format(time.RFC3339), ErrEmptyReplica)
		}
		return fmt.Errorf("replicate: restore from %s: %w", Redact(rawURL), err)
	}
	return nil
}

// ResetLocalState removes Litestream's working directory of a database
// file that no longer exists (".NAME-litestream" beside it). Left behind,
// it describes the lost file's transactions, not the restored one's.
func ResetLocalState(dbPath string) error {
	if _, err := os.Stat(dbPath); err == nil {
		return fmt.Errorf("replicate: %s exists; its replication state is kept", dbPath)
	}
	dir, file := filepath.Split(dbPath)
	if err := os.RemoveAll(filepath.Join(dir, "."+file+litestream.MetaDirSuffix)); err != nil {
		return fmt.Errorf("replicate: remove stale replication state: %w", err)
	}
	return nil
}
