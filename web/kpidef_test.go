package web

import (
	"testing"

	"sreport/analytics"
	"sreport/analytics/kpifmt"
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

// TestTargetUnit checks the targets grid's hint for every unit: the
// display units saveTargets reads (kpifmt.ParseTarget).
func TestTargetUnit(t *testing.T) {
	for k, want := range map[string]string{
		analytics.KPIAvailability:         "percent, e.g. 99.9 %",
		analytics.KPIChangeFailureRate:    "percent, e.g. 99.9 %",
		analytics.KPIErrorBudgetRemaining: "percent, e.g. 99.9 %",
		analytics.KPIMTTRMinutes:          "time: 30 min, 4 h, 1 d",
		analytics.KPILeadTimeMedianHours:  "hours: 24 h, 7 d",
		analytics.KPIDeploysPerWeek:       "number",
		analytics.KPIIncidentsTotal:       "number",
	} {
		if got := kpifmt.Hint(kpiUnit(k)); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
}
