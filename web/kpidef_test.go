package web

import (
	"testing"

	"sreport/analytics"
)

// TestScorecardColumns keeps the scorecard's column headings, which come
// from the registry's short labels, as leadership knows them.
func TestScorecardColumns(t *testing.T) {
	want := []string{"SLO attainment", "MTTR", "MTTD", "Sev1+2", "Change failure", "Deploys / week", "Repeat rate",
		"Alert noise", "After-hours pages", "Postmortems on time", "Action items on time", "Overdue items", "Toil"}
	if len(headlines) != len(want) {
		t.Fatalf("%d headline columns, want %d", len(headlines), len(want))
	}
	for i, k := range headlines {
		d, ok := kpiDef(k)
		if !ok || d.Short != want[i] {
			t.Errorf("column %d (%s): %q, want %q", i, k, d.Short, want[i])
		}
	}
}

func TestSev12Def(t *testing.T) {
	d, ok := kpiDef(sev12)
	if !ok || d.Label != "Sev1 + Sev2 incidents" || d.Unit != analytics.UnitCount || d.HigherIsBetter() {
		t.Fatalf("sev12 = %+v, %v", d, ok)
	}
	sev1, _ := analytics.KPIDefOf(analytics.KPISev1Count)
	if d.Doc != sev1.Doc {
		t.Errorf("sev12 is documented at %q, sev1_count at %q", d.Doc, sev1.Doc)
	}
	if got := d.SampleSize(analytics.Counts{Sev1: 2, Sev2: 3}); got != 5 {
		t.Errorf("sev12 n = %v, want 5", got)
	}
	if _, ok := kpiDef("nope"); ok {
		t.Error("unknown KPI has a definition")
	}
}

// TestTargetUnit checks the targets grid's hint for every unit, as
// saveTargets validates: fractions 0–1, anything else ≥ 0.
func TestTargetUnit(t *testing.T) {
	for k, want := range map[string]string{
		analytics.KPIAvailability:         "ratio 0–1",
		analytics.KPIChangeFailureRate:    "ratio 0–1",
		analytics.KPIErrorBudgetRemaining: "ratio, ≥ 0", // not 0–1: it goes negative when overspent
		analytics.KPIMTTRMinutes:          "minutes, ≥ 0",
		analytics.KPILeadTimeMedianHours:  "hours, ≥ 0",
		analytics.KPIDeploysPerWeek:       "≥ 0",
		analytics.KPIIncidentsTotal:       "≥ 0",
	} {
		if got := targetUnit(kpiUnit(k)); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
}
