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
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sreport/analytics"
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

var (
	payloadRE = regexp.MustCompile(`name="payload" value="([^"]*)"`)
	hiddenRE  = regexp.MustCompile(`type="hidden" name="(versions|previewed_accept)" value="([^"]*)"`)
)

// confirmRisks posts the preview's confirm form with its hidden fields.
func confirmRisks(t *testing.T, c *http.Client, srvURL, preview string, extra url.Values) (int, string) {
	t.Helper()
	m := payloadRE.FindStringSubmatch(preview)
	if m == nil {
		t.Fatalf("preview has no payload: %.500s", preview)
	}
	form := url.Values{"payload": {htmlUnescape(m[1])}, "file_name": {"register.csv"}}
	for _, h := range hiddenRE.FindAllStringSubmatch(preview, -1) {
		form.Set(h[1], htmlUnescape(h[2]))
	}
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
	// The accepted row has no rationale and no accepter: a row error that
	// names the option, which the preview offers.
	status, preview := uploadRisks(t, s.editor, s.url, "risk_register.csv", data)
	if status != 422 || !strings.Contains(preview, `data-testid="risk-preview"`) || !strings.Contains(preview, "4 risks read") {
		t.Fatalf("preview: %d %.500s", status, preview)
	}
	for _, want := range []string{`<td class="num">6</td><td>the risk is accepted but the file gives no an acceptance rationale`,
		"tick “Accept imported accepted risks with this note” below", `data-testid="accept-option"`, `value="ed@test.example"`} {
		if !strings.Contains(htmlUnescape(preview), htmlUnescape(want)) {
			t.Errorf("preview lacks %s", want)
		}
	}
	if strings.Contains(preview, `data-testid="confirm-import"`) {
		t.Fatal("a preview with an unaccepted row offers to import")
	}
	if !strings.Contains(preview, "checkout-api") || !strings.Contains(preview, "Create them") {
		t.Error("preview does not offer to create the unknown services")
	}
	// Importing anyway is refused.
	if status, _ := confirmRisks(t, s.editor, s.url, preview, url.Values{"create_services": {"1"}, "tier": {"1"}, "action": {"import"}}); status != 422 {
		t.Fatalf("confirm with the row error: %d", status)
	}
	// Ticking the option without a note is refused with a message.
	status, body := confirmRisks(t, s.editor, s.url, preview, url.Values{"accept_imported": {"1"}, "accept_by": {"ed@test.example"}, "action": {"preview"}})
	if status != 422 || !strings.Contains(body, "Write the note") {
		t.Fatalf("option without note: %d", status)
	}
	opt := url.Values{"create_services": {"1"}, "tier": {"1"}, "accept_imported": {"1"},
		"accept_note": {"Accepted in the 2026 spreadsheet register"}, "accept_by": {"ed@test.example"}}
	// Ticking it and importing without seeing the values is refused.
	direct := url.Values{"action": {"import"}}
	for k, v := range opt {
		direct[k] = v
	}
	if status, body := confirmRisks(t, s.editor, s.url, preview, direct); status != 422 || !strings.Contains(body, "Check the acceptance values") {
		t.Fatalf("import with unseen acceptance values: %d", status)
	}
	// Previewing again shows the filled-in values, then the import goes through.
	repreview := url.Values{"action": {"preview"}}
	for k, v := range opt {
		repreview[k] = v
	}
	status, preview = confirmRisks(t, s.editor, s.url, preview, repreview)
	if status != 200 || !strings.Contains(preview, "5 risks read: 5 new") || !strings.Contains(preview, `data-testid="confirm-import"`) {
		t.Fatalf("preview with the option: %d %.3000s", status, preview)
	}
	for _, want := range []string{"acceptance rationale: “Accepted in the 2026 spreadsheet register” (filled in)", "accepted by: ed@test.example (filled in)"} {
		if !strings.Contains(preview, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	var before int
	s.st.Writer().QueryRow(`SELECT COUNT(*) FROM risks`).Scan(&before)
	if before != 12 {
		t.Fatalf("preview wrote: %d risks", before)
	}
	// Unknown services without "create" is refused, nothing written.
	noCreate := url.Values{"action": {"import"}, "create_services": {""}}
	for _, k := range []string{"accept_imported", "accept_note", "accept_by"} {
		noCreate[k] = opt[k]
	}
	if status, body := confirmRisks(t, s.editor, s.url, preview, noCreate); status != 422 || !strings.Contains(body, "Some services are unknown") {
		t.Fatalf("confirm without create: %d", status)
	}
	imp := url.Values{"action": {"import"}}
	for k, v := range opt {
		imp[k] = v
	}
	status, _ = confirmRisks(t, s.editor, s.url, preview, imp)
	if status != http.StatusSeeOther {
		t.Fatalf("confirm: %d", status)
	}
	ctx := context.Background()
	r, err := s.st.RiskByCode(ctx, "R-017")
	if err != nil || r.Title != `=HYPERLINK("http://evil.example","click")` || r.Status != "accepted" || r.AcceptedBy != "ed@test.example" ||
		r.AcceptanceRationale != "Accepted in the 2026 spreadsheet register" {
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

	// Row errors carry line numbers and block the import. A header
	// without the columns lists the cells it has (';' is read as the
	// separator, as on /imports).
	broken := "Title;x\n" // wrong header
	if status, body := uploadRisks(t, s.editor, s.url, "b.csv", []byte(broken)); status != 422 || !strings.Contains(body, "column (found: Title, x)") {
		t.Errorf("bad header: %d", status)
	}
	rows := "Risk Title,Affected Services,Probability,Impact,Risk Owner,Status\n" +
		"ok row,checkout;search-api,2,2,ann,open\n" +
		"bad,checkout,9,2,ann,open\n" +
		"worse,checkout,2,2,,weird\n"
	status, body = uploadRisks(t, s.editor, s.url, "r.csv", []byte(rows))
	if status != 422 || !strings.Contains(body, `<td class="num">3</td><td>likelihood must be 1 to 5`) || !strings.Contains(body, `<td class="num">4</td>`) {
		t.Errorf("row errors: %d %.2000s", status, body)
	}
	if strings.Contains(body, `data-testid="confirm-import"`) {
		t.Error("a preview with errors offers to import")
	}
}

// csvDoc parses a CSV document.
func csvDoc(t *testing.T, doc string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(doc)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// csvText writes records as a CSV document.
func csvText(t *testing.T, recs [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRiskCSVRoundTrip exports the demo register, imports it into an empty
// database and expects the same register back, codes and creation stamps
// included; incident ids of another database are row errors.
func TestRiskCSVRoundTrip(t *testing.T) {
	src := newRiskServer(t, testutil.DemoStore(t))
	_, exported, _ := getWith(t, src.viewer, src.url+"/risks.csv")
	dst := newRiskServer(t, testutil.NewStore(t))
	status, preview := uploadRisks(t, dst.editor, dst.url, "export.csv", []byte(exported))
	if status != 422 || !strings.Contains(preview, "linked incidents: no incident #") {
		t.Fatalf("preview with foreign incident ids: %d %.1000s", status, preview)
	}
	recs := csvDoc(t, exported)
	if recs[0][18] != "linked incidents" || recs[0][19] != "created at" {
		t.Fatalf("export header %q", recs[0])
	}
	for _, r := range recs[1:] {
		r[18] = ""
	}
	status, preview = uploadRisks(t, dst.editor, dst.url, "export.csv", csvText(t, recs))
	if status != 200 || !strings.Contains(preview, "12 risks read: 12 new") {
		t.Fatalf("preview: %d %.1000s", status, preview)
	}
	if status, body := confirmRisks(t, dst.editor, dst.url, preview, url.Values{"create_services": {"1"}, "tier": {"2"}}); status != 303 {
		t.Fatalf("confirm: %d %.1000s", status, body)
	}
	_, again, _ := getWith(t, dst.viewer, dst.url+"/risks.csv")
	// Compare the register's columns and creation stamps; the last update
	// belongs to the import.
	a, b := csvDoc(t, exported), csvDoc(t, again)
	if len(a) != 13 || len(a) != len(b) {
		t.Fatalf("rows %d vs %d", len(a), len(b))
	}
	for i := range a {
		for j := range a[i] {
			if j == 18 || j >= 21 {
				continue
			}
			if a[i][j] != b[i][j] {
				t.Errorf("row %d column %s: %q became %q", i, a[0][j], a[i][j], b[i][j])
			}
		}
	}
}

// TestRiskCSVReimportSameDatabase: re-importing an export changes nothing
// and creates nothing; an edited cell is an update through the edit path
// (history, audit), listed incidents are linked, and a risk changed
// between preview and import stops the import.
func TestRiskCSVReimportSameDatabase(t *testing.T) {
	s := newRiskServer(t, testutil.DemoStore(t))
	ctx := context.Background()
	_, exported, _ := getWith(t, s.viewer, s.url+"/risks.csv")
	status, preview := uploadRisks(t, s.editor, s.url, "export.csv", []byte(exported))
	if status != 200 || !strings.Contains(preview, "12 risks read: 0 new, 0 to update, 12 unchanged") ||
		!strings.Contains(preview, `data-testid="nothing-to-import"`) || strings.Contains(preview, `data-testid="confirm-import"`) {
		t.Fatalf("unchanged re-import: %d %.3000s", status, preview)
	}
	if !strings.Contains(preview, "unchanged R-003") {
		t.Error("preview does not say the rows are unchanged")
	}

	cur, err := s.st.RiskByCode(ctx, "R-003")
	if err != nil {
		t.Fatal(err)
	}
	recs := csvDoc(t, exported)
	newImpact := strconv.Itoa(cur.Impact%5 + 1)
	for _, r := range recs[1:] {
		if r[0] == "R-003" {
			r[6] = newImpact
			r[18] = strings.TrimSpace(r[18] + " 2")
		}
	}
	edited := csvText(t, recs)
	status, preview = uploadRisks(t, s.editor, s.url, "export.csv", edited)
	want := "update R-003: impact " + strconv.Itoa(cur.Impact) + " → " + newImpact + "; link incident #2"
	if status != 200 || !strings.Contains(htmlUnescape(preview), want) || !strings.Contains(preview, "0 new, 1 to update, 11 unchanged") {
		t.Fatalf("update preview lacks %q: %d %.3000s", want, status, preview)
	}
	if status, _ := confirmRisks(t, s.editor, s.url, preview, nil); status != 303 {
		t.Fatalf("confirm update: %d", status)
	}
	var n, events, audits int
	s.st.Writer().QueryRow(`SELECT COUNT(*) FROM risks`).Scan(&n)
	s.st.Writer().QueryRow(`SELECT COUNT(*) FROM risk_events WHERE risk_id = ? AND field = 'impact' AND comment = 'Imported from register.csv'`, cur.ID).Scan(&events)
	s.st.Writer().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE entity = 'risks' AND entity_id = 'R-003' AND action = 'update'`).Scan(&audits)
	if n != 12 || events != 1 || audits != 1 {
		t.Fatalf("risks %d (want 12), impact history %d, update audits %d (want 1 each)", n, events, audits)
	}
	got, _ := s.st.RiskByCode(ctx, "R-003")
	if strconv.Itoa(got.Impact) != newImpact || got.Version != cur.Version+1 || !slices.Contains(got.IncidentIDs, 2) {
		t.Fatalf("R-003 after import: %+v", got)
	}

	// Preview, then someone edits R-003: the import is refused.
	recs = csvDoc(t, string(edited))
	for _, r := range recs[1:] {
		if r[0] == "R-003" {
			r[1] = "Renamed in the spreadsheet"
		}
	}
	_, preview = uploadRisks(t, s.editor, s.url, "export.csv", csvText(t, recs))
	meanwhile := got
	meanwhile.Owner = "someone.else@test.example"
	if _, _, err := s.st.UpdateRisk(ctx, "R-003", got.Version, meanwhile, "", store.Audit{Actor: "someone.else@test.example"}); err != nil {
		t.Fatal(err)
	}
	status, body := confirmRisks(t, s.editor, s.url, preview, nil)
	if status != http.StatusConflict || !strings.Contains(body, "R-003 changed since the preview") {
		t.Fatalf("stale import: %d", status)
	}
	if r, _ := s.st.RiskByCode(ctx, "R-003"); r.Title == "Renamed in the spreadsheet" {
		t.Fatal("a stale import was applied")
	}
}

// TestRiskImportUnknownIncident: a linked incident that does not exist is
// a row error naming it.
func TestRiskImportUnknownIncident(t *testing.T) {
	s := newRiskServer(t, testutil.DemoStore(t))
	doc := "title,service,likelihood,impact,owner,linked incidents\n" +
		"new risk,checkout,2,3,ann,1 #999999999\n"
	status, body := uploadRisks(t, s.editor, s.url, "r.csv", []byte(doc))
	if status != 422 || !strings.Contains(body, `<td class="num">2</td><td>linked incidents: no incident #999999999 in this database`) {
		t.Fatalf("unknown incident: %d %.3000s", status, body)
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

var heatCellRE = regexp.MustCompile(`<a href="([^"]*)" data-testid="heat-(\d)-(\d)"[^>]*>\s*(\d+|<span class="heat-zero">)`)

// heatCounts sums a page's heat-map cells and returns the cell links.
func heatCounts(t *testing.T, body string) (int, []string) {
	t.Helper()
	cells := heatCellRE.FindAllStringSubmatch(body, -1)
	if len(cells) != 25 {
		t.Fatalf("heat map has %d cells", len(cells))
	}
	total, hrefs := 0, []string{}
	for _, c := range cells {
		if n, err := strconv.Atoi(c[4]); err == nil {
			total += n
		}
		hrefs = append(hrefs, htmlUnescape(c[1]))
	}
	return total, hrefs
}

// TestRiskHeatMapFollowsFilters: the heat map counts the open and
// mitigating risks under the page's filters (not its status, likelihood
// or impact), and its cells keep those filters.
func TestRiskHeatMapFollowsFilters(t *testing.T) {
	s := newRiskServer(t, testutil.DemoStore(t))
	ctx := context.Background()
	indexer, err := s.st.ServiceByName(ctx, "indexer")
	if err != nil {
		t.Fatal(err)
	}
	tier3, tier0 := 3, 0
	active := []string{"open", "mitigating"}
	cases := []struct {
		query  string
		filter store.RiskFilter
		keep   []string
	}{
		{"", store.RiskFilter{Statuses: active}, nil},
		{"?service=indexer", store.RiskFilter{Statuses: active, ServiceID: indexer.ID}, []string{"service=indexer"}},
		{"?tier=3", store.RiskFilter{Statuses: active, Tier: &tier3}, []string{"tier=3"}},
		{"?tier=0&status=closed&likelihood=1&sort=-score", store.RiskFilter{Statuses: active, Tier: &tier0}, []string{"tier=0", "sort=-score"}},
		{"?category=security&owner=nobody", store.RiskFilter{Statuses: active, Category: "security", Owner: "nobody"}, []string{"category=security", "owner=nobody"}},
	}
	all, _ := s.st.Risks(ctx, store.RiskFilter{Statuses: active})
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			status, body, _ := getWith(t, s.viewer, s.url+"/risks"+tc.query)
			if status != 200 {
				t.Fatalf("%d", status)
			}
			want, err := s.st.Risks(ctx, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			got, hrefs := heatCounts(t, body)
			if got != len(want) {
				t.Errorf("heat map counts %d risks, want %d", got, len(want))
			}
			if tc.query != "" && len(want) == len(all) {
				t.Errorf("the filter %s should narrow the demo's %d risks in play", tc.query, len(all))
			}
			for _, h := range hrefs {
				if !strings.Contains(h, "status=active") {
					t.Errorf("cell link %s lacks status=active", h)
				}
				for _, k := range tc.keep {
					if !strings.Contains(h, k) {
						t.Errorf("cell link %s drops %s", h, k)
					}
				}
			}
		})
	}
}

// TestRiskSummaryAndDueDays: the summary counts in correct English, and a
// review or target due today is not overdue until the day is over in the
// reporting timezone.
func TestRiskSummaryAndDueDays(t *testing.T) {
	s := newRiskServer(t, testutil.DemoStore(t))
	ctx := context.Background()
	today := time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC) // testutil.Now is 13:00 UTC that day
	r := analytics.Risk{Title: "Due today", Category: "capacity", Likelihood: 2, Impact: 2, Owner: "due.today@test.example",
		Status: analytics.RiskOpen, Services: []string{"checkout"}, NextReviewDate: &today, TargetDate: &today}
	if _, err := s.st.CreateRisk(ctx, r, store.Audit{Actor: "ed@test.example"}); err != nil {
		t.Fatal(err)
	}
	_, body, _ := getWith(t, s.viewer, s.url+"/risks?owner=due.today@test.example")
	if !strings.Contains(body, "1 risk shown; 0 with an overdue review, 0 past their target date.") {
		t.Errorf("UTC, due today: summary %q", summaryOf(body))
	}
	if strings.Contains(body, `data-testid="review-overdue"`) || strings.Contains(body, `data-testid="past-target"`) {
		t.Error("a date due today is flagged at 13:00 UTC")
	}
	if _, body, _ := getWith(t, s.viewer, s.url+"/risks?owner=due.today@test.example&overdue=1"); !strings.Contains(body, "No risks match") {
		t.Error("the overdue filter lists a review due today")
	}
	// 13:00 UTC on the 15th is 03:00 on the 16th at UTC+14: now overdue.
	if err := s.st.SaveSettings(ctx, "2026-11", map[string]string{"reporting_tz": "Pacific/Kiritimati"}, store.Audit{Actor: "ed@test.example"}); err != nil {
		t.Fatal(err)
	}
	_, body, _ = getWith(t, s.viewer, s.url+"/risks?owner=due.today@test.example&overdue=1")
	if !strings.Contains(body, "1 risk shown; 1 with an overdue review, 1 past its target date.") {
		t.Errorf("UTC+14: summary %q", summaryOf(body))
	}
	if _, body, _ := getWith(t, s.viewer, s.url+"/risks/R-013"); !strings.Contains(body, "review overdue") || !strings.Contains(body, "past target") {
		t.Error("risk page does not flag the risk in the reporting timezone")
	}
}

var summaryRE = regexp.MustCompile(`data-testid="summary">([^<]*)<`)

func summaryOf(body string) string {
	if m := summaryRE.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}
