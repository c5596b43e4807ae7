package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"sreport/testutil"
)

// navStateJS describes a navigation group: open or not, how many of its
// links are visible, whether its summary shows as current, and which
// element has the focus.
func navStateJS(group string) string {
	return `(() => { const d = document.querySelector('[data-testid="nav-` + group + `"]'), s = d.querySelector("summary");
  const shown = [...d.querySelectorAll(".navmenu a")].filter(a => a.checkVisibility() && a.getBoundingClientRect().width > 0).length;
  return [d.open, shown, s.classList.contains("active"), s.getAttribute("aria-current") || "", document.activeElement === s].join("|") })()`
}

// TestBrowserNavGroups opens the navigation's groups at 1440 and 390 px:
// a group's links appear only when it is opened (by click or keyboard),
// Escape and an outside click close it, opening one closes the other, a
// link navigates, and on the page reached the link is aria-current and its
// group shows as current. At 390 px an open group stays within the page.
func TestBrowserNavGroups(t *testing.T) {
	ctx := testutil.Browser(t)
	srv := newDemoServer(t)
	browserSignIn(t, ctx, srv.URL)
	state := func(group string) string {
		t.Helper()
		s, err := testutil.Run(ctx, chromedp.Evaluate[string](navStateJS(group)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ops, prog := `[data-testid="nav-operations"] summary`, `[data-testid="nav-program-group"] summary`

	if err := testutil.Do(ctx, chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(srv.URL+"/scorecards?period=2026-10"), chromedp.WaitReady(chromedp.CSS("footer"))); err != nil {
		t.Fatal(err)
	}
	if got := state("operations"); got != "false|0|false||false" {
		t.Errorf("operations before opening: open|links shown|current|aria-current|focused = %s", got)
	}
	if err := testutil.Do(ctx, chromedp.Click(chromedp.CSS(ops)), chromedp.WaitVisible(chromedp.CSS(`.navmenu a[href="/incidents"]`))); err != nil {
		t.Fatal(err)
	}
	if got := state("operations"); !strings.HasPrefix(got, "true|6|false|") {
		t.Errorf("operations opened by click: %s, want open with its 6 links shown", got)
	}
	if over, err := testutil.Run(ctx, chromedp.Evaluate[string](overflowJS)); err != nil || over != "" {
		t.Errorf("operations group open at 1440 px: %s (%v)", over, err)
	}
	if shot, err := testutil.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		testutil.SaveArtifact(t, "nav-operations-open-1440.png", shot)
	}
	// Opening the program group closes the operations group.
	if err := testutil.Do(ctx, chromedp.Click(chromedp.CSS(prog)), chromedp.WaitVisible(chromedp.CSS(`.navmenu a[href="/roadmap"]`))); err != nil {
		t.Fatal(err)
	}
	if got := state("operations"); !strings.HasPrefix(got, "false|0|") {
		t.Errorf("operations after opening program: %s, want closed", got)
	}
	// An outside click closes it.
	if err := testutil.Do(ctx, chromedp.Click(chromedp.CSS("main h1"))); err != nil {
		t.Fatal(err)
	}
	if got := state("program-group"); !strings.HasPrefix(got, "false|0|") {
		t.Errorf("program after a click on the page: %s, want closed", got)
	}
	// Keyboard: focus the summary, Enter opens, Escape closes and keeps the
	// focus on the summary; Enter again and Tab to the first link.
	if err := testutil.Do(ctx, chromedp.Focus(chromedp.CSS(ops)), chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	if got := state("operations"); got != "true|6|false||true" {
		t.Errorf("operations after Enter on its summary: %s", got)
	}
	if err := testutil.Do(ctx, chromedp.KeyEvent(kb.Escape)); err != nil {
		t.Fatal(err)
	}
	if got := state("operations"); got != "false|0|false||true" {
		t.Errorf("operations after Escape: %s, want closed with the focus on its summary", got)
	}
	if err := testutil.Do(ctx, chromedp.KeyEvent(kb.Enter), chromedp.KeyEvent(kb.Tab)); err != nil {
		t.Fatal(err)
	}
	focused, err := testutil.Run(ctx, chromedp.Evaluate[string](`document.activeElement.getAttribute("href") || ""`))
	if err != nil || focused != "/incidents" {
		t.Errorf("Tab from the open summary focuses %q (%v), want the first link /incidents", focused, err)
	}
	if err := testutil.Do(ctx, chromedp.Click(chromedp.CSS(`.navmenu a[href="/deploys"]`)), chromedp.WaitReady(chromedp.CSS("footer"))); err != nil {
		t.Fatal(err)
	}
	if loc, _ := testutil.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/deploys") {
		t.Errorf("the Deploys link went to %s", loc)
	}
	if got := state("operations"); got != "false|0|true|true|false" {
		t.Errorf("operations on /deploys: %s, want closed and shown as current", got)
	}
	if n := count(t, ctx, `.navmenu a[href="/deploys"][aria-current="page"]`); n != 1 {
		t.Errorf("on /deploys the Deploys link is not aria-current")
	}
	if got := state("program-group"); !strings.HasPrefix(got, "false|0|false|") {
		t.Errorf("program on /deploys: %s, want not current", got)
	}

	// A phone: the open group wraps in the bar, the page stays 390 px wide.
	if err := testutil.Do(ctx, chromedp.EmulateViewport(390, 800),
		chromedp.Navigate(srv.URL+"/scorecards?period=2026-10"), chromedp.WaitReady(chromedp.CSS("footer")),
		chromedp.Click(chromedp.CSS(prog)), chromedp.WaitVisible(chromedp.CSS(`.navmenu a[href="/roadmap"]`))); err != nil {
		t.Fatal(err)
	}
	if over, err := testutil.Run(ctx, chromedp.Evaluate[string](overflowJS)); err != nil || over != "" {
		t.Errorf("program group open at 390 px: %s (%v)", over, err)
	}
	shot, err := testutil.Run(ctx, chromedp.FullScreenshot(90))
	if err != nil {
		t.Fatal(err)
	}
	testutil.SaveArtifact(t, "nav-program-open-390.png", shot)
	if err := testutil.Do(ctx, chromedp.Click(chromedp.CSS(`.navmenu a[href="/roadmap"]`)), chromedp.WaitReady(chromedp.CSS("footer"))); err != nil {
		t.Fatal(err)
	}
	if loc, _ := testutil.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/roadmap") {
		t.Errorf("the Roadmap link went to %s", loc)
	}
	if got := state("program-group"); !strings.HasPrefix(got, "false|0|true|true|") {
		t.Errorf("program on /roadmap: %s, want shown as current", got)
	}
	if n := count(t, ctx, `.navmenu a[href="/roadmap"][aria-current="page"]`); n != 1 {
		t.Errorf("on /roadmap the Roadmap link is not aria-current")
	}
}
