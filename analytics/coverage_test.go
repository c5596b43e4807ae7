package analytics

import (
	"slices"
	"testing"
)

// TestCountsBySource checks the per-source data coverage: each source's own
// records counted alone, so the export that lacks a field shows the gap.
func TestCountsBySource(t *testing.T) {
	res := atp("2026-10-05T11:00:00Z")
	in := Input{
		Incidents: []Incident{
			// PagerDuty: impact start on one of two; no postmortem fields.
			{ID: 1, Source: "pagerduty", ServiceID: 1, Title: "a", Severity: Sev1, DetectedAt: at("2026-10-05T10:00:00Z"),
				StartedAt: atp("2026-10-05T09:50:00Z"), ResolvedAt: res},
			{ID: 2, Source: "pagerduty", ServiceID: 1, Title: "b", Severity: Sev2, DetectedAt: at("2026-10-05T10:00:00Z"), ResolvedAt: res},
			// A generic CSV that tracks postmortems: both have postmortem data.
			{ID: 3, Source: "wiki", ServiceID: 1, Title: "c", Severity: Sev1, DetectedAt: at("2026-10-06T10:00:00Z"),
				ResolvedAt: atp("2026-10-06T11:00:00Z"), PostmortemTracked: true},
			{ID: 4, Source: "wiki", ServiceID: 1, Title: "d", Severity: Sev2, DetectedAt: at("2026-10-06T10:00:00Z"),
				ResolvedAt: atp("2026-10-06T11:00:00Z"), PostmortemTracked: true},
			// Another month: no record of "old" in October.
			{ID: 5, Source: "old", ServiceID: 1, Title: "e", DetectedAt: at("2026-08-01T00:00:00Z")},
		},
		Deploys: []Deploy{
			{ID: 1, Source: "github", ServiceID: 1, Environment: "prod", Status: DeploySuccess, FinishedAt: at("2026-10-02T00:00:00Z"),
				CommitAt: atp("2026-10-01T00:00:00Z")},
			{ID: 2, Source: "github", ServiceID: 1, Environment: "prod", Status: DeploySuccess, FinishedAt: at("2026-10-03T00:00:00Z")},
		},
	}
	got := CountsBySource(in, oct2026(), DefaultSettings())
	var names []string
	for _, s := range got {
		names = append(names, s.Source)
	}
	if !slices.Equal(names, []string{"github", "pagerduty", "wiki"}) {
		t.Fatalf("sources %v", names)
	}
	text := func(src, kpi string) string {
		d, _ := KPIDefOf(kpi)
		for _, s := range got {
			if s.Source == src {
				return d.CoverageText(s.Counts)
			}
		}
		return ""
	}
	for _, tc := range []struct{ src, kpi, want string }{
		{"pagerduty", KPIMTTDMinutes, "impact start on 1 of 2 incidents"},
		{"pagerduty", KPIPostmortemOnTimeRate, "postmortem data on 0 of 2 Sev1/Sev2 incidents"},
		{"wiki", KPIPostmortemOnTimeRate, "postmortem data on 2 of 2 Sev1/Sev2 incidents"},
		{"wiki", KPIMTTDMinutes, "impact start on 0 of 2 incidents"},
		{"github", KPILeadTimeMedianHours, "commit time on 1 of 2 deployments"},
		{"github", KPIMTTDMinutes, ""}, // no incidents: nothing to say
	} {
		if got := text(tc.src, tc.kpi); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.src, tc.kpi, got, tc.want)
		}
	}
	if got := CountsBySource(Input{}, oct2026(), DefaultSettings()); len(got) != 0 {
		t.Errorf("no records: %+v", got)
	}
}
