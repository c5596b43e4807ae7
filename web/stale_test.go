package web_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

// staleServer serves the demo company with stale serving on, with an
// editor's write token to change the data through the API.
func staleServer(t *testing.T) (srv *httptest.Server, token string) {
	t.Helper()
	st := testutil.DemoStore(t)
	app := web.New(st, web.Config{Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), StaleFor: time.Hour})
	srv = httptest.NewServer(app)
	t.Cleanup(srv.Close)
	// The token first: creating its user is a change to the data, and
	// signing in opens the scorecard.
	token = apiToken(t, st, "stale-ed@example.com", store.RoleEditor, store.ScopeWrite)
	signIn(t, st, srv.URL, web.RoleViewer)
	return srv, token
}

// staleTitle names the Sev1 incident the tests add: the longest of
// October 2026, so it heads the report's top incidents once counted.
const staleTitle = "Stale-check outage"

// addIncident commits a change through the write API.
func addIncident(t *testing.T, base, token string) {
	t.Helper()
	body := `{"items":[{"source":"statuspage","external_id":"STALE-1","service":"checkout","title":"` + staleTitle + `","severity":"P1",
		"detected_at":"2026-10-10T08:00:00Z","acknowledged_at":"2026-10-10T08:04:00Z","resolved_at":"2026-10-14T08:00:00Z"}]}`
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/incidents", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("add incident: %d %s", res.StatusCode, b)
	}
}

// kpiAnswer is what the tests read of the KPI API's answer.
type kpiAnswer struct {
	Counts struct {
		Incidents float64 `json:"incidents"`
	} `json:"counts"`
	Stale      bool   `json:"stale"`
	ComputedAt string `json:"computed_at"`
}

// incidentCount is October 2026's incident count from the KPI API.
func incidentCount(t *testing.T, base string) kpiAnswer {
	t.Helper()
	status, body, _ := get(t, base+"/api/v1/kpis?period=2026-10")
	if status != http.StatusOK {
		t.Fatalf("kpis: %d %s", status, body)
	}
	var r kpiAnswer
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestStaleReportIsLabelledAndDownloadWaits: after a change to the data,
// the report page shows the figures from before it at once under an
// "Updating" banner with a reload link, and the KPI API answers with the
// same older figures marked stale; the HTML download, which leaves the app
// without a label, waits for the current figures; once they are computed
// the page and the API give them unlabelled.
func TestStaleReportIsLabelledAndDownloadWaits(t *testing.T) {
	srv, token := staleServer(t)
	page := srv.URL + "/reports/2026-10"
	status, body, _ := get(t, page)
	if status != http.StatusOK || strings.Contains(body, `data-testid="stale-banner"`) || strings.Contains(body, staleTitle) {
		t.Fatalf("first view: %d, banner or the new incident present", status)
	}
	before := incidentCount(t, srv.URL)
	if before.Stale || before.ComputedAt != "" {
		t.Fatalf("KPI API before any change: %+v, want current figures", before)
	}

	addIncident(t, srv.URL, token)

	status, body, hdr := get(t, page)
	if status != http.StatusOK {
		t.Fatalf("stale view: %d", status)
	}
	for _, want := range []string{`data-testid="stale-banner"`, "Updating:", "before the latest change to the data", `href="/reports/2026-10"`} {
		if !strings.Contains(body, want) {
			t.Errorf("stale view lacks %q", want)
		}
	}
	if strings.Contains(body, staleTitle) {
		t.Error("the labelled stale view already shows the new incident: it was not the older report")
	}
	if hdr.Get("Cache-Control") != "no-store" {
		t.Errorf("stale view Cache-Control %q, want no-store", hdr.Get("Cache-Control"))
	}

	// The API answers at once too, and says so in the answer.
	if got := incidentCount(t, srv.URL); !got.Stale || got.ComputedAt == "" || got.Counts.Incidents != before.Counts.Incidents {
		t.Errorf("KPI API right after the change: %+v, want the older %v incidents labelled stale", got, before.Counts.Incidents)
	}
	status, dl, _ := get(t, srv.URL+"/reports/2026-10.html")
	if status != http.StatusOK {
		t.Fatalf("download: %d", status)
	}
	if strings.Contains(dl, `data-testid="stale-banner"`) || !strings.Contains(dl, staleTitle) {
		t.Error("the HTML download is not the current report")
	}
	// The download computed the current report: the page now shows it.
	_, body, _ = get(t, page)
	if strings.Contains(body, `data-testid="stale-banner"`) || !strings.Contains(body, staleTitle) {
		t.Error("after the recomputation the page is still the older report")
	}
	// The API's background computation lands soon: current and unlabelled.
	deadline := time.Now().Add(30 * time.Second)
	for got := incidentCount(t, srv.URL); got.Stale; got = incidentCount(t, srv.URL) {
		if time.Now().After(deadline) {
			t.Fatal("the KPI API was still stale 30 s after the change")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := incidentCount(t, srv.URL); got.Counts.Incidents != before.Counts.Incidents+1 || got.ComputedAt != "" {
		t.Errorf("KPI API once current: %+v, want %v incidents", got, before.Counts.Incidents+1)
	}
}

// TestStaleScorecardIsLabelled: the scorecard page (the application
// layout) carries the banner while its figures are from before a change.
func TestStaleScorecardIsLabelled(t *testing.T) {
	srv, token := staleServer(t)
	page := srv.URL + "/scorecards?period=2026-10"
	if _, body, _ := get(t, page); strings.Contains(body, `data-testid="stale-banner"`) {
		t.Fatal("banner on a current page")
	}
	addIncident(t, srv.URL, token)
	_, body, _ := get(t, page)
	if !strings.Contains(body, `data-testid="stale-banner"`) || !strings.Contains(body, `href="/scorecards?period=2026-10"`) {
		t.Fatal("the scorecard after a change carries no Updating banner with a reload link")
	}
	// The background recomputation replaces it; a reload soon shows the
	// current figures unlabelled.
	deadline := time.Now().Add(30 * time.Second)
	for strings.Contains(body, `data-testid="stale-banner"`) {
		if time.Now().After(deadline) {
			t.Fatal("the scorecard was still labelled stale 30 s after the change")
		}
		time.Sleep(20 * time.Millisecond)
		_, body, _ = get(t, page)
	}
}
