package chromium

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/chromedp/chromedp"
)

// ErrNotInstalled is returned when a PDF is asked for and no browser is found.
var ErrNotInstalled = errors.New("no Chromium found: install it (apt-get install chromium) or set SREPORT_CHROMIUM")

// Page is one HTML document to print.
type Page struct {
	HTML []byte
	// Assets are the files the document links to, served under
	// AssetsPrefix ("/static/"): its stylesheet and chart library.
	Assets       fs.FS
	AssetsPrefix string
	// Ready is a JavaScript expression that becomes true once the page
	// has finished drawing (its charts); "" prints as soon as it loaded.
	Ready string
	// Footer is the plain text printed at the foot of every page, left of
	// the page number.
	Footer string
	// Paper is "a4" (the default) or "letter".
	Paper string
}

// Timeouts of one print: the whole run, and the wait for Page.Ready.
const (
	printTimeout = 90 * time.Second
	readyTimeout = 20 * time.Second
)

// PrintPDF prints pg with a fresh headless Chromium at exe (see Path). The
// page is served to the browser by a listener on the loopback interface
// that lives only for this print, at an unguessable path, so printing
// needs no session of the app and another local user cannot read it.
func PrintPDF(ctx context.Context, exe string, pg Page) ([]byte, error) {
	url, stop, err := serve(pg)
	if err != nil {
		return nil, err
	}
	defer stop()

	dir, err := os.MkdirTemp("", "sreport-chromium-")
	if err != nil {
		return nil, fmt.Errorf("pdf: profile dir: %w", err)
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(ctx, printTimeout)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, Options(exe, dir)...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	if err := chromedp.Do(bctx, chromedp.Navigate(url)); err != nil {
		return nil, fmt.Errorf("pdf: load page: %w", err)
	}
	if pg.Ready != "" {
		if _, err := chromedp.Run(bctx, chromedp.Poll[bool](pg.Ready, chromedp.WithPollingTimeout(readyTimeout))); err != nil {
			return nil, fmt.Errorf("pdf: wait for the page to draw: %w", err)
		}
	}
	size := chromedp.PaperA4
	if pg.Paper == "letter" {
		size = chromedp.PaperLetter
	}
	footer := `<div style="font:8px system-ui,sans-serif;color:#555;width:100%;margin:0 12mm;display:flex;justify-content:space-between">` +
		`<span>` + html.EscapeString(pg.Footer) + `</span><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`
	pdf, err := chromedp.Run(bctx, chromedp.PrintToPDF(
		chromedp.PDFPaper(size),
		chromedp.PDFMargins(0.55, 0.47, 0.63, 0.47),
		chromedp.PDFPrintBackground(),
		chromedp.PDFHeaderTemplate(`<span></span>`),
		chromedp.PDFFooterTemplate(footer),
		chromedp.PDFOutlineAndTagged(),
	))
	if err != nil {
		return nil, fmt.Errorf("pdf: print: %w", err)
	}
	return pdf, nil
}

// serve starts an HTTP server on a free loopback port with pg's HTML at a
// random path and its assets under pg.AssetsPrefix; stop shuts it down.
func serve(pg Page) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("pdf: listen on loopback: %w", err)
	}
	path := "/print/" + rand.Text()
	mux := http.NewServeMux()
	if pg.Assets != nil {
		mux.Handle(pg.AssetsPrefix, http.StripPrefix(pg.AssetsPrefix, http.FileServerFS(pg.Assets)))
	}
	mux.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(pg.HTML)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }() // returns http.ErrServerClosed once stopped
	return "http://" + ln.Addr().String() + path, func() { _ = srv.Close() }, nil
}
