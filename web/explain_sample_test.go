package web_test

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"sreport/web"
)

// TestExplainShowsSample: an explain page states the sample its figure
// stands on, in the scorecard's words, and says when that sample is below
// the KPI's minimum (5 by default) so the figure is shown but not judged.
// Hand-computed: checkout's October incidents resolve in 30 and 90 minutes,
// both titled "Checkout errors" (the second repeats the first): MTTR 60
// min over 2 resolved incidents, repeats 1 of 2, both below 5. Three more
// incidents (20, 40, 70 min, other titles) make MTTR (30+90+20+40+70)/5 =
// 50 min over 5 and the repeat rate 1 of 5 = 20 %, judged.
func TestExplainShowsSample(t *testing.T) {
	e := newLive(t)
	s := signIn(t, e.st, e.srv.URL, web.RoleViewer)
	post := func(n int, title string, minutes int) {
		t.Helper()
		at := fmt.Sprintf("2026-10-%02dT08:00:00Z", 5+n)
		end := fmt.Sprintf("2026-10-%02dT%02d:%02d:00Z", 5+n, 8+minutes/60, minutes%60)
		body := fmt.Sprintf(`{"items":[{"source":"statuspage","external_id":"INC-%d","service":"checkout","title":%q,"severity":"P3",
			"detected_at":%q,"acknowledged_at":%q,"resolved_at":%q}]}`, n, title, at, at, end)
		if st, res := e.api(t, http.MethodPost, "/api/v1/incidents", e.write, body); st != http.StatusOK || res["inserted"] != 1.0 {
			t.Fatalf("incident %d: %d %v", n, st, res)
		}
	}
	facts := regexp.MustCompile(`(?s)<dt>\s*([^<]*?)\s*</dt>\s*<dd[^>]*>(.*?)</dd>`)
	tags := regexp.MustCompile(`<[^>]+>`)
	space := regexp.MustCompile(`\s+`)
	explain := func(kpi string) map[string]string {
		t.Helper()
		status, body, _ := getWith(t, s.client, e.srv.URL+"/explain?kpi="+kpi+"&service=checkout&period=2026-10")
		if status != http.StatusOK {
			t.Fatalf("%s: status %d", kpi, status)
		}
		out := map[string]string{}
		for _, m := range facts.FindAllStringSubmatch(body, -1) {
			out[m[1]] = strings.TrimSpace(space.ReplaceAllString(html.UnescapeString(tags.ReplaceAllString(m[2], " ")), " "))
		}
		if out["Sample"] == "" {
			t.Fatalf("%s: no sample fact among %q", kpi, out)
		}
		return out
	}
	check := func(kpi, value, sample string, low bool) {
		t.Helper()
		f := explain(kpi)
		label := map[string]string{"mttr_minutes": "MTTR", "repeat_incident_rate": "Repeat incidents", "incidents_total": "Incidents"}[kpi]
		if f[label] != value {
			t.Errorf("%s value %q, want %q", kpi, f[label], value)
		}
		if !strings.HasPrefix(f["Sample"], sample) {
			t.Errorf("%s sample %q, want it to start %q", kpi, f["Sample"], sample)
		}
		if got := strings.Contains(f["Sample"], "below the minimum sample of 5"); got != low {
			t.Errorf("%s sample %q: below-minimum note shown %v, want %v", kpi, f["Sample"], got, low)
		}
	}

	post(1, "Checkout errors", 30)
	post(2, "Checkout errors", 90)
	check("mttr_minutes", "60.0 min", "2 resolved incidents", true)
	check("repeat_incident_rate", "50.0 %", "1 of 2 incidents", true)
	check("incidents_total", "2", "2 incidents", false) // a count has no minimum

	post(3, "Cart latency", 20)
	post(4, "Login failures", 40)
	post(5, "Search down", 70)
	check("mttr_minutes", "50.0 min", "5 resolved incidents", false)
	check("repeat_incident_rate", "20.0 %", "1 of 5 incidents", false)
}
