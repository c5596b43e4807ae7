package web_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"sreport/analytics/store"
	"sreport/connectors"
	"sreport/secrets"
	"sreport/testutil"
	"sreport/web"
)

// wantErrorBanner checks that a refused form came back with the error
// summary, that the summary links to the field's id and that the field
// with that id is marked aria-invalid.
func wantErrorBanner(t *testing.T, name string, status int, body, id, msg string) {
	t.Helper()
	if status != http.StatusUnprocessableEntity {
		t.Errorf("%s: status %d, want 422", name, status)
		return
	}
	for _, want := range []string{`data-testid="error-summary"`, `role="alert"`, `href="#` + id + `"`, msg} {
		if !strings.Contains(body, want) {
			t.Errorf("%s: page lacks %s", name, want)
		}
	}
	field := regexp.MustCompile(`<(input|select|textarea)[^>]* id="` + regexp.QuoteMeta(id) + `"[^>]* aria-invalid="true"`)
	if !field.MatchString(body) {
		t.Errorf("%s: no field with id %q and aria-invalid=\"true\"", name, id)
	}
	if n := strings.Count(body, `data-testid="error-summary"`); n != 1 {
		t.Errorf("%s: %d error summaries, want 1", name, n)
	}
}

// TestFormErrorBanners posts an invalid value to each admin and editor
// form that had no error summary yet and checks the banner and the field.
func TestFormErrorBanners(t *testing.T) {
	srv, st, admin := followupServer(t, web.RoleAdmin)
	ctx := context.Background()
	svc, err := st.ServiceByName(ctx, "checkout")
	if err != nil {
		t.Fatal(err)
	}
	init := validInitiativeForm()
	init.Set("end_quarter", "2026-Q4")
	for _, tc := range []struct {
		name, path string
		form       url.Values
		id, msg    string
	}{
		{"settings", "/settings", settingsForm(map[string]string{store.SettingReportingTZ: "Mars/Olympus"}), "set-reporting_tz", "IANA timezone"},
		{"targets", "/settings/targets", url.Values{"t_0_mttr_minutes": {"ten"}}, "grid-t_0_mttr_minutes", "Enter a duration"},
		{"dora bands", "/settings/dora", url.Values{"b_change_failure_rate_elite": {"150"}}, "grid-b_change_failure_rate_elite", "A percentage is from 0 to 100 %."},
		{"new service", "/settings/services", url.Values{"name": {"ledger"}, "tier": {"1"}, "oncall_tz": {"Nowhere/City"}}, "new-oncall_tz", "IANA timezone"},
		{"service row", "/settings/services/" + idStr(svc.ID), url.Values{"name": {"checkout"}, "tier": {"1"}, "oncall_tz": {"Nowhere/City"}}, "row" + idStr(svc.ID) + "-oncall_tz", "IANA timezone"},
		{"alias", "/settings/aliases", url.Values{"source": {""}, "alias": {"x"}, "service": {idStr(svc.ID)}}, "alias-source", "Enter the source"},
		{"on-call person", "/oncall/people", url.Values{"name": {" "}, "aliases": {"x1"}}, "f-name", "Enter the person&#39;s name"},
		{"smtp", "/admin/delivery/smtp", url.Values{"host": {""}, "port": {"25"}, "security": {"none"}, "sender": {"sreport@example.com"}}, "smtp-host", "host"},
		{"schedule", "/admin/delivery/schedules", url.Values{"kind": {"quarter"}, "recipients": {"vp@example.com, not an address"}}, "sched-recipients", "not e-mail addresses"},
		{"program record", "/program/dr_tests", url.Values{"tested_on": {"2026-13-01"}, "service": {"checkout"}, "kind": {"failover"}, "result": {"pass"}}, "f-tested_on", "Enter a date as YYYY-MM-DD."},
		{"roadmap", "/roadmap", init, "f-end_quarter", "The end quarter is before the start quarter."},
	} {
		status, body, _ := postWith(t, admin, srv.URL+tc.path, tc.form, true)
		wantErrorBanner(t, tc.name, status, body, tc.id, tc.msg)
	}

	// The CSRF check stays in front of validation.
	if status, _, _ := postWith(t, admin, srv.URL+"/settings", settingsForm(nil), false); status != http.StatusForbidden {
		t.Errorf("settings without CSRF token: %d, want 403", status)
	}
}

// TestConnectorFormErrorBanner checks the connector form's summary.
func TestConnectorFormErrorBanner(t *testing.T) {
	st := testutil.NewStore(t)
	key := make([]byte, secrets.KeySize)
	rand.Read(key)
	box, _ := secrets.New(key)
	runner := &connectors.Runner{Store: st, Secrets: box, Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}
	app, _ := web.NewWithRoutes(st, web.Config{Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Secrets: box,
		Connectors: &connectors.Scheduler{Runner: runner}})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	signIn(t, st, srv.URL, store.RoleAdmin)
	status, body, _ := postForm(t, srv.URL+"/admin/connectors", url.Values{"kind": {"argocd"}, "name": {"argo-prod"},
		"base_url": {"https://argo.example"}, "since": {"2024-01-01"}, "every": {"30m"}, "tier": {"1"}})
	wantErrorBanner(t, "connector", status, body, "f-credential", "Paste the credential")
}
