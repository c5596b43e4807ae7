package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"sreport/analytics/store"
	"sreport/testutil"
)

// TestTouchSessionWhileAnotherWriterHolds: while another process's writer
// holds the database (an import's transaction), renewing a session gives
// up after a short wait with an error IsBusy recognises, instead of the
// ten seconds a write waits; the writer connection keeps its full busy
// timeout for the writes after it, which then succeed.
func TestTouchSessionWhileAnotherWriterHolds(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "busy.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	testutil.CreateUser(t, st, "ann@example.com", store.RoleViewer)
	token := testutil.SessionToken(t, st, "ann@example.com", testutil.Now())

	other, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE settings SET value = value`); err != nil {
		t.Fatal(err)
	}
	err = st.TouchSession(ctx, token, testutil.Now())
	if !store.IsBusy(err) {
		t.Fatalf("touch while another writer holds the database: %v", err)
	}
	var ms int
	if err := st.Writer().QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&ms); err != nil || ms != 10000 {
		t.Fatalf("writer busy timeout after the touch: %d %v", ms, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := st.TouchSession(ctx, token, testutil.Now()); err != nil {
		t.Fatalf("touch once the writer is done: %v", err)
	}
}
