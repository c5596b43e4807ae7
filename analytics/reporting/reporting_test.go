package reporting_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/reporting"
	"sreport/analytics/scorecard"
	"sreport/testutil"
)

// TestTierHistoryIsTheScorecardsRollup checks that a report's tier history
// (for target streaks) counts what the scorecard of each earlier period
// shows for the tier: both come from one tier split/merge.
func TestTierHistoryIsTheScorecardsRollup(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	env, err := scorecard.LoadEnv(ctx, st, testutil.Now().Truncate(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := reporting.Assemble(ctx, st, env, reporting.Request{Period: "2026-10", Team: "payments"}, testutil.Now())
	if err != nil {
		t.Fatal(err)
	}
	d := rep.Data
	if len(d.Earlier) < 3 || len(d.EarlierTiers) == 0 {
		t.Fatalf("demo data gives %d earlier months and %d tiers of history, want at least 3 and 1", len(d.Earlier), len(d.EarlierTiers))
	}
	for tier, hist := range d.EarlierTiers {
		if len(hist) != len(d.Earlier) {
			t.Fatalf("tier %d: %d periods of history for %d earlier periods", tier, len(hist), len(d.Earlier))
		}
		for i, ep := range d.Earlier {
			card, err := scorecard.Build(ctx, st, env, ep, scorecard.Scope{Team: "payments"})
			if err != nil {
				t.Fatal(err)
			}
			var row *scorecard.Row
			for j := range card.Tiers {
				if *card.Tiers[j].Tier == tier {
					row = &card.Tiers[j]
				}
			}
			if row == nil {
				t.Fatalf("%s: the scorecard has no tier %d row", ep.Label, tier)
			}
			for _, k := range analytics.KPINames {
				if _, ok := row.KPIs[k]; !ok {
					continue // an organisation figure (KPIDef.Org): not on tier rows
				}
				got, want := hist[i].KPIs.Get(k), row.KPIs[k].Value
				if (got == nil) != (want == nil) || got != nil && math.Abs(*got-*want) > 1e-9*math.Max(1, math.Abs(*want)) {
					t.Errorf("%s tier %d %s: report history %v, scorecard %v", ep.Label, tier, k, ptr(got), ptr(want))
				}
			}
		}
	}
	if len(rep.Months) != 12 || rep.Months[11].Label != "2026-10" || len(rep.Trend) != 12 {
		t.Errorf("trend months %d ending %s with %d results, want 12 ending 2026-10", len(rep.Months), rep.Months[len(rep.Months)-1].Label, len(rep.Trend))
	}
}

// TestAssembleRefusals checks the errors callers turn into messages: a
// period that does not parse, one that has not started, an unknown team.
func TestAssembleRefusals(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	env, err := scorecard.LoadEnv(ctx, st, testutil.Now().Truncate(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	assemble := func(req reporting.Request) error {
		_, err := reporting.Assemble(ctx, st, env, req, testutil.Now())
		return err
	}
	var pe reporting.PeriodError
	if err := assemble(reporting.Request{Period: "2026-13"}); !errors.As(err, &pe) {
		t.Errorf("2026-13: %v, want a PeriodError", err)
	}
	var ns reporting.NotStartedError
	if err := assemble(reporting.Request{Period: "2030-01"}); !errors.As(err, &ns) || ns.Period != "2030-01" {
		t.Errorf("2030-01: %v, want a NotStartedError", err)
	}
	if err := assemble(reporting.Request{Period: "2026-10", Team: "nope"}); !errors.Is(err, analytics.ErrNotFound) {
		t.Errorf("team nope: %v, want analytics.ErrNotFound", err)
	}
}

func ptr(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}
