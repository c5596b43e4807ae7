package web_test

import (
	"encoding/json"
	"testing"

	"sreport/analytics"
	"sreport/docs"
)

// programAndOnCallKeys are the KPI keys issue 22 names: on-call health,
// the reliability program and performance regressions.
var programAndOnCallKeys = []string{
	"oncall_load_gini", "oncall_load_max_median", "sleep_interrupted_responders", "oncall_health_index",
	"reliability_adoption_rate", "runbook_coverage", "prr_coverage",
	"dr_test_success_rate", "dr_tested_services_rate", "backup_restore_verified_rate",
	"automation_coverage", "toil_hours_saved_per_week", "capacity_headroom_min",
	"unit_cost", "observability_cost_share", "stakeholder_score", "perf_regression_rate",
}

// TestProgramAndOnCallKPIsEverywhere checks each of those keys is in the
// registry, has its section in docs/metrics.md, and has a value in the
// KPI API (which `sreport kpi --json` prints too) for the demo company's
// last complete quarter.
func TestProgramAndOnCallKPIsEverywhere(t *testing.T) {
	srv := newDemoServer(t)
	status, body, _ := get(t, srv.URL+"/api/v1/kpis?period=2026-Q3")
	if status != 200 {
		t.Fatalf("GET /api/v1/kpis: %d", status)
	}
	var res struct {
		KPIs map[string]*float64 `json:"kpis"`
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	for _, k := range programAndOnCallKeys {
		d, ok := analytics.KPIDefOf(k)
		if !ok {
			t.Errorf("%s: not in the registry", k)
			continue
		}
		if docs.Section(d.Doc) == "" {
			t.Errorf("%s: no section #%s in docs/metrics.md", k, d.Doc)
		}
		if v, ok := res.KPIs[k]; !ok || v == nil {
			t.Errorf("%s: the API gives no value for the demo's 2026-Q3 (present %v)", k, ok)
		}
	}
}
