package store_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/testutil"
)

func TestReportMonths(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	ms, err := st.ReportMonths(ctx, time.UTC)
	if err != nil || len(ms) != 0 {
		t.Fatalf("empty database: %v, %v", ms, err)
	}
	db := st.Writer()
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	mustExec(`INSERT INTO services (id, name, tier) VALUES (1, 'api', 0)`)
	mustExec(`INSERT INTO incidents (source, external_id, service_id, title, severity, status, detected_at)
		VALUES ('t', '1', 1, 'x', 1, 'resolved', '2026-09-30T22:30:00Z')`)
	mustExec(`INSERT INTO deploys (source, external_id, service_id, environment, finished_at, status)
		VALUES ('t', '1', 1, 'prod', '2026-07-01T10:00:00Z', 'success')`)
	mustExec(`INSERT INTO pages (source, external_id, service_id, title, triggered_at)
		VALUES ('t', '1', 1, 'p', '2026-07-20T10:00:00Z')`)

	got := func(loc *time.Location) []string {
		ms, err := st.ReportMonths(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.Label)
		}
		return out
	}
	if g := got(time.UTC); len(g) != 2 || g[0] != "2026-09" || g[1] != "2026-07" {
		t.Errorf("UTC months = %v, want [2026-09 2026-07]", g)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata")
	}
	// 22:30 UTC on 30 September is 00:30 on 1 October in Berlin.
	if g := got(berlin); len(g) != 2 || g[0] != "2026-10" {
		t.Errorf("Berlin months = %v, want [2026-10 2026-07]", g)
	}

	// Many records in a month, a malformed instant (placing nothing), and a
	// half-hour zone: 18:45 UTC on 31 July is 00:15 on 1 August in Kolkata,
	// which grouping by UTC hour put in July.
	for i := range 50 {
		mustExec(`INSERT INTO deploys (source, external_id, service_id, environment, finished_at, status)
			VALUES ('t', ?, 1, 'prod', ?, 'success')`, "m"+strconv.Itoa(i), fmt.Sprintf("2026-07-%02dT%02d:00:00Z", 1+i%28, i%24))
	}
	mustExec(`INSERT INTO pages (source, external_id, service_id, title, triggered_at)
		VALUES ('t', 'bad', 1, 'p', 'not a time'), ('t', 'k', 1, 'p', '2026-07-31T18:45:00Z')`)
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Skip("no tzdata")
	}
	if g := got(kolkata); !slices.Equal(g, []string{"2026-10", "2026-08", "2026-07"}) {
		t.Errorf("Kolkata months = %v, want [2026-10 2026-08 2026-07]", g)
	}
	if g := got(time.UTC); !slices.Equal(g, []string{"2026-09", "2026-07"}) {
		t.Errorf("UTC months with a malformed instant = %v, want [2026-09 2026-07]", g)
	}
}

// TestRisksAsOf checks that a period report sees the register as it stood
// at the period end: later risks are absent and later edits undone.
func TestRisksAsOf(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	if _, err := st.Writer().ExecContext(ctx, `INSERT INTO services (id, name, tier) VALUES (1, 'api', 0), (2, 'web', 1)`); err != nil {
		t.Fatal(err)
	}
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 12, 0, 0, 0, time.UTC) }
	by := func(at time.Time) store.Audit { return store.Audit{Actor: "ann@example.com", At: at} }
	target := time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC)
	old, err := st.CreateRisk(ctx, analytics.Risk{Title: "Single DB primary", Category: "single point of failure",
		Likelihood: 2, Impact: 4, Owner: "ann", Status: analytics.RiskOpen, TargetDate: &target, Services: []string{"api"}}, by(day(8, 1)))
	if err != nil {
		t.Fatal(err)
	}
	// After the period (Q3 ends 1 Oct): mitigated, re-scored, re-targeted,
	// moved to another service, then closed.
	edit := old
	later := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	edit.Status, edit.Likelihood, edit.TargetDate, edit.Services = analytics.RiskMitigating, 5, &later, []string{"web"}
	if edit, _, err = st.UpdateRisk(ctx, old.Code, old.Version, edit, "", by(day(10, 5))); err != nil {
		t.Fatal(err)
	}
	closed := edit
	closed.Status = analytics.RiskClosed
	if _, _, err = st.UpdateRisk(ctx, edit.Code, edit.Version, closed, "", by(day(11, 2))); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateRisk(ctx, analytics.Risk{Title: "New after the quarter", Category: "capacity", Likelihood: 5, Impact: 5,
		Owner: "bob", Status: analytics.RiskOpen, Services: []string{"api"}}, by(day(10, 20))); err != nil {
		t.Fatal(err)
	}

	q3End := analytics.NewQuarter(2026, 3, time.UTC).To
	got, err := st.RisksAsOf(ctx, q3End)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("risks as of Q3's end = %d, want 1 (the one created in October is absent): %+v", len(got), got)
	}
	r := got[0]
	if r.Status != analytics.RiskOpen || r.Likelihood != 2 || r.Score() != 8 || r.ClosedAt != nil {
		t.Errorf("as of Q3: status %s, likelihood %d, closed %v; want open, 2, never", r.Status, r.Likelihood, r.ClosedAt)
	}
	if r.TargetDate == nil || !r.TargetDate.Equal(target) || !slices.Equal(r.Services, []string{"api"}) {
		t.Errorf("as of Q3: target %v, services %v; want 2026-09-15, [api]", r.TargetDate, r.Services)
	}
	// Between the two edits: mitigating, re-scored, not yet closed.
	mid, err := st.RisksAsOf(ctx, day(10, 25))
	if err != nil {
		t.Fatal(err)
	}
	if len(mid) != 2 {
		t.Fatalf("risks as of 25 Oct = %d, want 2", len(mid))
	}
	for _, r := range mid {
		if r.Code == old.Code && (r.Status != analytics.RiskMitigating || r.Likelihood != 5 || r.ClosedAt != nil) {
			t.Errorf("as of 25 Oct: %s %d closed %v; want mitigating 5, not closed", r.Status, r.Likelihood, r.ClosedAt)
		}
	}
	now, err := st.RisksAsOf(ctx, day(12, 1))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range now {
		if r.Code == old.Code && (r.Status != analytics.RiskClosed || r.ClosedAt == nil) {
			t.Errorf("as of December: %s closed %v; want closed", r.Status, r.ClosedAt)
		}
	}
	changes, err := st.RiskChangesBetween(ctx, day(10, 1), day(11, 1))
	if err != nil {
		t.Fatal(err)
	}
	// status, likelihood, target date and services of the first edit, and
	// the creation of the second risk.
	if len(changes) != 5 {
		t.Errorf("changes in October = %d, want 5: %+v", len(changes), changes)
	}
}
