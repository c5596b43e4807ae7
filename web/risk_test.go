package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

// riskServer serves st with an editor and a viewer signed in; neither
// client follows redirects, so tests see the 303s.
type riskServer struct {
	url            string
	st             *store.Store
	editor, viewer *http.Client
}

func newRiskServer(t *testing.T, st *store.Store) riskServer {
	t.Helper()
	app := web.New(st, web.Config{Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	epw := testutil.CreateUser(t, st, "ed@test.example", store.RoleEditor)
	vpw := testutil.CreateUser(t, st, "vi@test.example", store.RoleViewer)
	return riskServer{url: srv.URL, st: st,
		editor: loginClient(t, srv.URL, "ed@test.example", epw, false),
		viewer: loginClient(t, srv.URL, "vi@test.example", vpw, false)}
}

func validRiskForm() url.Values {
	return url.Values{"title": {"Message queue without dead-letter handling"}, "description": {"Poison messages block consumers."},
		"services": {"checkout", "payments-api"}, "category": {"change safety"}, "likelihood": {"3"}, "impact": {"4"},
		"owner": {"ed@test.example"}, "status": {"open"}, "mitigation": {"Add a DLQ"}, "target_date": {"2026-12-31"},
		"next_review_date": {"2026-12-01"}}
}

var versionRE = regexp.MustCompile(`name="version" value="(\d+)"`)

func TestRiskRegisterPage(t *testing.T) {
	s := newRiskServer(t, testutil.DemoStore(t))
	status, body, _ := getWith(t, s.viewer, s.url+"/risks")
	if status != 200 {
		t.Fatalf("GET /risks: %d %.300s", status, body)
	}
	for _, want := range []string{`data-testid="heatmap"`, `data-testid="risk-R-001"`, `data-testid="review-overdue"`,
		`href="/risks?likelihood=3&amp;impact=5&amp;status=active"`, "1–4 low, 5–9 medium, 10–16 high, 20–25 critical"} {
		if !strings.Contains(body, want) {
			t.Errorf("register lacks %s", want)
		}
	}
	for _, no := range []string{`data-testid="new-risk"`, `data-testid="import-risks"`} {
		if strings.Contains(body, no) {
			t.Errorf("viewer sees %s", no)
		}
	}
	cases := []struct {
		query string
		want  []string
		not   []string
	}{
		{"?likelihood=3&impact=5&status=active", []string{"R-001"}, []string{"R-002"}},
		{"?status=closed", []string{"R-003", "R-011"}, []string{"R-001"}},
		{"?service=indexer", []string{"R-009"}, []string{"R-001"}},
		{"?overdue=1", []string{"R-002", "R-007", "R-010"}, []string{"R-001"}},
		{"?category=security", []string{"R-008"}, []string{"R-001"}},
		{"?tier=0&sort=-score", []string{"R-001"}, nil},
		{"?owner=nobody", []string{"No risks match"}, []string{"R-001"}},
	}
	for _, tc := range cases {
		status, body, _ := getWith(t, s.viewer, s.url+"/risks"+tc.query)
		if status != 200 {
			t.Fatalf("%s: %d", tc.query, status)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %s", tc.query, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(body, `data-testid="risk-`+w+`"`) {
				t.Errorf("%s shows %s", tc.query, w)
			}
		}
	}
	for _, bad := range []string{"?status=done", "?likelihood=9", "?sort=nope", "?tier=7"} {
		if status, _, _ := getWith(t, s.viewer, s.url+"/risks"+bad); status != 400 {
			t.Errorf("%s: %d, want 400", bad, status)
		}
	}
	if status, _, _ := getWith(t, s.viewer, s.url+"/risks?service=nope"); status != 404 {
		t.Errorf("unknown service: %d", status)
	}
	status, body, _ = getWith(t, s.viewer, s.url+"/risks/R-001")
	if status != 200 || !strings.Contains(body, `data-testid="risk-history"`) || !strings.Contains(body, "Risk created") {
		t.Fatalf("risk page: %d", status)
	}
	if strings.Contains(body, `data-testid="edit-risk"`) || strings.Contains(body, `data-testid="status-form"`) || strings.Contains(body, "Unlink") {
		t.Error("viewer sees edit controls on the risk page")
	}
	if status, _, _ := getWith(t, s.viewer, s.url+"/risks/R-404"); status != 404 {
		t.Errorf("missing risk: %d", status)
	}
	// The service page still lists its risks.
	if _, body, _ := getWith(t, s.viewer, s.url+"/services/checkout"); !strings.Contains(body, "Single-AZ primary database") {
		t.Error("service page lacks its risk")
	}
}

// TestRiskViewerRefused: every register write is refused to a viewer (403)
// and changes nothing.
func TestRiskViewerRefused(t *testing.T) {
	s := newRiskServer(t, testutil.DemoStore(t))
	for _, path := range []string{"/risks", "/risks/R-001", "/risks/R-001/status", "/risks/R-001/comments",
		"/risks/R-001/incidents", "/risks/R-001/incidents/1/unlink", "/risks/import/confirm"} {
		form := validRiskForm()
		form.Set("version", "1")
		if status, _, _ := postWith(t, s.viewer, s.url+path, form, true); status != http.StatusForbidden {
			t.Errorf("viewer POST %s: %d, want 403", path, status)
		}
	}
	for _, path := range []string{"/risks/new", "/risks/R-001/edit", "/risks/import"} {
		if status, _, _ := getWith(t, s.viewer, s.url+path); status != http.StatusForbidden {
			t.Errorf("viewer GET %s: %d, want 403", path, status)
		}
	}
	var n int
	s.st.Writer().QueryRow(`SELECT COUNT(*) FROM risk_events WHERE actor = 'vi@test.example'`).Scan(&n)
	if n != 0 {
		t.Fatal("a viewer's POST wrote history")
	}
}

func TestRiskCreateEditFlow(t *testing.T) {
	s := newRiskServer(t, testutil.DemoStore(t))
	// Validation: 422, messages beside fields, input kept.
	bad := validRiskForm()
	bad.Set("likelihood", "7")
	bad.Del("services")
	bad.Set("owner", "")
	bad.Set("target_date", "31/12/2026")
	status, body, _ := postWith(t, s.editor, s.url+"/risks", bad, true)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid create: %d", status)
	}
	for _, want := range []string{"Likelihood must be 1 to 5", "Name at least one affected service", "needs an owner",
		"Use a date such as", `value="Message queue without dead-letter handling"`, `value="31/12/2026"`} {
		if !strings.Contains(body, want) {
			t.Errorf("422 page lacks %q", want)
		}
	}
	// Create.
	status, _, hdr := postWith(t, s.editor, s.url+"/risks", validRiskForm(), true)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/risks/R-013" {
		t.Fatalf("create: %d %s", status, hdr.Get("Location"))
	}
	// Edit form carries the version.
	_, body, _ = getWith(t, s.editor, s.url+"/risks/R-013/edit")
	m := versionRE.FindStringSubmatch(body)
	if m == nil || m[1] != "1" {
		t.Fatalf("edit form version: %v", m)
	}
	mine := validRiskForm()
	mine.Set("version", "1")
	mine.Set("impact", "5")
	mine.Set("comment", "raised after the outage")
	theirs := validRiskForm()
	theirs.Set("version", "1")
	theirs.Set("owner", "someone.else@test.example")
	if status, _, _ := postWith(t, s.editor, s.url+"/risks/R-013", theirs, true); status != http.StatusSeeOther {
		t.Fatalf("first save: %d", status)
	}
	// The second save from version 1 is refused with the other change shown.
	status, body, _ = postWith(t, s.editor, s.url+"/risks/R-013", mine, true)
	if status != http.StatusConflict {
		t.Fatalf("stale save: %d", status)
	}
	for _, want := range []string{`data-testid="conflict"`, "someone.else@test.example", "ed@test.example", `name="version" value="2"`} {
		if !strings.Contains(body, want) {
			t.Errorf("409 page lacks %q", want)
		}
	}
	r, _ := s.st.RiskByCode(context.Background(), "R-013")
	if r.Impact != 4 || r.Owner != "someone.else@test.example" {
		t.Fatalf("stale save overwrote: %+v", r)
	}
	// Resubmitting from the conflict page (version 2) saves deliberately.
	mine.Set("version", "2")
	if status, _, _ := postWith(t, s.editor, s.url+"/risks/R-013", mine, true); status != http.StatusSeeOther {
		t.Fatalf("resubmit: %d", status)
	}
	_, body, _ = getWith(t, s.editor, s.url+"/risks/R-013")
	for _, want := range []string{"raised after the outage", "<del>4</del>", "<ins>5</ins>", "score 15"} {
		if !strings.Contains(body, want) {
			t.Errorf("risk page lacks %q", want)
		}
	}

	// Accepting needs a rationale and a person.
	status, body, _ = postWith(t, s.editor, s.url+"/risks/R-013/status", url.Values{"version": {"3"}, "status": {"accepted"}}, true)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "needs a rationale") || !strings.Contains(body, "person who accepts") {
		t.Fatalf("accept without rationale: %d", status)
	}
	status, _, _ = postWith(t, s.editor, s.url+"/risks/R-013/status", url.Values{"version": {"3"}, "status": {"accepted"},
		"acceptance_rationale": {"Replaced next quarter"}, "accepted_by": {"VP Engineering"}, "comment": {"steering 2026-11"}}, true)
	if status != http.StatusSeeOther {
		t.Fatalf("accept: %d", status)
	}
	status, body, _ = postWith(t, s.editor, s.url+"/risks/R-013/status", url.Values{"version": {"3"}, "status": {"closed"}}, true)
	if status != http.StatusConflict || !strings.Contains(body, "status is now accepted") {
		t.Fatalf("stale status change: %d", status)
	}

	// Comments and incident links.
	if status, _, _ := postWith(t, s.editor, s.url+"/risks/R-013/comments", url.Values{"comment": {""}}, true); status != 422 {
		t.Errorf("empty comment: %d", status)
	}
	if status, _, _ := postWith(t, s.editor, s.url+"/risks/R-013/comments", url.Values{"comment": {"checked with DBA"}}, true); status != 303 {
		t.Errorf("comment: %d", status)
	}
	if status, _, _ := postWith(t, s.editor, s.url+"/risks/R-013/incidents", url.Values{"incident": {"#1"}}, true); status != 303 {
		t.Errorf("link: %d", status)
	}
	if status, body, _ := postWith(t, s.editor, s.url+"/risks/R-013/incidents", url.Values{"incident": {"999999999"}}, true); status != 422 || !strings.Contains(body, "no incident #999999999") {
		t.Errorf("link missing incident: %d", status)
	}
	_, body, _ = getWith(t, s.editor, s.url+"/risks/R-013")
	if !strings.Contains(body, `href="/incidents/1"`) || !strings.Contains(body, "checked with DBA") {
		t.Error("risk page lacks link or comment")
	}
	if status, _, _ := postWith(t, s.editor, s.url+"/risks/R-013/incidents/1/unlink", nil, true); status != 303 {
		t.Errorf("unlink: %d", status)
	}
	// Every change left history and audit rows.
	var events, audits int
	s.st.Writer().QueryRow(`SELECT COUNT(*) FROM risk_events e JOIN risks r ON r.id = e.risk_id WHERE r.code = 'R-013'`).Scan(&events)
	s.st.Writer().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE entity = 'risks' AND entity_id = 'R-013'`).Scan(&audits)
	// created; their owner; owner back and impact; status, rationale and
	// accepted by; comment; link; unlink
	if events != 10 || audits != 7 {
		t.Errorf("history rows %d (want 10), audit rows %d (want 7)", events, audits)
	}
}

// uploadRisks posts a CSV to /risks/import and returns status and preview page.
func uploadRisks(t *testing.T, c *http.Client, srvURL, name string, data []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("_csrf", csrfToken(t, c, srvURL))
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	res, err := c.Post(srvURL+"/risks/import", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, readAll(t, res)
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var payloadRE = regexp.MustCompile(`name="payload" value="([^"]*)"`)

// confirmRisks posts the preview's confirm form.
func confirmRisks(t *testing.T, c *http.Client, srvURL, preview string, extra url.Values) (int, string) {
	t.Helper()
	m := payloadRE.FindStringSubmatch(preview)
	if m == nil {
		t.Fatalf("preview has no payload: %.500s", preview)
	}
	form := url.Values{"payload": {htmlUnescape(m[1])}, "file_name": {"register.csv"}}
	for k, v := range extra {
		form[k] = v
	}
	status, body, _ := postWith(t, c, srvURL+"/risks/import/confirm", form, true)
	return status, body
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`, "&amp;", "&").Replace(s)
}

func TestRiskImportFixture(t *testing.T) {
	s := newRiskServer(t, testutil.DemoStore(t))
	data, err := os.ReadFile("../testdata/fixtures/risk_register.csv")
	if err != nil {
		t.Fatal(err)
	}
	status, preview := uploadRisks(t, s.editor, s.url, "risk_register.csv", data)
	if status != 200 || !strings.Contains(preview, `data-testid="risk-preview"`) || !strings.Contains(preview, "5 risks read") {
		t.Fatalf("preview: %d %.500s", status, preview)
	}
	if !strings.Contains(preview, "checkout-api") || !strings.Contains(preview, "Create them") {
		t.Error("preview does not offer to create the unknown services")
	}
	var before int
	s.st.Writer().QueryRow(`SELECT COUNT(*) FROM risks`).Scan(&before)
	if before != 12 {
		t.Fatalf("preview wrote: %d risks", before)
	}
	// Unknown services without "create" is refused, nothing written.
	if status, body := confirmRisks(t, s.editor, s.url, preview, nil); status != 422 || !strings.Contains(body, "Some services are unknown") {
		t.Fatalf("confirm without create: %d", status)
	}
	status, _ = confirmRisks(t, s.editor, s.url, preview, url.Values{"create_services": {"1"}, "tier": {"1"}})
	if status != http.StatusSeeOther {
		t.Fatalf("confirm: %d", status)
	}
	ctx := context.Background()
	r, err := s.st.RiskByCode(ctx, "R-017")
	if err != nil || r.Title != `=HYPERLINK("http://evil.example","click")` || r.Status != "accepted" || r.AcceptedBy != "Bud Richman" {
		t.Fatalf("formula row: %+v %v", r, err)
	}
	first, _ := s.st.RiskByCode(ctx, "R-013")
	if first.Title != "Single primary database for checkout" || first.Likelihood != 3 || first.Impact != 5 ||
		first.Status != "mitigating" || first.FieldValue("target_date") != "2026-12-15" || first.Services[0] != "checkout-api" {
		t.Fatalf("first row: %+v", first)
	}
	// The export keeps the formula inert.
	status, out, hdr := getWith(t, s.viewer, s.url+"/risks.csv")
	if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d", status)
	}
	if !strings.Contains(out, `'=HYPERLINK(""http://evil.example"",""click"")`) {
		t.Errorf("export does not neutralise the formula title")
	}

	// Row errors carry line numbers and block the import.
	broken := "Title;x\n" // wrong header
	if status, body := uploadRisks(t, s.editor, s.url, "b.csv", []byte(broken)); status != 422 || !strings.Contains(body, "column (found: Title;x)") {
		t.Errorf("bad header: %d", status)
	}
	rows := "Risk Title,Affected Services,Probability,Impact,Risk Owner,Status\n" +
		"ok row,checkout;search-api,2,2,ann,open\n" +
		"bad,checkout,9,2,ann,open\n" +
		"worse,checkout,2,2,,weird\n"
	status, body := uploadRisks(t, s.editor, s.url, "r.csv", []byte(rows))
	if status != 422 || !strings.Contains(body, `<td class="num">3</td><td>likelihood must be 1 to 5`) || !strings.Contains(body, `<td class="num">4</td>`) {
		t.Errorf("row errors: %d %.2000s", status, body)
	}
	if strings.Contains(body, `data-testid="confirm-import"`) {
		t.Error("a preview with errors offers to import")
	}
}

// TestRiskCSVRoundTrip exports the demo register, imports it into an empty
// database and expects the same register back.
func TestRiskCSVRoundTrip(t *testing.T) {
	src := newRiskServer(t, testutil.DemoStore(t))
	_, exported, _ := getWith(t, src.viewer, src.url+"/risks.csv")
	dst := newRiskServer(t, testutil.NewStore(t))
	status, preview := uploadRisks(t, dst.editor, dst.url, "export.csv", []byte(exported))
	if status != 200 {
		t.Fatalf("preview: %d %.1000s", status, preview)
	}
	if status, body := confirmRisks(t, dst.editor, dst.url, preview, url.Values{"create_services": {"1"}, "tier": {"2"}}); status != 303 {
		t.Fatalf("confirm: %d %.1000s", status, body)
	}
	_, again, _ := getWith(t, dst.viewer, dst.url+"/risks.csv")
	// Compare the register's columns; ids of linked incidents, timestamps
	// and authors belong to the database and the import.
	keep := func(doc string) [][]string {
		recs, err := csv.NewReader(strings.NewReader(doc)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var out [][]string
		for _, r := range recs {
			out = append(out, r[:18])
		}
		return out
	}
	a, b := keep(exported), keep(again)
	if len(a) != 13 || len(a) != len(b) {
		t.Fatalf("rows %d vs %d", len(a), len(b))
	}
	for i := range a {
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				t.Errorf("row %d column %s: %q became %q", i, a[0][j], a[i][j], b[i][j])
			}
		}
	}
}

func TestRiskUploadTooLarge(t *testing.T) {
	s := newRiskServer(t, testutil.NewStore(t))
	big := bytes.Repeat([]byte("title,service,likelihood,impact\n"), 400_000)
	status, body := uploadRisks(t, s.editor, s.url, "big.csv", big)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "larger than 2 MiB") {
		t.Fatalf("oversize upload: %d %.300s", status, body)
	}
}
