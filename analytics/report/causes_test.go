package report

import (
	"reflect"
	"testing"

	"sreport/analytics"
)

func TestCauses(t *testing.T) {
	inc := func(id int64, svc, cat, cause string, sev int) analytics.Incident {
		return analytics.Incident{ID: id, Service: svc, Category: cat, RootCause: cause, Severity: sev}
	}
	incs := []analytics.Incident{
		inc(1, "db", "Hardware", "Connection pool too small", 1),
		inc(2, "api", "hardware ", "Certificate expired", 3),
		inc(3, "db", "HARDWARE", "connection pool  too small", 2),
		inc(4, "api", "Network", "", 3),
		inc(5, "api", "", "Unknown", 3),
		inc(6, "web", "", "", 3),
		inc(7, "web", "Software", "", 2),
	}
	got := Causes(incs, 10)
	want := []Cause{
		// Three "Hardware" incidents in any spelling; the root cause two of them share.
		{Category: "Hardware", IncidentGroup: IncidentGroup{Count: 3, Sev12: 2, Services: []string{"api", "db"}, IncidentIDs: []int64{1, 2, 3}},
			RootCause: "Connection pool too small", RootCauseCount: 2},
		// One each: more Sev1/Sev2 first, then by name.
		{Category: "Software", IncidentGroup: IncidentGroup{Count: 1, Sev12: 1, Services: []string{"web"}, IncidentIDs: []int64{7}}},
		{Category: "Network", IncidentGroup: IncidentGroup{Count: 1, Services: []string{"api"}, IncidentIDs: []int64{4}}},
		// Uncategorised last, even though it has more incidents than the two above.
		{Category: "", IncidentGroup: IncidentGroup{Count: 2, Services: []string{"api", "web"}, IncidentIDs: []int64{5, 6}}, RootCause: "Unknown", RootCauseCount: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if got := Causes(incs, 2); len(got) != 2 || got[1].Category != "Software" {
		t.Errorf("limit 2: %+v", got)
	}
	if got := Causes(nil, 5); len(got) != 0 {
		t.Errorf("no incidents: %+v", got)
	}
}

// TestThemesIgnoreCategory checks that the report's repeat themes are the
// repeat rate's: two unrelated incidents filed under one category are no
// theme, two with one problem record are.
func TestThemesIgnoreCategory(t *testing.T) {
	incs := []analytics.Incident{
		{ID: 1, Service: "db", Title: "Database connection pool exhausted", Category: "Hardware"},
		{ID: 2, Service: "db", Title: "Certificate expired", Category: "Hardware"},
		{ID: 3, Service: "db", Title: "Disk full", ProblemRef: "PRB7", Category: "Software"},
		{ID: 4, Service: "db", Title: "Replica lag", ProblemRef: "prb7", Category: "Network"},
	}
	got := Themes(incs, 5)
	if len(got) != 1 || got[0].Key != "problem:prb7" || got[0].Label != "problem PRB7" || got[0].Count != 2 {
		t.Errorf("themes %+v", got)
	}
}
