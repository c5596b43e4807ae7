// Package testutil gives tests real SQLite databases: empty and migrated, or
// filled with the deterministic demo company.
package testutil

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"sreport/analytics/store"
	"sreport/seed"
)

// DemoEnd is the instant the demo data of tests ends: fixed so that every
// test run sees the same company.
var DemoEnd = time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)

// Now is the clock tests give the web app: just after DemoEnd.
func Now() time.Time { return DemoEnd.Add(time.Hour) }

// NewStore opens an empty, migrated database in a temp dir.
func NewStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var (
	demoOnce sync.Once
	demoPath string
	demoErr  error
)

// DemoStore opens a private copy of a database seeded with --seed 42
// ending at DemoEnd. The seed runs once per test binary.
func DemoStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), DemoPath(t))
	if err != nil {
		t.Fatalf("open demo copy: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// DemoPath makes a private copy of the demo database (see DemoStore) and
// returns its path, for tests that hand the file to another process.
func DemoPath(t testing.TB) string {
	t.Helper()
	demoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sreport-demo-")
		if err != nil {
			demoErr = err
			return
		}
		demoPath = filepath.Join(dir, "demo.db")
		ctx := context.Background()
		st, err := store.Open(ctx, demoPath)
		if err != nil {
			demoErr = err
			return
		}
		if _, err := seed.Generate(ctx, st.Writer(), seed.Options{Months: 18, Scale: 1, Seed: 42, End: DemoEnd}); err != nil {
			demoErr = err
		}
		if err := st.Close(); err != nil && demoErr == nil {
			demoErr = err
		}
	})
	if demoErr != nil {
		t.Fatalf("seed demo database: %v", demoErr)
	}
	dst := filepath.Join(t.TempDir(), "demo.db")
	if err := copyFile(demoPath, dst); err != nil {
		t.Fatalf("copy demo database: %v", err)
	}
	return dst
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
