package main

import (
	"bytes"
	"strings"
	"testing"

	"sreport/analytics"
	"sreport/analytics/scorecard"
)

// TestKPITableIsForPeople is issue 14 item 12: `sreport kpi` printed
// 20.7524 and 0.0495315. Rows read in their unit at the web's precision,
// with their sample, and the previous value and change in the row's unit.
func TestKPITableIsForPeople(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	res := scorecard.KPIResponse{
		KPIs: analytics.KPIs{
			MTTRMinutes:          f(20.7524),   // over 12 resolved incidents
			ChangeFailureRate:    f(5.0 / 101), // 5 of 101 deployments: 4.95… % → 5.0 %
			PostmortemOnTimeRate: f(1),         // 1 of 1: below the minimum of 5
			IncidentsTotal:       f(12),
		},
		Counts:    analytics.Counts{ResolvedIncidents: 12, Incidents: 12, FailedChanges: 5, Deployments: 101, PostmortemsOnTime: 1, PostmortemsDue: 1},
		N:         map[string]float64{analytics.KPIMTTRMinutes: 12, analytics.KPIChangeFailureRate: 101, analytics.KPIPostmortemOnTimeRate: 1},
		MinSample: map[string]int{analytics.KPIMTTRMinutes: 5, analytics.KPIChangeFailureRate: 5, analytics.KPIPostmortemOnTimeRate: 5},
		Previous:  analytics.KPIs{MTTRMinutes: f(25), ChangeFailureRate: f(0.0495315)},
		Change:    map[string]*float64{analytics.KPIMTTRMinutes: f(20.7524 - 25), analytics.KPIChangeFailureRate: f(5.0/101 - 0.0495315)},
	}
	var out bytes.Buffer
	writeKPITable(&out, res)
	rows := map[string][]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		cols := strings.Split(line, "  ")
		var kept []string
		for _, c := range cols {
			if c = strings.TrimSpace(c); c != "" {
				kept = append(kept, c)
			}
		}
		if len(kept) > 0 {
			rows[kept[0]] = kept[1:]
		}
	}
	for label, want := range map[string][]string{
		"MTTR":                {"20.8 min", "n = 12", "25.0 min", "−4.2 min"},
		"Change failure rate": {"5.0 %", "5 of 101", "5.0 %", "no change"}, // 4.95 % vs 4.95 %: 0.0 pp
		"Postmortems on time": {"100.0 %", "1 of 1 (below 5: not judged)", "—", "—"},
		"Incidents":           {"12", "—", "—"},
	} {
		got := rows[label]
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: %q, want %q\n%s", label, got, want, out.String())
		}
	}
	if strings.Contains(out.String(), "20.7524") || strings.Contains(out.String(), "0.0495") {
		t.Errorf("raw numbers in the table:\n%s", out.String())
	}
}
