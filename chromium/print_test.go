package chromium

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"testing/fstest"
)

// TestServeOnlyThePage checks the print server answers the page only at
// its random path, serves the assets, and is gone once stopped.
func TestServeOnlyThePage(t *testing.T) {
	pg := Page{HTML: []byte("<p>secret report</p>"), Assets: fstest.MapFS{"a.css": {Data: []byte("p{}")}}, AssetsPrefix: "/static/"}
	url, stop, err := serve(pg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("page served at %s, want the loopback interface", url)
	}
	base := url[:strings.Index(url[len("http://"):], "/")+len("http://")]
	get := func(u string) (int, string) {
		t.Helper()
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get(url); code != 200 || body != "<p>secret report</p>" {
		t.Errorf("page: %d %q", code, body)
	}
	if code, body := get(base + "/static/a.css"); code != 200 || body != "p{}" {
		t.Errorf("asset: %d %q", code, body)
	}
	for _, p := range []string{"/", "/print/", "/print/guess"} {
		if code, _ := get(base + p); code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, code)
		}
	}
	if url2, stop2, err := serve(pg); err != nil || url2 == url {
		t.Errorf("a second print reuses the path %s (err %v)", url, err)
	} else {
		stop2()
	}
	stop()
	if res, err := http.Get(url); err == nil {
		res.Body.Close()
		t.Error("server still answers after stop")
	}
}

// TestPrintPDF prints a page whose stylesheet comes from the assets and
// whose last paragraph a script adds late, and checks the PDF holds both
// and the footer: the print waited for Ready and served the assets.
func TestPrintPDF(t *testing.T) {
	exe, ok := Path()
	_, pdftotext := exec.LookPath("pdftotext")
	if !ok || pdftotext != nil {
		if os.Getenv("SREPORT_REQUIRE_BROWSER") == "1" {
			t.Fatal("chromium or pdftotext (poppler-utils) not installed")
		}
		t.Skip("chromium or pdftotext (poppler-utils) not installed")
	}
	page := `<!doctype html><html><head><link rel="stylesheet" href="/static/print.css"></head><body>
<p>Body text of the page.</p><p class="styled"></p>
<script>setTimeout(() => { const p = document.createElement("p"); p.textContent = "Drawn late by the script."; document.body.append(p); document.body.dataset.drawn = "yes"; }, 300);</script>
</body></html>`
	pg := Page{
		HTML:   []byte(page),
		Assets: fstest.MapFS{"print.css": {Data: []byte(`.styled::after { content: "Text from the stylesheet." }`)}}, AssetsPrefix: "/static/",
		Ready:  `document.body.dataset.drawn === "yes"`,
		Footer: "Footer <of> the report",
		Paper:  "letter",
	}
	pdf, err := PrintPDF(context.Background(), exe, pg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("not a PDF: %.20q", pdf)
	}
	path := t.TempDir() + "/p.pdf"
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"Body text of the page.", "Text from the stylesheet.", "Drawn late by the script.", "Footer <of> the report", "Page 1 of 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, text)
		}
	}
	info, err := exec.Command("pdfinfo", path).Output()
	if err == nil && !strings.Contains(string(info), "(letter)") {
		t.Errorf("paper is not letter:\n%s", info)
	}
}
