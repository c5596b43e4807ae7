package web_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

// TestRespondersShown: a page's and an incident's people, imported from
// real samples, are shown to editors on the record's page and hidden from
// viewers unless the per-person setting lets them see people.
func TestRespondersShown(t *testing.T) {
	st := testutil.DemoStore(t)
	srv := httptest.NewServer(web.New(st, web.Config{Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	editor := signIn(t, st, srv.URL, web.RoleEditor).client
	viewer := signIn(t, st, srv.URL, web.RoleViewer).client
	ctx := context.Background()
	for _, f := range []string{"pagerduty/docs_log_entries_notifications.json", "incidentio/singer_tap_incidents.json"} {
		data, err := os.ReadFile("../testdata/real/" + f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ingest.Parse(bytes.NewReader(data), f, ingest.Options{DefaultService: "payments-api"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.ApplyBatch(ctx, b, store.ApplyOptions{CreateServices: true, FileName: f, Audit: store.Audit{Actor: "test"}}); err != nil {
			t.Fatal(err)
		}
	}
	var pageID, incID string
	if err := st.Writer().QueryRow(`SELECT id FROM pages WHERE external_id = 'PBJBF9Q'`).Scan(&pageID); err != nil {
		t.Fatal(err)
	}
	if err := st.Writer().QueryRow(`SELECT id FROM incidents WHERE external_id = '01HDH3SMWK0C2D8TN41PVW61TA'`).Scan(&incID); err != nil {
		t.Fatal(err)
	}
	tim := "Tim Wright <tim@acme.com>"
	status, body, _ := getWith(t, editor, srv.URL+"/pages/"+pageID)
	if status != http.StatusOK {
		t.Fatalf("page: %d", status)
	}
	for id, want := range map[string]string{"responder-notified": tim, "responder-acknowledged": tim, "responder-resolved": tim} {
		if got := fact(body, id); got != want {
			t.Errorf("page %s = %q, want %q", id, got, want)
		}
	}
	status, body, _ = getWith(t, editor, srv.URL+"/incidents/"+incID)
	if status != http.StatusOK {
		t.Fatalf("incident: %d", status)
	}
	for id, want := range map[string]string{"responder-role-incident-lead": "Rob <rob@incident.io>", "responder-role-reporter": "Rob <rob@incident.io>"} {
		if got := fact(body, id); got != want {
			t.Errorf("incident %s = %q, want %q", id, got, want)
		}
	}
	for _, path := range []string{"/pages/" + pageID, "/incidents/" + incID} {
		if status, body, _ := getWith(t, viewer, srv.URL+path); status != http.StatusOK || strings.Contains(body, `data-testid="responder-`) ||
			strings.Contains(body, "Tim Wright") || strings.Contains(body, "rob@incident.io") {
			t.Errorf("viewer sees the people of %s (%d)", path, status)
		}
	}
	if err := st.SetSetting(ctx, store.SettingPeopleViewers, "1"); err != nil {
		t.Fatal(err)
	}
	if _, body, _ := getWith(t, viewer, srv.URL+"/pages/"+pageID); fact(body, "responder-notified") != tim {
		t.Error("viewer does not see the people with the setting on")
	}
}

// fact returns the text of the fact with data-testid id, "" when absent.
func fact(body, id string) string {
	m := regexp.MustCompile(`data-testid="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(strings.TrimSpace(m[1]))
}
