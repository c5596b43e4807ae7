// Package store is sreport's SQLite access: one writer connection, a reader
// pool, raw SQL, and the goose migrations applied at open.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"

	"sreport/analytics"
	"sreport/migrations"
)

// ErrNotFound is returned when a looked-up row does not exist. It is
// analytics.ErrNotFound, so an unknown scope reported by the scorecard and a
// missing row match the same errors.Is test.
var ErrNotFound = analytics.ErrNotFound

// Store holds the database handles. Writes go through a single connection so
// SQLite never returns "database is locked" between our own writers.
type Store struct {
	db *sql.DB // reader pool
	w  *sql.DB // single writer

	verMu   sync.Mutex
	verConn *sql.Conn // dedicated to PRAGMA data_version (see DataVersion)
	verRaw  int64     // the pragma's last value on verConn
	verKPI  int64     // kpi_version's counter when verRaw was read
	verSeq  int64     // what DataVersion returns
}

// driverName is the go-sqlite3 driver with sreport's per-connection
// settings (connectHook).
const driverName = "sqlite3_sreport"

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: connectHook})
}

// connectHook keeps SQLite's temporary files in memory. Every write fires
// a kpi_version trigger (kpi_version.go), and a statement that changes
// rows through a trigger inside a transaction keeps a statement journal
// to undo itself on error: on disk, that was one file write per statement
// (1.5 million pwrite calls seeding 100,000 records, against 52,000
// without the triggers); in memory it costs next to nothing.
func connectHook(c *sqlite3.SQLiteConn) error {
	_, err := c.Exec(`PRAGMA temp_store = MEMORY`, nil)
	return err
}

// busyMillis is how long a write waits for another process's writer
// before SQLITE_BUSY (IsBusy).
const busyMillis = 10000

// Open opens (creating if needed) the SQLite file at path and applies all migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: no database path given")
	}
	base := "file:" + url.PathEscape(path) + "?_journal_mode=WAL&_busy_timeout=" + strconv.Itoa(busyMillis) + "&_foreign_keys=on&_synchronous=NORMAL"
	w, err := sql.Open(driverName, base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := Migrate(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open(driverName, base+"&mode=ro")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open reader %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	// Keep every reader open: a load runs its kinds on up to eight at
	// once, and with database/sql's default of two idle the others were
	// closed after each load and opened again (with their pragmas) by the
	// next.
	r.SetMaxIdleConns(8)
	return &Store{db: r, w: w}, nil
}

// Migrate applies every pending goose migration embedded in the binary.
func Migrate(ctx context.Context, db *sql.DB) error {
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.FS)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	if err := checkNotNewer(ctx, db, p); err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: apply migrations: %w", err)
	}
	if err := ensureKPIVersionTriggers(ctx, db); err != nil {
		return err
	}
	return ensureRecordDaysTriggers(ctx, db)
}

// Close closes both handles.
func (s *Store) Close() error {
	s.verMu.Lock()
	if s.verConn != nil {
		s.verConn.Close()
		s.verConn = nil
	}
	s.verMu.Unlock()
	return errors.Join(s.db.Close(), s.w.Close())
}

// Writer returns the single writer handle, for bulk loaders such as the seed generator.
func (s *Store) Writer() *sql.DB { return s.w }

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// TimeLayout is how every timestamp is stored: UTC, second precision, 'Z'.
const TimeLayout = "2006-01-02T15:04:05Z"

// DayLayout is how civil dates are stored.
const DayLayout = "2006-01-02"

// FormatTime renders t for storage.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// NullTime renders an optional time for storage.
func NullTime(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return FormatTime(*t)
}

// nullBool renders an optional flag for storage: NULL for "not known".
func nullBool(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

// ParseTime reads a stored timestamp.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		return time.Parse(time.RFC3339Nano, s)
	}
	return t, nil
}

func parseNullTime(ns sql.NullString) (*time.Time, error) {
	if !ns.Valid || ns.String == "" {
		return nil, nil
	}
	t, err := ParseTime(ns.String)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// inTx runs fn in one write transaction, rolling back on error.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// parseNullDate reads an optional stored date (YYYY-MM-DD) or timestamp.
func parseNullDate(ns sql.NullString) (*time.Time, error) {
	if !ns.Valid || ns.String == "" {
		return nil, nil
	}
	if t, err := time.Parse(DayLayout, ns.String); err == nil {
		return &t, nil
	}
	return parseNullTime(ns)
}
