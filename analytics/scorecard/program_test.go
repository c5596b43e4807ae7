package scorecard_test

import (
	"context"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/scorecard"
	"sreport/testutil"
)

// TestDemoProgramQuarter checks the demo company has every program KPI for
// its last complete quarter, organisation-wide, and that the organisation
// figure (stakeholder satisfaction) stays off the tier rows.
func TestDemoProgramQuarter(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	env, err := scorecard.LoadEnv(ctx, st, testutil.Now().Truncate(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	q := analytics.QuarterOf(testutil.Now(), time.UTC).Prev()
	res, err := scorecard.KPIs(ctx, st, env, q, scorecard.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	defs := analytics.KPIDefsInGroup(analytics.KPIGroupProgram)
	if len(defs) != 13 { // the program inputs' twelve and perf_regression_rate
		t.Fatalf("%d program KPIs, want 13", len(defs))
	}
	for _, d := range defs {
		if v := res.KPIs.Get(d.Key); v == nil {
			t.Errorf("%s %s: no data for the organisation (n = %v)", q.Label, d.Key, res.N[d.Key])
		}
	}
	card, err := scorecard.Build(ctx, st, env, q, scorecard.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := card.Tiers[0].KPIs[analytics.KPIStakeholderScore]; ok {
		t.Error("a tier row carries the organisation's stakeholder score")
	}
	if _, ok := card.Org.KPIs[analytics.KPIStakeholderScore]; !ok {
		t.Error("the organisation row lacks the stakeholder score")
	}
}
