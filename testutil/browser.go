package testutil

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"sreport/chromium"
)

// ChromiumPath is where Debian's chromium package installs the browser.
const ChromiumPath = chromium.DebianPath

// StepTimeout bounds one browser step run with [Do], [Run] or [RunResponse]
// (a navigation and its waits, a click, a query). chromedp waits for a
// selector until its context ends, so a page that never shows what a test
// waits for would otherwise hold the test until its overall deadline.
const StepTimeout = 30 * time.Second

// Browser starts a headless Chromium for one test and returns its context.
// Without Chromium the test is skipped, unless SREPORT_REQUIRE_BROWSER=1
// (set by scripts/test.sh), where a missing browser is a failure. Run steps
// on the context with [Do], [Run] and [RunResponse], which bound each step
// by StepTimeout.
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
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// The first run binds the browser's life to its context, so it runs on
	// ctx itself: a step's timeout then ends the step, not the browser.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Do runs the steps like [chromedp.Do], failing after StepTimeout.
func Do(ctx context.Context, steps ...chromedp.Action[chromedp.Void]) error {
	_, err := Run(ctx, chromedp.Steps(steps...))
	return err
}

// Run runs the action like [chromedp.Run], failing after StepTimeout.
func Run[T any](ctx context.Context, a chromedp.Action[T]) (T, error) {
	sctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	return v, stepErr(ctx, err)
}

// RunResponse runs the steps like [chromedp.RunResponse] (waiting for the
// navigation they start), failing after StepTimeout.
func RunResponse(ctx context.Context, steps ...chromedp.Action[chromedp.Void]) (*network.Response, error) {
	sctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(sctx, steps...)
	return resp, stepErr(ctx, err)
}

// stepErr says that a step ran out of time, which a bare "context deadline
// exceeded" does not.
func stepErr(ctx context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return fmt.Errorf("browser step did not finish within %s: %w", StepTimeout, err)
	}
	return err
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
