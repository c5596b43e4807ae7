package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"sreport/analytics/store"
	"sreport/testutil"
)

// pdCSV is a PagerDuty Insights CSV of n incidents of service svc whose
// titles end in tag, so two files with different tags update each other.
func pdCSV(n int, svc, tag string) []byte {
	var b strings.Builder
	b.WriteString("id,incident_number,description,service_name,priority_name,status,created_at,resolved_at,seconds_to_first_ack,seconds_to_resolve\n")
	for i := range n {
		fmt.Fprintf(&b, "QX%05d,%d,disk full %s,%s,P2,resolved,2026-06-%02dT10:00:00Z,2026-06-%02dT11:00:00Z,60,3600\n", i, i, tag, svc, 1+i%28, 1+i%28)
	}
	return []byte(b.String())
}

// TestInsertsAreKnownByImportID checks the insert bookkeeping an import
// derives from import_id: an insert-only import writes no import_changes
// row, yet its rollback deletes exactly what it inserted, keeps what an
// earlier import wrote, and is refused while a later import changed its rows.
func TestInsertsAreKnownByImportID(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	before := checksumData(t, st)
	first := apply(t, st, "a.csv", pdCSV(50, "checkout", "a"), createAll())
	counts(t, "first", first, 50, 0, 0, 0)
	if n := count(t, st, `SELECT COUNT(*) FROM import_changes WHERE import_id = ? AND entity = 'incidents'`, first.ImportID); n != 0 {
		t.Fatalf("insert-only import recorded %d incident changes, want 0", n)
	}
	// A second file inserts 20 more and updates 10 of the first's rows.
	data := strings.Split(string(pdCSV(70, "checkout", "b")), "\n")
	second := apply(t, st, "b.csv", []byte(strings.Join(append(data[:1], data[41:]...), "\n")), createAll())
	counts(t, "second", second, 20, 10, 0, 0)
	_, err := st.RollbackImport(ctx, first.ImportID, cli)
	if !errors.Is(err, store.ErrRollbackConflict) || !strings.Contains(err.Error(), fmt.Sprintf("import %d changed 10", second.ImportID)) {
		t.Fatalf("rollback of the first import under the second: %v, want a conflict naming 10 rows", err)
	}
	r, err := st.RollbackImport(ctx, second.ImportID, cli)
	if err != nil {
		t.Fatal(err)
	}
	if r.Deleted != 20 || r.Restored != 10 {
		t.Fatalf("rollback of the second: deleted %d restored %d, want 20 and 10", r.Deleted, r.Restored)
	}
	if n := count(t, st, `SELECT COUNT(*) FROM incidents WHERE import_id = ? AND title = 'disk full a'`, first.ImportID); n != 50 {
		t.Fatalf("after the second's rollback %d incidents of the first are as it wrote them, want 50", n)
	}
	if r, err = st.RollbackImport(ctx, first.ImportID, cli); err != nil {
		t.Fatal(err)
	}
	if r.Deleted != 50 || r.Restored != 0 {
		t.Fatalf("rollback of the first: deleted %d restored %d, want 50 and 0", r.Deleted, r.Restored)
	}
	if got := checksumData(t, st); got != before {
		t.Fatal("rolling both imports back did not restore the database")
	}
}

// TestRandomImportsRollBackExactly is the exactness check of the derived
// insert bookkeeping: on many generated sequences of overlapping imports
// (new ids, changed rows, repeated rows, two services), rolling the imports
// back newest first restores, after each step, exactly the records the
// database held before that import, compared with a full snapshot.
func TestRandomImportsRollBackExactly(t *testing.T) {
	ctx := context.Background()
	for seed := range uint64(12) {
		rnd := rand.New(rand.NewPCG(seed, 19))
		st := testutil.NewStore(t)
		var snaps []string
		var ids []int64
		for step := range 2 + rnd.IntN(4) {
			snaps = append(snaps, checksumData(t, st))
			var b strings.Builder
			b.WriteString("id,incident_number,description,service_name,priority_name,status,created_at,resolved_at,seconds_to_first_ack,seconds_to_resolve\n")
			for range 1 + rnd.IntN(30) {
				i := rnd.IntN(40)
				fmt.Fprintf(&b, "QR%03d,%d,%s,%s,P%d,resolved,2026-06-%02dT10:00:00Z,2026-06-%02dT11:00:00Z,%d,3600\n", i, i,
					[]string{"disk full", "cert expired", "oom"}[rnd.IntN(3)], []string{"checkout", "search"}[rnd.IntN(2)],
					1+rnd.IntN(4), 1+i%28, 1+i%28, 60*(1+rnd.IntN(3)))
			}
			res := apply(t, st, fmt.Sprintf("s%d-%d.csv", seed, step), []byte(b.String()), createAll())
			ids = append(ids, res.ImportID)
		}
		for i := len(ids) - 1; i >= 0; i-- {
			if _, err := st.RollbackImport(ctx, ids[i], cli); err != nil {
				t.Fatalf("seed %d: rollback of import %d: %v", seed, ids[i], err)
			}
			if got := checksumData(t, st); got != snaps[i] {
				t.Fatalf("seed %d: rolling back import %d (step %d) did not restore the records before it", seed, ids[i], i)
			}
		}
	}
}
