package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"sreport/analytics"
	"sreport/analytics/imports"
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

// TestApplyBatchValidatesFieldLengths: a batch that did not come through
// ingest.Parse still has its over-long fields refused, row by row.
func TestApplyBatchValidatesFieldLengths(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	at := testutil.Now()
	b := &imports.Batch{Format: "api", Source: "api", Lines: map[string]int{imports.IncidentKey("A"): 1, imports.IncidentKey("B"): 2},
		Incidents: []analytics.Incident{{ExternalID: "A", Service: "api", Title: "fine", DetectedAt: at},
			{ExternalID: "B", Service: "api", Title: strings.Repeat("t", imports.MaxTitleChars+1), DetectedAt: at}}}
	res, err := st.ApplyBatch(ctx, b, store.ApplyOptions{CreateServices: true, SkipInvalid: true, Actor: "test"})
	if err != nil || res.Inserted != 1 || res.Rejected != 1 || res.Errors[0].Line != 2 ||
		res.Errors[0].Reason != "incident B: title longer than 1,000 characters (1,001)" {
		t.Fatalf("%v %+v", err, res)
	}
}
