package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/report"
	"sreport/analytics/scorecard"
	"sreport/testutil"
)

// checkpointCtx counts the calls of Err (the engine loops' and queries'
// "should I stop?" checks) and cancels itself at the cancelAt-th one, so a
// test can make a client leave at an exact point of the work.
type checkpointCtx struct {
	context.Context
	cancel   context.CancelFunc
	calls    atomic.Int64
	cancelAt int64 // 0 = never
}

func newCheckpointCtx(parent context.Context, cancelAt int64) *checkpointCtx {
	ctx, cancel := context.WithCancel(parent)
	return &checkpointCtx{Context: ctx, cancel: cancel, cancelAt: cancelAt}
}

func (c *checkpointCtx) Err() error {
	if n := c.calls.Add(1); c.cancelAt > 0 && n >= c.cancelAt {
		c.cancel()
	}
	return c.Context.Err()
}

// TestReportStopsWhenCancelled cancels a report's computation before it
// starts and at checkpoints spread over it: every time it returns
// context.Canceled, and after the cancel it passes only the checkpoints
// that notice it (one per scorecard row still queued), not the rest of the
// work.
func TestReportStopsWhenCancelled(t *testing.T) {
	st := testutil.DemoStore(t)
	h, _ := newApp(st, Config{Now: testutil.Now, Logger: slog.New(slog.DiscardHandler)})
	env, err := h.env(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	req := ReportRequest{Period: "2026-Q3"}
	full := newCheckpointCtx(context.Background(), 0)
	if _, err := buildReportView(full, st, env, req, testutil.Now(), "test"); err != nil {
		t.Fatal(err)
	}
	n := full.calls.Load()
	if n < 20 {
		t.Fatalf("only %d checkpoints in a whole report", n)
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := buildReportView(gone, st, env, req, testutil.Now(), "test"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before: %v", err)
	}
	rows := int64(len(env.Services) + 4 + 1) // services, tiers, organisation: each queued row checks once
	for _, at := range []int64{1, n / 2, n - 1} {
		ctx := newCheckpointCtx(context.Background(), at)
		_, err := buildReportView(ctx, st, env, req, testutil.Now(), "test")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled at checkpoint %d of %d: %v", at, n, err)
			continue
		}
		if after := ctx.calls.Load() - at; after > rows {
			t.Errorf("cancelled at checkpoint %d of %d: %d more checkpoints passed", at, n, after)
		}
	}
	t.Logf("%d checkpoints in a quarter's report", n)
}

// TestReportRequestCancelled: a report request whose client leaves half
// way ends with the request, logged as cancelled by the client (499), not
// as a failure; beyond the concurrent report limit a request gets 429 with
// Retry-After.
func TestReportRequestCancelled(t *testing.T) {
	st := testutil.DemoStore(t)
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	h, e := newApp(st, Config{Now: testutil.Now, Logger: logger})
	testutil.CreateUser(t, st, "viewer@test.example", RoleViewer)
	cookie := &http.Cookie{Name: SessionCookie, Value: testutil.SessionToken(t, st, "viewer@test.example", testutil.Now())}
	// The client "leaves" at checkpoint leaveAt of the request's context.
	var leaveAt atomic.Int64
	var last *checkpointCtx
	e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx := newCheckpointCtx(c.Request().Context(), leaveAt.Load())
			last = ctx
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	})
	get := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/reports/2026-Q3", nil)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	if rec := get(); rec.Code != http.StatusOK {
		t.Fatalf("report: %d", rec.Code)
	}
	n := last.calls.Load()
	leaveAt.Store(n / 2)
	logs.mu.Lock()
	logs.buf.Reset()
	logs.mu.Unlock()
	if rec := get(); rec.Code != StatusClientClosedRequest {
		t.Errorf("left half way: %d", rec.Code)
	}
	if n := len(logs.logLines(t, "request cancelled by the client")); n != 1 {
		t.Errorf("%d cancellations logged", n)
	}
	if failed := logs.logLines(t, "request failed"); len(failed) > 0 {
		t.Errorf("logged as failed: %v", failed)
	}
	if reqs := logs.logLines(t, "request"); len(reqs) != 1 || reqs[0]["status"] != float64(StatusClientClosedRequest) {
		t.Errorf("request log: %v", reqs)
	}
	if after := last.calls.Load() - n/2; after > int64(40) {
		t.Errorf("%d checkpoints passed after the client left", after)
	}

	// Every report slot taken: the next request is told to come back.
	leaveAt.Store(0)
	for range cap(h.reportSlots) {
		h.reportSlots <- struct{}{}
	}
	rec := get()
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "try again in a few seconds") {
		t.Errorf("slots full: %d %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	<-h.reportSlots
	if rec := get(); rec.Code != http.StatusOK {
		t.Errorf("a slot free: %d", rec.Code)
	}
}

// TestComputeReportStopsWhenCancelled: with the records loaded, the
// report's engine runs do not start for a reader who has gone.
func TestComputeReportStopsWhenCancelled(t *testing.T) {
	st := testutil.DemoStore(t)
	env, err := scorecard.LoadEnv(context.Background(), st, testutil.Now())
	if err != nil {
		t.Fatal(err)
	}
	p := analytics.NewQuarter(2026, 3, time.UTC)
	window := []analytics.Period{p.Prev().Prev().Prev(), p.Prev().Prev()}
	in, err := scorecard.Load(context.Background(), st, env, env.Services, append(slices.Clone(window), p.Prev(), p)...)
	if err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	d := report.Data{Period: p, Prev: p.Prev(), Settings: env.Settings}
	if err := computeReport(gone, &d, in, env, env.Services, window); !errors.Is(err, context.Canceled) || len(d.Earlier) != 0 || d.MonthKPIs != nil {
		t.Errorf("cancelled: %v, %d earlier periods", err, len(d.Earlier))
	}
	d = report.Data{Period: p, Prev: p.Prev(), Settings: env.Settings}
	if err := computeReport(context.Background(), &d, in, env, env.Services, window); err != nil || len(d.MonthKPIs) != 3 || len(d.Earlier) == 0 {
		t.Errorf("live: %v, %d months, %d earlier", err, len(d.MonthKPIs), len(d.Earlier))
	}
}
