package web_test

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"sreport/analytics/scorecard"
	"sreport/testutil"
	"sreport/web"
)

// newDemoServer serves the demo company through real HTTP; get and
// postForm on its URL act as an admin signed in through the login form.
func newDemoServer(t *testing.T) *httptest.Server {
	t.Helper()
	st := testutil.DemoStore(t)
	app := web.New(st, web.Config{Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	signIn(t, st, srv.URL, web.RoleAdmin)
	return srv
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	res, err := clientFor(url).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return res.StatusCode, string(b), res.Header
}

func TestPagesRender(t *testing.T) {
	srv := newDemoServer(t)
	cases := []struct {
		path   string
		status int
		want   []string
	}{
		{"/", 200, []string{"Reliability scorecard", "October 2026", `data-testid="tier-0"`, "checkout"}},
		{"/scorecards?period=2026-Q3", 200, []string{"Q3 2026", "Month view"}},
		{"/scorecards?period=2026-10&tier=0", 200, []string{`data-testid="tier-0"`, "Tier 0 total"}},
		{"/scorecards?period=2026-10&sort=service", 200, []string{`aria-sort="ascending"`}},
		{"/scorecards?period=2026-10&sort=-sev1_sev2", 200, []string{`aria-sort="descending"`}},
		{"/scorecards?period=2026-11", 200, []string{"November 2026 (in progress)", "No later period yet"}},
		{"/scorecards?period=2030-01", 404, []string{"has not started yet"}},
		{"/scorecards?period=2026-10&team=payments&sort=-mttr_minutes", 200, []string{"checkout", "Team payments"}},
		{"/services", 200, []string{"checkout", "Tier 0"}},
		{"/services/checkout?period=2026-10", 200, []string{"checkout", "payments"}},
		{"/incidents", 200, []string{`data-testid="incidents"`, "Sev"}},
		{"/incidents?service=checkout&severity=sev1&status=resolved&period=2026-Q3&sort=severity", 200, []string{`data-testid="incidents"`}},
		{"/deploys?status=failed", 200, []string{`data-testid="deploys"`, "failed"}},
		{"/pages?status=unacked", 200, []string{`data-testid="pages"`}},
		{"/incidents/1", 200, []string{"Timeline", "Detected"}},
		{"/deploys/1", 200, []string{"Lead time"}},
		{"/pages/1", 200, []string{"Triggered"}},
		{"/explain?kpi=mttr_minutes&period=2026-10&service=checkout", 200, []string{"MTTR", `data-testid="evidence"`, `data-testid="definition"`, "resolved_at − detected_at"}},
		{"/explain?kpi=sev1_sev2&period=2026-10&tier=0", 200, []string{"Sev1 + Sev2"}},
		{"/healthz", 200, []string{"ok"}},
		{"/readyz", 200, []string{"ready"}},
		{"/services/no-such-service", 404, []string{"not found"}},
		{"/incidents/999999999", 404, []string{"not found"}},
		{"/incidents/abc", 404, nil},
		{"/incidents?service=nope", 404, []string{"service"}},
		{"/incidents?tier=9", 400, []string{"tier must be"}},
		{"/scorecards?period=2026-13", 400, []string{"month must be"}},
		{"/explain?kpi=nope", 400, []string{"unknown KPI"}},
		{"/incidents?after=zzz", 400, []string{"first page"}},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			status, body, hdr := get(t, srv.URL+tc.path)
			if status != tc.status {
				t.Fatalf("status %d, want %d; body: %.300s", status, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			if strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
				if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self' 'nonce-") {
					t.Errorf("CSP = %q", csp)
				}
				if hdr.Get("X-Content-Type-Options") != "nosniff" {
					t.Error("missing nosniff")
				}
			}
		})
	}
}

// TestIncidentPagination walks the keyset pages and checks that rows never
// repeat and the order holds across page boundaries.
func TestIncidentPagination(t *testing.T) {
	srv := newDemoServer(t)
	seen := map[string]bool{}
	url := "/incidents?period=2026-Q3"
	pages := 0
	for url != "" && pages < 50 {
		status, body, _ := get(t, srv.URL+url)
		if status != 200 {
			t.Fatalf("%s: %d", url, status)
		}
		for _, part := range strings.Split(body, `href="/incidents/`)[1:] {
			id := part[:strings.IndexByte(part, '"')]
			if seen[id] && !strings.Contains(part[:40], "Sev") {
				continue
			}
			seen[id] = true
		}
		pages++
		url = ""
		if i := strings.Index(body, `rel="next" data-testid="next-page"`); i >= 0 {
			start := strings.LastIndex(body[:i], `href="`) + len(`href="`)
			url = strings.ReplaceAll(body[start:strings.IndexByte(body[start:], '"')+start], "&amp;", "&")
		}
	}
	if pages < 2 {
		t.Fatalf("expected several pages, got %d", pages)
	}
	// The API's count of Q3 incidents must equal the rows walked.
	_, js, _ := get(t, srv.URL+"/api/v1/kpis?period=2026-Q3")
	var res scorecard.KPIResponse
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		t.Fatal(err)
	}
	if got, want := len(seen), int(*res.KPIs.IncidentsTotal); got != want {
		t.Errorf("walked %d distinct incidents, API says %d", got, want)
	}
}

// TestScorecardNumbersAgree checks that the page, the JSON API and the CSV
// show the same numbers.
func TestScorecardNumbersAgree(t *testing.T) {
	srv := newDemoServer(t)
	_, js, _ := get(t, srv.URL+"/api/v1/scorecard?period=2026-10")
	var card scorecard.Card
	if err := json.Unmarshal([]byte(js), &card); err != nil {
		t.Fatal(err)
	}
	if len(card.Services) != 24 || len(card.Tiers) != 4 {
		t.Fatalf("services %d tiers %d", len(card.Services), len(card.Tiers))
	}
	status, body, hdr := get(t, srv.URL+"/scorecards.csv?period=2026-10")
	if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv status %d type %s", status, hdr.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(card.Teams) != 6 || len(recs) != 1+24+4+len(card.Teams)+1 {
		t.Fatalf("csv rows = %d, teams %d", len(recs), len(card.Teams))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, r := range recs[1:] {
		if r[col["kind"]] != "service" {
			continue
		}
		var row *scorecard.Row
		for i := range card.Services {
			if card.Services[i].Name == r[col["name"]] {
				row = &card.Services[i]
			}
		}
		if row == nil {
			t.Fatalf("csv service %s not in API", r[col["name"]])
		}
		for _, k := range []string{"mttr_minutes", "availability", "change_failure_rate", "incidents_total"} {
			api := row.KPIs[k].Value
			got := r[col[k]]
			if api == nil {
				if got != "" {
					t.Errorf("%s %s: csv %q, api null", row.Name, k, got)
				}
				continue
			}
			f, err := strconv.ParseFloat(got, 64)
			if err != nil || math.Abs(f-*api) > 1e-9 {
				t.Errorf("%s %s: csv %q, api %v", row.Name, k, got, *api)
			}
			if st := r[col[k+"_status"]]; st != row.KPIs[k].Status {
				t.Errorf("%s %s status: csv %s api %s", row.Name, k, st, row.KPIs[k].Status)
			}
			if n := r[col[k+"_n"]]; n != strconv.FormatFloat(row.KPIs[k].N, 'f', -1, 64) {
				t.Errorf("%s %s n: csv %s api %v", row.Name, k, n, row.KPIs[k].N)
			}
		}
	}
	// The page shows the API's status for checkout's MTTR.
	_, page, _ := get(t, srv.URL+"/scorecards?period=2026-10")
	for _, s := range card.Services {
		if s.Name != "checkout" {
			continue
		}
		marker := `data-testid="row-checkout-mttr_minutes" data-status="` + s.KPIs["mttr_minutes"].Status + `"`
		if !strings.Contains(page, marker) {
			t.Errorf("page lacks %s", marker)
		}
	}
}

func TestKPIsAPI(t *testing.T) {
	srv := newDemoServer(t)
	for _, q := range []string{"period=2026-10", "period=2026-10&service=checkout", "period=2026-Q3&tier=0"} {
		status, body, _ := get(t, srv.URL+"/api/v1/kpis?"+q)
		if status != 200 {
			t.Fatalf("%s: %d %s", q, status, body)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"period", "from", "to", "timezone", "scope", "kpis", "counts"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: missing %s", q, k)
			}
		}
	}
	if status, _, _ := get(t, srv.URL+"/api/v1/kpis?period=2026-10&service=checkout&tier=1"); status != 400 {
		t.Errorf("service+tier: status %d", status)
	}
	if status, body, _ := get(t, srv.URL+"/api/v1/kpis?period=2026-10&service=nope"); status != 404 || !strings.Contains(body, "error") {
		t.Errorf("unknown service: %d %s", status, body)
	}
}

func TestCSVSafe(t *testing.T) {
	_, body, _ := get(t, newDemoServer(t).URL+"/scorecards.csv?period=2026-10")
	if !strings.HasPrefix(body, `"period","to_date","kind","name","tier","team",`) {
		t.Errorf("fields not quoted: %.100s", body)
	}
	// However a spreadsheet splits a line, no cell starts a formula.
	for _, sep := range []string{",", ";", "\t", "|"} {
		for _, line := range strings.Split(body, "\n") {
			for _, f := range strings.Split(line, sep) {
				if f = strings.TrimLeft(f, ` "`); strings.HasPrefix(f, "=") || strings.HasPrefix(f, "@") {
					t.Errorf("formula-like cell %q", f)
				}
			}
		}
	}
}

// TestRequestLimits checks the default body cap and that a post-login
// redirect can never leave the site.
func TestRequestLimits(t *testing.T) {
	srv := newDemoServer(t)
	big := strings.NewReader(strings.Repeat("x", 2<<20))
	res, err := http.Post(srv.URL+"/login", "application/x-www-form-urlencoded", big)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB form: status %d, want 413", res.StatusCode)
	}
	for _, next := range []string{"/%09/evil.example", "//evil.example", "/\\evil.example", "https://evil.example", "/%0d%0aX:1"} {
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		// A signed-in user visiting /login is redirected to next at once.
		c.Jar = clientFor(srv.URL).Jar
		res, err := c.Get(srv.URL + "/login?next=" + next)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if loc := res.Header.Get("Location"); loc != "" && loc != "/" {
			t.Errorf("next=%s redirected to %q", next, loc)
		}
	}
}
