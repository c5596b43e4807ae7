package web

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"sreport/analytics/reporting"
	"sreport/analytics/scorecard"
	"sreport/chromium"
	"sreport/static"
	"sreport/views"
)

// pdfMissingNote tells the reader what to install for PDF downloads.
const pdfMissingNote = "PDF download needs Chromium on the server (Debian/Ubuntu: apt-get install chromium); the HTML download and the browser's own Print work without it."

// downloadReportPDF prints the report with headless Chromium, or explains
// what to install when there is none.
func (h *Handler) downloadReportPDF(c echo.Context, env scorecard.Env, req reportRequest, now time.Time) error {
	// Each PDF starts a Chromium (~2–3 s, ~25 MB): a few at a time, so a
	// burst of downloads cannot exhaust the server's memory.
	select {
	case h.pdfSlots <- struct{}{}:
		defer func() { <-h.pdfSlots }()
	default:
		c.Response().Header().Set("Retry-After", "5")
		return userError{http.StatusTooManyRequests, "Other reports are being printed right now; try again in a few seconds, or download the HTML version."}
	}
	exe, found := chromium.Path()
	if !found {
		return userError{http.StatusServiceUnavailable, pdfMissingNote}
	}
	ctx := c.Request().Context()
	rep, err := h.report(ctx, env, req.Request, now)
	if err != nil {
		return reportError(c, err)
	}
	b, err := ReportPDF(ctx, exe, rep, now, h.cfg.Version, req.Paper)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+reportFileName(req, ".pdf")+`"`)
	return c.Blob(http.StatusOK, "application/pdf", b)
}

// ReportHTML formats an assembled report as one self-contained HTML file:
// the stylesheet and the chart library inline, so it works away from the
// server. Without a vendored chart library the charts are left out and the
// tables carry the numbers.
func ReportHTML(ctx context.Context, rep *reporting.Report, now time.Time, version string) ([]byte, error) {
	v := reportView(ctx, rep, now, version, nil)
	css, err := fs.ReadFile(static.FS, "css/report.css")
	if err != nil {
		return nil, fmt.Errorf("report stylesheet: %w", err)
	}
	v.InlineCSS = string(css)
	if js, err := fs.ReadFile(static.FS, "vendor/echarts.min.js"); err == nil {
		v.InlineJS = string(js)
	} else {
		v.TrendCharts, v.Charts = nil, false
	}
	return renderBytes(ctx, views.ReportPage(v))
}

// ReportPDF prints an assembled report with the Chromium at exe, with its
// contents list numbered: a first print lays the report out with a
// placeholder of the same width for each page number, its outline says
// where each section starts, and the second print carries the numbers
// (the layout cannot move, as only the digits change).
func ReportPDF(ctx context.Context, exe string, rep *reporting.Report, now time.Time, version, paper string) ([]byte, error) {
	v := reportView(ctx, rep, now, version, nil)
	v.PDF = true
	for i := range v.Contents {
		v.Contents[i].Page = "–"
	}
	first, err := printReport(ctx, exe, v, paper)
	if err != nil {
		return nil, err
	}
	pages, err := chromium.OutlinePages(first)
	if err != nil {
		return nil, err
	}
	for i, e := range v.Contents {
		n, ok := pages[e.Title]
		if !ok {
			// A section left out (no charts) has no entry; keep the placeholder.
			continue
		}
		v.Contents[i].Page = strconv.Itoa(n)
	}
	return printReport(ctx, exe, v, paper)
}

// printReport renders v in the print layout, linking the app's static
// files, and prints it once every chart has drawn, with the report's
// title, period and scope in the footer.
func printReport(ctx context.Context, exe string, v views.Report, paper string) ([]byte, error) {
	html, err := renderBytes(ctx, views.ReportPage(v))
	if err != nil {
		return nil, err
	}
	pg := chromium.Page{HTML: html, Assets: static.FS, AssetsPrefix: "/static/", Paper: paper,
		Footer: v.Title + " · " + v.PeriodTitle + " · " + v.Scope}
	if n := len(v.TrendCharts); n > 0 {
		// Every chart has drawn its SVG, or the library is missing.
		pg.Ready = fmt.Sprintf(`typeof echarts === "undefined" || document.querySelectorAll("[data-chart] svg").length >= %d`, n)
	}
	return chromium.PrintPDF(ctx, exe, pg)
}

// renderBytes renders a component to bytes, with ctx's CSP nonce.
func renderBytes(ctx context.Context, comp templ.Component) ([]byte, error) {
	var b strings.Builder
	if err := comp.Render(ctx, &b); err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	return []byte(b.String()), nil
}
