package connectors_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/connectors"
	"sreport/telemetry"
	"sreport/testutil"

	promtest "github.com/prometheus/client_golang/prometheus/testutil"
)

// slothDef is the Sloth getting-started SLO over the generated counters:
// an error query of rates.
const slothDef = `version: "prometheus/v1"
service: "myservice"
slos:
  - name: "requests-availability"
    objective: 99
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="myservice",code=~"(5..|429)"}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="myservice"}[{{.window}}]))
`

// openSLODef is the same SLI as OpenSLO counters: good and total selectors
// (TOTAL is replaced by the total query).
const openSLODef = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: requests-counters
spec:
  service: myservice
  timeWindow:
    - duration: 1M
      calendar: {startTime: "2026-01-01 00:00:00", timeZone: UTC}
  budgetingMethod: Occurrences
  indicator:
    metadata: {name: requests}
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec: {query: 'http_requests_total{job="myservice",code="200"}'}
        total:
          metricSource:
            type: Prometheus
            spec: {query: 'TOTAL'}
  objectives:
    - target: 0.99
`

func importDef(t *testing.T, st *store.Store, name, text string) store.ImportResult {
	t.Helper()
	b, err := ingest.Parse(strings.NewReader(text), name, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.ApplyBatch(context.Background(), b, store.ApplyOptions{CreateServices: true, Audit: store.Audit{Actor: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// basicAuthProxy puts basic auth in front of a Prometheus (as a reverse
// proxy in front of one does) and counts the requests it lets through.
func basicAuthProxy(t *testing.T, target, user, pass string, passed *atomic.Int64) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		passed.Add(1)
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestPrometheusConnector runs the Prometheus connector against a real
// Prometheus (Debian's, over a TSDB promtool built from ten days of
// generated request counters with a reset), behind basic auth, for a Sloth
// SLO (error rates) and an OpenSLO one (counter selectors): the stored
// daily counts equal the generated ones; runs read only complete days, and
// only those after the cursor; a re-sync from the start and a run with
// nothing new change nothing; changed queries read that SLO again; the
// runs' imports are in the import history, audited, and roll back.
func TestPrometheusConnector(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const days = 10
	om, want := testutil.RequestCounters(start, days)
	var passed atomic.Int64
	base := basicAuthProxy(t, testutil.StartPrometheus(t, om), "sreport", "pa:ss", &passed)

	var now time.Time
	h := newHarness(t, time.Time{})
	h.runner.Now = func() time.Time { return now }
	st := h.st
	importDef(t, st, "slo.yml", slothDef)
	counters := strings.Replace(openSLODef, "TOTAL", `http_requests_total{job="myservice"}`, 1)
	importDef(t, st, "openslo.yaml", counters)
	id := h.add(connectors.Spec{Kind: connectors.Prometheus, Name: "prom", BaseURL: base + "/", Since: start}, "sreport:pa:ss")
	if c := h.connector(id); c.Credential == "" || strings.Contains(c.Credential, "pa:ss") || c.BaseURL != base {
		t.Fatalf("stored connector %+v", c)
	}

	sync := func(at string, inserted, updated, unchanged int) store.ConnectorRun {
		t.Helper()
		now = mustTime(at)
		r := h.mustRun(id)
		if r.Inserted != inserted || r.Updated != updated || r.Unchanged != unchanged || r.Rejected != 0 {
			t.Fatalf("run at %s: +%d ~%d =%d !%d, want +%d ~%d =%d", at, r.Inserted, r.Updated, r.Unchanged, r.Rejected, inserted, updated, unchanged)
		}
		return r
	}
	cursor := func() map[string]struct {
		LastDay string `json:"last_day"`
	} {
		t.Helper()
		var doc struct {
			Streams struct {
				SLOs map[string]struct {
					LastDay string `json:"last_day"`
				} `json:"slos"`
			} `json:"streams"`
		}
		if err := json.Unmarshal(h.connector(id).Cursor, &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Streams.SLOs
	}

	// Back-fill at noon on Jan 6: Jan 1–5 are complete, Jan 6 is not.
	r1 := sync("2026-01-06T12:00:00Z", 10, 0, 0)
	if r1.Requests != 4 || r1.ImportID == 0 || passed.Load() != 4 {
		t.Errorf("back-fill: %d requests (%d through the proxy), import %d; want 4 (total and good/bad per SLO)", r1.Requests, passed.Load(), r1.ImportID)
	}
	if c := h.connector(id); c.Status != store.ConnectorOK || c.CaughtUpAt == nil || c.Progress != 1 || c.NextRunAt == nil ||
		!c.NextRunAt.Equal(now.Add(time.Hour)) {
		t.Errorf("after the back-fill: %+v", c)
	}
	// At 00:05 Jan 11 the 10th is not settled yet; at 00:20 it is.
	sync("2026-01-11T00:05:00Z", 8, 0, 0)
	sync("2026-01-11T00:20:00Z", 2, 0, 0)
	// Nothing new: no request, no import.
	if r := sync("2026-01-11T23:00:00Z", 0, 0, 0); r.Requests != 0 || r.ImportID != 0 {
		t.Errorf("nothing due, yet %d requests, import %d", r.Requests, r.ImportID)
	}
	// Days after the series end have no samples: no SLI day, no import,
	// and the cursor moves past them.
	if r := sync("2026-01-14T01:00:00Z", 0, 0, 0); r.Requests != 4 || r.ImportID != 0 {
		t.Errorf("days without data: %d requests, import %d", r.Requests, r.ImportID)
	}
	for slo, c := range cursor() {
		if c.LastDay != "2026-01-13" {
			t.Errorf("cursor of SLO %s at %s, want 2026-01-13", slo, c.LastDay)
		}
	}

	checkDays := func(n int) {
		t.Helper()
		got, err := st.SLIDaysInRange(ctx, nil, start, start.AddDate(0, 0, days+5))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Fatalf("%d SLI days stored, want %d", len(got), n)
		}
		for _, d := range got {
			w := want[d.Day.Format(time.DateOnly)]
			if d.Good != w.Good || d.Total != w.Total {
				t.Errorf("%s %s: stored %d good of %d, generated %d of %d", d.SLO, d.Day.Format(time.DateOnly), d.Good, d.Total, w.Good, w.Total)
			}
		}
	}
	checkDays(2 * days)
	if n := count(t, st, `SELECT COUNT(*) FROM imports WHERE format = 'connector:prometheus' AND status = 'done'`); n != 3 {
		t.Errorf("%d Prometheus imports, want 3 (the runs that stored days)", n)
	}
	// One audit row per page that changed records: two SLOs, three runs.
	if n := count(t, st, `SELECT COUNT(*) FROM audit_log WHERE action = 'connector sync' AND actor = 'connector:prom' AND entity = 'imports'`); n != 6 {
		t.Errorf("%d audit rows of connector syncs, want 6", n)
	}

	// Reading everything again changes nothing.
	if err := st.RequestConnectorRun(ctx, id, true, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if r := sync("2026-01-14T01:00:00Z", 0, 0, 2*days); r.ImportID != 0 {
		t.Errorf("a re-sync left import %d", r.ImportID)
	}
	// New queries (the same events, another selector) read that SLO again
	// from since; the other SLO has nothing new.
	importDef(t, st, "openslo.yaml", strings.Replace(openSLODef, "TOTAL", `http_requests_total{job="myservice",code=~".+"}`, 1))
	sync("2026-01-14T02:00:00Z", 0, 0, days)
	checkDays(2 * days)

	// The back-fill's import rolls back like a file's.
	if _, err := st.RollbackImport(ctx, r1.ImportID, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, st, `SELECT COUNT(*) FROM sli_daily`); n != 2*days-10 {
		t.Errorf("%d SLI days after rolling back the back-fill, want %d", n, 2*days-10)
	}
}

// TestPrometheusQueryFailures: a run without SLOs to read says so. An SLO
// whose query Prometheus refuses fails
// the run with Prometheus's message, stores nothing of that SLO (not even
// the total it read) and leaves its cursor, while the other SLOs are
// stored; fixed, the next run reads it. A server that keeps failing fails
// the run with nothing stored. A refused credential stops the connector.
func TestPrometheusQueryFailures(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	om, _ := testutil.RequestCounters(start, 3)
	prom := testutil.StartPrometheus(t, om)
	h := newHarness(t, mustTime("2026-01-04T06:00:00Z"))
	metrics := telemetry.New("test")
	h.runner.Observe = metrics.ConnectorRun // as serve wires it
	st := h.st
	// Before any SLO has queries: nothing to read, and the run says why.
	id := h.add(connectors.Spec{Kind: connectors.Prometheus, Name: "prom", BaseURL: prom, Since: start}, "")
	if c := h.connector(id); c.Credential != "" {
		t.Fatalf("no credential stored as %q", c.Credential)
	}
	if r := h.mustRun(id); r.Requests != 0 || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "no SLO has Prometheus queries") {
		t.Errorf("run without SLOs: %d requests, warnings %q", r.Requests, r.Warnings)
	}
	importDef(t, st, "slo.yml", slothDef)
	// A missing parenthesis: the total query is fine, the bad one is not.
	broken := strings.Replace(slothDef, `code=~"(5..|429)"}[{{.window}}]))`, `code=~"(5..|429)"}[{{.window}}])`, 1)
	broken = strings.Replace(broken, "requests-availability", "requests-broken", 1)
	importDef(t, st, "broken.yml", broken)

	r, err := h.run(ctx, id)
	if err == nil || r.Status != store.RunFailed || !strings.Contains(r.Error, "SLO myservice/requests-broken") ||
		!strings.Contains(r.Error, "bad query: refused (HTTP 400, bad_data)") || r.Inserted != 3 {
		t.Fatalf("run with a broken query: %q %v, inserted %d\n%s", r.Status, err, r.Inserted, r.Error)
	}
	if c := h.connector(id); c.Status != store.ConnectorFailed || c.StatusMessage != r.Error || c.Progress != 0.5 {
		t.Errorf("connector after the failure: %s %q progress %v (want half: one of two SLOs)", c.Status, c.StatusMessage, c.Progress)
	}
	if runs, err := st.ConnectorRuns(ctx, id, 1); err != nil || len(runs) != 1 || runs[0].Status != store.RunFailed || runs[0].Error != r.Error ||
		runs[0].FinishedAt == nil {
		t.Errorf("recorded run %+v %v", runs, err)
	}
	if n := count(t, st, `SELECT COUNT(*) FROM sli_daily d JOIN slos o ON o.id = d.slo_id WHERE o.name = 'requests-broken'`); n != 0 {
		t.Errorf("%d days of the broken SLO stored", n)
	}
	if n := count(t, st, `SELECT COUNT(*) FROM sli_daily`); n != 3 {
		t.Errorf("%d days stored, want the 3 of the good SLO", n)
	}
	// Fixed: the next run reads the broken SLO's days, and only those.
	importDef(t, st, "broken.yml", strings.Replace(slothDef, "requests-availability", "requests-broken", 1))
	if r := h.mustRun(id); r.Inserted != 3 || r.Requests != 2 {
		t.Errorf("after the fix: inserted %d with %d requests, want 3 with 2", r.Inserted, r.Requests)
	}

	// A server that answers 503 every time: failed after the retries,
	// nothing stored, the cursor kept.
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"status":"error","errorType":"unavailable","error":"TSDB not ready"}`))
	}))
	defer down.Close()
	id2 := h.add(connectors.Spec{Kind: connectors.Prometheus, Name: "down", BaseURL: down.URL, Since: start}, "token")
	before := count(t, st, `SELECT COUNT(*) FROM sli_daily`)
	r, err = h.run(ctx, id2)
	if err == nil || r.Status != store.RunFailed || !strings.Contains(r.Error, "HTTP 503") || !strings.Contains(r.Error, "TSDB not ready") ||
		r.ImportID != 0 || r.Retries == 0 {
		t.Errorf("server down: %q %v retries %d import %d\n%s", r.Status, err, r.Retries, r.ImportID, r.Error)
	}
	if n := count(t, st, `SELECT COUNT(*) FROM sli_daily`); n != before {
		t.Errorf("a failed server changed the SLI days: %d → %d", before, n)
	}
	if c := h.connector(id2); string(c.Cursor) != "{}" {
		t.Errorf("cursor after a failed server: %s", c.Cursor)
	}

	// A bearer token Prometheus refuses: stopped until it is replaced.
	var passed atomic.Int64
	guarded := basicAuthProxy(t, prom, "u", "p", &passed)
	id3 := h.add(connectors.Spec{Kind: connectors.Prometheus, Name: "guarded", BaseURL: guarded, Since: start}, "not-basic")
	if r, err := h.run(ctx, id3); r.Status != store.RunStopped || err == nil || passed.Load() != 0 {
		t.Errorf("refused credential: %q %v", r.Status, err)
	}
	if err := connectors.SetCredential(ctx, st, h.box, id3, "u:p", store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if r := h.mustRun(id3); r.Unchanged != 6 {
		t.Errorf("with the new credential: unchanged %d, want 6", r.Unchanged)
	}

	// Every run above is counted on /metrics by kind and status: ok
	// without SLOs, after the fix and with the new credential; failed with
	// the broken query and the server down; stopped on the refused token.
	want := `
# HELP sreport_connector_runs_total Connector runs finished in this process since start (scheduled and started from the app), by kind and status (ok, failed, stopped, interrupted).
# TYPE sreport_connector_runs_total counter
sreport_connector_runs_total{kind="prometheus",status="failed"} 2
sreport_connector_runs_total{kind="prometheus",status="ok"} 3
sreport_connector_runs_total{kind="prometheus",status="stopped"} 1
`
	if err := promtest.GatherAndCompare(metrics.Registry(), strings.NewReader(want), "sreport_connector_runs_total"); err != nil {
		t.Error(err)
	}
}
