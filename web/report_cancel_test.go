package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"

	"sreport/analytics/scorecard"
	"sreport/testutil"
)

// TestReportRequestCancelled: a report request whose client leaves half
// way ends with the request, logged as cancelled by the client (499), not
// as a failure; beyond the concurrent report limit a report that has to be
// computed gets 429 with Retry-After, while a cached one is still served.
func TestReportRequestCancelled(t *testing.T) {
	st := testutil.DemoStore(t)
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	h, e := newApp(st, Config{Now: testutil.Now, Logger: logger})
	testutil.CreateUser(t, st, "viewer@test.example", RoleViewer)
	cookie := &http.Cookie{Name: SessionCookie, Value: testutil.SessionToken(t, st, "viewer@test.example", testutil.Now())}
	// The client "leaves" at checkpoint leaveAt of the request's context.
	var leaveAt atomic.Int64
	var last *testutil.CheckpointCtx
	e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx := testutil.NewCheckpointCtx(c.Request().Context(), leaveAt.Load())
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
	// A fresh cache makes the next request compute the report again.
	cold := func() { h.cache = scorecard.NewCache(256) }
	if rec := get(); rec.Code != http.StatusOK {
		t.Fatalf("report: %d", rec.Code)
	}
	n := last.Calls()
	cold()
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
	if after := last.Calls() - n/2; after > int64(40) {
		t.Errorf("%d checkpoints passed after the client left", after)
	}

	// Every report slot taken: a report to compute is refused with a time
	// to come back; once it is computed, the cached copy needs no slot.
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
	h.reportSlots <- struct{}{}
	if rec := get(); rec.Code != http.StatusOK {
		t.Errorf("slots full, report cached: %d", rec.Code)
	}
}
