package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/testutil"
)

func riskAudit(actor string, at time.Time) store.Audit {
	return store.Audit{Actor: actor, At: at, ClientAddr: "192.0.2.1"}
}

func newRisk() analytics.Risk {
	target := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	return analytics.Risk{Title: "Queue has no dead-letter handling", Description: "Poison messages block the consumer.",
		Category: "change safety", Likelihood: 3, Impact: 4, Owner: "ann@example.com", Status: analytics.RiskOpen,
		Mitigation: "Add a DLQ", TargetDate: &target, Services: []string{"checkout", "payments-api"}}
}

func countRows(t *testing.T, st *store.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := st.Writer().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestCreateRisk(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	at := testutil.Now()
	r, err := st.CreateRisk(ctx, newRisk(), riskAudit("ann@example.com", at))
	if err != nil {
		t.Fatal(err)
	}
	if r.Code != "R-013" || r.Version != 1 || r.CreatedBy != "ann@example.com" || !r.CreatedAt.Equal(at) {
		t.Fatalf("created %+v", r)
	}
	if r.Rating() != "high" || len(r.Services) != 2 || r.TargetDate.Format(time.DateOnly) != "2026-12-31" {
		t.Fatalf("fields %+v", r)
	}
	evs, err := st.RiskEvents(ctx, r.ID)
	if err != nil || len(evs) != 1 || evs[0].Field != "status" || evs[0].New != "open" || evs[0].Old != "" {
		t.Fatalf("events %+v %v", evs, err)
	}
	if n := countRows(t, st, `SELECT COUNT(*) FROM audit_log WHERE entity='risks' AND action='create' AND entity_id='R-013'`); n != 1 {
		t.Fatalf("audit rows %d", n)
	}
	bad := newRisk()
	bad.Services = []string{"no-such-service"}
	if _, err := st.CreateRisk(ctx, bad, riskAudit("ann@example.com", at)); !errors.Is(err, store.ErrUnknownService) {
		t.Fatalf("unknown service: %v", err)
	}
	if n := countRows(t, st, `SELECT COUNT(*) FROM risks`); n != 13 {
		t.Fatalf("a failed create left a row: %d risks", n)
	}
	// The service page's query keeps working.
	sv, _ := st.ServiceByName(ctx, "payments-api")
	list, err := st.RisksForService(ctx, sv.ID)
	if err != nil || len(list) == 0 {
		t.Fatalf("RisksForService: %v %d", err, len(list))
	}
}

// TestUpdateRiskHistory checks one history row per changed field, the
// version bump, the audit row, and that a save without change writes nothing.
func TestUpdateRiskHistory(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	at := testutil.Now()
	r, err := st.CreateRisk(ctx, newRisk(), riskAudit("ann@example.com", at))
	if err != nil {
		t.Fatal(err)
	}
	edit := r
	edit.Impact = 5
	edit.Owner = "bob@example.com"
	edit.Services = []string{"checkout"}
	rl, ri := 2, 3
	edit.ResidualLikelihood, edit.ResidualImpact = &rl, &ri
	saved, changes, err := st.UpdateRisk(ctx, r.Code, r.Version, edit, "after the game day", riskAudit("bob@example.com", at.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	if saved.Version != 2 || saved.Impact != 5 || saved.UpdatedBy != "bob@example.com" || len(saved.Services) != 1 {
		t.Fatalf("saved %+v", saved)
	}
	want := map[string][2]string{"services": {"checkout, payments-api", "checkout"}, "impact": {"4", "5"},
		"residual_likelihood": {"", "2"}, "residual_impact": {"", "3"}, "owner": {"ann@example.com", "bob@example.com"}}
	if len(changes) != len(want) {
		t.Fatalf("changes %+v", changes)
	}
	evs, _ := st.RiskEvents(ctx, r.ID)
	got := map[string][2]string{}
	for _, e := range evs {
		if e.Comment == "after the game day" {
			got[e.Field] = [2]string{e.Old, e.New}
		}
	}
	for f, w := range want {
		if got[f] != w {
			t.Errorf("history %s = %v, want %v", f, got[f], w)
		}
	}
	if n := countRows(t, st, `SELECT COUNT(*) FROM audit_log WHERE entity='risks' AND action='update' AND entity_id=?`, r.Code); n != 1 {
		t.Fatalf("audit rows %d", n)
	}
	// Saving the same values changes nothing.
	same, changes, err := st.UpdateRisk(ctx, r.Code, saved.Version, saved, "", riskAudit("bob@example.com", at.Add(2*time.Hour)))
	if err != nil || len(changes) != 0 || same.Version != 2 {
		t.Fatalf("no-op save: %v %v %d", err, changes, same.Version)
	}
	// Closing sets closed_at, reopening clears it.
	cl := saved
	cl.Status = analytics.RiskClosed
	closed, _, err := st.UpdateRisk(ctx, r.Code, saved.Version, cl, "done", riskAudit("bob@example.com", at.Add(3*time.Hour)))
	if err != nil || closed.ClosedAt == nil {
		t.Fatalf("close: %v %+v", err, closed.ClosedAt)
	}
	cl.Status = analytics.RiskOpen
	reopened, _, err := st.UpdateRisk(ctx, r.Code, closed.Version, cl, "", riskAudit("bob@example.com", at.Add(4*time.Hour)))
	if err != nil || reopened.ClosedAt != nil {
		t.Fatalf("reopen: %v %+v", err, reopened.ClosedAt)
	}
}

// TestUpdateRiskConflict: saving over a newer version is refused and
// leaves the stored risk, its history and the audit log untouched.
func TestUpdateRiskConflict(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	at := testutil.Now()
	r, err := st.CreateRisk(ctx, newRisk(), riskAudit("ann@example.com", at))
	if err != nil {
		t.Fatal(err)
	}
	a, b := r, r
	a.Impact = 5
	b.Likelihood = 1
	if _, _, err := st.UpdateRisk(ctx, r.Code, r.Version, a, "", riskAudit("ann@example.com", at)); err != nil {
		t.Fatal(err)
	}
	events := countRows(t, st, `SELECT COUNT(*) FROM risk_events WHERE risk_id = ?`, r.ID)
	audits := countRows(t, st, `SELECT COUNT(*) FROM audit_log WHERE entity = 'risks'`)
	_, _, err = st.UpdateRisk(ctx, r.Code, r.Version, b, "", riskAudit("bob@example.com", at))
	var ce *store.RiskConflictError
	if !errors.As(err, &ce) || ce.Current.Impact != 5 || ce.Current.Version != 2 || ce.Current.UpdatedBy != "ann@example.com" {
		t.Fatalf("conflict: %v", err)
	}
	cur, _ := st.RiskByCode(ctx, r.Code)
	if cur.Likelihood != r.Likelihood || cur.Impact != 5 {
		t.Fatalf("stale save overwrote: %+v", cur)
	}
	if countRows(t, st, `SELECT COUNT(*) FROM risk_events WHERE risk_id = ?`, r.ID) != events ||
		countRows(t, st, `SELECT COUNT(*) FROM audit_log WHERE entity = 'risks'`) != audits {
		t.Fatal("a refused save wrote history or audit rows")
	}
}

func TestRiskFiltersAndEvents(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	all, err := st.Risks(ctx, store.RiskFilter{})
	if err != nil || len(all) != 12 {
		t.Fatalf("all: %d %v", len(all), err)
	}
	closed := func(r analytics.Risk) bool { return r.Status == analytics.RiskClosed }
	sawClosed := false
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if closed(a) && !closed(b) {
			t.Fatalf("closed %s sorts before %s %s", a.Code, b.Status, b.Code)
		}
		sawClosed = sawClosed || closed(b)
		if closed(a) == closed(b) && a.Score() < b.Score() {
			t.Fatal("default order is not highest score first within open and closed risks")
		}
	}
	if !sawClosed {
		t.Fatal("the demo has no closed risk to order")
	}
	// An explicit sort keeps closed risks last too, but the status sort.
	bySev, _ := st.Risks(ctx, store.RiskFilter{Sort: "title"})
	for i := 1; i < len(bySev); i++ {
		if closed(bySev[i-1]) && !closed(bySev[i]) {
			t.Fatal("title sort puts a closed risk before an open one")
		}
	}
	open, _ := st.Risks(ctx, store.RiskFilter{Statuses: []string{"open", "mitigating"}})
	for _, r := range open {
		if !r.InPlay() {
			t.Fatalf("status filter let %s through", r.Status)
		}
	}
	cell, _ := st.Risks(ctx, store.RiskFilter{Likelihood: 3, Impact: 5})
	for _, r := range cell {
		if r.Likelihood != 3 || r.Impact != 5 {
			t.Fatalf("cell filter %+v", r)
		}
	}
	if len(cell) == 0 {
		t.Fatal("demo has a 3×5 risk")
	}
	overdue, _ := st.Risks(ctx, store.RiskFilter{ReviewOverdueAt: testutil.Now()})
	if len(overdue) == 0 {
		t.Fatal("demo has overdue reviews")
	}
	for _, r := range overdue {
		if !r.ReviewOverdue(testutil.Now()) {
			t.Fatalf("%s not overdue", r.Code)
		}
	}
	tier0 := 0
	byTier, _ := st.Risks(ctx, store.RiskFilter{Tier: &tier0, Sort: "code"})
	if len(byTier) == 0 || len(byTier) == 12 {
		t.Fatalf("tier filter: %d", len(byTier))
	}
	evs, err := st.RiskEventsBetween(ctx, testutil.DemoEnd.AddDate(-2, 0, 0), testutil.DemoEnd.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	created := 0
	for _, e := range evs {
		if e.Field != "status" || e.RiskCode == "" {
			t.Fatalf("event %+v", e)
		}
		if e.Old == "" {
			created++
		}
	}
	if created != 12 {
		t.Fatalf("created events %d", created)
	}
}

func TestRiskIncidentsAndComments(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	at := testutil.Now()
	r, err := st.CreateRisk(ctx, newRisk(), riskAudit("ann@example.com", at))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.LinkRiskIncident(ctx, r.Code, 1, riskAudit("ann@example.com", at)); err != nil {
		t.Fatal(err)
	}
	if err := st.LinkRiskIncident(ctx, r.Code, 1, riskAudit("ann@example.com", at)); err != nil {
		t.Fatal(err)
	}
	if err := st.LinkRiskIncident(ctx, r.Code, 999999999, riskAudit("ann@example.com", at)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing incident: %v", err)
	}
	if err := st.AddRiskComment(ctx, r.Code, "discussed in the weekly review", riskAudit("ann@example.com", at)); err != nil {
		t.Fatal(err)
	}
	got, _ := st.RiskByCode(ctx, r.Code)
	if len(got.IncidentIDs) != 1 || got.IncidentIDs[0] != 1 || got.Version != 1 {
		t.Fatalf("after link: %+v", got)
	}
	if err := st.UnlinkRiskIncident(ctx, r.Code, 1, riskAudit("ann@example.com", at)); err != nil {
		t.Fatal(err)
	}
	evs, _ := st.RiskEvents(ctx, r.ID)
	var fields []string
	for _, e := range evs {
		fields = append(fields, e.Field+":"+e.Old+">"+e.New+":"+e.Comment)
	}
	want := []string{"incidents:#1>:", ":>:discussed in the weekly review", "incidents:>#1:", "status:>open:Risk created"}
	if len(fields) != len(want) {
		t.Fatalf("history %q", fields)
	}
	for i := range want {
		if fields[i] != want[i] {
			t.Fatalf("history %q, want %q", fields, want)
		}
	}
	if _, err := st.RiskByCode(ctx, "R-999"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing risk: %v", err)
	}
}

func TestImportRisksAllOrNothing(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	good := newRisk()
	good.Services = []string{"checkout"}
	bad := newRisk()
	bad.Services = []string{"nowhere"}
	if _, err := st.ImportRisks(ctx, store.RiskImport{Rows: []analytics.Risk{good, bad}, CreateTier: -1}, riskAudit("ann@example.com", testutil.Now())); !errors.Is(err, store.ErrUnknownService) {
		t.Fatalf("unknown service: %v", err)
	}
	if n := countRows(t, st, `SELECT COUNT(*) FROM risks`); n != 0 {
		t.Fatalf("partial import: %d", n)
	}
	out, err := st.ImportRisks(ctx, store.RiskImport{Rows: []analytics.Risk{good, bad}, CreateTier: 1}, riskAudit("ann@example.com", testutil.Now()))
	if err != nil || len(out) != 2 || out[0].Code != "R-001" || out[1].Code != "R-002" {
		t.Fatalf("import: %v %+v", err, out)
	}
	sv, err := st.ServiceByName(ctx, "nowhere")
	if err != nil || sv.Tier != 1 {
		t.Fatalf("created service: %+v %v", sv, err)
	}
}

// TestImportRisksUpdatesByCode: a row naming a stored risk updates it
// through the edit path (history, audit, version), a free R-code is kept,
// listed incidents are linked, and a stale version refuses everything.
func TestImportRisksUpdatesByCode(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	at := testutil.Now()
	cur, err := st.RiskByCode(ctx, "R-003")
	if err != nil {
		t.Fatal(err)
	}
	before := countRows(t, st, `SELECT COUNT(*) FROM risks`)
	upd := cur
	upd.Impact = cur.Impact%5 + 1
	upd.IncidentIDs = []int64{1}
	same, _ := st.RiskByCode(ctx, "R-004")
	fresh := newRisk()
	fresh.Code = "R-050"
	fresh.CreatedAt = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	fresh.CreatedBy = "old.owner@example.com"
	uncoded := newRisk()
	out, err := st.ImportRisks(ctx, store.RiskImport{Rows: []analytics.Risk{uncoded, upd, same, fresh}, CreateTier: -1, Source: "reg.csv"},
		riskAudit("ann@example.com", at))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 4 || out[0].Code != "R-051" || out[1].Code != "R-003" || out[3].Code != "R-050" {
		t.Fatalf("codes %q %q %q %q", out[0].Code, out[1].Code, out[2].Code, out[3].Code)
	}
	if n := countRows(t, st, `SELECT COUNT(*) FROM risks`); n != before+2 {
		t.Fatalf("risks %d, want %d (no duplicates of R-003, R-004)", n, before+2)
	}
	got, _ := st.RiskByCode(ctx, "R-003")
	if got.Impact != upd.Impact || got.Version != cur.Version+1 || !slices.Contains(got.IncidentIDs, 1) || got.UpdatedBy != "ann@example.com" {
		t.Fatalf("updated risk %+v", got)
	}
	if n := countRows(t, st, `SELECT COUNT(*) FROM risk_events WHERE risk_id = ? AND field = 'impact' AND comment = 'Imported from reg.csv'`, cur.ID); n != 1 {
		t.Fatalf("impact history rows %d", n)
	}
	if n := countRows(t, st, `SELECT COUNT(*) FROM audit_log WHERE entity = 'risks' AND entity_id = 'R-003' AND action = 'update'`); n != 1 {
		t.Fatalf("update audit rows %d", n)
	}
	if got, _ := st.RiskByCode(ctx, "R-004"); got.Version != same.Version || !got.UpdatedAt.Equal(same.UpdatedAt) {
		t.Fatalf("an unchanged row touched its risk: %+v\n%+v", got, same)
	}
	kept, _ := st.RiskByCode(ctx, "R-050")
	if !kept.CreatedAt.Equal(fresh.CreatedAt) || kept.CreatedBy != "old.owner@example.com" || kept.UpdatedBy != "ann@example.com" {
		t.Fatalf("created at/by not kept: %+v", kept)
	}

	// A row diffed against an older version is a conflict; nothing is written.
	stale := upd
	stale.Impact = upd.Impact%5 + 1
	events := countRows(t, st, `SELECT COUNT(*) FROM risk_events`)
	_, err = st.ImportRisks(ctx, store.RiskImport{Rows: []analytics.Risk{newRisk(), stale}, CreateTier: -1}, riskAudit("ann@example.com", at))
	var ce *store.RiskConflictError
	if !errors.As(err, &ce) || ce.Current.Code != "R-003" {
		t.Fatalf("stale import: %v", err)
	}
	if countRows(t, st, `SELECT COUNT(*) FROM risk_events`) != events {
		t.Fatal("a refused import wrote history")
	}
	// A missing incident fails the import.
	bad := newRisk()
	bad.IncidentIDs = []int64{999999999}
	if _, err := st.ImportRisks(ctx, store.RiskImport{Rows: []analytics.Risk{bad}, CreateTier: -1}, riskAudit("ann@example.com", at)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing incident: %v", err)
	}
	known, err := st.KnownIncidentIDs(ctx, []int64{1, 999999999})
	if err != nil || !known[1] || known[999999999] {
		t.Fatalf("KnownIncidentIDs: %v %v", known, err)
	}
}

// TestRiskOverdueFilterCalendarDay: the overdue filter compares dates in
// the location of the instant it is given, like Risk.ReviewOverdueIn.
func TestRiskOverdueFilterCalendarDay(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	at := testutil.Now()
	review := time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)
	r := newRisk()
	r.Services = []string{"checkout"}
	r.NextReviewDate = &review
	if _, err := st.ImportRisks(ctx, store.RiskImport{Rows: []analytics.Risk{r}, CreateTier: 1}, riskAudit("ann@example.com", at)); err != nil {
		t.Fatal(err)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		now  time.Time
		want int
	}{
		{"due today, late UTC", time.Date(2026, 11, 15, 23, 0, 0, 0, time.UTC), 0},
		{"next day UTC", time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), 1},
		{"next day in Berlin", time.Date(2026, 11, 15, 23, 30, 0, 0, time.UTC).In(berlin), 1},
	}
	for _, tc := range cases {
		got, err := st.Risks(ctx, store.RiskFilter{ReviewOverdueAt: tc.now})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Errorf("%s: %d overdue, want %d", tc.name, len(got), tc.want)
		}
		for _, r := range got {
			if !r.ReviewOverdueIn(tc.now, tc.now.Location()) {
				t.Errorf("%s: filter and ReviewOverdueIn disagree", tc.name)
			}
		}
	}
}
