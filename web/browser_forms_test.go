package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sreport/testutil"
)

// navFitJS measures the main navigation's top level (its links and its
// groups' summaries; a closed group's links are not on the bar): the lines
// it takes, whether any entry is cut off (scrollWidth beyond clientWidth)
// and the free width left beside the entries, so the room left for new
// entries is reported.
const navFitJS = `(() => {
  const nav = document.querySelector(".mainnav"), links = [...nav.querySelectorAll(":scope > a, :scope > details > summary")];
  const lines = new Set(links.map(a => Math.round(a.getBoundingClientRect().top))).size;
  const used = links.length ? links[links.length-1].getBoundingClientRect().right - links[0].getBoundingClientRect().left : 0;
  return JSON.stringify({lines, links: links.length, cut: nav.scrollWidth > nav.clientWidth + 1, free: Math.round(nav.clientWidth - used), nav: nav.clientWidth, bar: document.querySelector(".topbar").clientWidth, who: Math.round((document.querySelector(".whoami") || {getBoundingClientRect: () => ({width: 0})}).getBoundingClientRect().width)});
})()`

// TestBrowserAdminNavOneLine signs in as an admin (the longest navigation)
// with a long e-mail address and checks at 1440 px that the navigation's
// top level takes one line with no entry cut off, on the admin pages and
// elsewhere, and still would with three more top-level entries.
func TestBrowserAdminNavOneLine(t *testing.T) {
	ctx := testutil.Browser(t)
	srv := newDemoServer(t)
	st := srvStore(t, srv.URL)
	email := "firstname.lastname-reliability@engineering.example.com"
	pw := testutil.CreateUser(t, st, email, "admin")
	if err := testutil.Do(ctx, chromedp.EmulateViewport(1440, 900)); err != nil {
		t.Fatal(err)
	}
	browserLogin(t, ctx, srv.URL, email, pw)
	for _, path := range []string{"/admin/users", "/admin/audit", "/settings", "/scorecards?period=2026-10", "/risks"} {
		if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+path), chromedp.WaitReady(chromedp.CSS("footer"))); err != nil {
			t.Fatal(err)
		}
		got, err := testutil.Run(ctx, chromedp.Evaluate[string](navFitJS))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got, `"lines":1,`) || strings.Contains(got, `"cut":true`) {
			t.Errorf("%s at 1440 px: navigation %s, want one line with no link cut off", path, got)
		}
		if path == "/admin/users" {
			t.Logf("navigation at 1440 px: %s", got)
			// Room to grow: three more top-level links still fit.
			more, err := testutil.Run(ctx, chromedp.Evaluate[string](`(() => { const nav = document.querySelector(".mainnav");
				for (const label of ["Capacity", "Costs", "Postmortems"]) { const a = document.createElement("a"); a.href = "#"; a.textContent = label; nav.appendChild(a); }
				return "" })(); `+navFitJS))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(more, `"lines":1,`) || strings.Contains(more, `"cut":true`) {
				t.Errorf("with three more entries the navigation no longer fits one line: %s", more)
			}
			t.Logf("with three more entries: %s", more)
			shot, err := testutil.Run(ctx, chromedp.FullScreenshot(90))
			if err != nil {
				t.Fatal(err)
			}
			testutil.SaveArtifact(t, "admin-users-1440.png", shot)
		}
	}
}

// TestBrowserFormErrorLandsAtForm submits the incident form, which sits
// below the fold, with a time typed the way the browser's locale would and
// checks the page that comes back opens at the error summary (focused,
// inside the viewport, listing the field with a link that focuses it), the
// time fields are plain ISO text fields naming the zone, and the invalid
// field is marked.
func TestBrowserFormErrorLandsAtForm(t *testing.T) {
	ctx := testutil.Browser(t)
	srv := newDemoServer(t)
	browserSignIn(t, ctx, srv.URL)
	var id int64
	if err := srvStore(t, srv.URL).Writer().QueryRow(`SELECT id FROM incidents WHERE resolved_at IS NOT NULL ORDER BY id LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	for _, width := range []int64{1440, 390} {
		if err := testutil.Do(ctx, chromedp.EmulateViewport(width, 800),
			chromedp.Navigate(fmt.Sprintf("%s/incidents/%d", srv.URL, id)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="incident-form"]`))); err != nil {
			t.Fatal(err)
		}
		kind, err := testutil.Run(ctx, chromedp.Evaluate[string](`(() => { const i = document.querySelector("#inc-resolved_at");
			return i.type + "|" + i.placeholder + "|" + document.querySelector("#inc-resolved_at-zone").textContent })()`))
		if err != nil || !strings.HasPrefix(kind, "text|YYYY-MM-DD HH:MM|UTC (UTC, UTC+00:00)") {
			t.Errorf("resolved-at field at %d px: %q (%v), want a text field with an ISO placeholder naming the zone", width, kind, err)
		}
		if err := testutil.Do(ctx,
			chromedp.SendKeys(chromedp.CSS(`#inc-resolved_at`), "10/05/2026, 11:00 AM"),
			chromedp.Click(chromedp.CSS(`[data-testid="incident-save"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="error-summary"]`)),
		); err != nil {
			t.Fatalf("submit at %d px: %v", width, err)
		}
		// The browser applies autofocus (and the scroll it brings) at a
		// rendering update after load: wait for it rather than race it.
		if _, err := testutil.Run(ctx, chromedp.Poll[bool](`document.activeElement !== null && document.activeElement.dataset.testid === "error-summary"`,
			chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Errorf("the error summary never took the focus at %d px: %v", width, err)
		}
		state, err := testutil.Run(ctx, chromedp.Evaluate[string](`(() => {
			const s = document.querySelector("[data-testid=error-summary]"), r = s.getBoundingClientRect();
			return [document.activeElement === s, r.top >= 0 && r.top < innerHeight, window.scrollY > 0,
				s.querySelector("a").getAttribute("href"), document.querySelector("#inc-resolved_at").getAttribute("aria-invalid"),
				getComputedStyle(document.querySelector(".field-error")).color].join("|") })()`))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(state, "true|true|true|#inc-resolved_at|true|") {
			t.Errorf("after the failed save at %d px: focused|visible|scrolled|link|invalid|colour = %s", width, state)
		}
		if strings.HasSuffix(state, "rgb(91, 100, 112)") {
			t.Errorf("the field message is in the help-text grey")
		}
		shot, err := testutil.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		testutil.SaveArtifact(t, fmt.Sprintf("incident-form-error-%d.png", width), shot)
		if err := testutil.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid=error-summary] a`))); err != nil {
			t.Fatal(err)
		}
		focused, _ := testutil.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`))
		if focused != "inc-resolved_at" {
			t.Errorf("the summary's link focuses %q, want the field", focused)
		}
	}
}
