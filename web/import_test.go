package web_test

import (
	"bytes"
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
	"time"

	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

// newImportServer serves an empty database; the returned client is a
// signed-in editor.
func newImportServer(t *testing.T) (*httptest.Server, *store.Store, *http.Client) {
	t.Helper()
	st := testutil.NewStore(t)
	app := web.New(st, web.Config{Now: time.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	s := signIn(t, st, srv.URL, web.RoleEditor)
	return srv, st, s.client
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

// formToken reads the CSRF token out of a rendered form (empty when the
// app runs without CSRF protection).
func formToken(t *testing.T, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no _csrf field in the page: %.400s", body)
	}
	return m[1]
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// uploadFiles GETs the form, then posts the files with its token and fields.
func uploadFiles(t *testing.T, c *http.Client, srvURL string, fields map[string]string, files map[string][]byte) (*http.Response, string) {
	t.Helper()
	status, form, _ := getWith(t, c, srvURL+"/imports/new")
	if status != http.StatusOK || !strings.Contains(form, `data-testid="import-form"`) {
		t.Fatalf("GET /imports/new: %d %.300s", status, form)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("_csrf", formToken(t, form))
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for name, data := range files {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	res, err := c.Post(srvURL+"/imports", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	return res, waitDone(t, c, res)
}

// waitDone follows the progress page until the upload's page shows a result.
func waitDone(t *testing.T, c *http.Client, res *http.Response) string {
	t.Helper()
	body := readBody(t, res)
	for i := 0; strings.Contains(body, `data-testid="import-progress"`); i++ {
		if i > 300 {
			t.Fatal("upload still in progress after 60s")
		}
		time.Sleep(200 * time.Millisecond)
		_, body, _ = getWith(t, c, res.Request.URL.String())
	}
	return body
}

// postPage posts a form found on the page at pageURL (urlencoded) and follows redirects.
func postPage(t *testing.T, c *http.Client, action, page string, form url.Values) (*http.Response, string) {
	t.Helper()
	form.Set("_csrf", formToken(t, page))
	res, err := c.PostForm(action, form)
	if err != nil {
		t.Fatal(err)
	}
	return res, waitDone(t, c, res)
}

func testID(id, value string) string { return `data-testid="` + id + `">` + value + `<` }

func TestImportUploadPreviewConfirm(t *testing.T) {
	srv, st, c := newImportServer(t)
	fx := func(name string) []byte {
		b, err := os.ReadFile("../testdata/fixtures/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	// Upload → preview: detected format, sample rows, would-insert counts.
	res, body := uploadFiles(t, c, srv.URL, map[string]string{"format": "auto", "create_services": "1", "tier": "1"},
		map[string][]byte{"servicenow_changes.csv": fx("servicenow_changes.csv")})
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Request.URL.Path, "/imports/pending/") {
		t.Fatalf("upload: %d at %s: %.500s", res.StatusCode, res.Request.URL, body)
	}
	for _, w := range []string{testID("detected-format", "servicenow-change-csv"), testID("inserted", "603"), testID("rejected", "0"),
		"CHG0030001", `data-testid="sample"`, "checkout-api"} {
		if !strings.Contains(body, w) {
			t.Errorf("preview lacks %s", w)
		}
	}
	if n, _ := st.ServiceCount(t.Context()); n != 0 {
		t.Fatalf("the preview wrote %d services", n)
	}
	pendingURL := res.Request.URL.String()

	// Confirm → result page with the counts; the data is there at once.
	res, body = postPage(t, c, pendingURL+"/confirm", body, url.Values{"action": {"confirm"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Import finished") || !strings.Contains(body, testID("inserted", "603")) {
		t.Fatalf("confirm: %d %.800s", res.StatusCode, body)
	}
	_, deploys, _ := getWith(t, c, srv.URL+"/deploys?period=2026-07")
	if !strings.Contains(deploys, "checkout-api") {
		t.Error("/deploys does not show the imported deploys")
	}
	if _, card, _ := getWith(t, c, srv.URL+"/scorecards?period=2026-07"); !strings.Contains(card, "checkout-api") {
		t.Error("the scorecard does not show the imported services")
	}

	// Unknown services: the preview lists them; map one, create the rest.
	res, body = uploadFiles(t, c, srv.URL, map[string]string{"format": "auto"},
		map[string][]byte{"pd.json": fx("pagerduty_api_incidents.json")})
	if !strings.Contains(body, `data-testid="unknown-service"`) || !strings.Contains(body, `data-testid="blocked"`) ||
		!strings.Contains(body, "DevService") {
		t.Fatalf("unknown services not offered: %s", body[strings.Index(body, "<main>"):])
	}
	pendingURL = res.Request.URL.String()
	choices := url.Values{"action": {"confirm"}, "tier": {"3"}}
	for _, m := range regexp.MustCompile(`name="(svc:[^"]+)"`).FindAllStringSubmatch(body, -1) {
		choices.Set(m[1], "create")
	}
	choices.Set("svc:DevService", "map:checkout-api")
	_, body = postPage(t, c, pendingURL+"/confirm", body, choices)
	// The choices came after the preview: it is refreshed first.
	if strings.Contains(body, `data-testid="unknown-service"`) || !strings.Contains(body, testID("inserted", "6")) {
		t.Fatalf("preview after choices: %.1500s", body)
	}
	_, body = postPage(t, c, pendingURL+"/confirm", body, url.Values{"action": {"confirm"}})
	if !strings.Contains(body, testID("inserted", "6")) {
		t.Fatalf("confirm pd: %.800s", body)
	}
	aliases, _ := st.ServiceAliases(t.Context())
	if len(aliases) != 1 || aliases[0].Alias != "DevService" || aliases[0].Service != "checkout-api" {
		t.Fatalf("aliases %+v", aliases)
	}

	// The GitLab export imports cleanly: undeployed is a warning, not a reject.
	res, body = uploadFiles(t, c, srv.URL, map[string]string{"create_services": "1"},
		map[string][]byte{"gitlab.json": fx("gitlab_api_deployments.json")})
	if strings.Contains(body, `data-testid="rejects"`) || !strings.Contains(body, "13436915 undeployed") || !strings.Contains(body, "· 4 records ·") {
		t.Fatalf("gitlab preview: %.1500s", body[strings.Index(body, "<main>"):])
	}
	_, body = postPage(t, c, res.Request.URL.String()+"/confirm", body, url.Values{"action": {"confirm"}})
	if !strings.Contains(body, testID("inserted", "4")) || !strings.Contains(body, testID("rejected", "0")) {
		t.Fatalf("gitlab: %.800s", body)
	}

	// A rejected row blocks the import until skip-invalid is ticked. The
	// preview counts the records the file holds (603), not the rows written.
	bad := bytes.Replace(fx("servicenow_changes.csv"), []byte(`"successful","checkout-api"`), []byte(`"no idea","checkout-api"`), 1)
	res, body = uploadFiles(t, c, srv.URL, nil, map[string][]byte{"bad-changes.csv": bad})
	if !strings.Contains(body, `data-testid="rejects"`) || !strings.Contains(body, "no idea") || !strings.Contains(body, "· 602 records ·") {
		t.Fatalf("rejects not shown: %.1500s", body[strings.Index(body, "<main>"):])
	}
	pendingURL = res.Request.URL.String()
	res, blocked := postPage(t, c, pendingURL+"/confirm", body, url.Values{"action": {"confirm"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(blocked, "rows are rejected") {
		t.Fatalf("confirm with rejects: %d", res.StatusCode)
	}
	_, body = postPage(t, c, pendingURL+"/confirm", blocked, url.Values{"action": {"confirm"}, "skip_invalid": {"1"}})
	if !strings.Contains(body, testID("unchanged", "602")) || !strings.Contains(body, testID("rejected", "1")) {
		t.Fatalf("skip invalid: %.800s", body)
	}

	// History: counts, status, hash, the errors as CSV.
	_, hist, _ := getWith(t, c, srv.URL+"/imports")
	for _, w := range []string{"servicenow_changes.csv", "pd.json", "gitlab.json", "bad-changes.csv", "/imports/4/errors.csv"} {
		if !strings.Contains(hist, w) {
			t.Errorf("history lacks %q", w)
		}
	}
	if strings.Contains(hist, `data-testid="rollback"`) {
		t.Error("an editor is offered rollback")
	}
	status, csvBody, hdr := getWith(t, c, srv.URL+"/imports/4/errors.csv")
	if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.Contains(csvBody, `"4","bad-changes.csv",`) {
		t.Fatalf("errors csv: %d %s", status, csvBody)
	}

	// Rollback: editors may not, admins may.
	_, detail, _ := getWith(t, c, srv.URL+"/imports/3")
	if res, _ := postPage(t, c, srv.URL+"/imports/3/rollback", detail, url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("editor rollback: %d", res.StatusCode)
	}
	admin := signIn(t, st, srv.URL, web.RoleAdmin).client
	_, detail, _ = getWith(t, admin, srv.URL+"/imports/3")
	if !strings.Contains(detail, `data-testid="rollback"`) {
		t.Fatal("admin is not offered rollback")
	}
	res, detail = postPage(t, admin, srv.URL+"/imports/3/rollback", detail, url.Values{})
	if res.StatusCode != http.StatusOK || !strings.Contains(detail, "rolled back") {
		t.Fatalf("admin rollback: %d %.500s", res.StatusCode, detail)
	}
	if n := testCount(t, st, `SELECT COUNT(*) FROM deploys WHERE source = 'gitlab'`); n != 0 {
		t.Fatalf("%d gitlab deploys after rollback", n)
	}
	// Every import and the rollback are in the audit log, by who did them.
	if n := testCount(t, st, `SELECT COUNT(*) FROM audit_log WHERE entity = 'imports' AND action = 'import' AND actor = 'editor@test.example'`); n != 4 {
		t.Errorf("%d import audit rows, want 4", n)
	}
	if n := testCount(t, st, `SELECT COUNT(*) FROM audit_log WHERE entity = 'imports' AND action = 'rollback' AND entity_id = '3' AND actor LIKE 'admin%'`); n != 1 {
		t.Errorf("%d rollback audit rows", n)
	}

	// A rollback that would delete users' own edits is refused, saying why.
	if _, err := st.Writer().Exec(`INSERT INTO incident_overrides (incident_id, severity, updated_at)
		SELECT id, 1, '2026-07-01T00:00:00Z' FROM incidents WHERE external_id = 'Q3YON8WNWTZMRQ'`); err != nil {
		t.Fatal(err)
	}
	_, detail, _ = getWith(t, admin, srv.URL+"/imports/2")
	res, detail = postPage(t, admin, srv.URL+"/imports/2/rollback", detail, url.Values{})
	if res.StatusCode != http.StatusConflict || !strings.Contains(detail, "has edits made in sreport (severity)") || !strings.Contains(detail, "remove them first or keep the import") {
		t.Fatalf("rollback over users' edits: %d %.500s", res.StatusCode, detail)
	}
}

func TestImportRiskRegisterHint(t *testing.T) {
	srv, _, c := newImportServer(t)
	_, body := uploadFiles(t, c, srv.URL, map[string]string{"format": "auto"},
		map[string][]byte{"risks.csv": []byte("code,title,service,likelihood,impact\nR-001,Single DB,checkout-api,3,4\n")})
	if !strings.Contains(body, `data-testid="file-failed"`) || !strings.Contains(body, "/risks/import") {
		t.Fatalf("risk register hint: %.1500s", body)
	}
}

func testCount(t *testing.T, st *store.Store, q string) int {
	t.Helper()
	var n int
	if err := st.Writer().QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportUploadTooLarge(t *testing.T) {
	srv, _, c := newImportServer(t)
	_, form, _ := getWith(t, c, srv.URL+"/imports/new")
	body := io.MultiReader(strings.NewReader("--x\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n"+formToken(t, form)+"\r\n--x\r\n"),
		io.LimitReader(zeros{}, web.MaxUploadBytes+1))
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/imports", body)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	req.ContentLength = web.MaxUploadBytes + 200
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page := readBody(t, res)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(page, "larger than 64 MiB") {
		t.Fatalf("status %d: %.300s", res.StatusCode, page)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestImportFormValidation(t *testing.T) {
	srv, _, c := newImportServer(t)
	res, body := uploadFiles(t, c, srv.URL, map[string]string{"tz": "Mars/Olympus", "format": "nope", "severity_map": "P1=7",
		"jira_service": "Custom field (Team)"}, nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Unknown timezone") ||
		!strings.Contains(body, "Choose at least one file") || !strings.Contains(body, `value="Mars/Olympus"`) ||
		!strings.Contains(body, "severities are 0 to 4") || !strings.Contains(body, `value="P1=7"`) || !strings.Contains(body, `value="Custom field (Team)"`) {
		t.Fatalf("validation: %d %.800s", res.StatusCode, body)
	}
}
