package report

import (
	"testing"

	"sreport/analytics"
	"sreport/analytics/scorecard"
)

func TestServiceStatusAndTierCounts(t *testing.T) {
	target := 1.0
	cell := func(st string) scorecard.Cell { return scorecard.Cell{Status: st, Target: &target} }
	row := func(tier int, sts ...string) scorecard.Row {
		r := scorecard.Row{Tier: &tier, KPIs: map[string]scorecard.Cell{}}
		for i, st := range sts {
			r.KPIs[string(rune('a'+i))] = cell(st)
		}
		return r
	}
	noTarget := row(0)
	noTarget.KPIs["x"] = scorecard.Cell{Status: analytics.StatusMissed} // a status without a target is no verdict
	for _, tc := range []struct {
		name string
		row  scorecard.Row
		want string
	}{
		{"one miss decides", row(0, analytics.StatusMet, analytics.StatusMissed, analytics.StatusAtRisk), analytics.StatusMissed},
		{"at risk without a miss", row(0, analytics.StatusMet, analytics.StatusAtRisk), analytics.StatusAtRisk},
		{"all met", row(0, analytics.StatusMet, analytics.StatusMet), analytics.StatusMet},
		{"small samples are not judged", row(0, "low_sample", analytics.StatusNoData), analytics.StatusNoData},
		{"met beside a small sample", row(0, "low_sample", analytics.StatusMet), analytics.StatusMet},
		{"no target", noTarget, analytics.StatusNoData},
	} {
		if got := ServiceStatus(tc.row); got != tc.want {
			t.Errorf("%s: ServiceStatus = %s, want %s", tc.name, got, tc.want)
		}
	}

	zero, one := 0, 1
	card := &scorecard.Card{
		Tiers: []scorecard.Row{{Tier: &zero}, {Tier: &one}},
		Services: []scorecard.Row{
			row(0, analytics.StatusMet), row(0, analytics.StatusMissed), row(0, analytics.StatusAtRisk),
			row(1, analytics.StatusNoData), row(1, analytics.StatusMet),
		},
	}
	got := TierCounts(card)
	want := []TierCount{{Tier: 0, Services: 3, Met: 1, AtRisk: 1, Missed: 1}, {Tier: 1, Services: 2, Met: 1, NoData: 1}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("TierCounts = %+v, want %+v", got, want)
	}
}
