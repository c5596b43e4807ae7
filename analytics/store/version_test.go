package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"sreport/analytics/imports"
	"sreport/analytics/store"
)

// TestDataVersionSeesOtherConnections opens two Stores on one SQLite file,
// as the server and a CLI import in another process would, and checks that
// a commit through either changes the version the first one reads, and
// that nothing else does.
func TestDataVersionSeesOtherConnections(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	a, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	version := func(ctx context.Context) int64 {
		t.Helper()
		v, err := a.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	commit := func(st *store.Store, name string) {
		t.Helper()
		if err := st.SaveMapping(ctx, imports.Mapping{Name: name, Kind: "incidents"}, store.Audit{Actor: "cli"}); err != nil {
			t.Fatal(err)
		}
	}
	v1 := version(ctx)
	// Reads, on a's pool and on b, are not changes.
	if _, err := a.Mappings(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Mappings(ctx); err != nil {
		t.Fatal(err)
	}
	if v := version(ctx); v != v1 {
		t.Fatalf("version moved from %d to %d without a commit", v1, v)
	}
	commit(b, "from b")
	v2 := version(ctx)
	if v2 == v1 {
		t.Fatalf("a commit through another Store left the version at %d", v1)
	}
	commit(a, "from a")
	v3 := version(ctx)
	if v3 == v2 {
		t.Fatalf("a commit through a's own writer left the version at %d", v2)
	}
	if v := version(ctx); v != v3 {
		t.Fatalf("version moved from %d to %d without a commit", v3, v)
	}
	// A caller that has gone away still gets a comparable version.
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if v := version(gone); v != v3 {
		t.Fatalf("cancelled read: %d, want %d", v, v3)
	}
	commit(b, "from b again")
	if v := version(ctx); v == v3 {
		t.Fatalf("a commit after a cancelled read left the version at %d", v3)
	}
}

// TestDataVersionIgnoresSessions: signing in, renewing a session and a
// refused sign-in commit, but change nothing a computation reads, so the
// version (and with it every cached scorecard and report) stays; a change
// to settings, to records written by another process, or to a table a
// later migration adds moves it.
func TestDataVersionIgnoresSessions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	other, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	version := func() int64 {
		t.Helper()
		v, err := st.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	hash, err := store.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, "viewer@example.com", "viewer", hash, store.Audit{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	v1 := version()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	token, err := other.CreateSession(ctx, u.ID, now, now.Add(time.Hour), store.Audit{Actor: "test", Action: "login", Entity: "sessions"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.TouchSession(ctx, token, now.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ReserveLoginAttempt(ctx, store.LoginAttempt{Email: "viewer@example.com", ClientAddr: "192.0.2.1"}, now, store.LoginLimits{PerAccountClient: 5, PerClient: 20, Window: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := other.EndSession(ctx, token, store.Audit{Actor: "test", Action: "logout", Entity: "sessions"}); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != v1 {
		t.Fatalf("sign-in, renewal and sign-out moved the version from %d to %d", v1, v)
	}
	if err := st.SetSetting(ctx, "shift_days", "14"); err != nil {
		t.Fatal(err)
	}
	v2 := version()
	if v2 == v1 {
		t.Fatal("a settings change left the version")
	}
	if _, err := other.Writer().ExecContext(ctx, `INSERT INTO teams (name) VALUES ('payments')`); err != nil {
		t.Fatal(err)
	}
	v3 := version()
	if v3 == v2 {
		t.Fatal("a record written by another process left the version")
	}
	// A table a later migration adds is covered once the store migrates.
	if _, err := other.Writer().ExecContext(ctx, `CREATE TABLE later_kpi_input (id INTEGER PRIMARY KEY, v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(ctx, other.Writer()); err != nil {
		t.Fatal(err)
	}
	v4 := version()
	if _, err := other.Writer().ExecContext(ctx, `INSERT INTO later_kpi_input (v) VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	if v := version(); v == v4 {
		t.Fatal("a write to a table added after 00025 left the version")
	}
}

// TestDataVersionRecordTables: a record written by an import moves the
// version through its imports row (once per import, not once per record);
// a record written or changed any other way, and every delete, moves it
// itself.
func TestDataVersionRecordTables(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db := st.Writer()
	version := func() int64 {
		t.Helper()
		var v int64
		if err := db.QueryRowContext(ctx, `SELECT version FROM kpi_version WHERE id = 1`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO teams (id, name) VALUES (1, 'payments')`)
	exec(`INSERT INTO services (id, name, tier, team_id) VALUES (1, 'checkout', 0, 1)`)
	exec(`INSERT INTO imports (id, format, file_name, sha256, started_at, status) VALUES (7, 'csv', 'f.csv', 'x', '2026-12-01T10:00:00Z', 'running')`)
	v0 := version()
	for i := range 3 {
		exec(`INSERT INTO incidents (source, external_id, service_id, title, severity, status, detected_at, import_id)
			VALUES ('csv', ?, 1, 't', 1, 'resolved', '2026-11-01T10:00:00Z', 7)`, "INC-"+string(rune('a'+i)))
	}
	if v := version(); v != v0 {
		t.Fatalf("records an import wrote moved the version %d → %d (its imports row moves it)", v0, v)
	}
	exec(`UPDATE imports SET status = 'done' WHERE id = 7`)
	if v := version(); v != v0+1 {
		t.Fatalf("the import's commit moved the version %d → %d, want one step", v0, v)
	}
	steps := []string{
		`INSERT INTO incidents (source, external_id, service_id, title, severity, status, detected_at)
			VALUES ('api', 'X-1', 1, 't', 1, 'open', '2026-11-02T10:00:00Z')`, // no import
		`UPDATE incidents SET service_id = 1, title = 'merged' WHERE external_id = 'INC-b'`, // keeps its import_id
		`DELETE FROM incidents WHERE external_id = 'INC-c'`,
	}
	for _, q := range steps {
		before := version()
		exec(q)
		if version() == before {
			t.Errorf("%s left the version", q)
		}
	}
}
