package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	promtest "github.com/prometheus/client_golang/prometheus/testutil"

	"sreport/telemetry"
	"sreport/testutil"
	"sreport/web"
)

func scrape(t *testing.T, m *telemetry.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("metrics: %d", rec.Code)
	}
	return rec.Body.String()
}

// TestMetrics: request durations are labelled by route template, unknown
// paths share one label, imports and cache lookups are counted, and the
// app itself serves no /metrics.
func TestMetrics(t *testing.T) {
	st := testutil.NewStore(t)
	m := telemetry.New("test")
	app := web.New(st, web.Config{Now: time.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: m})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	c := signIn(t, st, srv.URL, web.RoleEditor).client

	// One import that writes.
	fx, err := os.ReadFile("../testdata/fixtures/servicenow_changes.csv")
	if err != nil {
		t.Fatal(err)
	}
	res, body := uploadFiles(t, c, srv.URL, map[string]string{"format": "auto", "create_services": "1", "tier": "1"}, map[string][]byte{"changes.csv": fx})
	if res, body = postPage(t, c, res.Request.URL.String()+"/confirm", body, url.Values{"action": {"confirm"}}); !strings.Contains(body, "Import finished") {
		t.Fatalf("import: %d %.300s", res.StatusCode, body)
	}
	for _, p := range []string{"/services/checkout-api", "/services/nope", "/scorecards", "/scorecards", "/no/such/page", "/healthz"} {
		res, err := c.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}

	// The app has no /metrics route: the numbers are not public.
	if res, err := c.Get(srv.URL + "/metrics"); err != nil {
		t.Fatal(err)
	} else {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusOK || strings.Contains(string(b), "sreport_http_request_duration_seconds") {
			t.Fatalf("the app serves /metrics: %d", res.StatusCode)
		}
	}

	wants := []string{
		`sreport_http_request_duration_seconds_count{code="200",method="GET",route="/services/:name"} 1`,
		`sreport_http_request_duration_seconds_count{code="404",method="GET",route="/services/:name"} 1`,
		`sreport_http_request_duration_seconds_count{code="200",method="GET",route="/scorecards"} 2`,
		`sreport_http_request_duration_seconds_count{code="404",method="GET",route="unmatched"}`,
		`sreport_http_request_duration_seconds_count{code="200",method="GET",route="/healthz"} 1`,
		`sreport_import_files_total{result="imported"} 1`,
		`sreport_import_files_total{result="rejected"} 0`,
		`sreport_build_info{version="test"} 1`,
		"sreport_scorecard_cache_hits_total", "sreport_scorecard_cache_misses_total",
		"go_goroutines", "process_resident_memory_bytes",
	}
	// A request is observed when its handler returns, which can be just
	// after the client has read the response: wait for the last ones.
	out := scrape(t, m)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && !containsAll(out, wants); {
		time.Sleep(20 * time.Millisecond)
		out = scrape(t, m)
	}
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, bad := range []string{`route="/services/checkout-api"`, `route="/no/such/page"`} {
		if strings.Contains(out, bad) {
			t.Errorf("metrics carry a raw path: %s", bad)
		}
	}
	if strings.Contains(out, "\nsreport_scorecard_cache_hits_total 0\n") {
		t.Error("the second /scorecards was no cache hit")
	}
	if problems, err := promtest.GatherAndLint(m.Registry()); err != nil || len(problems) > 0 {
		t.Errorf("metric lint: %v %v", problems, err)
	}
}

// TestReadyzDetails: /readyz lists each component; a failing optional
// check is reported without taking the app out of rotation, a failing
// required one answers 503.
func TestReadyzDetails(t *testing.T) {
	st := testutil.NewStore(t)
	checks := []web.ReadyCheck{
		{Name: "replication", Check: func(context.Context) (bool, string) { return false, "no successful sync for 42s" }},
		{Name: "backups", Check: func(context.Context) (bool, string) { return true, "last backup 1h ago" }},
	}
	app := web.New(st, web.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ReadyChecks: checks})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	status, body, _ := get(t, srv.URL+"/readyz")
	want := "ready\n[+] database\n[-] replication: no successful sync for 42s\n[+] backups: last backup 1h ago\n"
	if status != http.StatusOK || body != want {
		t.Fatalf("readyz %d %q, want 200 %q", status, body, want)
	}

	checks[0].Required = true
	app = web.New(st, web.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ReadyChecks: checks})
	srv2 := httptest.NewServer(app)
	t.Cleanup(srv2.Close)
	if status, body, _ := get(t, srv2.URL+"/readyz"); status != http.StatusServiceUnavailable || !strings.HasPrefix(body, "not ready\n") {
		t.Fatalf("required check failing: %d %q", status, body)
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
