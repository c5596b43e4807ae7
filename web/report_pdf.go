package web

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/labstack/echo/v4"

	"sreport/analytics/scorecard"
	"sreport/analytics/store"
	"sreport/chromium"
	"sreport/static"
	"sreport/views"
)

// pdfMissingNote tells the reader what to install for PDF downloads.
const pdfMissingNote = "PDF download needs Chromium on the server (Debian/Ubuntu: apt-get install chromium); the HTML download and the browser's own Print work without it."

// ErrNoChromium is returned when a PDF is asked for and no Chromium is installed.
var ErrNoChromium = errors.New("no Chromium found: install it (apt-get install chromium) or set SREPORT_CHROMIUM")

// downloadReportPDF prints the report with headless Chromium, or explains
// what to install when there is none.
func (h *Handler) downloadReportPDF(c echo.Context, env scorecard.Env, req ReportRequest, now time.Time) error {
	// Each PDF starts a Chromium (~2–3 s, ~25 MB): a few at a time, so a
	// burst of downloads cannot exhaust the server's memory.
	select {
	case h.pdfSlots <- struct{}{}:
		defer func() { <-h.pdfSlots }()
	default:
		c.Response().Header().Set("Retry-After", "5")
		return userError{http.StatusTooManyRequests, "Other reports are being printed right now; try again in a few seconds, or download the HTML version."}
	}
	b, err := reportPDF(c.Request().Context(), h.store, env, req, now, h.cfg.Version)
	if errors.Is(err, ErrNoChromium) {
		return userError{http.StatusServiceUnavailable, pdfMissingNote}
	}
	if err != nil {
		return reportError(err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+reportFileName(req, ".pdf")+`"`)
	return c.Blob(http.StatusOK, "application/pdf", b)
}

// RenderReportHTML renders a report as one self-contained HTML file (styles
// and chart library inline), for `sreport report --out F.html`.
func RenderReportHTML(ctx context.Context, st *store.Store, req ReportRequest, now time.Time, version string) ([]byte, error) {
	env, err := scorecard.LoadEnv(ctx, st, now.Truncate(time.Hour))
	if err != nil {
		return nil, err
	}
	return reportHTML(ctx, st, env, req, now, version, true)
}

// RenderReportPDF prints a report to PDF with headless Chromium, for
// `sreport report --out F.pdf`; ErrNoChromium when there is no browser.
func RenderReportPDF(ctx context.Context, st *store.Store, req ReportRequest, now time.Time, version string) ([]byte, error) {
	env, err := scorecard.LoadEnv(ctx, st, now.Truncate(time.Hour))
	if err != nil {
		return nil, err
	}
	return reportPDF(ctx, st, env, req, now, version)
}

// reportHTML renders the report document; inline puts the stylesheet and
// chart library into the file so it works away from the server.
func reportHTML(ctx context.Context, st *store.Store, env scorecard.Env, req ReportRequest, now time.Time, version string, inline bool) ([]byte, error) {
	v, err := buildReportView(ctx, st, env, req, now, version)
	if err != nil {
		return nil, err
	}
	if inline {
		css, err := fs.ReadFile(static.FS, "css/report.css")
		if err != nil {
			return nil, fmt.Errorf("report stylesheet: %w", err)
		}
		v.InlineCSS = string(css)
		if js, err := fs.ReadFile(static.FS, "vendor/echarts.min.js"); err == nil {
			v.InlineJS = string(js)
		} else {
			v.TrendCharts, v.Charts = nil, false // no library vendored: the tables carry the numbers
		}
	}
	return renderBytes(ctx, views.ReportPage(v))
}

// reportPDF renders the report in-process and prints it with Chromium. The
// page is served by a one-shot local server (the HTML plus /static), not
// by the app, so printing needs no session and passes no authentication.
func reportPDF(ctx context.Context, st *store.Store, env scorecard.Env, req ReportRequest, now time.Time, version string) ([]byte, error) {
	exe, ok := chromium.Path()
	if !ok {
		return nil, ErrNoChromium
	}
	v, err := buildReportView(ctx, st, env, req, now, version)
	if err != nil {
		return nil, err
	}
	v.PDF = true
	page, err := renderBytes(ctx, views.ReportPage(v))
	if err != nil {
		return nil, err
	}
	footer := v.Title + " · " + v.PeriodTitle + " · " + v.Scope
	return printPDF(ctx, exe, page, footer, len(v.TrendCharts), req.Paper)
}

// printPDF loads page in a fresh headless Chromium and prints it.
func printPDF(ctx context.Context, exe string, page []byte, footer string, charts int, paper string) ([]byte, error) {
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static/", http.FileServerFS(static.FS)))
	mux.HandleFunc("/report", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	dir, err := os.MkdirTemp("", "sreport-chromium-")
	if err != nil {
		return nil, fmt.Errorf("pdf: profile dir: %w", err)
	}
	defer os.RemoveAll(dir)
	opts := chromium.Options(exe, dir)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	if err := chromedp.Do(bctx, chromedp.Navigate(srv.URL+"/report")); err != nil {
		return nil, fmt.Errorf("pdf: load report: %w", err)
	}
	if charts > 0 {
		// Wait until every chart has drawn its SVG (or the library is missing).
		ready := fmt.Sprintf(`typeof echarts === "undefined" || document.querySelectorAll("[data-chart] svg").length >= %d`, charts)
		if _, err := chromedp.Run(bctx, chromedp.Poll[bool](ready, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			return nil, fmt.Errorf("pdf: wait for charts: %w", err)
		}
	}
	size := chromedp.PaperA4
	if paper == "letter" {
		size = chromedp.PaperLetter
	}
	tmpl := `<div style="font:8px system-ui,sans-serif;color:#555;width:100%;margin:0 12mm;display:flex;justify-content:space-between">` +
		`<span>` + html.EscapeString(footer) + `</span><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`
	pdf, err := chromedp.Run(bctx, chromedp.PrintToPDF(
		chromedp.PDFPaper(size),
		chromedp.PDFMargins(0.55, 0.47, 0.63, 0.47),
		chromedp.PDFPrintBackground(),
		chromedp.PDFHeaderTemplate(`<span></span>`),
		chromedp.PDFFooterTemplate(tmpl),
		chromedp.PDFOutlineAndTagged(),
	))
	if err != nil {
		return nil, fmt.Errorf("pdf: print: %w", err)
	}
	return pdf, nil
}
