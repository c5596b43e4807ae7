package web_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"sreport/analytics/store"
	"sreport/connectors"
	"sreport/secrets"
	"sreport/testutil"
	"sreport/web"
)

const argoSecret = "argo-token-must-never-show"

// argoReplay answers GET /api/v1/applications with the recorded list.
func argoReplay(t *testing.T) *httptest.Server {
	body, err := os.ReadFile("../testdata/real/argocd/applications.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+argoSecret {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"invalid session: token signature is invalid","code":16}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestConnectorPages: an admin adds a connector through the form (the
// credential is kept out of every page and stored sealed), sees a failed
// form again with its input, and after a run sees status, last run,
// records, back-fill and next run on the list and the run with its import
// on the connector's page; "sync now" makes it due; a refused credential
// shows as stopped with the reason; removing keeps the records.
func TestConnectorPages(t *testing.T) {
	st := testutil.NewStore(t)
	key := make([]byte, secrets.KeySize)
	rand.Read(key)
	box, _ := secrets.New(key)
	runner := &connectors.Runner{Store: st, Secrets: box, Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}
	sched := &connectors.Scheduler{Runner: runner}
	app, _ := web.NewWithRoutes(st, web.Config{Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Secrets: box, Connectors: sched})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	signIn(t, st, srv.URL, store.RoleAdmin)
	argo := argoReplay(t)

	status, body, _ := get(t, srv.URL+"/admin/connectors/new")
	if status != http.StatusOK || !strings.Contains(body, `data-testid="connector-form"`) || !strings.Contains(body, "https://api.eu.pagerduty.com") {
		t.Fatalf("new form: %d", status)
	}
	form := url.Values{"kind": {"argocd"}, "name": {"argo-prod"}, "base_url": {argo.URL}, "since": {"2024-01-01"}, "every": {"30m"},
		"tier": {"1"}, "create_services": {"1"}}
	status, body, _ = postForm(t, srv.URL+"/admin/connectors", form)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Paste the credential") || !strings.Contains(body, `value="argo-prod"`) {
		t.Fatalf("without a credential: %d", status)
	}
	form.Set("credential", argoSecret)
	status, body, _ = postForm(t, srv.URL+"/admin/connectors", form)
	if status != http.StatusOK || !strings.Contains(body, "Connector added") || !strings.Contains(body, "stored encrypted") {
		t.Fatalf("add: %d\n%s", status, body)
	}
	if strings.Contains(body, argoSecret) {
		t.Fatal("the connector page shows the credential")
	}
	c, err := st.ConnectorByName(context.Background(), "argo-prod")
	if err != nil || strings.Contains(c.Credential, argoSecret) || c.Every.String() != "30m0s" || c.Tier == nil || *c.Tier != 1 {
		t.Fatalf("stored connector: %+v %v", c, err)
	}
	if plain, err := box.Open(c.Credential, connectors.CredentialAAD(c.ID)); err != nil || string(plain) != argoSecret {
		t.Fatalf("sealed credential does not open: %v", err)
	}
	status, _, _ = postForm(t, srv.URL+"/admin/connectors", form)
	if status != http.StatusUnprocessableEntity {
		t.Errorf("a second connector with the same name: %d", status)
	}

	// What serve's scheduler would run.
	if _, err := runner.Run(context.Background(), c.ID, connectors.Who{Trigger: connectors.TriggerSchedule}); err != nil {
		t.Fatal(err)
	}
	status, body, _ = get(t, srv.URL+"/admin/connectors")
	if status != http.StatusOK {
		t.Fatalf("list: %d", status)
	}
	row := between(body, `data-testid="connector-argo-prod"`, "</tr>")
	for _, want := range []string{">ok<", ">Argo CD<", ">done<", ">10<", "2026-11-15 13:30 UTC"} {
		if !strings.Contains(row, want) {
			t.Errorf("list row lacks %q:\n%s", want, row)
		}
	}
	status, body, _ = get(t, srv.URL+"/admin/connectors/1")
	runRow := between(body, `data-testid="run-1"`, "</tr>")
	if status != http.StatusOK || !strings.Contains(runRow, `href="/imports/1"`) || !strings.Contains(runRow, "/imports/1/rollback") || !strings.Contains(runRow, "schedule") {
		t.Errorf("run row:\n%s", runRow)
	}
	status, body, _ = postForm(t, srv.URL+"/admin/connectors/1/sync", nil)
	if status != http.StatusOK || !strings.Contains(body, "Sync requested") {
		t.Errorf("sync now: %d", status)
	}
	if due, _ := st.DueConnectors(context.Background(), time.Now().Add(time.Second)); len(due) != 1 {
		t.Errorf("after sync now %d connectors are due", len(due))
	}

	// A refused credential: stopped, with the reason on the list.
	bad := url.Values{"kind": {"argocd"}, "name": {"argo-old"}, "base_url": {argo.URL}, "since": {"2024-01-01"}, "every": {"15m"}, "tier": {"2"},
		"credential": {"revoked-token"}}
	postForm(t, srv.URL+"/admin/connectors", bad)
	old, _ := st.ConnectorByName(context.Background(), "argo-old")
	runner.Run(context.Background(), old.ID, connectors.Who{Trigger: connectors.TriggerSchedule})
	_, body, _ = get(t, srv.URL+"/admin/connectors")
	row = between(body, `data-testid="connector-argo-old"`, "</tr>")
	if !strings.Contains(row, ">stopped<") || !strings.Contains(row, "the credential was refused (HTTP 401") || strings.Contains(row, "revoked-token") {
		t.Errorf("stopped row:\n%s", row)
	}
	status, body, _ = postForm(t, srv.URL+"/admin/connectors/2/credential", url.Values{"credential": {argoSecret}})
	if status != http.StatusOK || !strings.Contains(body, "Credential replaced") {
		t.Errorf("replace credential: %d", status)
	}
	if due, _ := st.DueConnectors(context.Background(), time.Now().Add(time.Second)); len(due) != 2 {
		t.Errorf("after a new credential %d connectors are due, want 2", len(due))
	}
	status, body, _ = postForm(t, srv.URL+"/admin/connectors/1/delete", nil)
	if status != http.StatusOK || !strings.Contains(body, "Connector removed") {
		t.Errorf("remove: %d", status)
	}
	var deploys int
	st.Writer().QueryRow(`SELECT COUNT(*) FROM deploys`).Scan(&deploys)
	if deploys != 10 {
		t.Errorf("%d deploys after removing the connector, want the 10 it wrote", deploys)
	}
}
