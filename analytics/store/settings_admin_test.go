package store_test

import (
	"context"
	"strings"
	"testing"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/testutil"
)

// TestSettingsTargetDirection refuses a KPI target in the wrong direction
// and audits the targets that changed, as they were inside the saving
// transaction.
func TestSettingsTargetDirection(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	a := store.Audit{Actor: "admin@example.com"}
	for kpi, want := range map[string]string{analytics.KPIMTTRMinutes: "max", analytics.KPIChangeFailureRate: "max",
		analytics.KPIAvailability: "min", analytics.KPIActionItemOnTimeRate: "min"} {
		if got, ok := store.TargetDirection(kpi); !ok || got != want {
			t.Errorf("%s: direction %q, want %q", kpi, got, want)
		}
	}
	if _, ok := store.TargetDirection("custom_kpi"); ok {
		t.Error("an unknown KPI has a fixed direction")
	}
	bad := []analytics.Target{{Tier: 0, KPI: analytics.KPIMTTRMinutes, Target: 30, Direction: analytics.DirectionMin}}
	if err := st.SaveTierTargets(ctx, "2026-11", bad, a); err == nil {
		t.Error("MTTR with direction min was accepted")
	}
	before, _ := st.TierTargets(ctx)
	good := []analytics.Target{{Tier: 0, KPI: analytics.KPIMTTRMinutes, Target: 20, Direction: analytics.DirectionMax},
		{Tier: 0, KPI: "custom_kpi", Target: 1, Direction: analytics.DirectionMin}}
	if err := st.SaveTierTargets(ctx, "2026-11", good, a); err != nil {
		t.Fatal(err)
	}
	// Every default target but tier 0's MTTR ended, MTTR changed and
	// custom_kpi is new: all of them are in the audit row.
	rows, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "tier_targets"})
	if len(rows) != 1 || strings.Count(rows[0].Before, `"kpi"`) != len(before)+1 || !strings.Contains(rows[0].After, "custom_kpi") ||
		rows[0].EntityID != "from 2026-11" {
		t.Errorf("audit: %+v (want %d targets before)", rows, len(before)+1)
	}
	if after, _ := st.TierTargets(ctx); len(after) != 2 {
		t.Errorf("targets in force from 2026-11: %+v, want the two saved", after)
	}
}

// TestSettingsDoraBandOrder checks each metric's bands get stricter towards elite.
func TestSettingsDoraBandOrder(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	with := func(metric, band string, v float64) []analytics.DoraBand {
		rows := analytics.DefaultDoraBands()
		for i := range rows {
			if rows[i].Metric == metric && rows[i].Band == band {
				rows[i].Threshold = v
			}
		}
		return rows
	}
	without := func(metric, band string) []analytics.DoraBand {
		var rows []analytics.DoraBand
		for _, b := range analytics.DefaultDoraBands() {
			if b.Metric != metric || b.Band != band {
				rows = append(rows, b)
			}
		}
		return rows
	}
	// withoutHigh removes metric's high band and sets its medium one.
	withoutHigh := func(metric string, medium float64) []analytics.DoraBand {
		rows := without(metric, analytics.BandHigh)
		for i := range rows {
			if rows[i].Metric == metric && rows[i].Band == analytics.BandMedium {
				rows[i].Threshold = medium
			}
		}
		return rows
	}
	cases := []struct {
		name     string
		rows     []analytics.DoraBand
		problems []string // metric/band
	}{
		{"defaults", analytics.DefaultDoraBands(), nil},
		{"elite CFR looser than high", with(analytics.DoraChangeFailureRate, analytics.BandElite, 0.12), []string{"change_failure_rate/high"}},
		{"equal lead times", with(analytics.DoraLeadTimeHours, analytics.BandMedium, 168), []string{"lead_time_hours/medium"}},
		{"recovery high above medium", with(analytics.DoraRecoveryHours, analytics.BandHigh, 200), []string{"recovery_hours/medium"}},
		{"a removed band is skipped", withoutHigh(analytics.DoraRecoveryHours, 0.5), []string{"recovery_hours/medium"}},
		{"high removed", without(analytics.DoraLeadTimeHours, analytics.BandHigh), nil},
		{"deploy frequency high above elite", with(analytics.DoraDeployFrequency, analytics.BandHigh, 6), []string{"deploy_frequency/high"}},
		{"deploy frequency elite equals high", with(analytics.DoraDeployFrequency, analytics.BandHigh, 5), nil},
		{"deploy frequency medium per month", with(analytics.DoraDeployFrequency, analytics.BandMedium, 20), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, p := range store.DoraBandOrder(tc.rows) {
				got = append(got, p.Metric+"/"+p.Band)
				if p.Message == "" {
					t.Error("problem without a message")
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.problems, ",") {
				t.Errorf("problems %v, want %v", got, tc.problems)
			}
			err := st.SaveDoraBands(ctx, "2026-11", tc.rows, store.Audit{Actor: "admin@example.com"})
			if (err != nil) != (len(tc.problems) > 0) {
				t.Errorf("SaveDoraBands: %v", err)
			}
		})
	}
}
