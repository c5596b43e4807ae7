package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sreport/testutil"
	"sreport/web"
)

// overflowJS reports what sticks out of the viewport: "" when the page body
// fits its width, else the page width and the widest offenders, so a
// failure names the element to fix. Elements inside a scroll container
// (overflow-x auto) are the container's business, not the page's.
const overflowJS = `(() => {
  const w = window.innerWidth, sw = document.documentElement.scrollWidth;
  if (sw <= w) return "";
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX; if (o === "auto" || o === "scroll" || o === "hidden") return true; } return false; };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 1 && !scrolls(el)) out.push(el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "") +
      (el.dataset.testid ? "[" + el.dataset.testid + "]" : "") + " right=" + Math.round(r.right));
    if (out.length >= 6) break;
  }
  for (const el of document.body.querySelectorAll("*")) {
    const pos = getComputedStyle(el).position;
    if ((pos === "absolute" || pos === "fixed") && el.getBoundingClientRect().right > w + 1 && out.length < 8) out.push(pos + " " + el.tagName.toLowerCase() + "." + el.className);
  }
  return "page " + sw + " px wide in a " + w + " px viewport: " + out.join(", ");
})()`

// navLinesJS counts the lines the main navigation's top level takes.
const navLinesJS = `new Set([...document.querySelectorAll(".mainnav > a, .mainnav > details > summary")].map(a => Math.round(a.getBoundingClientRect().top))).size`

// TestBrowserLayout opens every main page of the demo company at a desktop
// (1440 px) and a phone (390 px) width in one browser, saves a screenshot of
// each as an artefact and checks that no page body is wider than the
// viewport: wide tables scroll inside their own container instead.
func TestBrowserLayout(t *testing.T) {
	ctx := testutil.Browser(t)
	srv := newDemoServer(t)
	browserSignIn(t, ctx, srv.URL)
	db := srvStore(t, srv.URL).Writer()
	var incident int64
	var risk, initiative string
	if err := db.QueryRow(`SELECT id FROM incidents ORDER BY severity, id LIMIT 1`).Scan(&incident); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT code FROM risks ORDER BY id LIMIT 1`).Scan(&risk); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT code FROM initiatives ORDER BY id LIMIT 1`).Scan(&initiative); err != nil {
		t.Fatal(err)
	}
	var slo, deploy, page, item, drTest int64
	for q, dst := range map[string]*int64{`SELECT id FROM slos ORDER BY id LIMIT 1`: &slo, `SELECT id FROM deploys ORDER BY id LIMIT 1`: &deploy,
		`SELECT id FROM pages ORDER BY id LIMIT 1`: &page, `SELECT id FROM action_items ORDER BY id LIMIT 1`: &item,
		`SELECT id FROM dr_tests ORDER BY id LIMIT 1`: &drTest} {
		if err := db.QueryRow(q).Scan(dst); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	pages := []struct{ name, path string }{
		{"scorecard", "/scorecards?period=2026-10"},
		{"trends", "/trends?period=2026-10"},
		{"reports", "/reports"},
		{"report", "/reports/2026-Q3"},
		{"services", "/services?period=2026-10"},
		{"service", "/services/checkout?period=2026-10"},
		{"incidents", "/incidents"},
		{"incident", fmt.Sprintf("/incidents/%d", incident)},
		{"deploys", "/deploys"},
		{"pages", "/pages"},
		{"noise", "/noise?period=2026-10"},
		{"action-items", "/action-items"},
		{"risks", "/risks"},
		{"risk", "/risks/" + risk},
		{"risk-new", "/risks/new"},
		{"roadmap", "/roadmap"},
		{"program", "/program?period=2026-Q3"},
		{"program-readiness", "/program/service_readiness"},
		{"program-dr", "/program/dr_tests"},
		{"program-toil", "/program/toil_tasks"},
		{"program-capacity", "/program/capacity_samples"},
		{"program-costs", "/program/cost_entries"},
		{"program-survey", "/program/stakeholder_scores"},
		{"program-edit", fmt.Sprintf("/program/dr_tests/%d/edit", drTest)},
		{"roadmap-edit", "/roadmap/" + initiative + "/edit"},
		{"report-month-team", "/reports/2026-10?team=payments"},
		{"report-tier", "/reports/2026-Q3?tier=0"},
		{"program-new", "/program/dr_tests/new"},
		{"program-import", "/program/toil_tasks/import"},
		{"imports", "/imports"},
		{"import-new", "/imports/new"},
		{"settings", "/settings"},
		{"catalogue", "/settings/services"},
		{"users", "/admin/users"},
		{"audit", "/admin/audit"},
		{"webhooks", "/admin/webhooks"},
		{"account", "/account"},
		{"trends-24", "/trends?period=2026-Q3&months=24"},
		{"explain", "/explain?kpi=mttr_minutes&period=2026-10&service=checkout"},
		{"slos", "/slos"},
		{"slo", fmt.Sprintf("/slos/%d", slo)},
		{"deploy", fmt.Sprintf("/deploys/%d", deploy)},
		{"page", fmt.Sprintf("/pages/%d", page)},
		{"incident-edit", fmt.Sprintf("/incidents/%d?edit=1", incident)},
		{"action-item-edit", fmt.Sprintf("/action-items/%d/edit", item)},
		{"risk-edit", "/risks/" + risk + "/edit"},
		{"risk-import", "/risks/import"},
		{"roadmap-new", "/roadmap/new"},
		{"roadmap-import", "/roadmap/import"},
		{"oncall", "/oncall?period=2026-10"},
		{"oncall-people", "/oncall/people"},
		{"connectors", "/admin/connectors"},
		{"connector-new", "/admin/connectors/new"},
		{"delivery", "/admin/delivery"},
	}
	for _, width := range []int64{1440, 390} {
		for _, p := range pages {
			checkPageLayout(t, ctx, srv.URL, p.name, p.path, width)
		}
	}
}

// TestBrowserLayoutSignedOutAndEmpty covers the pages the demo company
// does not reach: the sign-in page, and a new installation's empty
// database (the first-run page and the "no data yet" states), at 1440
// and 390 px, with the same screenshots and checks as TestBrowserLayout.
func TestBrowserLayoutSignedOutAndEmpty(t *testing.T) {
	ctx := testutil.Browser(t)
	srv, _ := newEmptyServer(t, web.RoleAdmin)
	for _, width := range []int64{1440, 390} {
		checkPageLayout(t, ctx, srv.URL, "login", "/login", width)
	}
	browserSignIn(t, ctx, srv.URL)
	for _, width := range []int64{1440, 390} {
		for _, p := range []struct{ name, path string }{
			{"empty-first-run", "/"},
			{"empty-trends", "/trends"},
			{"empty-reports", "/reports"},
			{"empty-oncall", "/oncall"},
			{"empty-program", "/program"},
			{"empty-roadmap", "/roadmap"},
		} {
			checkPageLayout(t, ctx, srv.URL, p.name, p.path, width)
			if p.path == "/" && count(t, ctx, `[data-testid="first-run"]`) != 1 {
				t.Errorf("an empty database at %d px does not open on the first-run page", width)
			}
		}
	}
}

// checkPageLayout opens base+path at width px, saves a full screenshot as
// layout-NAME-WIDTH.png and checks the page: no error heading, no body
// wider than the viewport, the navigation on one line at 1440 px.
func checkPageLayout(t *testing.T, ctx context.Context, base, name, path string, width int64) {
	t.Helper()
	if err := testutil.Do(ctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("footer"))); err != nil {
		t.Fatalf("%s at %d px: %v", name, width, err)
	}
	h1, _ := testutil.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("main h1") || {}).textContent || ""`))
	if strings.Contains(h1, "Not Found") || strings.Contains(h1, "Error") {
		t.Errorf("%s: page heading %q", name, h1)
	}
	shot, err := testutil.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	testutil.SaveArtifact(t, fmt.Sprintf("layout-%s-%d.png", name, width), shot)
	over, err := testutil.Run(ctx, chromedp.Evaluate[string](overflowJS))
	if err != nil {
		t.Fatal(err)
	}
	if over != "" {
		t.Errorf("%s at %d px: %s", name, width, over)
	}
	if width == 1440 {
		// The report has no navigation (n = 0): it is a document.
		if n, err := testutil.Run(ctx, chromedp.Evaluate[int](navLinesJS)); err != nil || n > 1 {
			t.Errorf("%s at 1440 px: navigation on %d lines (%v)", name, n, err)
		}
	}
}
