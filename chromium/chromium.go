// Package chromium finds the headless browser sreport prints PDFs with and
// gives the flags it must run with on a server: the same flags for the PDF
// renderer and the browser tests.
package chromium

import (
	"os"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// DebianPath is where Debian's chromium package installs the browser.
const DebianPath = "/usr/bin/chromium"

// Path finds the browser: $SREPORT_CHROMIUM, Debian's /usr/bin/chromium, or
// a chromium/chrome on the PATH.
func Path() (string, bool) {
	if p := os.Getenv("SREPORT_CHROMIUM"); p != "" {
		_, err := os.Stat(p)
		return p, err == nil
	}
	if _, err := os.Stat(DebianPath); err == nil {
		return DebianPath, true
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(n); err == nil {
			return p, true
		}
	}
	return "", false
}

// Options are the allocator options for a headless run of exe with a fresh
// profile in userDataDir. No sandbox because servers and CI run as root;
// no background networking because the machines it runs on have a closed
// network and Chromium would keep retrying Google's hosts.
func Options(exe, userDataDir string, extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(userDataDir),
	)
	return append(opts, extra...)
}
