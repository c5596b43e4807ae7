package web_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sreport/testutil"
	"sreport/web"
)

// TestBrowserImportGenericCSV signs in as an editor, uploads a generic CSV,
// maps its columns, confirms, and finds the incidents in /incidents.
func TestBrowserImportGenericCSV(t *testing.T) {
	ctx := testutil.Browser(t)
	st := testutil.NewStore(t)
	app := web.New(st, web.Config{Now: time.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	pw := testutil.CreateUser(t, st, "ed@test.example", web.RoleEditor)

	file := filepath.Join(t.TempDir(), "ops-sheet.csv")
	csv := "Ref,System,Opened (UTC),What,Sev\n" +
		"BRW-1,web-shop,2026-07-03 10:00,Checkout down for EU customers,P1\n" +
		"BRW-2,web-shop,2026-07-04 11:30,Search slow,P3\n"
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+"/login"),
		chromedp.SetValue(css(`input[name=email]`), "ed@test.example"),
		chromedp.SetValue(css(`input[name=password]`), pw),
		chromedp.Click(css(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(css(`[data-testid=whoami]`)),
		chromedp.Navigate(srv.URL+"/imports/new"),
		chromedp.WaitVisible(css(`[data-testid=import-form]`)),
		chromedp.SetUploadFiles(css(`input[type=file]`), []string{file}),
		chromedp.Click(css(`input[name=create_services]`)),
		chromedp.Click(css(`[data-testid=upload]`)),
		chromedp.WaitVisible(css(`[data-testid=mapping-form]`)),
	); err != nil {
		t.Fatal(err)
	}
	head, err := testutil.Run(ctx, chromedp.Text(css(`[data-testid=csv-head]`)))
	if err != nil || !strings.Contains(head, "Opened (UTC)") || !strings.Contains(head, "BRW-2") {
		t.Fatalf("csv head %q %v", head, err)
	}
	if err := testutil.Do(ctx,
		chromedp.SetValue(css(`select[name=col_external_id]`), "Ref"),
		chromedp.SetValue(css(`select[name=col_service]`), "System"),
		chromedp.SetValue(css(`select[name=col_detected_at]`), "Opened (UTC)"),
		chromedp.SetValue(css(`select[name=col_title]`), "What"),
		chromedp.SetValue(css(`select[name=col_severity]`), "Sev"),
		chromedp.SetValue(css(`input[name=save_as]`), "ops sheet"),
		chromedp.Click(css(`[data-testid=apply-mapping]`)),
		chromedp.WaitVisible(css(`[data-testid=confirm-form]`)),
	); err != nil {
		t.Fatal(err)
	}
	format, _ := testutil.Run(ctx, chromedp.Text(css(`[data-testid=detected-format]`)))
	ins, _ := testutil.Run(ctx, chromedp.Text(css(`[data-testid=inserted]`)))
	if format != "csv" || ins != "2" {
		t.Fatalf("preview: format %q, would insert %q", format, ins)
	}
	shot, err := testutil.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		testutil.SaveArtifact(t, "import-preview.png", shot)
	}
	if err := testutil.Do(ctx, chromedp.Click(css(`[data-testid=confirm]`)), chromedp.WaitVisible(css(`[data-testid=file-result]`))); err != nil {
		t.Fatal(err)
	}
	ins, _ = testutil.Run(ctx, chromedp.Text(css(`[data-testid=inserted]`)))
	if ins != "2" {
		t.Fatalf("inserted %q", ins)
	}
	if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+"/incidents?period=2026-07"), chromedp.WaitVisible(css(`[data-testid=incidents]`))); err != nil {
		t.Fatal(err)
	}
	list, err := testutil.Run(ctx, chromedp.Text(css(`[data-testid=incidents]`)))
	if err != nil || !strings.Contains(list, "Checkout down for EU customers") || !strings.Contains(list, "Search slow") || !strings.Contains(list, "web-shop") {
		t.Fatalf("/incidents: %q %v", list, err)
	}
	if m, err := st.Mapping(t.Context(), "ops sheet"); err != nil || m.Columns["detected_at"] != "Opened (UTC)" {
		t.Fatalf("saved mapping %+v %v", m, err)
	}
}
