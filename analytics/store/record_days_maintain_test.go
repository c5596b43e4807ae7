package store_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"sreport/analytics/store"
)

// TestRecordDaysAreDerivedData checks that packing record days leaves
// the computations' data version alone (caches stay warm) and that a
// database whose triggers went missing — a later migration rebuilding
// deploys drops them — gets them back on open with every day dirty.
func TestRecordDaysAreDerivedData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rd.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	rdImport(t, st, rdDeploysCSV(rng, 200, []string{"checkout", "search"}), "deploys", "d.csv", true)
	rdImport(t, st, rdPagesCSV(rng, 200, []string{"checkout"}), "pages", "p.csv", false)
	rdImport(t, st, rdIncidentsCSV(rng, 200, []string{"checkout", "search"}), "incidents", "i.csv", true)
	rdOverride(t, st, rng)
	before, err := st.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := st.RefreshRecordDays(ctx); err != nil || n == 0 {
		t.Fatalf("refresh packed %d days (%v), want some", n, err)
	}
	if after, err := st.DataVersion(ctx); err != nil || after != before {
		t.Fatalf("data version %d after packing (%v), want %d", after, err, before)
	}
	// Reopened as it is, nothing is marked again.
	st.Close()
	if st, err = store.Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	if n, err := st.DirtyRecordDays(ctx); err != nil || n != 0 {
		t.Fatalf("%d dirty days after reopening (%v), want 0", n, err)
	}
	if _, err := st.Writer().ExecContext(ctx, `DROP TRIGGER record_days_pages_update`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if st, err = store.Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var triggers, deployDays, pageDays, incidentDays int
	db := st.Writer()
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'record_days_%'`).Scan(&triggers); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM deploy_days), (SELECT count(*) FROM page_days), (SELECT count(*) FROM incident_days)`).Scan(&deployDays, &pageDays, &incidentDays); err != nil {
		t.Fatal(err)
	}
	dirty, err := st.DirtyRecordDays(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if triggers != 15 || dirty != deployDays+pageDays+incidentDays || incidentDays == 0 {
		t.Fatalf("after reopening: %d triggers, %d dirty days of %d packed; want 15 and every day dirty", triggers, dirty, deployDays+pageDays+incidentDays)
	}
	rdCompare(t, st, rng, "reopened")
}

// TestMaintainRecordDaysPacks runs the server's maintainer: days an
// import dirtied get packed once writes stop, and it returns when its
// context ends.
func TestMaintainRecordDaysPacks(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "rd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		st.MaintainRecordDays(mctx, 5*time.Millisecond, func(err error) { t.Errorf("maintainer: %v", err) })
	}()
	rng := rand.New(rand.NewPCG(8, 8))
	rdImport(t, st, rdDeploysCSV(rng, 300, []string{"checkout", "search"}), "deploys", "d.csv", true)
	// Wait for the packing (no bound on how long it may take on a busy
	// machine beyond the test's own timeout).
	for {
		n, err := st.DirtyRecordDays(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	var packed int
	if err := st.Writer().QueryRowContext(ctx, `SELECT count(data) FROM deploy_days`).Scan(&packed); err != nil || packed == 0 {
		t.Fatalf("%d days packed (%v), want some", packed, err)
	}
	rdCompare(t, st, rng, "maintained")
}
