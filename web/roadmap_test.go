package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"sreport/analytics"
	"sreport/testutil"
)

func validInitiativeForm() url.Values {
	return url.Values{"title": {"Canary releases for checkout"}, "owner": {"ed@test.example"}, "start_quarter": {"2027-Q1"},
		"end_quarter": {"2027-q2"}, "status": {"planned"}, "kpi": {"change_failure_rate"}, "target_kind": {"change"},
		"target": {"-5 %"}, "services": {"checkout"}, "risks": {"R-001"}}
}

func uploadRoadmap(t *testing.T, c *http.Client, srvURL string, data []byte) (int, string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("_csrf", csrfToken(t, c, srvURL))
	fw, _ := mw.CreateFormFile("file", "roadmap.csv")
	fw.Write(data)
	mw.Close()
	res, err := c.Post(srvURL+"/roadmap/import", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, readAll(t, res), res.Header.Get("Location")
}

func TestRoadmapPages(t *testing.T) {
	ctx := context.Background()
	s := newRiskServer(t, testutil.DemoStore(t))
	before, err := s.st.Initiatives(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Viewers read but cannot change; a form without its token is refused.
	if status, body, _ := getWith(t, s.viewer, s.url+"/roadmap"); status != 200 || strings.Contains(body, `data-testid="new-initiative"`) {
		t.Fatalf("viewer GET /roadmap: %d, new button shown: %v", status, strings.Contains(body, "new-initiative"))
	}
	if _, body, _ := getWith(t, s.viewer, s.url+"/risks"); !strings.Contains(body, `href="/roadmap" data-testid="roadmap-link"`) {
		t.Error("the risk register does not link the roadmap")
	}
	if status, _, _ := postWith(t, s.viewer, s.url+"/roadmap", validInitiativeForm(), true); status != http.StatusForbidden {
		t.Errorf("viewer create: %d, want 403", status)
	}
	if status, _, _ := postWith(t, s.editor, s.url+"/roadmap", validInitiativeForm(), false); status != http.StatusForbidden {
		t.Errorf("create without CSRF token: %d, want 403", status)
	}

	// Validation re-renders the form with the input kept.
	bad := validInitiativeForm()
	bad.Set("end_quarter", "2026-Q4")
	bad.Set("target", "+5 %")
	status, body, _ := postWith(t, s.editor, s.url+"/roadmap", bad, true)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "The end quarter is before the start quarter.") ||
		!strings.Contains(body, "the change should be a decrease") || !strings.Contains(body, `value="Canary releases for checkout"`) {
		t.Fatalf("invalid create: %d %.400s", status, body)
	}

	if status, body, hdr := postWith(t, s.editor, s.url+"/roadmap", validInitiativeForm(), true); status != http.StatusSeeOther || hdr.Get("Location") != "/roadmap" {
		t.Fatalf("create: %d %.300s", status, body)
	}
	after, err := s.st.Initiatives(ctx)
	if err != nil || len(after) != len(before)+1 {
		t.Fatalf("initiatives %d → %d, %v", len(before), len(after), err)
	}
	var in analytics.Initiative
	for _, x := range after {
		if x.Title == "Canary releases for checkout" {
			in = x
		}
	}
	if in.EndQuarter != "2027-Q2" || in.Target != -0.05 || in.Risks[0] != "R-001" {
		t.Fatalf("stored %+v", in)
	}
	_, body, _ = getWith(t, s.viewer, s.url+"/roadmap")
	for _, want := range []string{`data-testid="quarter-2027-Q1"`, `data-testid="quarter-2027-Q2"`, `data-testid="initiative-` + in.Code + `"`, "by −5 pp"} {
		if !strings.Contains(body, want) {
			t.Errorf("roadmap lacks %s", want)
		}
	}
	// The risk page lists the initiatives mitigating it.
	if _, body, _ := getWith(t, s.viewer, s.url+"/risks/R-001"); !strings.Contains(body, `data-testid="risk-initiatives"`) || !strings.Contains(body, in.Code) {
		t.Errorf("risk page lacks its initiative %s", in.Code)
	}

	// An edit is audited with the changed fields.
	edit := validInitiativeForm()
	edit.Set("status", "in_progress")
	if status, body, _ := postWith(t, s.editor, s.url+"/roadmap/"+in.Code, edit, true); status != http.StatusSeeOther {
		t.Fatalf("edit: %d %.300s", status, body)
	}
	var changed string
	if err := s.st.Writer().QueryRowContext(ctx, `SELECT after_json FROM audit_log WHERE entity = 'initiatives' AND action = 'update' AND entity_id = ?`, in.Code).Scan(&changed); err != nil {
		t.Fatal(err)
	}
	if changed != `{"status":"in_progress"}` {
		t.Errorf("audit after %s", changed)
	}

	// Export, re-import: the preview shows every row unchanged and
	// offers nothing to apply.
	status, csvText, _ := getWith(t, s.viewer, s.url+"/roadmap.csv")
	if status != 200 || !strings.HasPrefix(csvText, `"code","title",`) {
		t.Fatalf("export: %d %.200s", status, csvText)
	}
	audits := countAudit(t, s)
	status, body, _ = uploadRoadmap(t, s.editor, s.url, []byte(csvText))
	wantCounts := strconv.Itoa(len(after)) + " rows read: 0 to add, 0 to update, " + strconv.Itoa(len(after)) + " unchanged; 0 rejected."
	if status != http.StatusOK || !strings.Contains(body, wantCounts) || !strings.Contains(body, `data-testid="nothing-to-import"`) ||
		strings.Contains(body, `data-testid="confirm-import"`) {
		t.Fatalf("re-import preview: %d, want %q %.600s", status, wantCounts, body)
	}
	if n := countAudit(t, s); n != audits {
		t.Errorf("re-import wrote %d audit rows", n-audits)
	}

	// A file with one bad row is refused whole, with the line and reason.
	file := csvText + ",Runbooks for tier 0,,ann,2027-Q1,2027-Q1,planned,mttr_minutes,change,-10 min,checkout,,,\n" +
		",Broken,,ann,2027-Q3,2027-Q2,planned,happiness,change,-1,nowhere,R-999,,\n"
	lines := strings.Count(file, "\n")
	status, body, _ = uploadRoadmap(t, s.editor, s.url, []byte(file))
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="rejected"`) ||
		!strings.Contains(body, `no service &#34;nowhere&#34; in the catalogue`) || !strings.Contains(body, "no risk R-999") ||
		!strings.Contains(body, "end quarter: The end quarter is before") || !strings.Contains(body, "kpi: Choose a KPI") ||
		!strings.Contains(body, ">"+strconv.Itoa(lines)+"<") {
		t.Fatalf("bad file: %d %.1500s", status, body)
	}
	if now, _ := s.st.Initiatives(ctx); len(now) != len(after) {
		t.Errorf("a refused file changed the roadmap: %d → %d", len(after), len(now))
	}

	if status, _, _ := postWith(t, s.editor, s.url+"/roadmap/"+in.Code+"/delete", url.Values{}, true); status != http.StatusSeeOther {
		t.Fatalf("delete: %d", status)
	}
	if status, _, _ := getWith(t, s.editor, s.url+"/roadmap/"+in.Code+"/edit"); status != http.StatusNotFound {
		t.Errorf("edit after delete: %d", status)
	}
}

func countAudit(t *testing.T, s riskServer) int {
	t.Helper()
	var n int
	if err := s.st.Writer().QueryRowContext(context.Background(), `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
