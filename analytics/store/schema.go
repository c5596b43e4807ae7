package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"

	"sreport/migrations"
)

// ErrSchemaTooNew is returned when the database was migrated by a newer
// sreport than this binary: running older code against a newer schema could
// write rows the newer version does not expect, so it is refused outright.
var ErrSchemaTooNew = errors.New("database schema is newer than this sreport")

// LatestSchemaVersion returns the highest migration version embedded in the
// binary.
func LatestSchemaVersion() (int64, error) {
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return 0, fmt.Errorf("store: migrations: %w", err)
	}
	var latest int64
	for _, name := range names {
		v, err := goose.NumericComponent(name)
		if err != nil {
			return 0, fmt.Errorf("store: migration %s: %w", name, err)
		}
		latest = max(latest, v)
	}
	return latest, nil
}

// SchemaVersion reads the migration version applied to db without creating
// goose's version table, so it works on read-only copies such as backups.
// A database that was never migrated is at version 0.
func SchemaVersion(ctx context.Context, db *sql.DB) (int64, error) {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	var v int64
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

// checkNotNewer refuses a database whose applied version is above every
// migration this binary embeds. goose on its own would report "no
// migrations to apply" and carry on.
func checkNotNewer(ctx context.Context, db *sql.DB, p *goose.Provider) error {
	cur, err := SchemaVersion(ctx, db)
	if err != nil {
		return err
	}
	if latest := latestSource(p); cur > latest {
		return fmt.Errorf("store: the database is at schema version %d, but this sreport binary only knows versions up to %d: "+
			"run the sreport version that migrated it (or newer), or restore a backup taken before that upgrade: %w", cur, latest, ErrSchemaTooNew)
	}
	return nil
}

func latestSource(p *goose.Provider) int64 {
	var latest int64
	for _, s := range p.ListSources() {
		latest = max(latest, s.Version)
	}
	return latest
}
