package web_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/connectors"
	"sreport/secrets"
	"sreport/testutil"
	"sreport/web"
)

// TestPrometheusConnectorPage: an admin adds a Prometheus connector on the
// connector form without a credential (the kind allows none); a run
// against a real Prometheus stores the SLO's days, and the list and the
// connector's page show it: status, records, the run with its import, no
// credential. "Sync now" makes it due again.
func TestPrometheusConnectorPage(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	om, want := testutil.RequestCounters(start, 5)
	prom := testutil.StartPrometheus(t, om)

	st := testutil.NewStore(t)
	b, err := ingest.Parse(strings.NewReader(`version: "prometheus/v1"
service: "myservice"
slos:
  - name: "requests-availability"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="myservice",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="myservice"}[{{.window}}]))
`), "slo.yml", ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ApplyBatch(ctx, b, store.ApplyOptions{CreateServices: true, Audit: store.Audit{Actor: "test"}}); err != nil {
		t.Fatal(err)
	}
	key := make([]byte, secrets.KeySize)
	rand.Read(key)
	box, _ := secrets.New(key)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	runner := &connectors.Runner{Store: st, Secrets: box, Now: testutil.Now, Logger: quiet,
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}
	app, _ := web.NewWithRoutes(st, web.Config{Now: testutil.Now, Logger: quiet, Secrets: box, Connectors: &connectors.Scheduler{Runner: runner}})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	signIn(t, st, srv.URL, store.RoleAdmin)

	_, body, _ := get(t, srv.URL+"/admin/connectors/new")
	if !strings.Contains(body, `<option value="prometheus"`) || !strings.Contains(body, "empty for none, user:password for basic auth, else a bearer token") {
		t.Fatalf("the form does not offer Prometheus")
	}
	form := url.Values{"kind": {"prometheus"}, "name": {"prom-prod"}, "base_url": {prom}, "since": {"2026-11-10"}, "every": {"1h"}, "tier": {"2"}}
	status, body, _ := postForm(t, srv.URL+"/admin/connectors", form)
	if status != http.StatusOK || !strings.Contains(body, "Connector added") || !strings.Contains(body, "none: requests go without authentication") ||
		!strings.Contains(body, "every SLO whose definition has Prometheus queries") {
		t.Fatalf("add: %d\n%s", status, body)
	}
	c, err := st.ConnectorByName(ctx, "prom-prod")
	if err != nil || c.Kind != connectors.Prometheus || c.Credential != "" || c.Every != time.Hour {
		t.Fatalf("stored connector %+v %v", c, err)
	}

	// What serve's scheduler runs: Nov 10–14 are complete on Nov 15.
	r, err := runner.Run(ctx, c.ID, connectors.Who{Trigger: connectors.TriggerSchedule})
	if err != nil || r.Inserted != 5 {
		t.Fatalf("run: %+v %v", r, err)
	}
	days, err := st.SLIDaysInRange(ctx, nil, start, start.AddDate(0, 0, 5))
	if err != nil || len(days) != 5 {
		t.Fatalf("%d SLI days, %v", len(days), err)
	}
	for _, d := range days {
		if w := want[d.Day.Format(time.DateOnly)]; d.Good != w.Good || d.Total != w.Total {
			t.Errorf("%s: %d of %d stored, %d of %d generated", d.Day.Format(time.DateOnly), d.Good, d.Total, w.Good, w.Total)
		}
	}

	_, body, _ = get(t, srv.URL+"/admin/connectors")
	row := between(body, `data-testid="connector-prom-prod"`, "</tr>")
	for _, want := range []string{">Prometheus<", ">ok<", ">done<", ">5<", "2026-11-15 13:00 UTC, ok", "2026-11-15 14:00 UTC"} {
		if !strings.Contains(row, want) {
			t.Errorf("list row lacks %q:\n%s", want, row)
		}
	}
	idPath := "/admin/connectors/" + itoa64(c.ID)
	status, body, _ = get(t, srv.URL+idPath)
	runRow := between(body, `data-testid="run-`+itoa64(r.ID)+`"`, "</tr>")
	if status != http.StatusOK || !strings.Contains(runRow, ">schedule<") || !strings.Contains(runRow, ">ok<") ||
		!strings.Contains(runRow, `href="/imports/`+itoa64(r.ImportID)+`"`) || !strings.Contains(runRow, "/rollback") {
		t.Errorf("run row:\n%s", runRow)
	}
	status, body, _ = postForm(t, srv.URL+idPath+"/sync", nil)
	if status != http.StatusOK || !strings.Contains(body, "Sync requested") {
		t.Errorf("sync now: %d", status)
	}
	if due, _ := st.DueConnectors(ctx, time.Now().Add(time.Second)); len(due) != 1 || due[0].ID != c.ID {
		t.Errorf("after sync now: due %+v", due)
	}
}
