package web_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sreport/analytics/scorecard"
	"sreport/testutil"
)

// TestBrowserBrowse drives Chromium through the scorecard, services and
// incidents pages of the demo company and checks what a user sees.
func TestBrowserBrowse(t *testing.T) {
	ctx := testutil.Browser(t)
	srv := newDemoServer(t)
	browserSignIn(t, ctx, srv.URL)

	// Scorecard: tier sections with coloured statuses.
	if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="scorecard"]`))); err != nil {
		t.Fatal(err)
	}
	label, err := testutil.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="period-label"]`)))
	if err != nil || label != "October 2026" {
		t.Fatalf("period label %q, %v", label, err)
	}
	tiers, err := testutil.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('tbody[data-testid^="tier-"]').length`))
	if err != nil || tiers != 4 {
		t.Fatalf("tier sections = %d, %v", tiers, err)
	}
	bg, err := testutil.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('td.st-missed, td.st-met')).backgroundColor`))
	if err != nil || bg == "" || bg == "rgba(0, 0, 0, 0)" {
		t.Fatalf("status cell not coloured: %q %v", bg, err)
	}
	shot, err := testutil.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	testutil.SaveArtifact(t, "scorecard.png", shot)

	// Period picker: the previous month updates the URL and the label.
	// RunResponse waits for the navigation the click starts, so nothing
	// below can read the previous page.
	if _, err := testutil.RunResponse(ctx, chromedp.Click(chromedp.CSS(`[data-testid="period-prev"]`))); err != nil {
		t.Fatal(err)
	}
	loc, _ := testutil.Run(ctx, chromedp.Location())
	label, _ = testutil.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="period-label"]`)))
	if !strings.Contains(loc, "period=2026-09") || label != "September 2026" {
		t.Fatalf("after prev: url %s label %q", loc, label)
	}
	// ... and the values: the organisation's Sev1+2 count is September's.
	_, js, _ := get(t, srv.URL+"/api/v1/kpis?period=2026-09")
	var sept scorecard.KPIResponse
	if err := json.Unmarshal([]byte(js), &sept); err != nil {
		t.Fatal(err)
	}
	want := strconv.Itoa(int(*sept.KPIs.Sev1Count + *sept.KPIs.Sev2Count))
	got, err := testutil.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="row-organisation-sev1_sev2"] a').textContent.trim()`))
	if err != nil || got != want {
		t.Fatalf("September org Sev1+2 on the page %q, API %s (%v)", got, want, err)
	}

	// A KPI value links to the records behind it.
	if _, err := testutil.RunResponse(ctx, chromedp.Click(chromedp.CSS(`[data-testid="row-checkout-mttr_minutes"] a`))); err != nil {
		t.Fatal(err)
	}
	if err := testutil.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid="evidence"]`))); err != nil {
		t.Fatal(err)
	}
	h1, _ := testutil.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main h1').textContent.trim()`))
	if !strings.HasPrefix(h1, "MTTR") || !strings.Contains(h1, "checkout") {
		t.Fatalf("explain page h1 %q", h1)
	}

	// Services list, then a service page.
	if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+"/services?period=2026-10"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="services"]`))); err != nil {
		t.Fatal(err)
	}
	n, err := testutil.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="services"] tbody tr').length`))
	if err != nil || n != 24 {
		t.Fatalf("services rows = %d, %v", n, err)
	}
	if _, err := testutil.RunResponse(ctx, chromedp.Click(chromedp.CSS(`[data-testid="service-checkout"] a`))); err != nil {
		t.Fatal(err)
	}
	// textContent, not innerText: it does not depend on layout having run.
	h1, _ = testutil.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main h1').textContent.trim()`))
	if h1 != "checkout" {
		t.Fatalf("service page h1 %q", h1)
	}
	// Every chart (six: MTTR and MTTD apart) draws SVG, and its table
	// fallback holds twelve months.
	if err := testutil.Do(ctx, chromedp.WaitReady(chromedp.CSS(`#svc_slo svg`))); err != nil {
		t.Fatal(err)
	}
	svgs, err := testutil.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-chart] svg').length`))
	if err != nil || svgs != 6 {
		t.Fatalf("charts with SVG = %d, %v", svgs, err)
	}
	rows, err := testutil.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="chart-svc_incidents"] details tbody tr').length`))
	if err != nil || rows != 12 {
		t.Fatalf("fallback table rows = %d, %v", rows, err)
	}
	if err := testutil.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="chart-svc_mttr"] summary`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="chart-svc_mttr"] table`))); err != nil {
		t.Fatal(err)
	}
	shot, err = testutil.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	testutil.SaveArtifact(t, "service.png", shot)

	// Organisation trends: six SVG charts and the DORA band of twelve months.
	if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+"/trends?period=2026-10"), chromedp.WaitReady(chromedp.CSS(`#trend_slo svg`))); err != nil {
		t.Fatal(err)
	}
	if n, err := testutil.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-chart] svg').length`)); err != nil || n != 6 {
		t.Fatalf("trend charts with SVG = %d, %v", n, err)
	}
	if n, err := testutil.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="dora-bands"] tbody tr').length`)); err != nil || n != 12 {
		t.Fatalf("DORA band rows = %d, %v", n, err)
	}
	shot, err = testutil.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	testutil.SaveArtifact(t, "trends.png", shot)

	// Incidents: filter to sev1, open one incident's timeline.
	if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+"/incidents?severity=sev1"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="incidents"]`))); err != nil {
		t.Fatal(err)
	}
	sevs, err := testutil.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="incidents"] tbody td:nth-child(2)')].map(e => e.textContent.trim())`))
	if err != nil || len(sevs) == 0 {
		t.Fatalf("sev1 incidents: %v %v", sevs, err)
	}
	for _, s := range sevs {
		if s != "Sev1" {
			t.Fatalf("filter leaked %q", s)
		}
	}
	if _, err := testutil.RunResponse(ctx, chromedp.Click(chromedp.CSS(`[data-testid="incidents"] tbody tr td a`))); err != nil {
		t.Fatal(err)
	}
	if err := testutil.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid="timeline"]`))); err != nil {
		t.Fatal(err)
	}
	shot, err = testutil.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	testutil.SaveArtifact(t, "incident.png", shot)
}
