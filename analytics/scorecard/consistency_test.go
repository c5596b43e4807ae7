package scorecard_test

import (
	"context"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/scorecard"
	"sreport/testutil"
)

// TestScopesAgreeOnCrossServiceLinks checks that a service's numbers are the
// same in the org scorecard and in a service-scoped computation when an
// incident of another service names one of its deploys.
func TestScopesAgreeOnCrossServiceLinks(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	db := st.Writer()
	var deployID, incidentID int64
	if err := db.QueryRowContext(ctx, `SELECT d.id FROM deploys d JOIN services s ON s.id = d.service_id
		WHERE s.name = 'checkout' AND d.environment = 'production' AND d.status = 'success' AND d.is_rollback = 0
		AND d.finished_at >= '2026-10-10' ORDER BY d.finished_at LIMIT 1`).Scan(&deployID); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT i.id FROM incidents i JOIN services s ON s.id = i.service_id
		WHERE s.name <> 'checkout' AND i.detected_at >= '2026-10-12' AND i.detected_at < '2026-11-01'
		AND i.caused_by_deploy_id IS NULL ORDER BY i.detected_at LIMIT 1`).Scan(&incidentID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE incidents SET caused_by_deploy_id = ? WHERE id = ?`, deployID, incidentID); err != nil {
		t.Fatal(err)
	}
	env, err := scorecard.LoadEnv(ctx, st, testutil.Now())
	if err != nil {
		t.Fatal(err)
	}
	p := analytics.NewMonth(2026, 10, time.UTC)
	card, err := scorecard.Build(ctx, st, env, p, scorecard.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	var fromCard *scorecard.Row
	for i := range card.Services {
		if card.Services[i].Name == "checkout" {
			fromCard = &card.Services[i]
		}
	}
	scoped, err := scorecard.KPIs(ctx, st, env, p, scorecard.Scope{Service: "checkout"})
	if err != nil {
		t.Fatal(err)
	}
	if fromCard.Counts.FailedChanges != scoped.Counts.FailedChanges || fromCard.Counts.Deployments != scoped.Counts.Deployments {
		t.Fatalf("checkout failed changes: scorecard %d/%d, scoped %d/%d", fromCard.Counts.FailedChanges, fromCard.Counts.Deployments,
			scoped.Counts.FailedChanges, scoped.Counts.Deployments)
	}
	res, err := scorecard.Result(ctx, st, env, p, scorecard.Scope{Service: "checkout"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range res.Evidence.For(analytics.KPIChangeFailureRate) {
		if e.ID == deployID && e.Included {
			found = true
		}
	}
	if !found {
		t.Fatalf("deploy #%d named by another service's incident #%d is not a failed change of checkout", deployID, incidentID)
	}
}

// TestNoPreviousData: the first month of data has no previous period to
// compare with, rather than a previous period of zeros.
func TestNoPreviousData(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	env, err := scorecard.LoadEnv(ctx, st, testutil.Now())
	if err != nil {
		t.Fatal(err)
	}
	var first string
	if err := st.Writer().QueryRowContext(ctx, `SELECT substr(MIN(finished_at), 1, 7) FROM deploys`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	p, err := analytics.ParsePeriod(first, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	res, err := scorecard.KPIs(ctx, st, env, p, scorecard.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if res.KPIs.Deployments == nil || *res.KPIs.Deployments == 0 {
		t.Fatalf("%s has no deployments", first)
	}
	if res.Previous.Deployments != nil || res.Change[analytics.KPIDeployments] != nil {
		t.Fatalf("%s: previous %v change %v, want no previous data", first, res.Previous.Deployments, res.Change[analytics.KPIDeployments])
	}
	// A month with data before it still compares.
	res, err = scorecard.KPIs(ctx, st, env, p.Next(), scorecard.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Previous.Deployments == nil || res.Change[analytics.KPIDeployments] == nil {
		t.Fatalf("%s: no comparison with %s", p.Next(), first)
	}
}

// TestDemoStatusesMeanWhatTheySay is issue 14 item 4 on the demo company:
// 408 cells had a value but no target and were called no_data. Every cell
// of October 2026 now has one of the six statuses, no_data exactly when it
// has no value, and a judged status only on enough records.
func TestDemoStatusesMeanWhatTheySay(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	env, err := scorecard.LoadEnv(ctx, st, testutil.Now().Truncate(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	card, err := scorecard.Build(ctx, st, env, analytics.NewMonth(2026, 10, time.UTC), scorecard.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, r := range append(append(append([]scorecard.Row{}, card.Services...), card.Tiers...), append(card.Teams, card.Org)...) {
		for k, c := range r.KPIs {
			counts[c.Status]++
			switch {
			case (c.Value == nil) != (c.Status == analytics.StatusNoData):
				t.Errorf("%s %s: value %v, status %s", r.Name, k, c.Value, c.Status)
			case c.Status == analytics.StatusNoTarget && c.Target != nil:
				t.Errorf("%s %s: no_target with target %v", r.Name, k, *c.Target)
			case c.Status != analytics.StatusNoData && c.Status != analytics.StatusLowSample && c.N < float64(c.MinSample):
				t.Errorf("%s %s: %s on %v records, minimum %d", r.Name, k, c.Status, c.N, c.MinSample)
			case c.Status == analytics.StatusLowSample && c.N >= float64(c.MinSample):
				t.Errorf("%s %s: low_sample on %v records, minimum %d", r.Name, k, c.N, c.MinSample)
			}
		}
	}
	for _, s := range analytics.Statuses {
		if counts[s] == 0 {
			t.Errorf("no cell is %s in the demo's October: %v", s, counts)
		}
	}
	t.Logf("October 2026 statuses: %v", counts)
}
