package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"sreport/analytics/imports"
	"sreport/analytics/store"
	"sreport/testutil"
)

// manyIncidents is an export of n incidents of service svc with long titles,
// so that storing them needs many new database pages.
func manyIncidents(svc string, n int) *imports.Batch {
	titles := make([]string, n)
	for i := range titles {
		titles[i] = fmt.Sprintf("%s %05d %s", svc, i, strings.Repeat("x", 400))
	}
	return incidentBatch(svc, titles...)
}

// TestImportIntoFullDatabase: when the database cannot grow (disk full,
// here PRAGMA max_page_count), an import fails as a whole with a clear
// error, even with SkipInvalid: no row of it is written and nothing is
// reported as a bad row. Reads go on working, and once there is room the
// same file imports.
func TestImportIntoFullDatabase(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	if _, err := st.ApplyBatch(ctx, manyIncidents("kept", 3), store.ApplyOptions{CreateServices: true}); err != nil {
		t.Fatal(err)
	}
	w := st.Writer() // one connection: the pragma holds for the imports below
	var pages int64
	if err := w.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ExecContext(ctx, fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+20)); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := w.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := [3]int{count(`SELECT COUNT(*) FROM incidents`), count(`SELECT COUNT(*) FROM imports`), count(`SELECT COUNT(*) FROM import_changes`)}

	res, err := st.ApplyBatch(ctx, manyIncidents("new", 2000), store.ApplyOptions{CreateServices: true, SkipInvalid: true})
	var ie *store.ImportError
	switch {
	case err == nil:
		t.Fatalf("import into a full database succeeded: %d inserted, %d rejected (%v)", res.Inserted, res.Rejected, firstErrors(res.Errors))
	case errors.As(err, &ie):
		t.Fatalf("a full database became row errors: %v", err)
	case !store.IsFull(err) || !strings.Contains(err.Error(), "database or disk is full"):
		t.Fatalf("error %q does not say the database is full", err)
	}
	if res.Applied || res.Rejected != 0 || len(res.Errors) != 0 {
		t.Errorf("result claims rows: applied %v, %d rejected (%v)", res.Applied, res.Rejected, firstErrors(res.Errors))
	}
	after := [3]int{count(`SELECT COUNT(*) FROM incidents`), count(`SELECT COUNT(*) FROM imports`), count(`SELECT COUNT(*) FROM import_changes`)}
	if after != before {
		t.Fatalf("incidents, imports, changes: %v before, %v after a failed import", before, after)
	}
	if _, err := st.ServiceByName(ctx, "new"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the failed import left its service behind: %v", err)
	}
	// Reads keep working.
	page, err := st.Incidents(ctx, store.ListFilter{Limit: 10})
	if err != nil || len(page.Rows) != 3 {
		t.Fatalf("read after the failure: %d rows, %v", len(page.Rows), err)
	}
	if err := st.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	// With room again, the writer works and the file imports whole.
	if _, err := w.ExecContext(ctx, `PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	res, err = st.ApplyBatch(ctx, manyIncidents("new", 2000), store.ApplyOptions{CreateServices: true})
	if err != nil || res.Inserted != 2000 {
		t.Fatalf("import with room: %d inserted, %v", res.Inserted, err)
	}
}

func firstErrors(errs []store.RowError) []store.RowError {
	return errs[:min(len(errs), 3)]
}

// TestImportCancelled: an import whose context ends half-way (the client
// or the server went away) is not a file of bad rows: with SkipInvalid it
// still fails as a whole and writes nothing.
func TestImportCancelled(t *testing.T) {
	st := testutil.NewStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opt := store.ApplyOptions{CreateServices: true, SkipInvalid: true, Progress: func(done, total int) {
		if done >= 500 {
			cancel() // synchronously, from inside the import
		}
	}}
	res, err := st.ApplyBatch(ctx, manyIncidents("gone", 2000), opt)
	var ie *store.ImportError
	if err == nil || errors.As(err, &ie) {
		t.Fatalf("cancelled import: %v (%d inserted, %d rejected)", err, res.Inserted, res.Rejected)
	}
	if res.Applied || res.Rejected != 0 {
		t.Errorf("result claims rows: applied %v, %d rejected (%v)", res.Applied, res.Rejected, firstErrors(res.Errors))
	}
	bg := context.Background()
	var incidents, imported int
	if err := st.Writer().QueryRowContext(bg, `SELECT (SELECT COUNT(*) FROM incidents), (SELECT COUNT(*) FROM imports)`).Scan(&incidents, &imported); err != nil {
		t.Fatal(err)
	}
	if incidents != 0 || imported != 0 {
		t.Fatalf("a cancelled import left %d incidents and %d imports", incidents, imported)
	}
}
