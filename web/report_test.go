package web_test

import (
	"context"
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
			}{{"kpi-", report.HeadlineKPIs}, {"change-", report.ChangeKPIs}, {"oncall-", report.OnCallKPIs}, {"disc-", report.DisciplineKPIs}} {
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
