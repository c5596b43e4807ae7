package web_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"sreport/analytics"
	"sreport/analytics/kpifmt"
	"sreport/analytics/scorecard"
)

// doraRows returns the month column of the trends page's DORA table.
func doraRows(t *testing.T, body string) []string {
	t.Helper()
	i := strings.Index(body, `data-testid="dora-bands"`)
	if i < 0 {
		t.Fatal("no DORA table")
	}
	tbl := body[i:]
	tbl = tbl[:strings.Index(tbl, "</table>")]
	var out []string
	for _, m := range regexp.MustCompile(`<tr><td[^>]*>([A-Z][a-z]+ \d{4})</td>`).FindAllStringSubmatch(tbl, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestTrendsSpan: the trends page charts 6, 12 or 24 months ending with
// any period, 12 by default; its controls and links keep the choice.
func TestTrendsSpan(t *testing.T) {
	srv := newDemoServer(t)
	cases := []struct {
		query       string
		first, last string
		n           int
	}{
		{"", "November 2025", "October 2026", 12}, // the last complete month, as before
		{"?months=6&period=2026-10", "May 2026", "October 2026", 6},
		{"?months=24&period=2026-Q2", "July 2024", "June 2026", 24}, // a quarter ends with its last month
		{"?months=12&period=2026-03&tier=1", "April 2025", "March 2026", 12},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			code, body, _ := get(t, srv.URL+"/trends"+c.query)
			if code != http.StatusOK {
				t.Fatalf("GET = %d", code)
			}
			rows := doraRows(t, body)
			if len(rows) != c.n || rows[0] != c.first || rows[len(rows)-1] != c.last {
				t.Fatalf("DORA months %v; want %d from %s to %s", rows, c.n, c.first, c.last)
			}
			if n := strings.Count(body, `data-testid="chart-trend_`); n != 6 {
				t.Errorf("%d chart cards, want 6", n)
			}
			// The select shows the span; the picker's links keep it.
			span := strings.TrimPrefix(regexp.MustCompile(`months=\d+`).FindString(c.query), "months=")
			if span == "" {
				span = "12"
			}
			if !strings.Contains(body, `<option value="`+span+`" selected>`) {
				t.Errorf("months select does not show %s", span)
			}
			prev := regexp.MustCompile(`href="([^"]*)"[^>]*data-testid="period-prev"`).FindStringSubmatch(body)
			if prev == nil {
				t.Fatal("no previous-period link")
			}
			if c.query != "" && !strings.Contains(prev[1], "months="+span) {
				t.Errorf("previous-period link %s drops months=%s", prev[1], span)
			}
			if strings.Contains(c.query, "tier=1") && !strings.Contains(prev[1], "tier=1") {
				t.Errorf("previous-period link %s drops the tier", prev[1])
			}
		})
	}
	for _, bad := range []string{"?months=7", "?months=x", "?months=0"} {
		if code, _, _ := get(t, srv.URL+"/trends"+bad); code != http.StatusBadRequest {
			t.Errorf("GET /trends%s = %d, want 400", bad, code)
		}
	}
}

// TestTrendsChartNumbers: MTTR and MTTD are separate charts, and the SLO
// chart's error budget consumed is the month's burn rate from the KPI API
// (1 − error budget remaining), never a truncated availability axis.
func TestTrendsChartNumbers(t *testing.T) {
	srv := newDemoServer(t)
	_, body, _ := get(t, srv.URL+"/trends?period=2026-10")
	for _, id := range []string{"trend_mttr", "trend_mttd", "trend_slo"} {
		if !strings.Contains(body, `data-testid="chart-`+id+`"`) {
			t.Fatalf("no chart %s", id)
		}
	}
	script := func(id string) string {
		i := strings.Index(body, `data-testid="chart-`+id+`"`)
		s := body[i:]
		return s[:strings.Index(s, "</figure>")]
	}
	if mttd := script("trend_mttd"); strings.Contains(mttd, `"name":"MTTR"`) || !strings.Contains(mttd, `"name":"MTTD"`) {
		t.Error("the MTTD chart is not MTTD alone")
	}
	slo := script("trend_slo")
	if strings.Contains(slo, `"scale":true`) {
		t.Error("the SLO chart truncates its axis")
	}
	_, js, _ := get(t, srv.URL+"/api/v1/kpis?period=2026-10")
	var oct scorecard.KPIResponse
	if err := json.Unmarshal([]byte(js), &oct); err != nil {
		t.Fatal(err)
	}
	if oct.KPIs.BurnRate == nil || oct.KPIs.ErrorBudgetRemaining == nil {
		t.Fatal("demo October has no SLO data")
	}
	want := kpifmt.ForUnit(analytics.UnitRatio, oct.KPIs.BurnRate).Value(*oct.KPIs.BurnRate) // UnitRatio: percent
	row := regexp.MustCompile(`<td[^>]*>Oct 26</td><td[^>]*>([^<]+)</td>`).FindStringSubmatch(slo)
	if row == nil || row[1] != want {
		t.Fatalf("October's error budget consumed %v, want %s (burn rate %v, remaining %v)", row, want, *oct.KPIs.BurnRate, *oct.KPIs.ErrorBudgetRemaining)
	}
}
