package web_test

import (
	"context"
	"errors"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/imports"
	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

// Names the naming rule allows that once broke links, and names it refuses.
var (
	oddNames = []string{"ops;core", "team,api", "a b", "zahlungsdienst-ü", "payments/api", "50%", "what?", "#1", "a+b", "x&y=z", "日本語",
		"team-a/jobs/deploy"}
	badNames = map[string]string{
		"/api":                   `cannot start or end with "/"`,
		"payments//api":          "empty part",
		"a/../admin":             `cannot have "." or ".."`,
		"..":                     `cannot be ".."`,
		" padded":                "cannot start or end with a space",
		"tab\there":              "control characters",
		strings.Repeat("n", 101): "at most 100 characters",
	}
)

var (
	serviceLink  = regexp.MustCompile(`href="(/services/[^"?]+)`)
	incidentLink = regexp.MustCompile(`href="/incidents/(\d+)"`)
)

// incidentsListed counts the distinct incidents a list page links to.
func incidentsListed(page string) int {
	ids := map[string]bool{}
	for _, m := range incidentLink.FindAllStringSubmatch(page, -1) {
		ids[m[1]] = true
	}
	return len(ids)
}

// TestServiceNamesEverywhere: one naming rule for the catalogue and imports,
// and every allowed name has links that work (the service page and the
// record lists it links to).
func TestServiceNamesEverywhere(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	app := web.New(st, web.Config{Now: time.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	admin := signIn(t, st, srv.URL, web.RoleAdmin)
	c := loginClient(t, srv.URL, admin.email, admin.password, false)

	// The catalogue creates the odd names and refuses the bad ones, saying why.
	for _, name := range oddNames[:6] {
		if status, body, _ := postWith(t, c, srv.URL+"/settings/services", url.Values{"name": {name}, "tier": {"1"}, "oncall_tz": {"UTC"}}, true); status != http.StatusSeeOther {
			t.Fatalf("create %q: %d %.500s", name, status, body)
		}
	}
	for name, why := range badNames {
		if strings.TrimSpace(name) != name {
			// The form trims what it is given; the store refuses it.
			if _, err := st.CreateService(ctx, store.ServiceInput{Name: name, Tier: 1, OnCallTZ: "UTC"}, store.Audit{Actor: "test"}); !errors.Is(err, analytics.ErrServiceName) {
				t.Errorf("store created %q: %v", name, err)
			}
			continue
		}
		status, body, _ := postWith(t, c, srv.URL+"/settings/services", url.Values{"name": {name}, "tier": {"1"}, "oncall_tz": {"UTC"}}, true)
		if status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(body), why) {
			t.Errorf("create %q: %d, want 422 saying %q", name, status, why)
		}
		if _, err := st.CreateService(ctx, store.ServiceInput{Name: name, Tier: 1, OnCallTZ: "UTC"}, store.Audit{Actor: "test"}); !errors.Is(err, analytics.ErrServiceName) {
			t.Errorf("store created %q: %v", name, err)
		}
	}

	// An import creates the other odd names, and one incident for each.
	b := &imports.Batch{Format: "csv", Source: "csv", Lines: map[string]int{}}
	for i, name := range oddNames {
		id := "INC-" + string(rune('A'+i))
		b.Incidents = append(b.Incidents, analytics.Incident{ExternalID: id, Service: name, Title: "t", Severity: 2,
			DetectedAt: time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)})
		b.Lines[imports.IncidentKey(id)] = i + 2
	}
	if _, err := st.ApplyBatch(ctx, b, store.ApplyOptions{CreateServices: true, Actor: "test"}); err != nil {
		t.Fatal(err)
	}

	// Every service link on the list works, and so do its record links.
	status, list, _ := getWith(t, c, srv.URL+"/services?period=2026-07")
	if status != http.StatusOK {
		t.Fatalf("/services: %d", status)
	}
	seen := map[string]bool{}
	for _, m := range serviceLink.FindAllStringSubmatch(list, -1) {
		href := html.UnescapeString(m[1])
		status, page, _ := getWith(t, c, srv.URL+href)
		if status != http.StatusOK {
			t.Errorf("GET %s: %d", href, status)
			continue
		}
		for _, name := range oddNames {
			if strings.Contains(page, "<h1>"+html.EscapeString(name)) {
				seen[name] = true
			}
		}
	}
	for _, name := range oddNames {
		if !seen[name] {
			t.Errorf("no working link shows service %q", name)
		}
		q := url.QueryEscape(name)
		if !strings.Contains(list, html.EscapeString("/incidents?service="+q+"&period=2026-07")) {
			t.Errorf("incident link of %q not escaped", name)
		}
		status, page, _ := getWith(t, c, srv.URL+"/incidents?service="+q+"&period=2026-07")
		if n := incidentsListed(page); status != http.StatusOK || n != 1 {
			t.Errorf("/incidents?service=%s: %d, %d incidents", q, status, n)
		}
	}

	// An import naming "payments//api" cannot create it: the name stays
	// unknown with the reason, and mapping it to a service works.
	nb := &imports.Batch{Format: "csv", Source: "csv", Lines: map[string]int{imports.IncidentKey("P-1"): 2},
		Incidents: []analytics.Incident{{ExternalID: "P-1", Service: "payments//api", Title: "t", DetectedAt: time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)}}}
	res, err := st.ApplyBatch(ctx, nb, store.ApplyOptions{CreateServices: true, Actor: "test"})
	var ie *store.ImportError
	if !errors.As(err, &ie) || len(res.Unknown) != 1 || !strings.Contains(res.Unknown[0].NotCreated, "empty part") ||
		len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Reason, `service "payments//api" cannot be created`) || len(res.Created) != 0 {
		t.Fatalf("import of payments//api: %v %+v", err, res)
	}
	if _, err := st.ApplyBatch(ctx, nb, store.ApplyOptions{ServiceMap: map[string]string{"payments//api": "ops;core"}, Actor: "test"}); err != nil {
		t.Fatalf("mapped: %v", err)
	}
	status, page, _ := getWith(t, c, srv.URL+"/incidents?service="+url.QueryEscape("ops;core")+"&period=2026-07")
	if n := incidentsListed(page); status != http.StatusOK || n != 2 {
		t.Errorf("ops;core after the mapped import: %d, %d incidents", status, n)
	}

	// A service named before the rule (here with an empty part) still
	// opens, and keeps its name when its tier changes.
	if _, err := st.Writer().ExecContext(ctx, `INSERT INTO services (name, tier) VALUES ('legacy//name', 2)`); err != nil {
		t.Fatal(err)
	}
	if status, page, _ := getWith(t, c, srv.URL+"/services/"+url.PathEscape("legacy//name")); status != http.StatusOK || !strings.Contains(page, "<h1>legacy//name") {
		t.Errorf("legacy//name: %d", status)
	}
	legacy, err := st.ServiceByName(ctx, "legacy//name")
	if err != nil {
		t.Fatal(err)
	}
	if status, body, _ := postWith(t, c, srv.URL+"/settings/services/"+idStr(legacy.ID), url.Values{"name": {"legacy//name"}, "tier": {"1"}, "oncall_tz": {"UTC"}}, true); status != http.StatusSeeOther {
		t.Errorf("re-tier legacy//name: %d %.300s", status, body)
	}
	if status, _, _ := postWith(t, c, srv.URL+"/settings/services/"+idStr(legacy.ID), url.Values{"name": {"other//name"}, "tier": {"1"}, "oncall_tz": {"UTC"}}, true); status != http.StatusUnprocessableEntity {
		t.Errorf("rename to other//name: %d", status)
	}
}

// TestUploadPreviewRefusesBadNames: the web upload offers only mapping
// for a name the rule refuses, and says why.
func TestUploadPreviewRefusesBadNames(t *testing.T) {
	srv, _, c := newImportServer(t)
	csv := "service,slo,day,good,total\npayments//api,availability,2026-07-01,99,100\n"
	_, body := uploadFiles(t, c, srv.URL, map[string]string{"format": "auto", "create_services": "on"}, map[string][]byte{"sli.csv": []byte(csv)})
	body = html.UnescapeString(body)
	if !strings.Contains(body, `data-testid="not-created">Cannot be created: a service name cannot start or end with "/" or have an empty part`) ||
		strings.Contains(body, `value="create"`) {
		t.Errorf("preview:\n%.4000s", body)
	}
}
