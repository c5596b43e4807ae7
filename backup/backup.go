// Package backup makes consistent copies of the live SQLite database with
// SQLite's online backup API, verifies them, restores them, and takes them
// on a schedule.
package backup

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/mattn/go-sqlite3"

	"sreport/analytics/store"
)

// Info describes a verified database file.
type Info struct {
	Path          string
	Bytes         int64
	SchemaVersion int64
	// Took is how long the copy (or the check, for Verify) took.
	Took time.Duration
}

// Copy writes a consistent copy of the database at src to out while other
// connections, such as a running server, keep reading and writing it. The
// copy is one self-contained file (rollback journal mode, no -wal), checked
// with integrity_check before it appears at out; out must not exist.
func Copy(ctx context.Context, src, out string) (Info, error) {
	start := time.Now()
	if _, err := os.Stat(out); err == nil {
		return Info{}, fmt.Errorf("backup: %s already exists", out)
	}
	if _, err := os.Stat(src); err != nil {
		return Info{}, fmt.Errorf("backup: source: %w", err)
	}
	tmp := out + ".partial"
	_ = os.Remove(tmp) // left by a crash during an earlier copy
	if err := copyPages(ctx, src, tmp); err != nil {
		_ = os.Remove(tmp)
		return Info{}, err
	}
	if err := syncFile(tmp); err != nil {
		_ = os.Remove(tmp)
		return Info{}, err
	}
	info, err := Verify(ctx, tmp)
	if err != nil {
		_ = os.Remove(tmp)
		return Info{}, fmt.Errorf("backup: the copy failed its check: %w", err)
	}
	if err := os.Rename(tmp, out); err != nil {
		_ = os.Remove(tmp)
		return Info{}, fmt.Errorf("backup: %w", err)
	}
	if err := syncDir(filepath.Dir(out)); err != nil {
		return Info{}, err
	}
	info.Path, info.Took = out, time.Since(start)
	return info, nil
}

// copyPages runs the backup API in one step: the source stays readable and
// writable throughout (WAL), and a single step never restarts when another
// connection writes meanwhile, as a step-by-step copy would.
func copyPages(ctx context.Context, src, dst string) error {
	sdb, err := sql.Open("sqlite3", "file:"+url.PathEscape(src)+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return fmt.Errorf("backup: open %s: %w", src, err)
	}
	defer sdb.Close()
	ddb, err := sql.Open("sqlite3", "file:"+url.PathEscape(dst))
	if err != nil {
		return fmt.Errorf("backup: create %s: %w", dst, err)
	}
	defer ddb.Close()
	sc, err := sdb.Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup: open %s: %w", src, err)
	}
	defer sc.Close()
	dc, err := ddb.Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup: create %s: %w", dst, err)
	}
	defer dc.Close()
	err = dc.Raw(func(d any) error {
		return sc.Raw(func(s any) error {
			bk, err := d.(*sqlite3.SQLiteConn).Backup("main", s.(*sqlite3.SQLiteConn), "main")
			if err != nil {
				return err
			}
			if _, err := bk.Step(-1); err != nil {
				_ = bk.Finish()
				return err
			}
			return bk.Finish()
		})
	})
	if err != nil {
		return fmt.Errorf("backup: copy %s: %w", src, err)
	}
	// The pages carry the source's WAL flag; a backup is easier to move and
	// check as one file.
	if _, err := dc.ExecContext(ctx, `PRAGMA journal_mode=DELETE`); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// Verify opens the database file at path read-only and checks it: SQLite's
// integrity_check, and a schema version this binary can open (a database
// from a newer sreport is refused, as at start-up).
func Verify(ctx context.Context, path string) (Info, error) {
	start := time.Now()
	if ok, err := IsDatabase(path); err != nil {
		return Info{}, err
	} else if !ok {
		return Info{}, fmt.Errorf("backup: %s is not an SQLite database", path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return Info{}, fmt.Errorf("backup: %w", err)
	}
	db, err := sql.Open("sqlite3", "file:"+url.PathEscape(path)+"?mode=ro")
	if err != nil {
		return Info{}, fmt.Errorf("backup: open %s: %w", path, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return Info{}, fmt.Errorf("backup: integrity check of %s: %w", path, err)
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return Info{}, fmt.Errorf("backup: integrity check of %s: %w", path, err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Info{}, fmt.Errorf("backup: integrity check of %s: %w", path, err)
	}
	if len(problems) > 0 {
		return Info{}, fmt.Errorf("backup: %s fails integrity_check: %s", path, problems[0])
	}
	v, err := store.SchemaVersion(ctx, db)
	if err != nil {
		return Info{}, err
	}
	if v == 0 {
		return Info{}, fmt.Errorf("backup: %s holds no sreport schema (never migrated)", path)
	}
	latest, err := store.LatestSchemaVersion()
	if err != nil {
		return Info{}, err
	}
	if v > latest {
		return Info{}, fmt.Errorf("backup: %s is at schema version %d, newer than this sreport (%d): %w", path, v, latest, store.ErrSchemaTooNew)
	}
	return Info{Path: path, Bytes: fi.Size(), SchemaVersion: v, Took: time.Since(start)}, nil
}

// IsDatabase reports whether the file at path starts with SQLite's header.
func IsDatabase(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	hdr := make([]byte, 16)
	if _, err := io.ReadFull(f, hdr); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return false, nil
		}
		return false, fmt.Errorf("backup: read %s: %w", path, err)
	}
	return bytes.Equal(hdr, []byte("SQLite format 3\x00")), nil
}

// Restore verifies the backup file from and copies it to to, which must not
// exist: the live database is never overwritten in place.
func Restore(ctx context.Context, from, to string) (Info, error) {
	if _, err := Verify(ctx, from); err != nil {
		return Info{}, err
	}
	if _, err := os.Stat(to); err == nil {
		return Info{}, fmt.Errorf("backup: restore: %s already exists; stop the server and move it aside first, or restore to a new path", to)
	}
	return Copy(ctx, from, to)
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("backup: fsync %s: %w", path, err)
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("backup: fsync %s: %w", dir, err)
	}
	return nil
}
