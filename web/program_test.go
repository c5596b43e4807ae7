package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"sreport/analytics/program"
	"sreport/analytics/store"
	"sreport/web"
)

// uploadProgram posts a CSV file to an input's import form with the
// form's CSRF token; the client does not follow redirects.
func uploadProgram(t *testing.T, c *http.Client, srvURL, input string, data []byte) (int, string, http.Header) {
	t.Helper()
	return uploadCSV(t, c, srvURL+"/program/"+input+"/import", "program-upload", srvURL+"/program/"+input+"/import", data)
}

// uploadCSV opens the page at formURL, takes its CSRF token (the upload
// form has data-testid formID) and posts data as the form's "file" to postURL.
func uploadCSV(t *testing.T, c *http.Client, formURL, formID, postURL string, data []byte) (int, string, http.Header) {
	t.Helper()
	status, form, _ := getWith(t, c, formURL)
	if status != http.StatusOK || !strings.Contains(form, `data-testid="`+formID+`"`) {
		t.Fatalf("GET %s: %d, no %s form", formURL, status, formID)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("_csrf", formToken(t, form))
	fw, err := mw.CreateFormFile("file", "upload.csv")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	res, err := c.Post(postURL, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, readBody(t, res), res.Header
}

func auditCount(t *testing.T, st *store.Store, entity string) int {
	t.Helper()
	rows, err := st.AuditEntries(context.Background(), store.AuditFilter{Entity: entity, Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	return len(rows)
}

func recordCount(t *testing.T, st *store.Store, key string) int {
	t.Helper()
	in, _ := program.ByKey(key)
	recs, err := st.ProgramRecords(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

// TestProgramRoles checks that everyone reads the program, only editors
// and admins change it, and that a change needs the CSRF token.
func TestProgramRoles(t *testing.T) {
	srv, st, viewer := followupServer(t, web.RoleViewer)
	status, body, _ := getWith(t, viewer, srv.URL+"/program?period=2026-Q3")
	if status != http.StatusOK || !strings.Contains(body, `data-testid="program-dr_tests"`) || !strings.Contains(body, `href="/program"`) {
		t.Fatalf("viewer program page: %d", status)
	}
	for _, in := range program.Inputs() {
		if !strings.Contains(body, `data-testid="program-kpis-`+in.Key+`"`) {
			t.Errorf("the program page lacks %s's KPIs", in.Key)
		}
	}
	status, body, _ = getWith(t, viewer, srv.URL+"/program/dr_tests")
	if status != http.StatusOK || !strings.Contains(body, `data-testid="program-records"`) || strings.Contains(body, `data-testid="program-new"`) {
		t.Fatalf("viewer list: %d, add link shown: %v", status, strings.Contains(body, `data-testid="program-new"`))
	}
	if status, _, _ := getWith(t, viewer, srv.URL+"/program/dr_tests/export"); status != http.StatusOK {
		t.Errorf("viewer export: %d", status)
	}
	before := recordCount(t, st, program.Stakeholder)
	form := url.Values{"quarter": {"2026-Q4"}, "group_name": {"Finance"}, "score": {"4"}, "responses": {"9"}}
	if status, _, _ := postWith(t, viewer, srv.URL+"/program/stakeholder_scores", form, true); status != http.StatusForbidden {
		t.Errorf("viewer may add a record: %d", status)
	}
	if status, _, _ := getWith(t, viewer, srv.URL+"/program/stakeholder_scores/new"); status != http.StatusForbidden {
		t.Errorf("viewer may open the add form: %d", status)
	}

	srvE, stE, ed := followupServer(t, web.RoleEditor)
	if status, _, _ := postWith(t, ed, srvE.URL+"/program/stakeholder_scores", form, false); status != http.StatusForbidden {
		t.Errorf("a post without the CSRF token: %d", status)
	}
	if status, _, hdr := postWith(t, ed, srvE.URL+"/program/stakeholder_scores", form, true); status != http.StatusSeeOther ||
		hdr.Get("Location") != "/program/stakeholder_scores?done=saved" {
		t.Errorf("editor add: %d %s", status, hdr.Get("Location"))
	}
	if got := recordCount(t, stE, program.Stakeholder); got != before+1 {
		t.Errorf("%d survey rows after adding one to %d", got, before)
	}
	if got := recordCount(t, st, program.Stakeholder); got != before {
		t.Errorf("the viewer's database changed: %d rows", got)
	}
	if status, _, _ := getWith(t, ed, srvE.URL+"/program/nope"); status != http.StatusNotFound {
		t.Errorf("unknown input: %d", status)
	}
}

// TestProgramRecordForm adds, edits and deletes a DR test through the
// form, with validation, the natural key and field-level audit rows.
func TestProgramRecordForm(t *testing.T) {
	srv, st, ed := followupServer(t, web.RoleEditor)
	ctx := context.Background()
	in, _ := program.ByKey(program.DRTests)
	bad := url.Values{"tested_on": {"2026-13-01"}, "service": {"no-such-service"}, "kind": {"failover"}, "result": {"pass"},
		"rto_target_minutes": {"30"}, "evidence_url": {"ftp://x"}}
	status, body, _ := postWith(t, ed, srv.URL+"/program/dr_tests", bad, true)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Enter a date as YYYY-MM-DD.") ||
		!strings.Contains(body, "No service is named &#34;no-such-service&#34;.") || !strings.Contains(body, "Enter an http:// or https:// address.") ||
		!strings.Contains(body, `value="no-such-service"`) {
		t.Fatalf("invalid record: %d %.300s", status, body)
	}
	good := url.Values{"tested_on": {"2026-11-02"}, "service": {"CHECKOUT"}, "kind": {"restore"}, "result": {"pass"},
		"rto_target_minutes": {"30"}, "rto_achieved_minutes": {"22.5"}, "evidence_url": {"https://wiki.example/t/1"}}
	if status, _, _ := postWith(t, ed, srv.URL+"/program/dr_tests", good, true); status != http.StatusSeeOther {
		t.Fatalf("add: %d", status)
	}
	if status, body, _ := postWith(t, ed, srv.URL+"/program/dr_tests", good, true); status != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Another DR test has the same service, date and kind") {
		t.Errorf("duplicate key: %d", status)
	}
	recs, err := st.ProgramRecords(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	for _, r := range recs {
		if r.Values["tested_on"] == "2026-11-02" && r.Values["service"] == "checkout" && r.Values["kind"] == "restore" {
			id = r.ID
			if r.Values["rto_achieved_minutes"] != "22.5" {
				t.Errorf("stored %v", r.Values)
			}
		}
	}
	if id == 0 {
		t.Fatal("the added test is not stored with its canonical service name")
	}
	path := srv.URL + "/program/dr_tests/" + strconv.FormatInt(id, 10)
	if status, body, _ := getWith(t, ed, path+"/edit"); status != http.StatusOK || !strings.Contains(body, `value="22.5"`) {
		t.Fatalf("edit form: %d", status)
	}
	good.Set("result", "fail")
	if status, _, _ := postWith(t, ed, path, good, true); status != http.StatusSeeOther {
		t.Fatalf("edit: %d", status)
	}
	entries, err := st.AuditEntries(ctx, store.AuditFilter{Entity: program.DRTests, Limit: 10})
	if err != nil || len(entries) != 2 {
		t.Fatalf("audit rows %d, %v", len(entries), err)
	}
	var before, after map[string]string
	if json.Unmarshal([]byte(entries[0].Before), &before) != nil || json.Unmarshal([]byte(entries[0].After), &after) != nil ||
		entries[0].Action != "update" || len(before) != 1 || before["result"] != "pass" || after["result"] != "fail" {
		t.Errorf("update audit %s: %s → %s", entries[0].Action, entries[0].Before, entries[0].After)
	}
	if status, _, _ := postWith(t, ed, path+"/delete", nil, true); status != http.StatusSeeOther {
		t.Fatalf("delete: %d", status)
	}
	if _, err := st.ProgramRecord(ctx, in, id); err != store.ErrNotFound {
		t.Errorf("deleted record: %v", err)
	}
	if n := auditCount(t, st, program.DRTests); n != 3 {
		t.Errorf("%d audit rows after create, update, delete", n)
	}
}

// TestProgramImportErrors checks a file with bad rows is refused whole,
// each bad row named by its line.
func TestProgramImportErrors(t *testing.T) {
	srv, st, ed := followupServer(t, web.RoleEditor)
	before := recordCount(t, st, program.ToilTasks)
	file := "team,task,runs_per_week,minutes_per_run,automated_since\n" +
		"payments,Reissue gift cards,3,10,\n" + // line 2: fine
		"payments,\"Two-line\ntask\",x,10,\n" + // lines 3–4: the row starts on line 3
		"nobody,Something,1,1,\n" + // line 5
		"Payments,reissue gift cards,4,12,2026-01-31\n" // line 6: line 2's key again
	status, body, _ := uploadProgram(t, ed, srv.URL, program.ToilTasks, []byte(file))
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="program-import-refused"`) {
		t.Fatalf("bad file: %d", status)
	}
	for _, want := range []string{
		`<td class="num">3</td><td>runs_per_week: Enter a number, with a point for decimals and no thousands separator.</td>`,
		`<td class="num">5</td><td>team: No team is named &#34;nobody&#34;.</td>`,
		`<td class="num">6</td><td>the same team and task as line 2</td>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("refusal lacks %q", want)
		}
	}
	if strings.Contains(body, `<td class="num">2</td>`) {
		t.Error("the good row is listed as refused")
	}
	if got := recordCount(t, st, program.ToilTasks); got != before {
		t.Errorf("a refused file wrote rows: %d → %d", before, got)
	}
	status, body, _ = uploadProgram(t, ed, srv.URL, program.ToilTasks, []byte("team,task\npayments,x\n"))
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Missing: runs_per_week, minutes_per_run, automated_since.") {
		t.Errorf("missing columns: %d", status)
	}
}

// TestProgramCSVRoundTrip exports every input of the demo company and
// imports it back: nothing changes, no audit row is written, and a text
// that starts a formula survives neutralised in the file.
func TestProgramCSVRoundTrip(t *testing.T) {
	srv, st, ed := followupServer(t, web.RoleEditor)
	ctx := context.Background()
	toil, _ := program.ByKey(program.ToilTasks)
	if _, err := st.SaveProgramRecord(ctx, store.Audit{Actor: "test"}, toil, 0,
		program.Values{"team": "payments", "task": "=HYPERLINK(\"x\")", "runs_per_week": "1", "minutes_per_run": "5"}); err != nil {
		t.Fatal(err)
	}
	for _, in := range program.Inputs() {
		t.Run(in.Key, func(t *testing.T) {
			status, csv1, _ := getWith(t, ed, srv.URL+"/program/"+in.Key+"/export")
			n := recordCount(t, st, in.Key)
			if status != http.StatusOK || n == 0 || strings.Count(csv1, "\n") != n+1 {
				t.Fatalf("export: %d, %d records, %d lines", status, n, strings.Count(csv1, "\n"))
			}
			audits := auditCount(t, st, in.Key)
			status, _, hdr := uploadProgram(t, ed, srv.URL, in.Key, []byte(csv1))
			want := "0 added, 0 updated, " + strconv.Itoa(n) + " unchanged"
			if status != http.StatusSeeOther || !strings.Contains(hdr.Get("Location"), url.QueryEscape(want)) {
				t.Fatalf("re-import: %d %s, want %q", status, hdr.Get("Location"), want)
			}
			if got := auditCount(t, st, in.Key); got != audits {
				t.Errorf("re-import wrote %d audit rows", got-audits)
			}
			if _, csv2, _ := getWith(t, ed, srv.URL+"/program/"+in.Key+"/export"); csv2 != csv1 {
				t.Error("the export changed after re-importing it")
			}
			if in.Key == program.ToilTasks && !strings.Contains(csv1, `"'=HYPERLINK(""x"")"`) {
				t.Error("the formula was not neutralised in the export")
			}
		})
	}
	// Changing one value in the file updates exactly that record.
	_, csv1, _ := getWith(t, ed, srv.URL+"/program/toil_tasks/export")
	edited := strings.Replace(csv1, `"1","5",""`, `"1","6",""`, 1)
	status, _, hdr := uploadProgram(t, ed, srv.URL, program.ToilTasks, []byte(edited))
	if status != http.StatusSeeOther || !strings.Contains(hdr.Get("Location"), url.QueryEscape("0 added, 1 updated")) {
		t.Errorf("edited import: %d %s", status, hdr.Get("Location"))
	}
}

// TestScorecardProgramColumns checks the program KPIs are offered by the
// column chooser but not shown by default, and that a chosen one shows its
// values on service rows, "team" for a team figure and "org" for the
// organisation figure.
func TestScorecardProgramColumns(t *testing.T) {
	srv := newDemoServer(t)
	page := "/scorecards?period=2026-Q3"
	_, body, _ := getWith(t, clientFor(srv.URL), srv.URL+page)
	if strings.Contains(body, `data-testid="row-checkout-reliability_adoption_rate"`) || !strings.Contains(body, `name="col" value="reliability_adoption_rate"`) {
		t.Fatal("program columns are shown by default, or not offered")
	}
	cols := []string{"mttr_minutes", "reliability_adoption_rate", "automation_coverage", "stakeholder_score"}
	code, body, _ := postForm(t, srv.URL+"/scorecards/columns", url.Values{"col": cols, "back": {page}})
	if code != http.StatusOK {
		t.Fatalf("save columns = %d", code)
	}
	cell := func(id string) string {
		i := strings.Index(body, `data-testid="`+id+`"`)
		if i < 0 {
			t.Fatalf("no cell %s", id)
		}
		j := strings.Index(body[i:], "</td>")
		return body[i : i+j]
	}
	if c := cell("row-checkout-reliability_adoption_rate"); !strings.Contains(c, "100.0 %") {
		t.Errorf("checkout's adoption cell: %s", c)
	}
	if c := cell("row-checkout-automation_coverage"); !strings.Contains(c, ">team<") {
		t.Errorf("checkout's automation cell is not the team's: %s", c)
	}
	if c := cell("row-checkout-stakeholder_score"); !strings.Contains(c, ">org<") {
		t.Errorf("checkout's stakeholder cell: %s", c)
	}
	if c := cell("row-organisation-stakeholder_score"); strings.Contains(c, ">org<") || strings.Contains(c, "no data") {
		t.Errorf("the organisation's stakeholder cell: %s", c)
	}
}
