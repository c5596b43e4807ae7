package web_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

// TestBrowserRiskRegister: an editor creates a risk, raises its impact and
// sees the heat map move and the history entry; a viewer sees no edit
// controls and a POST made from the viewer's browser is refused.
func TestBrowserRiskRegister(t *testing.T) {
	ctx := testutil.Browser(t)
	st := testutil.DemoStore(t)
	app := web.New(st, web.Config{Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	epw := testutil.CreateUser(t, st, "ed@test.example", store.RoleEditor)
	vpw := testutil.CreateUser(t, st, "vi@test.example", store.RoleViewer)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	text := func(sel string) string {
		t.Helper()
		s, err := testutil.Run(ctx, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatalf("text %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}

	browserLogin(t, ctx, srv.URL, "ed@test.example", epw)
	if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+"/risks"), chromedp.WaitVisible(css(`[data-testid=heatmap]`))); err != nil {
		t.Fatal(err)
	}
	if got := text(`[data-testid="heat-4-4"]`); got != "·" {
		t.Fatalf("cell 4×4 before: %q", got)
	}
	if err := testutil.Do(ctx,
		chromedp.Click(css(`[data-testid=new-risk]`)),
		chromedp.WaitVisible(css(`[data-testid=risk-form]`)),
		chromedp.SendKeys(css(`input[name=title]`), "Checkout cache has no eviction alarm"),
		chromedp.SetValue(css(`select[name=services]`), "checkout"),
		chromedp.SetValue(css(`select[name=category]`), "observability gap"),
		chromedp.SetValue(css(`select[name=likelihood]`), "4"),
		chromedp.SetValue(css(`select[name=impact]`), "4"),
		chromedp.SendKeys(css(`input[name=owner]`), "ed@test.example"),
		chromedp.Click(css(`[data-testid=save-risk]`)),
		chromedp.WaitVisible(css(`[data-testid=risk-history]`)),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(`[data-testid=risk-score]`); got != "score 16" {
		t.Fatalf("new risk: %q", got)
	}
	if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+"/risks"), chromedp.WaitVisible(css(`[data-testid=heatmap]`))); err != nil {
		t.Fatal(err)
	}
	if got := text(`[data-testid="heat-4-4"]`); got != "1" {
		t.Fatalf("cell 4×4 after create: %q", got)
	}
	before45 := text(`[data-testid="heat-4-5"]`)

	// Raise the impact.
	if err := testutil.Do(ctx,
		chromedp.Navigate(srv.URL+"/risks/R-013"),
		chromedp.Click(css(`[data-testid=edit-risk]`)),
		chromedp.WaitVisible(css(`[data-testid=risk-form]`)),
		chromedp.SetValue(css(`select[name=impact]`), "5"),
		chromedp.SendKeys(css(`input[name=comment]`), "customer-facing after all"),
		chromedp.Click(css(`[data-testid=save-risk]`)),
		chromedp.WaitVisible(css(`[data-testid=risk-history]`)),
	); err != nil {
		t.Fatal(err)
	}
	hist := text(`[data-testid=risk-history]`)
	if !strings.Contains(hist, "impact") || !strings.Contains(hist, "4") || !strings.Contains(hist, "5") ||
		!strings.Contains(hist, "customer-facing after all") || !strings.Contains(hist, "ed@test.example") {
		t.Fatalf("history: %q", hist)
	}
	if shot, err := testutil.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		testutil.SaveArtifact(t, "risk-page.png", shot)
	}
	if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+"/risks"), chromedp.WaitVisible(css(`[data-testid=heatmap]`))); err != nil {
		t.Fatal(err)
	}
	if got := text(`[data-testid="heat-4-4"]`); got != "·" {
		t.Fatalf("cell 4×4 after raising impact: %q", got)
	}
	want45 := "1"
	if before45 != "·" {
		want45 = string(rune(before45[0] + 1))
	}
	if got := text(`[data-testid="heat-4-5"]`); got != want45 {
		t.Fatalf("cell 4×5 after raising impact: %q, want %q", got, want45)
	}
	if shot, err := testutil.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		testutil.SaveArtifact(t, "risk-register.png", shot)
	}
	// The cell links to its list.
	if err := testutil.Do(ctx, chromedp.Click(css(`[data-testid="heat-4-5"]`)), chromedp.WaitVisible(css(`[data-testid="risk-R-013"]`))); err != nil {
		t.Fatal(err)
	}
	browserLogout(t, ctx)

	// The viewer reads but has no edit controls.
	fillLogin(t, ctx, "vi@test.example", vpw)
	if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+"/risks"), chromedp.WaitVisible(css(`[data-testid=heatmap]`))); err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, `[data-testid=new-risk], [data-testid=import-risks]`); n != 0 {
		t.Fatalf("viewer sees %d edit controls on the register", n)
	}
	if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+"/risks/R-013"), chromedp.WaitVisible(css(`[data-testid=risk-history]`))); err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, `[data-testid=edit-risk], [data-testid=status-form], [data-testid=comment-form], [data-testid=link-form], main form[method=post]`); n != 0 {
		t.Fatalf("viewer sees %d edit controls on the risk page", n)
	}
	// A hand-made POST from the viewer's browser (with a valid CSRF token)
	// is refused by the route's role.
	if _, err := testutil.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const f = document.createElement('form');
		f.method = 'post'; f.action = '/risks/R-013/status';
		for (const [k, v] of [['_csrf', document.querySelector('input[name=_csrf]').value], ['version', '2'], ['status', 'closed']]) {
			const i = document.createElement('input'); i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i);
		}
		document.body.appendChild(f); f.submit(); return true;
	})()`)); err != nil {
		t.Fatal(err)
	}
	if err := testutil.Do(ctx, chromedp.WaitVisible(css(`[data-testid=error]`))); err != nil {
		t.Fatal(err)
	}
	if msg := text(`[data-testid=error]`); !strings.Contains(msg, "403") || !strings.Contains(msg, "editor role") {
		t.Fatalf("viewer POST: %q", msg)
	}
	r, err := st.RiskByCode(t.Context(), "R-013")
	if err != nil || r.Status != "open" {
		t.Fatalf("viewer POST changed the risk: %+v %v", r.Status, err)
	}
}
