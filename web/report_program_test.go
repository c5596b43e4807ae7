package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
)

// programKeys are the KPIs of the report's "Reliability program" section.
func programKeys() []string {
	var out []string
	for _, d := range analytics.KPIDefsInGroup(analytics.KPIGroupProgram) {
		out = append(out, d.Key)
	}
	return out
}

// tableHTML is the rendered table with data-testid id, or "".
func tableHTML(body, id string) string {
	i := strings.Index(body, `data-testid="`+id+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</table>")
	if j < 0 {
		return ""
	}
	return body[i : i+j]
}

// cellText is the text of the cell with data-testid id.
func cellText(body, id string) string {
	m := regexp.MustCompile(`data-testid="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(html.UnescapeString(m[1]))
}

// TestReportProgramSections: the quarterly report's on-call table holds
// team aggregates only, the program section lists the program-group KPIs,
// and the roadmap part shows the demo's Q3 deliveries with their KPI
// before and after (checked against counts taken straight from the
// database) and the initiatives planned for Q4.
func TestReportProgramSections(t *testing.T) {
	srv := newDemoServer(t)
	st := srvStore(t, srv.URL)
	ctx := context.Background()
	status, body, _ := get(t, srv.URL+"/reports/2026-Q3")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	for _, w := range []string{`id="oncall-teams"`, "On-call health by team", `id="program"`, "Reliability program",
		"Delivered in Q3 2026", "Planned for Q4 2026", `data-testid="program-perf_regression_rate"`} {
		if !strings.Contains(body, w) {
			t.Errorf("report lacks %s", w)
		}
	}

	// On-call: one row per team with pages, and no person's name.
	oncall := tableHTML(body, "oncall-teams")
	for _, team := range []string{"payments", "identity", "platform"} {
		if !strings.Contains(oncall, `data-testid="oncall-team-`+team+`"`) {
			t.Errorf("on-call table lacks team %s", team)
		}
	}
	var people []string
	rows, err := st.Writer().QueryContext(ctx, `SELECT DISTINCT responder FROM pages WHERE responder <> ''`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p string
		rows.Scan(&p)
		people = append(people, p)
	}
	rows.Close()
	if len(people) == 0 {
		t.Fatal("the demo pages name no responder")
	}
	for _, p := range people {
		if strings.Contains(oncall, html.EscapeString(p)) {
			t.Errorf("the report's on-call table names %s", p)
		}
	}

	// I-001 moved perf_regression_rate on checkout and payments-api: its
	// before (Q1 2026) and after (Q3 2026) samples are the flagged and the
	// flag-carrying successful production deploys in those quarters.
	loc := time.UTC
	if s, err := st.Settings(ctx); err == nil {
		loc = s.Location()
	}
	perf := func(q string) (flagged, known int) {
		p, err := analytics.ParsePeriod(q, loc)
		if err != nil {
			t.Fatal(err)
		}
		err = st.Writer().QueryRowContext(ctx, `SELECT COALESCE(SUM(d.perf_regression), 0), COUNT(d.perf_regression) FROM deploys d
			JOIN services s ON s.id = d.service_id WHERE s.name IN ('checkout', 'payments-api') AND d.environment = 'production'
			AND d.status = 'success' AND d.is_rollback = 0 AND d.finished_at >= ? AND d.finished_at < ?`,
			store.FormatTime(p.From), store.FormatTime(p.To)).Scan(&flagged, &known)
		if err != nil {
			t.Fatal(err)
		}
		return flagged, known
	}
	bf, bk := perf("2026-Q1")
	af, ak := perf("2026-Q3")
	if bk < 5 || ak < 5 {
		t.Fatalf("too few flagged deploys in the demo: %d, %d", bk, ak)
	}
	pct := func(f, k int) string { return fmt.Sprintf("%.1f %% (%d of %d)", 100*float64(f)/float64(k), f, k) }
	if got, want := cellText(body, "delivered-I-001-before"), "Q1 2026: "+pct(bf, bk); got != want {
		t.Errorf("I-001 before %q, want %q", got, want)
	}
	if got, want := cellText(body, "delivered-I-001-after"), "Q3 2026: "+pct(af, ak); got != want {
		t.Errorf("I-001 after %q, want %q", got, want)
	}
	// Target: a fall of 5 points or more.
	change := 100*float64(af)/float64(ak) - 100*float64(bf)/float64(bk)
	wantResult := "✗ target missed"
	if change <= -5 {
		wantResult = "✓ target met"
	}
	if got := cellText(body, "delivered-I-001-result"); got != wantResult {
		t.Errorf("I-001 result %q, want %q (change %.2f points)", got, wantResult, change)
	}
	for _, code := range []string{"I-001", "I-002", "I-003"} {
		if cellText(body, "delivered-"+code) == "" {
			t.Errorf("delivered table lacks %s", code)
		}
		t.Logf("%s: %s → %s: %s", code, cellText(body, "delivered-"+code+"-before"), cellText(body, "delivered-"+code+"-after"),
			cellText(body, "delivered-"+code+"-result"))
	}
	// Dropped I-004 is neither delivered nor planned; Q4's I-005 and I-006 are planned.
	if strings.Contains(body, `data-testid="delivered-I-004"`) || strings.Contains(body, `data-testid="planned-I-004"`) {
		t.Error("the dropped initiative is reported")
	}
	for _, code := range []string{"I-005", "I-006"} {
		if cellText(body, "planned-"+code) == "" {
			t.Errorf("planned table lacks %s", code)
		}
	}
	if strings.Contains(body, `data-testid="planned-I-007"`) {
		t.Error("an initiative starting in 2027 is planned for Q4 2026")
	}

	// The KPI API carries the program KPI with its counts.
	_, js, _ := get(t, srv.URL+"/api/v1/kpis?period=2026-Q3")
	var api scorecard.KPIResponse
	if err := json.Unmarshal([]byte(js), &api); err != nil {
		t.Fatal(err)
	}
	if p, c := api.KPIs.PerfRegressionRate, api.Counts; p == nil || c.DeploymentsPerfFlag == 0 ||
		*p != float64(c.PerfRegressions)/float64(c.DeploymentsPerfFlag) {
		t.Errorf("API perf_regression_rate %v from %d of %d", p, c.PerfRegressions, c.DeploymentsPerfFlag)
	}

	// A monthly report has the program KPIs but no roadmap.
	_, month, _ := get(t, srv.URL+"/reports/2026-10")
	if !strings.Contains(month, `id="program"`) || strings.Contains(month, "roadmap-delivered") {
		t.Error("monthly report: program section missing or roadmap shown")
	}
}
