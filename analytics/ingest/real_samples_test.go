package ingest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/imports"
)

// The files under testdata/real are exports of the tools as their users
// have them (testdata/real/SOURCES.md names each origin). These tests read
// them as a new user would and check the records field by field against
// the source.

const realDir = "../../testdata/real/"

func readReal(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(realDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseReal(t *testing.T, name string, opt Options) *imports.Batch {
	t.Helper()
	return parseBytes(t, filepath.Base(name), readReal(t, name), opt)
}

func warned(b *imports.Batch, part string) bool {
	return strings.Contains(strings.Join(b.Warnings, "\n"), part)
}

// Defect 1: a ServiceNow default incident list export (number, opened_at,
// short_description, caller_id, priority, state, assignment_group, …) has
// no cmdb_ci or business_service.
func TestRealServiceNowDefaultList(t *testing.T) {
	const f = "servicenow/snow-assignment-group-predict_incident.csv"
	b := parseReal(t, f, Options{})
	if b.Format != "servicenow-csv" || len(b.Incidents) != 39 || len(b.Rejects) != 27 {
		t.Fatalf("%s: %+v", f, countsOf(b))
	}
	// The service is the assignment group, and the warning says so.
	if !warned(b, "39 incidents name no cmdb_ci, business_service or service_offering: their service is the assignment group") {
		t.Errorf("warnings %q", b.Warnings)
	}
	// Source line 14: "INC0000060","2016-12-12 07:19:57","Unable to connect to email","Joe Employee","3 - Moderate","Closed","Network","David Loo"
	in := findIncident(t, b, "INC0000060")
	if in.Service != "Network" || in.Title != "Unable to connect to email" || in.SeverityRaw != "3 - Moderate" || in.Severity != 3 ||
		in.Status != analytics.StatusResolved || !in.DetectedAt.Equal(ts("2016-12-12T07:19:57Z")) || b.Line(imports.IncidentKey("INC0000060")) != 14 {
		t.Errorf("INC0000060 %+v", in)
	}
	// A Closed incident of an export without resolved_at or closed_at: no time, said so.
	if in.ResolvedAt != nil || !warned(b, "21 resolved or closed incidents have no resolve time in the export") {
		t.Errorf("resolved %v, warnings %q", in.ResolvedAt, b.Warnings)
	}
	// The rows with an empty assignment group name the fields tried.
	if r := b.Rejects[0]; r.Line != 2 || !strings.Contains(r.Reason, "INC0010112: no service: cmdb_ci, business_service, service_offering, assignment_group") {
		t.Errorf("reject %+v", r)
	}
	// A default service imports them all.
	b = parseReal(t, f, Options{DefaultService: "service-desk"})
	if len(b.Incidents) != 66 || len(b.Rejects) != 0 {
		t.Fatalf("default service: %+v", countsOf(b))
	}
	if in := findIncident(t, b, "INC0010112"); in.Service != "service-desk" || in.SeverityRaw != "5 - Planning" || in.Severity != 4 || in.Status != analytics.StatusOpen {
		t.Errorf("INC0010112 %+v", in)
	}
	// Choosing the field: the export has no cmdb_ci, so every row is the default's.
	b = parseReal(t, f, Options{ServiceFrom: "cmdb_ci", DefaultService: "service-desk"})
	if in := findIncident(t, b, "INC0000060"); in.Service != "service-desk" {
		t.Errorf("service from cmdb_ci: %q", in.Service)
	}
	if _, err := Parse(bytes.NewReader(readReal(t, f)), "x.csv", Options{ServiceFrom: "caller"}); err == nil || !strings.Contains(err.Error(), "cmdb_ci, business_service, service_offering or assignment_group") {
		t.Errorf("unknown service field: %v", err)
	}
}

// Defect 1: an Excel re-saved list (3/17/2025 6:04), null titles, no
// resolved_at or closed_at column.
func TestRealServiceNowExcelDates(t *testing.T) {
	const f = "servicenow/TicketDashBoard_incident.csv"
	// Without a layout the slash dates are refused row by row, saying how to fix it.
	b := parseReal(t, f, Options{})
	if len(b.Incidents) != 0 || len(b.Rejects) != 97 || !strings.Contains(b.Rejects[0].Reason, `bad date "3/17/2025 6:04"`) ||
		!strings.Contains(b.Rejects[0].Reason, "set the date layout, e.g. mm/dd/yyyy") {
		t.Fatalf("no layout: %+v %+v", countsOf(b), b.Rejects[0])
	}
	b = parseReal(t, f, Options{DateLayout: "mm/dd/yyyy"})
	if len(b.Incidents) != 97 || len(b.Rejects) != 0 {
		t.Fatalf("mm/dd/yyyy: %+v %+v", countsOf(b), b.Rejects)
	}
	// Line 2: INC0057044,3/17/2025 6:04,null,Alex,3 - Moderate,Closed,Software,1group,Alex,3/22/2025 7:00,system
	in := findIncident(t, b, "INC0057044")
	if in.Title != "" || in.Service != "1group" || in.Category != "Software" || in.Severity != 3 || in.Status != analytics.StatusResolved ||
		!in.DetectedAt.Equal(ts("2025-03-17T06:04:00Z")) {
		t.Errorf("INC0057044 %+v", in)
	}
	eqTime(t, "INC0057044 resolved = sys_updated_on", in.ResolvedAt, "2025-03-22T07:00:00Z")
	// 92 Closed or Resolved, 5 In Progress or On Hold: none of the closed ones is open.
	resolved, open := 0, 0
	for _, x := range b.Incidents {
		switch {
		case x.Status == analytics.StatusResolved && x.ResolvedAt != nil:
			resolved++
		case x.ResolvedAt == nil && x.Status == analytics.StatusAcknowledged:
			open++
		default:
			t.Errorf("%s: %s resolved %v", x.ExternalID, x.Status, x.ResolvedAt)
		}
	}
	if resolved != 92 || open != 5 || !warned(b, "92 resolved or closed incidents: the export has neither resolved_at nor closed_at, so their resolve time is the last update (sys_updated_on)") {
		t.Errorf("resolved %d, open %d, warnings %q", resolved, open, b.Warnings)
	}
	// Line 97: INC0057252,3/23/2025 19:54,…,On Hold,… — two-digit hour, On Hold.
	in = findIncident(t, b, "INC0057252")
	if !in.DetectedAt.Equal(ts("2025-03-23T19:54:00Z")) || in.Status != analytics.StatusAcknowledged || in.ResolvedAt != nil {
		t.Errorf("INC0057252 %+v", in)
	}
	// The Go and Java spellings of the layout read it the same way.
	for _, l := range []string{"MM/dd/yyyy HH:mm:ss", "01/02/2006 15:04:05", "M/d/yyyy H:mm"} {
		if x := findIncident(t, parseReal(t, f, Options{DateLayout: l}), "INC0057044"); !x.DetectedAt.Equal(ts("2025-03-17T06:04:00Z")) {
			t.Errorf("layout %q: %v", l, x.DetectedAt)
		}
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// Defect 1: a label export ("Number","State","Created",…,"Urgency","Severity")
// without Opened or Priority, dates as mm-dd-yyyy.
func TestRealServiceNowLabelsCreatedSeverity(t *testing.T) {
	const f = "servicenow/gtim-etl-inc_incident_original.csv"
	data := readReal(t, f)
	if got, err := Detect(f, data); err != nil || got != "servicenow-csv" {
		t.Fatalf("detect: %q %v", got, err)
	}
	b := parseReal(t, f, Options{DateLayout: "mm-dd-yyyy"})
	if len(b.Incidents) != 67 || len(b.Rejects) != 0 {
		t.Fatalf("%+v %+v", countsOf(b), b.Rejects)
	}
	// Line 2: "INC2909747","New","03-12-2025 15:21:08","03-12-2025 15:40:46",…,"GTI-LAR-SDK-WEB-TICKETS","","4 - Low","3 - Low",…
	in := findIncident(t, b, "INC2909747")
	if in.Service != "GTI-LAR-SDK-WEB-TICKETS" || in.Status != analytics.StatusOpen || in.SeverityRaw != "3 - Low" || in.Severity != 3 ||
		!in.DetectedAt.Equal(ts("2025-03-12T15:21:08Z")) || in.ResolvedAt != nil {
		t.Errorf("INC2909747 %+v", in)
	}
	// Line 3: "INC2897104","Resolved","02-28-2025 14:06:19","03-12-2025 14:55:22",…
	in = findIncident(t, b, "INC2897104")
	if in.Status != analytics.StatusResolved || in.Service != "GTI - Desk Side - Mexico - Ramos Arizpe" {
		t.Errorf("INC2897104 %+v", in)
	}
	eqTime(t, "INC2897104 resolved = Last update", in.ResolvedAt, "2025-03-12T14:55:22Z")
	// The named layout and a time zone.
	b = parseReal(t, f, Options{DateLayout: "mm-dd-yyyy", Location: mustLoc(t, "America/Mexico_City")})
	if in := findIncident(t, b, "INC2909747"); !in.DetectedAt.Equal(ts("2025-03-12T21:21:08Z")) {
		t.Errorf("Mexico City: %v", in.DetectedAt)
	}
	// The default layout does not guess the order of day and month.
	b = parseReal(t, f, Options{})
	if len(b.Rejects) != 67 || !strings.Contains(b.Rejects[0].Reason, `Created: bad date "03-12-2025 15:21:08"`) {
		t.Errorf("default layout: %+v", b.Rejects[0])
	}
}

// Defect 2: a Jira Cloud "Export CSV (all fields)" of a software project:
// Epics, Stories, Sub-tasks and Tasks whose Parent is an Epic.
func TestRealJiraMixedExport(t *testing.T) {
	const f = "jira/agile-delivery-simulation_Jira.csv"
	data := readReal(t, f)
	_, err := Parse(bytes.NewReader(data), "Jira.csv", Options{})
	if !errors.Is(err, ErrNothingRecognised) ||
		!strings.Contains(err.Error(), "68 Jira issues skipped: neither incidents (an Issue Type containing \"Incident\") nor tasks of an incident (17 Task, 11 Story, 7 Epic, 33 Sub-task)") {
		t.Fatalf("no incidents: %v", err)
	}
	// The same export with an incident, a task of it, and a task whose
	// parent is not in the file (it may be an incident imported before).
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := rows[0]
	row := func(vals map[string]string) []string {
		out := make([]string, len(header))
		for i, h := range header {
			if v, ok := vals[h]; ok {
				out[i] = v
				delete(vals, h) // the first of repeated headers
			}
		}
		return out
	}
	rows = append(rows,
		row(map[string]string{"Summary": "Checkout down", "Issue key": "CS4483-900", "Issue id": "20900", "Issue Type": "Incident", "Status": "Done",
			"Project key": "CS4483", "Project name": "CS4483-TeamWorkFlow", "Priority": "High", "Created": "16/Feb/26 3:10 AM", "Resolved": "16/Feb/26 5:00 AM"}),
		row(map[string]string{"Summary": "Add a canary", "Issue key": "CS4483-901", "Issue id": "20901", "Issue Type": "Task", "Status": "To Do",
			"Project name": "CS4483-TeamWorkFlow", "Created": "16/Feb/26 9:00 AM", "Due date": "01/Mar/26 12:00 AM", "Parent": "20900", "Parent key": "CS4483-900"}),
		row(map[string]string{"Summary": "Alert on queue depth", "Issue key": "CS4483-902", "Issue id": "20902", "Issue Type": "Task", "Status": "To Do",
			"Created": "16/Feb/26 9:05 AM", "Parent": "20777", "Parent key": "OPS-7"}),
	)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	b := parseBytes(t, "Jira.csv", buf.Bytes(), Options{})
	if len(b.Incidents) != 1 || len(b.ActionItems) != 2 || len(b.Rejects) != 0 {
		t.Fatalf("mixed: %+v %+v", countsOf(b), b.Rejects)
	}
	// The 10 Tasks whose parent is an Epic are not action items.
	if !warned(b, "68 Jira issues skipped") {
		t.Errorf("warnings %q", b.Warnings)
	}
	in := findIncident(t, b, "CS4483-900")
	if in.Service != "CS4483-TeamWorkFlow" || in.Severity != 2 || in.Status != analytics.StatusResolved || !in.DetectedAt.Equal(ts("2026-02-16T03:10:00Z")) {
		t.Errorf("incident %+v", in)
	}
	eqTime(t, "resolved", in.ResolvedAt, "2026-02-16T05:00:00Z")
	var a, orphan analytics.ActionItem
	for _, x := range b.ActionItems {
		switch x.ExternalID {
		case "CS4483-901":
			a = x
		case "CS4483-902":
			orphan = x
		}
	}
	if a.IncidentRef != "CS4483-900" || b.LinkedOnly["CS4483-901"] || a.DueAt == nil || !a.DueAt.Equal(ts("2026-03-01T00:00:00Z")) {
		t.Errorf("task of the incident %+v (linked only %v)", a, b.LinkedOnly)
	}
	if orphan.IncidentRef != "OPS-7" || !b.LinkedOnly["CS4483-902"] {
		t.Errorf("task of an issue not in the file %+v (linked only %v)", orphan, b.LinkedOnly)
	}
	// The service field can be chosen; components are empty here.
	b = parseBytes(t, "Jira.csv", buf.Bytes(), Options{ServiceFrom: "components", DefaultService: "web"})
	if in := findIncident(t, b, "CS4483-900"); in.Service != "web" {
		t.Errorf("service from components: %q", in.Service)
	}
}

// Defect 3: GitHub's list of deployments carries no statuses.
func TestRealGitHubDeploymentsWithoutStatuses(t *testing.T) {
	_, err := Parse(bytes.NewReader(readReal(t, "github/docs_list_deployments.json")), "deployments.json", Options{})
	if !errors.Is(err, ErrNothingRecognised) || !strings.Contains(err.Error(), "1 deployments skipped (1): they carry no statuses") ||
		!strings.Contains(err.Error(), "GET /repos/{owner}/{repo}/deployments/{id}/statuses") || strings.Contains(err.Error(), "no status other than inactive") {
		t.Fatalf("list without statuses: %v", err)
	}
	// The same deployment with its statuses embedded, next to one
	// without, and the 2026-03-10 API version's commit_sha.
	var dep map[string]any
	if err := json.Unmarshal(readReal(t, "github/docs_get_deployment.json"), &dep); err != nil {
		t.Fatal(err)
	}
	with := map[string]any{}
	for k, v := range dep {
		with[k] = v
	}
	with["id"] = 2
	with["statuses"] = []any{map[string]any{"id": 7, "state": "success", "created_at": "2012-07-20T01:25:00Z", "log_url": "https://example.com/deployment/42/output"}}
	withCommit := map[string]any{}
	for k, v := range with {
		withCommit[k] = v
	}
	withCommit["id"] = 3
	withCommit["ref"] = "release-candidate"
	withCommit["commit_sha"] = "b2c3d4e5f60718293a4b5c6d7e8f901234567890"
	data, _ := json.Marshal([]any{dep, with, withCommit})
	b := parseBytes(t, "deployments.json", data, Options{})
	if len(b.Deploys) != 2 || !warned(b, "1 deployments skipped (1): they carry no statuses") {
		t.Fatalf("%+v %q", countsOf(b), b.Warnings)
	}
	d := findDeploy(t, b, "2")
	// The version is the commit, never the ref "topic-branch".
	if d.Version != "a84d88e7554f" || d.Service != "example" || d.Environment != "production" || d.Status != analytics.DeploySuccess ||
		!d.FinishedAt.Equal(ts("2012-07-20T01:25:00Z")) || d.URL != "https://example.com/deployment/42/output" {
		t.Errorf("deployment 2 %+v", d)
	}
	eqTime(t, "started = created_at", d.StartedAt, "2012-07-20T01:19:13Z")
	if d := findDeploy(t, b, "3"); d.Version != "b2c3d4e5f607" {
		t.Errorf("commit_sha: version %q", d.Version)
	}
	// One deployment (GET /repos/{o}/{r}/deployments/{id}) is a file too.
	one, _ := json.Marshal(with)
	if b := parseBytes(t, "deployment.json", one, Options{}); len(b.Deploys) != 1 || b.Deploys[0].ExternalID != "2" {
		t.Errorf("single deployment: %+v", countsOf(b))
	}
}

// Defect 4: Jenkins folders and multibranch pipelines.
func TestRealJenkinsFoldersAndMultibranch(t *testing.T) {
	// A job three folders deep, its builds as tree=allBuilds[…] returned
	// them (fullDisplayName, no url).
	b := parseReal(t, "jenkins/devlake_folder_job_allBuilds.json", Options{})
	const job = "Test-jenkins-dir/test-jenkins-sub-dir/test-sub-sub-dir/devlake"
	if len(b.Deploys) != 9 || len(b.Rejects) != 1 {
		t.Fatalf("%+v %+v", countsOf(b), b.Rejects)
	}
	d := findDeploy(t, b, job+"#31")
	if d.Service != job || d.Status != analytics.DeploySuccess || d.Version != "0f886c74949c" || !d.FinishedAt.Equal(ts("2022-04-15T12:00:50.748Z")) {
		t.Errorf("#31 %+v", d)
	}
	eqTime(t, "#31 start = timestamp", d.StartedAt, "2022-04-15T12:00:49.161Z")
	for id, st := range map[string]string{"#10003": analytics.DeployCancelled, "#10005": analytics.DeployFailed} {
		if d := findDeploy(t, b, job+id); d.Status != st {
			t.Errorf("%s: %s", id, d.Status)
		}
	}
	// "NOT_BUILD" (the recorded data's spelling) is not a Jenkins result;
	// building builds wait for a later import.
	if !strings.Contains(b.Rejects[0].Reason, `result "NOT_BUILD" is not a Jenkins result`) || !warned(b, "3 builds not finished yet were skipped") ||
		!warned(b, "job path taken from fullDisplayName") {
		t.Errorf("rejects %+v warnings %q", b.Rejects, b.Warnings)
	}

	// Two jobs of one folder, named by their build URLs (/job/team-a/job/api/1/):
	// each keeps its own builds.
	var build map[string]any
	if err := json.Unmarshal(readReal(t, "jenkins/devlake_pipeline-test2_build1.json"), &build); err != nil {
		t.Fatal(err)
	}
	jobBuild := func(path string) map[string]any {
		x := map[string]any{}
		for k, v := range build {
			x[k] = v
		}
		x["url"] = "https://ci.example.com/job/team-a/job/" + path + "/1/"
		delete(x, "fullDisplayName")
		return x
	}
	api, _ := json.Marshal(map[string]any{"builds": []any{jobBuild("api")}})
	web, _ := json.Marshal(map[string]any{"builds": []any{jobBuild("web")}})
	ba, bw := parseBytes(t, "api.json", api, Options{}), parseBytes(t, "web.json", web, Options{})
	if ba.Deploys[0].Service != "team-a/api" || ba.Deploys[0].ExternalID != "team-a/api#1" ||
		bw.Deploys[0].Service != "team-a/web" || bw.Deploys[0].ExternalID != "team-a/web#1" {
		t.Errorf("folder jobs: %+v / %+v", ba.Deploys[0], bw.Deploys[0])
	}
	// fullName at the top wins over the URL, as the job's own name.
	named, _ := json.Marshal(map[string]any{"fullName": "team-a/api", "builds": []any{jobBuild("api")}})
	if b := parseBytes(t, "named.json", named, Options{}); b.Deploys[0].ExternalID != "team-a/api#1" {
		t.Errorf("fullName: %+v", b.Deploys[0])
	}
	// NOT_BUILT is skipped with a warning.
	nb := jobBuild("api")
	nb["result"] = "NOT_BUILT"
	nbj, _ := json.Marshal(map[string]any{"builds": []any{jobBuild("web"), nb}})
	if b := parseBytes(t, "nb.json", nbj, Options{}); len(b.Deploys) != 1 || len(b.Rejects) != 0 || !warned(b, "1 builds not built (NOT_BUILT) were skipped (team-a/api#1)") {
		t.Errorf("NOT_BUILT: %+v %q", countsOf(b), b.Warnings)
	}

	// A multibranch project: the job is the service, only main/master deploy.
	b = parseReal(t, "jenkins/devlake_multibranch_jobs_with_builds.json", Options{})
	if len(b.Deploys) != 4 || !warned(b, "11 builds of multibranch branches other than main, master skipped") {
		t.Fatalf("multibranch %+v %q", countsOf(b), b.Warnings)
	}
	d = findDeploy(t, b, "github_org/devlake-jenkins/main#4")
	if d.Service != "github_org/devlake-jenkins" || d.Version != "c83ae0207638" || d.Status != analytics.DeploySuccess {
		t.Errorf("main#4 %+v", d)
	}
	b = parseReal(t, "jenkins/devlake_multibranch_jobs_with_builds.json", Options{ProdBranches: []string{"feature-2"}})
	if len(b.Deploys) != 6 || findDeploy(t, b, "github_org/devlake-jenkins/feature-2#5").Status != analytics.DeployFailed {
		t.Errorf("feature-2 as production: %+v", countsOf(b))
	}
}

// Defect 5: single objects and envelopes.
func TestRealSingleObjectsAndEnvelopes(t *testing.T) {
	// One Jenkins build (GET /job/<path>/<n>/api/json).
	b := parseReal(t, "jenkins/devlake_pipeline-test2_build1.json", Options{})
	if d := findDeploy(t, b, "pipeline-test2#1"); d.Service != "pipeline-test2" || !d.FinishedAt.Equal(ts("2022-09-08T15:40:18.245Z")) {
		t.Errorf("jenkins build %+v", d)
	}
	// One GitLab deployment (the API docs' GET /projects/:id/deployments/:id).
	b = parseReal(t, "gitlab/docs_get_deployment.json", Options{})
	d := findDeploy(t, b, "42")
	// Defect 8: deployable.pipeline.web_url http://gitlab.dev/root/project/pipelines/5 has no "/-/".
	if d.Service != "project" || d.Environment != "production" || d.Version != "a91957a85832" || d.Status != analytics.DeploySuccess ||
		!d.FinishedAt.Equal(ts("2016-08-11T11:32:35.145Z")) {
		t.Errorf("gitlab deployment %+v", d)
	}
	// PagerDuty {"incident":{…}} (GET /incidents/{id}).
	b = parseReal(t, "pagerduty/openapi_get_incident.json", Options{})
	in := findIncident(t, b, "PT4KHLK")
	if in.Service != "My Mail Service" || in.Title != "The server is on fire." || in.Status != analytics.StatusAcknowledged ||
		in.SeverityRaw != "P2" || !in.DetectedAt.Equal(ts("2015-10-06T21:30:42Z")) {
		t.Errorf("PT4KHLK %+v", in)
	}
	b = parseReal(t, "pagerduty/devlake_incident_single.json", Options{})
	if in := findIncident(t, b, "Q3YON8WNWTZMRQ"); in.Service != "DevService" || in.Title != "Crash reported" {
		t.Errorf("Q3YON %+v", in)
	}
	// The Analytics raw incidents response, its times in its time_zone.
	b = parseReal(t, "pagerduty/openapi_analytics_raw_incidents.json", Options{})
	if b.Format != "pagerduty-api" || len(b.Incidents) != 2 {
		t.Fatalf("analytics: %s %+v", b.Format, countsOf(b))
	}
	in = findIncident(t, b, "PYC0H08")
	if in.Service != "Engineering" || in.Title != "The server is on fire!" || in.SeverityRaw != "low" || in.Severity != 3 ||
		in.Status != analytics.StatusResolved || !in.DetectedAt.Equal(ts("2023-05-31T10:05:00Z")) {
		t.Errorf("PYC0H08 %+v", in)
	}
	eqTime(t, "PYC0H08 ack = created + seconds_to_first_ack", in.AcknowledgedAt, "2023-05-31T10:05:05Z")
	eqTime(t, "PYC0H08 resolved_at", in.ResolvedAt, "2023-05-31T10:15:00Z")
	if in := findIncident(t, b, "PCOOHCY"); in.SeverityRaw != "SEV-2" || in.Severity != 2 || in.Service != "Social media tracking" {
		t.Errorf("PCOOHCY %+v", in)
	}
	zoned := bytes.Replace(readReal(t, "pagerduty/openapi_analytics_raw_incidents.json"), []byte(`"time_zone": "Etc/UTC"`), []byte(`"time_zone": "Europe/Berlin"`), 1)
	if in := findIncident(t, parseBytes(t, "raw.json", zoned, Options{}), "PYC0H08"); !in.DetectedAt.Equal(ts("2023-05-31T08:05:00Z")) {
		t.Errorf("Berlin: %v", in.DetectedAt)
	}
	// A single GitLab pipeline of the default branch.
	b = parseReal(t, "gitlab/devlake_pipeline_detail_single.json", Options{})
	if d := findDeploy(t, b, "pipeline/1079555385"); d.Service != "vdev.co" || d.Status != analytics.DeploySuccess ||
		!d.FinishedAt.Equal(ts("2023-11-21T03:51:44.872Z")) || d.Version != "b5b8ec19fbdd" {
		t.Errorf("pipeline %+v", d)
	}
}

// Defect 6: no silent success, and the file name decides only for files
// whose content says nothing.
func TestRealNothingRecognisedAndNames(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// CircleCI workflows have their own importer now: the name's "workflows"
	// must not send them to GitHub Actions.
	if got, err := Detect("circleci_workflows.json", readReal(t, "circleci/devlake_pipeline_workflows.json")); err != nil || got != "circleci-api" {
		t.Errorf("circleci_workflows.json detected as %q (%v), want circleci-api", got, err)
	}
	for name, src := range map[string]string{
		"github_jobs.json": "github/devlake_actions_jobs.json",
		// A GitLab pipeline event lists its jobs as "builds": not Jenkins.
		"pipeline_hook.json": "gitlab/pipeline_hook.json",
	} {
		data := readReal(t, src)
		if got, err := Detect(name, data); !errors.Is(err, ErrUndetectable) {
			t.Errorf("%s detected as %q (%v)", name, got, err)
		}
		f, _ := os.Open(write(name, data))
		_, err := Parse(f, name, Options{})
		f.Close()
		if !errors.Is(err, ErrUndetectable) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// An empty export is told by its name, and yields nothing: an error
	// saying what was looked for.
	if got, err := Detect("github_deployments.json", []byte("[]")); err != nil || got != "github-deployments" {
		t.Errorf("empty array: %q %v", got, err)
	}
	_, err := Parse(strings.NewReader("[]"), "github_deployments.json", Options{})
	if !errors.Is(err, ErrNothingRecognised) || !strings.Contains(err.Error(), "looked for deployments") {
		t.Errorf("empty: %v", err)
	}
	_, err = Parse(strings.NewReader(`{"total_count":0,"workflow_runs":[]}`), "runs.json", Options{})
	if !errors.Is(err, ErrNothingRecognised) || !strings.Contains(err.Error(), `{"workflow_runs":[…]}`) {
		t.Errorf("no runs: %v", err)
	}
	// A jobs file forced through the runs parser holds no run.
	_, err = Parse(bytes.NewReader(readReal(t, "github/devlake_actions_jobs.json")), "jobs.json", Options{Format: "github-actions-runs"})
	if !errors.Is(err, ErrNothingRecognised) {
		t.Errorf("jobs as runs: %v", err)
	}
}

// Defect 7: an Opsgenie alert's source is the caller, never the service.
func TestRealOpsgenieService(t *testing.T) {
	b := parseReal(t, "opsgenie/docs_list_alerts.json", Options{})
	// The docs' two alerts share an id; the first names a team responder,
	// the second (source "Zion", no team) names no service.
	pg := findPage(t, b, "70413a06-38d6-4c85-92b8-5ebc900d42e2")
	if pg.Service != "4513b7ea-3b91-438f-b7e4-e3e54af9147c" || pg.Title != "Our servers are in danger" || pg.Urgency != "low" ||
		!pg.TriggeredAt.Equal(ts("2017-03-21T20:32:52.353Z")) {
		t.Errorf("alert %+v", pg)
	}
	eqTime(t, "closed = createdAt + closeTime", pg.ResolvedAt, "2017-03-21T20:33:52.856Z")
	for _, p := range b.Pages {
		if p.Service == "Isengard" || p.Service == "Zion" {
			t.Errorf("source became the service: %+v", p)
		}
	}
	if len(b.Rejects) != 0 || !warned(b, "alerts naming no service") {
		t.Errorf("rejects %+v warnings %q", b.Rejects, b.Warnings)
	}
	// Incidents: impactedServices, else the owner team.
	b = parseReal(t, "opsgenie/devlake_incidents.json", Options{})
	in := findIncident(t, b, "3a74524a-f492-4172-b3f5-6041c7cb404a")
	if in.Service != "695bce3d-4621-4630-8ae1-24eb89c22d6e" || in.Title != "Incident#1" || in.SeverityRaw != "P3" || in.Status != analytics.StatusOpen ||
		in.URL != "https://sandesvitor.app.opsgenie.com/incident/detail/3a74524a-f492-4172-b3f5-6041c7cb404a" {
		t.Errorf("incident %+v", in)
	}
	noSvc := bytes.ReplaceAll(readReal(t, "opsgenie/devlake_incidents.json"), []byte(`"impactedServices": [
        "695bce3d-4621-4630-8ae1-24eb89c22d6e"
      ]`), []byte(`"impactedServices": []`))
	b = parseBytes(t, "incidents.json", noSvc, Options{})
	if in := findIncident(t, b, "3a74524a-f492-4172-b3f5-6041c7cb404a"); in.Service != "c0259fb8-2068-48c5-ae09-1b116e3579b1" {
		t.Errorf("empty impactedServices: service %q (want the team responder)", in.Service)
	}
}

// Defect 8: GitLab pipelines, for projects without environments.
func TestRealGitLabPipelines(t *testing.T) {
	_, err := Parse(bytes.NewReader(readReal(t, "gitlab/devlake_pipelines.json")), "pipelines.json", Options{})
	// All 29 pipelines of the list are renovate/* branches.
	if !errors.Is(err, ErrNothingRecognised) || !strings.Contains(err.Error(), "29 pipelines not of a production branch (main, master)") {
		t.Fatalf("renovate branches: %v", err)
	}
	b := parseReal(t, "gitlab/devlake_pipeline_details.json", Options{})
	// 15 merge-request pipelines (refs/merge-requests/…, source merge_request_event), 1 on master.
	if len(b.Deploys) != 1 || !warned(b, "15 pipelines not of a production branch") {
		t.Fatalf("%+v %q", countsOf(b), b.Warnings)
	}
	d := b.Deploys[0]
	if d.ExternalID != "pipeline/1079555385" || d.URL != "https://gitlab.com/merico-dev/ee/vdev.co/-/pipelines/1079555385" {
		t.Errorf("%+v", d)
	}
	eqTime(t, "started_at", d.StartedAt, "2023-11-21T03:28:32.97Z")
	for u, want := range map[string]string{
		"http://gitlab.dev/root/project/pipelines/5":                 "project",
		"https://gitlab.com/group/sub/project/-/jobs/1":              "project",
		"https://gitlab.example.com/jobs/jobs/-/pipelines/3":         "jobs",
		"https://gitlab.example.com/group/project/commit/a91957a858": "project",
	} {
		if got := projectFromURL(u); got != want {
			t.Errorf("projectFromURL(%s) = %q, want %q", u, got, want)
		}
	}
}

// Defect 9: pages are interruptions (phone, SMS, push), each with its responder.
func TestRealPagerDutyInterruptions(t *testing.T) {
	// One incident; Tim Wright notified by phone, e-mail (twice) and SMS,
	// Bob Smith by e-mail twice.
	b := parseReal(t, "pagerduty/docs_log_entries_notifications.json", Options{})
	if len(b.Pages) != 2 || !warned(b, "4 e-mail notifications are not pages") {
		t.Fatalf("%+v %q", countsOf(b), b.Warnings)
	}
	phone := findPage(t, b, "PBJBF9Q")
	if phone.Responder != "Tim Wright" || phone.IncidentRef != "P31FVLZ" || phone.Service != "Test Service" ||
		phone.Title != "GO009: Create from go program updated" || !phone.TriggeredAt.Equal(ts("2013-03-06T20:28:50Z")) {
		t.Errorf("phone %+v", phone)
	}
	eqTime(t, "phone ack = acknowledge at 20:29:30", phone.AcknowledgedAt, "2013-03-06T20:29:30Z")
	eqTime(t, "phone resolved", phone.ResolvedAt, "2013-03-06T21:33:15Z")
	sms := findPage(t, b, "PE5XGDA")
	if sms.Responder != "Tim Wright" || !sms.TriggeredAt.Equal(ts("2013-03-06T20:59:31Z")) || sms.AcknowledgedAt != nil {
		t.Errorf("sms %+v", sms)
	}
	// The trigger is not a page once the incident has notifications, even
	// e-mail ones: it is superseded, never a stand-in.
	if len(b.FallbackPages) != 0 || !strings.Contains(strings.Join(b.SupersededPages, ","), "PVPXJJC") {
		t.Errorf("fallback %v superseded %v", b.FallbackPages, b.SupersededPages)
	}
	// The channel from the OpenAPI's spellings, the top-level notification, or the summary.
	for _, tc := range []struct {
		entry string
		want  string
	}{
		{`{"channel":{"type":"auto","notification":{"type":"sms_notification"}}}`, "sms"},
		{`{"channel":{"type":"auto","notification":{"type":"push_notification"}}}`, "push"},
		{`{"channel":{"type":"auto"},"notification":{"type":"phone"}}`, "phone"},
		{`{"summary":"Notified Keon Amini by email.","channel":{"type":"auto"}}`, "email"},
		{`{"summary":"Notified Keon Amini by push notification.","channel":{"type":"auto"}}`, "push"},
		{`{"channel":{"type":"auto"}}`, ""},
	} {
		var e pdLogEntry
		if err := json.Unmarshal([]byte(tc.entry), &e); err != nil {
			t.Fatal(err)
		}
		if got := e.channel(); got != tc.want {
			t.Errorf("%s: channel %q, want %q", tc.entry, got, tc.want)
		}
	}
}

// Every real sample parses the same twice: re-importing it changes nothing
// (the store tests apply them twice).
func TestRealSamplesStable(t *testing.T) {
	for name, opt := range realSampleOptions {
		data := readReal(t, name)
		b1, err1 := Parse(bytes.NewReader(data), name, opt)
		b2, err2 := Parse(bytes.NewReader(data), name, opt)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("%s: %v / %v", name, err1, err2)
		}
		if err1 != nil {
			continue
		}
		j1, _ := json.Marshal(b1)
		j2, _ := json.Marshal(b2)
		if !bytes.Equal(j1, j2) {
			t.Errorf("%s: two parses differ", name)
		}
	}
}

// realSampleOptions are the options each real sample is read with.
var realSampleOptions = map[string]Options{
	"servicenow/snow-assignment-group-predict_incident.csv": {DefaultService: "service-desk"},
	"servicenow/TicketDashBoard_incident.csv":               {DateLayout: "mm/dd/yyyy"},
	"servicenow/gtim-etl-inc_incident_original.csv":         {DateLayout: "mm-dd-yyyy"},
	"jira/agile-delivery-simulation_Jira.csv":               {},
	"github/docs_list_deployments.json":                     {},
	"jenkins/devlake_folder_job_allBuilds.json":             {},
	"jenkins/devlake_pipeline-test2_build1.json":            {},
	"jenkins/devlake_multibranch_jobs_with_builds.json":     {},
	"gitlab/docs_get_deployment.json":                       {},
	"gitlab/devlake_deployment_single.json":                 {},
	"gitlab/devlake_pipeline_details.json":                  {},
	"gitlab/devlake_pipeline_detail_single.json":            {},
	"pagerduty/openapi_get_incident.json":                   {},
	"pagerduty/openapi_list_incidents.json":                 {},
	"pagerduty/openapi_analytics_raw_incidents.json":        {},
	"pagerduty/devlake_incident_single.json":                {},
	"pagerduty/docs_log_entries_notifications.json":         {},
	"opsgenie/devlake_incidents.json":                       {},
	"opsgenie/docs_list_alerts.json":                        {},
}
