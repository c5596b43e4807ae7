package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http/httptest"
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

var incidentTitleRE = regexp.MustCompile(`<a href="/incidents/\d+">([^<]*)</a>`)

// nextPageHref is the list's "Next page" link, "" on the last page.
func nextPageHref(body string) string {
	i := strings.Index(body, `rel="next" data-testid="next-page"`)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(body[:i], `href="`) + len(`href="`)
	return html.UnescapeString(body[start : start+strings.IndexByte(body[start:], '"')])
}

// TestIncidentListCursorWithSeparator: sorted by title, the first page
// ends on "Checkout | 5xx spike"; its next-page link loads the rest.
func TestIncidentListCursorWithSeparator(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	var titles []string
	for i := 1; i <= 49; i++ {
		titles = append(titles, fmt.Sprintf("Alpha %02d", i))
	}
	titles = append(titles, "Checkout | 5xx spike")
	for i := 1; i <= 10; i++ {
		titles = append(titles, fmt.Sprintf("Delta %02d", i))
	}
	b := &imports.Batch{Format: "test", Source: "test"}
	det := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for i, title := range titles {
		b.Incidents = append(b.Incidents, analytics.Incident{ExternalID: fmt.Sprintf("T%03d", i), Service: "checkout",
			Title: title, Severity: 2, Status: analytics.StatusOpen, DetectedAt: det.Add(time.Duration(i) * time.Hour)})
	}
	if _, err := st.ApplyBatch(ctx, b, store.ApplyOptions{CreateServices: true}); err != nil {
		t.Fatal(err)
	}
	app := web.New(st, web.Config{Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	signIn(t, st, srv.URL, web.RoleViewer)

	titlesOf := func(body string) []string {
		var out []string
		for _, m := range incidentTitleRE.FindAllStringSubmatch(body, -1) {
			if s := html.UnescapeString(m[1]); !strings.HasPrefix(s, "2026-") {
				out = append(out, s)
			}
		}
		return out
	}
	status, body, _ := get(t, srv.URL+"/incidents?sort=title")
	if status != 200 {
		t.Fatalf("first page: %d", status)
	}
	first := titlesOf(body)
	if len(first) != 50 || first[0] != "Alpha 01" || first[49] != "Checkout | 5xx spike" {
		t.Fatalf("first page: %d rows %q", len(first), first)
	}
	next := nextPageHref(body)
	if next == "" {
		t.Fatal("first page has no next-page link")
	}
	status, body, _ = get(t, srv.URL+next)
	if status != 200 {
		t.Fatalf("GET %s: %d; %.300s", next, status, body)
	}
	if got, want := strings.Join(titlesOf(body), ","), strings.Join(titles[50:], ","); got != want {
		t.Fatalf("second page %q, want %q", got, want)
	}
	if nextPageHref(body) != "" {
		t.Error("second page links a third")
	}
	// A cursor that was tampered with is still a clean 400.
	if status, body, _ := get(t, srv.URL+"/incidents?sort=title&after=Q2hlY2tvdXQgfCA1eHg"); status != 400 || !strings.Contains(body, "first page") {
		t.Errorf("tampered cursor: %d %.200s", status, body)
	}
}
