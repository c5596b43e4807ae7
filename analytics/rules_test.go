package analytics

import (
	"testing"
	"time"
)

// TestRuleBook checks the rules in force in each month: the latest version
// not after it per key, a nil target or threshold ending it, the whole
// settings of the latest settings version, and a quarter judged by its
// last month.
func TestRuleBook(t *testing.T) {
	v := func(x float64) *float64 { return &x }
	noise5 := DefaultSettings()
	noise5.NoiseAutoResolve = 5 * time.Minute
	book := NewRuleBook(
		[]SettingsVersion{{From: "", Settings: DefaultSettings()}, {From: "2026-11", Settings: noise5}},
		[]TargetVersion{
			{From: "2026-11", Tier: 0, KPI: KPIMTTRMinutes, Target: v(120), Direction: DirectionMax},
			{From: "", Tier: 0, KPI: KPIMTTRMinutes, Target: v(30), Direction: DirectionMax},
			{From: "", Tier: 1, KPI: KPIToilRatio, Target: v(0.4), Direction: DirectionMax},
			{From: "2026-08", Tier: 1, KPI: KPIToilRatio, Direction: DirectionMax}, // ended from August
		},
		[]BandVersion{{From: "", Metric: DoraLeadTimeHours, Band: BandElite, Threshold: v(24)},
			{From: "2026-10", Metric: DoraLeadTimeHours, Band: BandElite, Threshold: v(12)}},
	)
	cases := []struct {
		month     string
		mttr      float64
		toil      bool
		noise     time.Duration
		eliteLead float64
	}{
		{"2026-07", 30, true, 10 * time.Minute, 24},
		{"2026-08", 30, false, 10 * time.Minute, 24},
		{"2026-10", 30, false, 10 * time.Minute, 12},
		{"2026-11", 120, false, 5 * time.Minute, 12},
		{"2031-01", 120, false, 5 * time.Minute, 12},
	}
	for _, tc := range cases {
		r := book.At(tc.month)
		mttr, _ := r.Targets.Get(0, KPIMTTRMinutes)
		_, toil := r.Targets.Get(1, KPIToilRatio)
		lead := -1.0
		for _, b := range r.Bands {
			if b.Metric == DoraLeadTimeHours && b.Band == BandElite {
				lead = b.Threshold
			}
		}
		if mttr.Target != tc.mttr || toil != tc.toil || r.Settings.NoiseAutoResolve != tc.noise || lead != tc.eliteLead {
			t.Errorf("%s: MTTR %v, toil target %v, noise %v, elite lead %v; want %v %v %v %v", tc.month,
				mttr.Target, toil, r.Settings.NoiseAutoResolve, lead, tc.mttr, tc.toil, tc.noise, tc.eliteLead)
		}
	}
	// A quarter is judged by its last month: Q4 by December (120), Q3 by
	// September (30), though November is its second month.
	for _, tc := range []struct {
		p    Period
		key  string
		mttr float64
	}{{NewQuarter(2026, 4, time.UTC), "2026-12", 120}, {NewQuarter(2026, 3, time.UTC), "2026-09", 30}, {NewMonth(2026, 11, time.UTC), "2026-11", 120}} {
		if got := tc.p.RulesMonth(); got != tc.key {
			t.Errorf("%s RulesMonth %s, want %s", tc.p, got, tc.key)
		}
		if m, _ := book.For(tc.p).Targets.Get(0, KPIMTTRMinutes); m.Target != tc.mttr {
			t.Errorf("%s: MTTR target %v, want %v", tc.p, m.Target, tc.mttr)
		}
	}
	if got := book.Froms(); len(got) != 4 || got[0] != "" || got[3] != "2026-11" {
		t.Errorf("Froms %v", got)
	}
	// The zero book: defaults, no targets.
	var zero RuleBook
	if r := zero.At("2026-01"); r.Settings.NoiseAutoResolve != 10*time.Minute || len(r.Targets) != 0 {
		t.Errorf("zero book: %+v", r)
	}
	for _, bad := range []string{"2026-1", "2026-13", "26-01", "abcd-ef"} {
		if ParseMonthKey(bad) == nil {
			t.Errorf("ParseMonthKey(%q) accepted", bad)
		}
	}
}
