package web_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"sreport/testutil"
)

// monthLabelsJS checks every chart's x axis: each month's label is drawn
// (ECharts' SVG renderer writes <text> elements) and no two overlap. It
// returns "" or what is wrong.
const monthLabelsJS = `(() => {
  const out = [];
  for (const el of document.querySelectorAll("[data-chart]")) {
    const c = echarts.getInstanceByDom(el);
    const months = c.getOption().xAxis[0].data;
    const texts = [...el.querySelectorAll("svg text")].filter(t => months.includes(t.textContent));
    if (texts.length !== months.length) { out.push(el.id + ": " + texts.length + " of " + months.length + " month labels drawn"); continue; }
    const rs = texts.map(t => t.getBoundingClientRect());
    for (let i = 1; i < rs.length; i++) {
      const a = rs[i-1], b = rs[i];
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left), h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 0.5 && h > 0.5) { out.push(el.id + ": labels " + texts[i-1].textContent + " and " + texts[i].textContent + " overlap"); break; }
    }
  }
  return out.join("; ");
})()`

// chartHolesJS reports rows of the chart grid that do not reach across it:
// "" when every row is full (an odd last chart spans the row).
const chartHolesJS = `(() => {
  const grid = document.querySelector(".charts");
  if (!grid) return "no chart grid";
  const g = grid.getBoundingClientRect(), rows = {};
  for (const card of grid.children) {
    const r = card.getBoundingClientRect(), top = Math.round(r.top);
    rows[top] = rows[top] || {left: r.left, right: r.right};
    rows[top].left = Math.min(rows[top].left, r.left); rows[top].right = Math.max(rows[top].right, r.right);
  }
  return Object.entries(rows).filter(([, r]) => r.left - g.left > 2 || g.right - r.right > 2)
    .map(([top, r]) => "row at " + top + " spans " + Math.round(r.left) + "–" + Math.round(r.right) + " of " + Math.round(g.left) + "–" + Math.round(g.right)).join("; ");
})()`

// TestBrowserNoiseAndTrends opens the alert noise page and the trends page
// over 6, 12 and 24 months at 1440 and 390 px: no page body is wider than
// the viewport, the navigation stays on one line on a desktop, the heat map
// shows seven weekdays, every chart labels every month without overlap and
// the chart grid has no holes. Screenshots are kept as artefacts.
func TestBrowserNoiseAndTrends(t *testing.T) {
	ctx := testutil.Browser(t)
	srv := newDemoServer(t)
	browserSignIn(t, ctx, srv.URL)
	pages := []struct{ name, path string }{
		{"noise", "/noise?period=2026-10"},
		{"noise-q3-tier0", "/noise?period=2026-Q3&tier=0"},
		{"trends-6", "/trends?period=2026-10&months=6"},
		{"trends-12", "/trends?period=2026-10"},
		{"trends-24", "/trends?period=2026-10&months=24"},
		{"service", "/services/checkout?period=2026-10"},
	}
	for _, width := range []int64{1440, 390} {
		if err := testutil.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			t.Fatal(err)
		}
		for _, p := range pages {
			if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+p.path), chromedp.WaitReady(chromedp.CSS("footer"))); err != nil {
				t.Fatalf("%s at %d px: %v", p.name, width, err)
			}
			where := fmt.Sprintf("%s at %d px", p.name, width)
			shot, err := testutil.Run(ctx, chromedp.FullScreenshot(90))
			if err != nil {
				t.Fatal(err)
			}
			testutil.SaveArtifact(t, fmt.Sprintf("noise-trends-%s-%d.png", p.name, width), shot)
			if over, err := testutil.Run(ctx, chromedp.Evaluate[string](overflowJS)); err != nil || over != "" {
				t.Errorf("%s: %s %v", where, over, err)
			}
			if width == 1440 {
				if n, err := testutil.Run(ctx, chromedp.Evaluate[int](navLinesJS)); err != nil || n != 1 {
					t.Errorf("%s: navigation on %d lines (%v)", where, n, err)
				}
			}
			if p.name[:5] == "noise" {
				rows, err := testutil.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="heatmap"] tbody tr').length`))
				if err != nil || rows != 7 {
					t.Errorf("%s: heat map rows %d (%v)", where, rows, err)
				}
				if n := count(t, ctx, `[data-testid="noise-alerts"] tbody tr`); n == 0 {
					t.Errorf("%s: no alert rows", where)
				}
				continue
			}
			if n := count(t, ctx, `[data-chart] svg`); n != 6 {
				t.Errorf("%s: %d charts drawn, want 6", where, n)
			}
			if bad, err := testutil.Run(ctx, chromedp.Evaluate[string](monthLabelsJS)); err != nil || bad != "" {
				t.Errorf("%s: %s %v", where, bad, err)
			}
			if holes, err := testutil.Run(ctx, chromedp.Evaluate[string](chartHolesJS)); err != nil || holes != "" {
				t.Errorf("%s: chart grid holes: %s %v", where, holes, err)
			}
		}
	}
}
