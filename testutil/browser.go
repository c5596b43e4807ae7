package testutil

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sreport/chromium"
)

// ChromiumPath is where Debian's chromium package installs the browser.
const ChromiumPath = chromium.DebianPath

// Browser starts a headless Chromium for one test and returns its context.
// Without Chromium the test is skipped, unless SREPORT_REQUIRE_BROWSER=1
// (set by scripts/test.sh), where a missing browser is a failure.
func Browser(t testing.TB) context.Context {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		if os.Getenv("SREPORT_REQUIRE_BROWSER") == "1" {
			t.Fatalf("chromium not found at %s (scripts/test.sh installs it)", ChromiumPath)
		}
		t.Skipf("chromium not installed at %s", ChromiumPath)
	}
	opts := chromium.Options(ChromiumPath, t.TempDir(), chromedp.WindowSize(1440, 1000))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}

// SaveArtifact writes a test artefact (screenshot, PDF) to $SREPORT_ARTIFACTS
// when set, else to the test's temp dir, and returns the path.
func SaveArtifact(t testing.TB, name string, data []byte) string {
	t.Helper()
	dir := os.Getenv("SREPORT_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifact dir: %v", err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatalf("write artifact: %v", err)
	}
	t.Logf("artifact: %s", p)
	return p
}
