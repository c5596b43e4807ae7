package web_test

import (
	"context"
	"html"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/report"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
	"sreport/testutil"
)

func TestReportPages(t *testing.T) {
	srv := newDemoServer(t)
	cases := []struct {
		path   string
		status int
		want   []string
	}{
		{"/reports", 200, []string{`data-testid="report-2026-Q3"`, `data-testid="report-2026-10"`, "Q3 2026", "October 2026", "in progress"}},
		{"/reports?team=payments&tier=0", 200, []string{"/reports/2026-Q3?team=payments&amp;tier=0"}},
		{"/reports/2026-Q3", 200, []string{"Executive summary", "Q3 2026", "Organisation", "checkout", `data-testid="kpi-mttr_minutes"`,
			"Jul", "Aug", "Sep", "DORA bands", "Top incidents", "Repeat-incident themes", "Top risks", "Worst-trending services", "Download HTML"}},
		{"/reports/2026-10", 200, []string{"October 2026", "September 2026", "Executive summary"}},
		{"/reports/2026-10?team=payments", 200, []string{"Team payments", "checkout"}},
		{"/reports/2026-Q3?tier=0", 200, []string{"Tier 0", "tier-0 services"}},
		{"/reports/2026-13", 400, []string{"month must be"}},
		{"/reports/2026-10?tier=7", 400, []string{"tier must be"}},
		{"/reports/2026-10?team=nope", 404, []string{"not found"}},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			status, body, _ := get(t, srv.URL+tc.path)
			if status != tc.status {
				t.Fatalf("status %d, want %d; body: %.300s", status, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
		})
	}
}

// TestReportHTMLDownload checks the HTML download is one self-contained file.
func TestReportHTMLDownload(t *testing.T) {
	srv := newDemoServer(t)
	status, body, hdr := get(t, srv.URL+"/reports/2026-Q3.html?tier=1")
	if status != 200 {
		t.Fatalf("status %d: %.300s", status, body)
	}
	if cd := hdr.Get("Content-Disposition"); !strings.Contains(cd, `sreport-2026-Q3-tier-1.html`) {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if !strings.Contains(body, "<style>") || strings.Contains(body, `href="/static/css/report.css"`) || strings.Contains(body, "report-toolbar") {
		t.Error("HTML download is not self-contained or shows the screen toolbar")
	}
}

var testidValue = regexp.MustCompile(`data-testid="([^"]+)" data-value="([^"]*)"`)

// reportValues maps every data-testid of the report that carries a raw value to it.
func reportValues(t *testing.T, body string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range testidValue.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	if len(out) == 0 {
		t.Fatal("no data-value in the report")
	}
	return out
}

// sameValue compares a rendered raw value with the engine's. Roll-ups are
// means over the same records summed in a different order (the scorecard
// merges per-service inputs, the KPI API loads them at once), so they may
// differ in the last bits: 1e-12 relative is far below any shown digit.
func sameValue(t *testing.T, id, raw string, want *float64) {
	t.Helper()
	if want == nil {
		if raw != "" {
			t.Errorf("%s: report shows %q, engine has no data", id, raw)
		}
		return
	}
	got, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.Abs(got-*want) > 1e-12*math.Max(1, math.Abs(*want)) {
		t.Errorf("%s: report %q, engine %v", id, raw, *want)
	}
}

// TestReportKPIsMatchEngine checks that every KPI number in the report is
// the KPI engine's value for the same scope and period.
func TestReportKPIsMatchEngine(t *testing.T) {
	srv := newDemoServer(t)
	st := srvStore(t, srv.URL)
	ctx := context.Background()
	env, err := scorecard.LoadEnv(ctx, st, testutil.Now().Truncate(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	zero, one := 0, 1
	cases := []struct {
		path  string
		scope scorecard.Scope
		p     string
	}{
		{"/reports/2026-Q3", scorecard.Scope{}, "2026-Q3"},
		{"/reports/2026-10?tier=0", scorecard.Scope{Tier: &zero}, "2026-10"},
		{"/reports/2026-Q3?team=payments&tier=1", scorecard.Scope{Team: "payments", Tier: &one}, "2026-Q3"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			status, body, _ := get(t, srv.URL+tc.path)
			if status != 200 {
				t.Fatalf("status %d", status)
			}
			vals := reportValues(t, body)
			p, err := analytics.ParsePeriod(tc.p, env.Settings.Location())
			if err != nil {
				t.Fatal(err)
			}
			want, err := scorecard.KPIs(ctx, st, env, p, tc.scope)
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
			for _, sec := range []struct {
				prefix string
				keys   []string
			}{{"kpi-", report.HeadlineKPIs}, {"change-", report.ChangeKPIs}, {"oncall-", report.OnCallKPIs}, {"disc-", report.DisciplineKPIs},
				{"program-", programKeys()}} {
				for _, k := range sec.keys {
					raw, ok := vals[sec.prefix+k]
					if !ok {
						t.Errorf("report lacks %s%s", sec.prefix, k)
						continue
					}
					sameValue(t, sec.prefix+k, raw, want.KPIs.Get(k))
					checked++
				}
			}
			if p.Kind == analytics.Quarter {
				for i, m := range p.Months() {
					mk, err := scorecard.KPIs(ctx, st, env, m, tc.scope)
					if err != nil {
						t.Fatal(err)
					}
					for _, k := range report.HeadlineKPIs {
						id := "kpi-" + k + "-m" + strconv.Itoa(i+1)
						sameValue(t, id, vals[id], mk.KPIs.Get(k))
						checked++
					}
				}
			}
			// Tier-by-tier and per-service cells.
			services, err := env.Filter(tc.scope)
			if err != nil {
				t.Fatal(err)
			}
			tiers := map[int]bool{}
			for _, s := range services {
				tiers[s.Tier] = true
				sk, err := scorecard.KPIs(ctx, st, env, p, scorecard.Scope{Service: s.Name})
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range report.TierKPIs {
					id := "svc-" + s.Name + "-" + k
					sameValue(t, id, vals[id], sk.KPIs.Get(k))
					checked++
				}
			}
			for tier := range tiers {
				tk, err := scorecard.KPIs(ctx, st, env, p, scorecard.Scope{Tier: &tier, Team: tc.scope.Team})
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range report.TierKPIs {
					id := "tier-" + strconv.Itoa(tier) + "-" + k
					sameValue(t, id, vals[id], tk.KPIs.Get(k))
					checked++
				}
			}
			if checked < 40 {
				t.Fatalf("only %d values checked", checked)
			}
			t.Logf("%d values match the engine", checked)
		})
	}
}

// TestReportWithoutChromium checks the PDF link explains what to install
// when no browser is found, and the HTML download still works.
func TestReportWithoutChromium(t *testing.T) {
	t.Setenv("SREPORT_CHROMIUM", filepath.Join(t.TempDir(), "no-chromium"))
	srv := newDemoServer(t)
	for _, path := range []string{"/reports", "/reports/2026-10"} {
		status, body, _ := get(t, srv.URL+path)
		if status != 200 || !strings.Contains(body, `data-testid="pdf-note"`) || !strings.Contains(body, "apt-get install chromium") ||
			strings.Contains(body, ".pdf") {
			t.Errorf("%s: %d, note or stray PDF link: %.300s", path, status, body)
		}
	}
	status, body, _ := get(t, srv.URL+"/reports/2026-10.pdf")
	if status != 503 || !strings.Contains(body, "apt-get install chromium") {
		t.Errorf("PDF without Chromium: %d %.300s", status, body)
	}
	if status, _, _ := get(t, srv.URL+"/reports/2026-10.html"); status != 200 {
		t.Errorf("HTML download without Chromium: %d", status)
	}
}

// reportText is a report page as text: tags dropped, entities decoded.
func reportText(body string) string {
	return html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(body, " "))
}

// TestReportSummaryWording checks the audited sentences on the demo
// company: streaks counted over the whole history, scoped subjects, the
// tier of a tier-2 report, and the most improved services.
func TestReportSummaryWording(t *testing.T) {
	srv := newDemoServer(t)
	cases := []struct {
		path        string
		want, avoid []string
	}{
		// The demo's data starts in Q2 2025: Q3 2026 is the sixth quarter in a row off target.
		{"/reports/2026-Q3", []string{"missing the 30-minute target for the sixth quarter in a row",
			"The largest improvement against a tier target:", "Most improved services", "Next review"},
			[]string{"fifth quarter in a row", "of the 0 risks", "(+0.000 pp)", "(−0.000 pp)"}},
		{"/reports/2026-Q3?team=payments", []string{"MTTR for payments' tier-0 services"}, []string{"MTTR for tier-0 services"}},
		{"/reports/2026-Q3?team=payments&tier=0", []string{"MTTR for payments' tier-0 services", "Payments' tier-0 services had"}, nil},
		{"/reports/2026-Q3?tier=2", []string{"MTTR for tier-2 services", "Availability for tier-2 services"}, []string{"tier-0 services"}},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			status, body, _ := get(t, srv.URL+tc.path)
			if status != 200 {
				t.Fatalf("status %d", status)
			}
			text := reportText(body)
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("report lacks %q", w)
				}
			}
			for _, w := range tc.avoid {
				if strings.Contains(text, w) {
					t.Errorf("report has %q", w)
				}
			}
			if !strings.Contains(body, `data-testid="best"`) {
				t.Error("no most-improved table")
			}
		})
	}
}

// TestReportRisksAsOfPeriodEnd checks that a past report keeps showing the
// register as it stood at the period end when risks change afterwards.
func TestReportRisksAsOfPeriodEnd(t *testing.T) {
	srv := newDemoServer(t)
	st := srvStore(t, srv.URL)
	ctx := context.Background()
	status, before, _ := get(t, srv.URL+"/reports/2026-Q3")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	r, err := st.RiskByCode(ctx, "R-002")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != analytics.RiskOpen || !strings.Contains(before, `data-testid="risk-status-R-002">open<`) {
		t.Fatalf("demo R-002 is %s; the test wants it open in Q3", r.Status)
	}
	// After the quarter: R-002 is re-scored and closed; a new critical risk is opened.
	at := testutil.Now()
	edit := r
	edit.Status, edit.Likelihood, edit.Impact = analytics.RiskClosed, 5, 5
	if _, _, err := st.UpdateRisk(ctx, r.Code, r.Version, edit, "done", store.Audit{Actor: "test", At: at}); err != nil {
		t.Fatal(err)
	}
	nr, err := st.CreateRisk(ctx, analytics.Risk{Title: "Opened after the quarter", Category: "capacity", Likelihood: 5, Impact: 5,
		Owner: "test", Status: analytics.RiskOpen, Services: []string{"checkout"}}, store.Audit{Actor: "test", At: at})
	if err != nil {
		t.Fatal(err)
	}
	_, after, _ := get(t, srv.URL+"/reports/2026-Q3")
	for _, w := range []string{`data-testid="risk-status-R-002">open<`, `data-testid="risk-score-R-002">` + strconv.Itoa(r.Score()) + " "} {
		if !strings.Contains(after, w) {
			t.Errorf("Q3 report after the change lacks %s", w)
		}
	}
	if strings.Contains(after, "Opened after the quarter") || strings.Contains(after, nr.Code+" ") {
		t.Error("Q3 report shows a risk created after the quarter")
	}
	if sum := func(b string) string { i := strings.Index(b, `data-testid="summary"`); return b[i : i+4000] }; sum(before) != sum(after) {
		t.Error("Q3 executive summary changed after the quarter")
	}
	// The month the change happened in does show it.
	_, nov, _ := get(t, srv.URL+"/reports/2026-11")
	if !strings.Contains(nov, "Opened after the quarter") || !strings.Contains(nov, "closed (was open)") {
		t.Error("November report misses the new risk or R-002's closing")
	}
}
