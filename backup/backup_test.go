package backup_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"sreport/analytics/store"
	"sreport/backup"
)

func openStore(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "live.db")
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

func count(t *testing.T, path, query string) int {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s on %s: %v", query, path, err)
	}
	return n
}

// TestCopyWhileWriting takes a backup while another goroutine commits
// pairs of rows (a team and its service, one transaction each): the copy
// is complete, checked, and holds whole transactions only.
func TestCopyWhileWriting(t *testing.T) {
	ctx := context.Background()
	st, live := openStore(t)
	w := st.Writer()
	var written atomic.Int64
	writeOne := func(i int64) error {
		tx, err := w.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		name := "team-" + time.Now().Format("150405.000000000") + "-" + string(rune('a'+i%26))
		res, err := tx.Exec(`INSERT INTO teams (name) VALUES (?)`, name)
		if err != nil {
			tx.Rollback()
			return err
		}
		id, _ := res.LastInsertId()
		if _, err := tx.Exec(`INSERT INTO services (name, team_id) VALUES (?, ?)`, name, id); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}
	for i := range int64(200) {
		if err := writeOne(i); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var werr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := int64(0); ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := writeOne(i); err != nil {
				werr = err
				return
			}
			written.Add(1)
		}
	}()
	// Wait until the writer is demonstrably running during the copy.
	for written.Load() < 20 {
		time.Sleep(time.Millisecond)
	}
	out := filepath.Join(t.TempDir(), "copy.db")
	info, err := backup.Copy(ctx, live, out)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("copy: %v", err)
	}
	if werr != nil {
		t.Fatalf("writer during the copy: %v", werr)
	}
	latest, _ := store.LatestSchemaVersion()
	if info.SchemaVersion != latest || info.Bytes == 0 || info.Path != out {
		t.Fatalf("info %+v, want schema %d", info, latest)
	}
	teams, services := count(t, out, `SELECT count(*) FROM teams`), count(t, out, `SELECT count(*) FROM services`)
	if teams != services || teams < 220 {
		t.Fatalf("copy holds %d teams and %d services: want equal and at least 220", teams, services)
	}
	if final := count(t, live, `SELECT count(*) FROM teams`); teams > final {
		t.Fatalf("copy has %d teams, source %d", teams, final)
	}
	if _, err := os.Stat(out + "-wal"); err == nil {
		t.Error("the copy left a -wal file: it should be one self-contained file")
	}
	// A copy is never written over an existing file.
	if _, err := backup.Copy(ctx, live, out); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("second copy to the same path: %v", err)
	}
}

func TestVerifyRefusesBadFiles(t *testing.T) {
	ctx := context.Background()
	_, live := openStore(t)
	dir := t.TempDir()

	good := filepath.Join(dir, "good.db")
	if _, err := backup.Copy(ctx, live, good); err != nil {
		t.Fatal(err)
	}

	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not a database at all"), 0o600)

	corrupt := filepath.Join(dir, "corrupt.db")
	b, _ := os.ReadFile(good)
	for i := 4096 * 3; i < 4096*3+2000 && i < len(b); i++ {
		b[i] = 0xA5
	}
	os.WriteFile(corrupt, b, 0o600)

	bare := filepath.Join(dir, "bare.db")
	db, _ := sql.Open("sqlite3", "file:"+bare)
	db.Exec(`CREATE TABLE x (a)`)
	db.Close()

	future := filepath.Join(dir, "future.db")
	if _, err := backup.Copy(ctx, live, future); err != nil {
		t.Fatal(err)
	}
	latest, _ := store.LatestSchemaVersion()
	db, _ = sql.Open("sqlite3", "file:"+future)
	if _, err := db.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, 1)`, latest+1); err != nil {
		t.Fatal(err)
	}
	db.Close()

	cases := []struct {
		path, want string
	}{
		{text, "not an SQLite database"},
		{corrupt, ""},
		{bare, "never migrated"},
		{future, "newer than this sreport"},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			_, err := backup.Verify(ctx, c.path)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q lacks %q", err, c.want)
			}
		})
	}
	if _, err := backup.Verify(ctx, future); !errors.Is(err, store.ErrSchemaTooNew) {
		t.Errorf("future schema: %v, want ErrSchemaTooNew", err)
	}
	if info, err := backup.Verify(ctx, good); err != nil || info.SchemaVersion != latest {
		t.Fatalf("good copy: %+v %v", info, err)
	}
}

// TestRestoreFromBackup restores a backup to a new path, never over an
// existing file, and the result opens as a store with its data.
func TestRestoreFromBackup(t *testing.T) {
	ctx := context.Background()
	st, live := openStore(t)
	if _, err := st.Writer().Exec(`INSERT INTO teams (name) VALUES ('payments')`); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bk := filepath.Join(dir, "bk.db")
	if _, err := backup.Copy(ctx, live, bk); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Restore(ctx, bk, live); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("restore over the live database: %v", err)
	}
	to := filepath.Join(dir, "restored.db")
	if _, err := backup.Restore(ctx, bk, to); err != nil {
		t.Fatal(err)
	}
	rst, err := store.Open(ctx, to)
	if err != nil {
		t.Fatal(err)
	}
	defer rst.Close()
	if n := count(t, to, `SELECT count(*) FROM teams WHERE name = 'payments'`); n != 1 {
		t.Fatalf("restored teams %d", n)
	}
}

// TestScheduleKeepsNewest: every run adds a verified backup and prunes the
// oldest beyond Keep, never touching other files.
func TestScheduleKeepsNewest(t *testing.T) {
	ctx := context.Background()
	_, live := openStore(t)
	dir := t.TempDir()
	other := filepath.Join(dir, "sreport-manual.db")
	os.WriteFile(other, []byte("keep me"), 0o600)
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	s := &backup.Schedule{DB: live, Dir: dir, Every: time.Hour, Keep: 2, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if ok, detail := s.Status(); !ok || !strings.Contains(detail, "none taken") {
		t.Fatalf("status before any: %v %q", ok, detail)
	}
	for range 4 {
		if _, err := s.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour)
	}
	files, err := s.Backups()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "sreport-20261101T020000Z.db"), filepath.Join(dir, "sreport-20261101T030000Z.db")}
	if len(files) != 2 || files[0] != want[0] || files[1] != want[1] {
		t.Fatalf("kept %v, want %v", files, want)
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("a file the schedule did not write was removed: %v", err)
	}
	if ok, detail := s.Status(); !ok || !strings.Contains(detail, "last backup 1h0m0s ago") {
		t.Fatalf("status: %v %q", ok, detail)
	}
	if err := testutil.CollectAndCompare(s, strings.NewReader(`
# HELP sreport_backups_total Scheduled backups attempted since start, by result.
# TYPE sreport_backups_total counter
sreport_backups_total{result="failed"} 0
sreport_backups_total{result="ok"} 4
`), "sreport_backups_total"); err != nil {
		t.Fatal(err)
	}
	if problems, err := testutil.CollectAndLint(s); err != nil || len(problems) > 0 {
		t.Fatalf("metric lint: %v %v", problems, err)
	}

	// A failing backup (the database is gone) is counted and reported.
	s.DB = filepath.Join(dir, "missing.db")
	if _, err := s.RunOnce(ctx); err == nil {
		t.Fatal("backup of a missing database succeeded")
	}
	if ok, detail := s.Status(); ok || !strings.Contains(detail, "failed") {
		t.Fatalf("status after failure: %v %q", ok, detail)
	}
	if files, _ := s.Backups(); len(files) != 2 {
		t.Fatalf("a failed backup pruned: %v", files)
	}
}

// TestScheduleRun runs the loop with a short interval until it has
// written two backups, the first at once.
func TestScheduleRun(t *testing.T) {
	_, live := openStore(t)
	dir := t.TempDir()
	s := &backup.Schedule{DB: live, Dir: dir, Every: 50 * time.Millisecond, Keep: 3, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		files, _ := s.Backups()
		if len(files) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("schedule wrote %d backups", len(files))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	files, _ := s.Backups()
	for _, f := range files {
		if _, err := backup.Verify(context.Background(), f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
