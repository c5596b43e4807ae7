package web_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/testutil"
)

// pdfPages returns pdfinfo's page count and pdftotext's text of a PDF.
func pdfPages(t *testing.T, path string) (int, string) {
	t.Helper()
	for _, tool := range []string{"pdfinfo", "pdftotext", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("SREPORT_REQUIRE_BROWSER") == "1" {
				t.Fatalf("%s not installed (poppler-utils)", tool)
			}
			t.Skipf("%s not installed (poppler-utils)", tool)
		}
	}
	info, err := exec.Command("pdfinfo", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, info)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo gave no page count:\n%s", info)
	}
	n, _ := strconv.Atoi(string(m[1]))
	text, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return n, string(text)
}

// pdfPageText is pdftotext's text of one page of a PDF.
func pdfPageText(t *testing.T, path string, page int) string {
	t.Helper()
	n := strconv.Itoa(page)
	text, err := exec.Command("pdftotext", "-layout", "-f", n, "-l", n, path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext page %d: %v", page, err)
	}
	return string(text)
}

// minPageWords is the fewest words a printed page may carry: a page with
// fewer is near empty (an orphaned heading, a row or two of a table, a
// lone chart) and wastes the reader's attention.
const minPageWords = 100

// checkReportPages checks the layout rules of a printed report: page 1 is
// the executive summary (and only that), no page is near empty, and the
// contents list's page numbers point at the pages its sections start on.
func checkReportPages(t *testing.T, path string, pages int) {
	t.Helper()
	first := pdfPageText(t, path, 1)
	for _, w := range []string{"Executive summary", "Services against their tier targets", "Tier 0", "✓ met", "! at risk", "✗ missed",
		"Headline KPIs", "Availability", "MTTR", "Change failure rate", "Top risks", "Biggest moves since", "Worsened", "Improved"} {
		if !strings.Contains(first, w) {
			t.Errorf("page 1 lacks %q:\n%s", w, first)
		}
	}
	for _, w := range []string{"Contents", "Findings", "Tier-by-tier scorecard"} {
		if strings.Contains(first, w) {
			t.Errorf("page 1 holds %q: it is more than the summary", w)
		}
	}
	texts := make([]string, pages+1)
	for p := 1; p <= pages; p++ {
		texts[p] = pdfPageText(t, path, p)
		if n := len(strings.Fields(texts[p])); n < minPageWords {
			t.Errorf("page %d of %d is near empty: %d words, want at least %d:\n%s", p, pages, n, minPageWords, texts[p])
		}
	}
	entries := regexp.MustCompile(`(\d+)\. (\S.*?\S)\s{2,}(\d+)`).FindAllStringSubmatch(texts[2], -1)
	if len(entries) < 15 {
		t.Fatalf("page 2's contents list has %d numbered entries, want at least 15:\n%s", len(entries), texts[2])
	}
	for _, e := range entries {
		title, page := e[2], e[3]
		n, _ := strconv.Atoi(page)
		if n < 2 || n > pages {
			t.Errorf("contents: %q on page %d of %d", title, n, pages)
			continue
		}
		if !strings.Contains(strings.Join(strings.Fields(texts[n]), " "), title) {
			t.Errorf("contents: %q is not on page %d", title, n)
		}
	}
}

// statusColourPixels renders one page of a PDF at 100 dpi and counts the
// pixels drawn in the status colours: strong red (missed, worsened) and
// strong green (met, improved). A report printed without colour, as
// browsers print by default, has neither.
func statusColourPixels(t *testing.T, pdf string, page int) (red, green int) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "page")
	n := strconv.Itoa(page)
	if b, err := exec.Command("pdftoppm", "-r", "100", "-f", n, "-l", n, "-singlefile", pdf, out).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, b)
	}
	ppm, err := os.ReadFile(out + ".ppm")
	if err != nil {
		t.Fatal(err)
	}
	// A binary PPM: "P6\n<w> <h>\n255\n" then RGB triples.
	head := bytes.SplitN(ppm, []byte("\n"), 4)
	if len(head) != 4 || string(head[0]) != "P6" || string(head[2]) != "255" {
		t.Fatalf("pdftoppm wrote no binary PPM: %.20q", ppm)
	}
	px := head[3]
	for i := 0; i+2 < len(px); i += 3 {
		r, g, b := int(px[i]), int(px[i+1]), int(px[i+2])
		switch {
		case r-g > 60 && r-b > 60:
			red++
		case g-r > 40 && g-b > 20:
			green++
		}
	}
	return red, green
}

// savePNGs renders the first two pages of a PDF as test artefacts.
func savePNGs(t *testing.T, pdf, prefix string) {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", pdf, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "p-*.png"))
	if len(pngs) != 2 {
		t.Fatalf("pdftoppm wrote %v", pngs)
	}
	for i, p := range pngs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		testutil.SaveArtifact(t, prefix+"-page"+strconv.Itoa(i+1)+".png", b)
	}
}

// TestBrowserReportPDF downloads the quarterly report as a PDF (printed by
// the server with headless Chromium), checks its pages and text, and
// prints the report page from the test's own browser too.
func TestBrowserReportPDF(t *testing.T) {
	ctx := testutil.Browser(t)
	srv := newDemoServer(t)
	// Editors' notes on the quarterly report print on its first page.
	if _, err := srvStore(t, srv.URL).SaveCommentary(context.Background(), analytics.Commentary{Period: "2026-Q3", SavedAt: testutil.Now(),
		Highlights: "Tier-0 availability held above target all quarter.", Lowlights: "Ingress MTTR missed.", Asks: "Approve the failover drill."},
		0, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		path, name, paper string
	}{
		{"/reports/2026-Q3.pdf", "report-2026-Q3", "A4"},
		{"/reports/2026-10.pdf?team=payments&paper=letter", "report-2026-10-payments", "letter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, hdr := get(t, srv.URL+tc.path)
			if status != 200 || hdr.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF-") {
				t.Fatalf("GET %s: %d %s %.200q", tc.path, status, hdr.Get("Content-Type"), body)
			}
			pdf := testutil.SaveArtifact(t, tc.name+".pdf", []byte(body))
			pages, text := pdfPages(t, pdf)
			t.Logf("%s: %d pages", tc.name, pages)
			if pages < 6 || pages > 20 {
				t.Errorf("%d pages, want 6..20", pages)
			}
			info, _ := exec.Command("pdfinfo", pdf).Output()
			if !strings.Contains(string(info), tc.paper) {
				t.Errorf("paper is not %s:\n%s", tc.paper, info)
			}
			for _, w := range []string{"Reliability report", "Executive summary", "Headline KPIs", "checkout", "Page 2 of " + strconv.Itoa(pages)} {
				if !strings.Contains(text, w) {
					t.Errorf("PDF text lacks %q", w)
				}
			}
			if tc.paper == "A4" {
				for _, w := range []string{"Q3 2026", "Organisation", "Jul", "Sep", "Twelve-month trends",
					"On-call health by team", "Reliability program", "Performance regressions", "Delivered in Q3 2026", "Planned for Q4 2026",
					"I-001 Blocking performance gate"} {
					if !strings.Contains(text, w) {
						t.Errorf("PDF text lacks %q", w)
					}
				}
			} else if !strings.Contains(text, "October 2026") || !strings.Contains(text, "Team payments") {
				t.Error("monthly team PDF lacks its period or scope")
			}
			// Page numbers come once per page: from the PDF footer, not also from CSS.
			if n := strings.Count(text, "Page 2 of"); n != 1 {
				t.Errorf("\"Page 2 of\" appears %d times", n)
			}
			if strings.Contains(text, "Download PDF") || strings.Contains(text, "Sign out") {
				t.Error("the PDF shows screen-only controls")
			}
			checkReportPages(t, pdf, pages)
			if first := strings.Join(strings.Fields(pdfPageText(t, pdf, 1)), " "); tc.paper == "A4" &&
				(!strings.Contains(first, "Editors' commentary") || !strings.Contains(first, "Approve the failover drill.")) {
				t.Errorf("page 1 lacks the editors' commentary:\n%s", first)
			}
			// Colour survives print: page 1's status chips and changes keep
			// their red and green (beside the icon and word checked above).
			if red, green := statusColourPixels(t, pdf, 1); red < 500 || green < 200 {
				t.Errorf("page 1 has %d red and %d green pixels at 100 dpi, want at least 500 and 200: status colour is lost in print", red, green)
			} else {
				t.Logf("page 1 status colour at 100 dpi: %d red, %d green pixels", red, green)
			}
			savePNGs(t, pdf, tc.name)
		})
	}

	// The page itself, in the user's browser: no navigation, charts drawn
	// as SVG, and Chromium's own print gives the same report.
	browserSignIn(t, ctx, srv.URL)
	if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+"/reports/2026-Q3?tier=0"),
		chromedp.WaitReady(chromedp.CSS(`#rpt_slo svg`))); err != nil {
		t.Fatal(err)
	}
	svgs, err := testutil.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-chart] svg').length`))
	if err != nil || svgs != 6 { // MTTR and MTTD are charted apart
		t.Fatalf("charts with SVG = %d, %v", svgs, err)
	}
	nav, err := testutil.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.mainnav, .topbar').length`))
	if err != nil || nav != 0 {
		t.Fatalf("report page has navigation: %d %v", nav, err)
	}
	pdf, err := testutil.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPrintBackground()))
	if err != nil {
		t.Fatal(err)
	}
	path := testutil.SaveArtifact(t, "report-2026-Q3-tier0-browser.pdf", pdf)
	pages, text := pdfPages(t, path)
	t.Logf("browser print, tier 0: %d pages", pages)
	if pages < 5 || pages > 20 || !strings.Contains(text, "Tier 0") || !strings.Contains(text, "Executive summary") {
		t.Errorf("browser print: %d pages, text ok=%v", pages, strings.Contains(text, "Executive summary"))
	}
	if strings.Contains(text, "Download PDF") {
		t.Error("print shows the screen toolbar")
	}
}
