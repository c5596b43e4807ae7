package web_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sreport/analytics/store"
	"sreport/connectors"
	"sreport/secrets"
	"sreport/testutil"
	"sreport/web"
)

// TestBrowserConnector: an admin adds an Argo CD connector in Chromium;
// the scheduler, woken by the form as serve's would be, runs it, and the
// list shows it ok with the deploys it wrote and its next run.
func TestBrowserConnector(t *testing.T) {
	ctx := testutil.Browser(t)
	argo := argoReplay(t)
	key := make([]byte, secrets.KeySize)
	rand.Read(key)
	box, _ := secrets.New(key)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	sched := &connectors.Scheduler{Runner: &connectors.Runner{Secrets: box, Logger: logger}, Poll: time.Hour}
	srv := newAuthServer(t, func(cfg *web.Config) {
		cfg.Secrets, cfg.Connectors = box, sched
	})
	sched.Runner.Store = srv.st // the server's database, made by newAuthServer
	schedCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { sched.Run(schedCtx); close(done) }()
	t.Cleanup(func() { stop(); <-done })

	pw := testutil.CreateUser(t, srv.st, "admin@example.com", store.RoleAdmin)
	browserLogin(t, ctx, srv.URL, "admin@example.com", pw)
	if err := testutil.Do(ctx,
		chromedp.Navigate(srv.URL+"/admin/connectors/new"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="connector-form"]`)),
		chromedp.SetValue(chromedp.CSS(`select[name="kind"]`), "argocd"),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "argo-prod"),
		chromedp.SendKeys(chromedp.CSS(`input[name="base_url"]`), argo.URL),
		chromedp.SendKeys(chromedp.CSS(`input[name="credential"]`), argoSecret),
		chromedp.SetValue(chromedp.CSS(`input[name="since"]`), "2024-01-01"),
		chromedp.Click(chromedp.CSS(`input[name="create_services"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="add-connector"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="connector-runs"]`)),
	); err != nil {
		t.Fatal(err)
	}
	// The run happens in the scheduler's goroutine; look again until the
	// list shows it finished (the deadline only stops a hang).
	deadline := time.Now().Add(30 * time.Second)
	var row string
	for {
		if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+"/admin/connectors"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="connectors"]`))); err != nil {
			t.Fatal(err)
		}
		var err error
		row, err = testutil.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="connector-argo-prod"]`)))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(row, "ok") || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(row, "ok") || !strings.Contains(row, "10") || !strings.Contains(row, "done") {
		t.Fatalf("connector row: %q", row)
	}
	if png, err := testutil.Run(ctx, chromedp.FullScreenshot(90)); err == nil {
		testutil.SaveArtifact(t, "connectors.png", png)
	}
	if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+"/admin/connectors/1"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="run-1"]`))); err != nil {
		t.Fatal(err)
	}
	if png, err := testutil.Run(ctx, chromedp.FullScreenshot(90)); err == nil {
		testutil.SaveArtifact(t, "connector-detail.png", png)
	}
	html, err := testutil.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil || strings.Contains(html, argoSecret) {
		t.Fatalf("the page shows the credential (%v)", err)
	}
}
