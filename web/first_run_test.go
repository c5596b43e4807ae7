package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"sreport/testutil"
	"sreport/web"
)

// newEmptyServer serves a migrated database with no data, signed in as role.
func newEmptyServer(t *testing.T, role string) (*httptest.Server, signedIn) {
	t.Helper()
	st := testutil.NewStore(t)
	app := web.New(st, web.Config{Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	return srv, signIn(t, st, srv.URL, role)
}

// TestFirstRun checks that an empty database greets each role with the ways
// to fill it instead of an empty scorecard, that trends say "no data yet"
// instead of drawing blank charts, and that an admin can load the demo once.
func TestFirstRun(t *testing.T) {
	t.Run("viewer", func(t *testing.T) {
		srv, _ := newEmptyServer(t, web.RoleViewer)
		code, body, _ := get(t, srv.URL+"/")
		if code != http.StatusOK || !strings.Contains(body, `data-testid="first-run"`) {
			t.Fatalf("GET / = %d, first-run panel missing:\n%s", code, body)
		}
		for _, s := range []string{"first-run-import", "first-run-demo", "No services match"} {
			if strings.Contains(body, s) {
				t.Errorf("viewer's first-run page shows %q", s)
			}
		}
		if !strings.Contains(body, "Ask an editor or admin to import data") {
			t.Error("viewer is not told who can import")
		}
	})
	t.Run("admin", func(t *testing.T) {
		srv, _ := newEmptyServer(t, web.RoleAdmin)
		_, body, _ := get(t, srv.URL+"/scorecards")
		for _, s := range []string{`href="/imports/new"`, `href="/admin/webhooks"`, `action="/admin/demo"`} {
			if !strings.Contains(body, s) {
				t.Errorf("admin's first-run page lacks %s", s)
			}
		}
		_, body, _ = get(t, srv.URL+"/trends")
		if !strings.Contains(body, `data-testid="no-data"`) || !strings.Contains(body, `data-testid="no-data-import"`) {
			t.Fatalf("trends on an empty database lack the no-data notice:\n%s", body)
		}
		if strings.Contains(body, "data-chart") || strings.Contains(body, `data-testid="tiles"`) {
			t.Error("trends on an empty database draw charts or zero tiles")
		}

		code, body, _ := postForm(t, srv.URL+"/admin/demo", nil)
		if code != http.StatusOK || !strings.Contains(body, "The demo company is loaded") || !strings.Contains(body, `data-testid="tier-0"`) {
			t.Fatalf("load demo = %d:\n%s", code, body)
		}
		if n := len(strings.Split(body, `data-testid="first-run"`)); n != 1 {
			t.Error("first-run panel still shown after the demo loaded")
		}
		// Filters that match nothing offer the way back.
		var team, tier string
		err := srvStore(t, srv.URL).Writer().QueryRow(`SELECT t.name, tiers.n FROM teams t, (SELECT 0 n UNION SELECT 1 UNION SELECT 2 UNION SELECT 3) tiers
			WHERE NOT EXISTS (SELECT 1 FROM services s WHERE s.team_id = t.id AND s.tier = tiers.n) ORDER BY t.name, tiers.n LIMIT 1`).Scan(&team, &tier)
		if err != nil {
			t.Fatalf("a team without services of some tier: %v", err)
		}
		_, body, _ = get(t, srv.URL+"/scorecards?team="+url.QueryEscape(team)+"&tier="+tier)
		if !strings.Contains(body, "No services match these filters.") || !strings.Contains(body, `data-testid="clear-filters"`) {
			t.Errorf("unmatched filters give no way back:\n%s", body)
		}
		code, _, _ = postForm(t, srv.URL+"/admin/demo", nil)
		if code != http.StatusConflict {
			t.Fatalf("second demo load = %d, want 409", code)
		}
		var audits int
		if err := srvStore(t, srv.URL).Writer().QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'load demo'`).Scan(&audits); err != nil || audits != 1 {
			t.Fatalf("demo load audit rows = %d, %v", audits, err)
		}
	})
	t.Run("editor may not load the demo", func(t *testing.T) {
		srv, _ := newEmptyServer(t, web.RoleEditor)
		if code, _, _ := postForm(t, srv.URL+"/admin/demo", nil); code != http.StatusForbidden {
			t.Fatalf("editor POST /admin/demo = %d, want 403", code)
		}
	})
}
