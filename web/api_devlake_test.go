package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"sreport/testutil"
)

// TestDevLakeEndpoints posts the payloads DevLake's own UI and API docs
// give for its webhook plugin (testdata/real/devlake) to the compatible
// endpoints.
func TestDevLakeEndpoints(t *testing.T) {
	e := newLive(t)

	// Current shape, as DevLake's config UI prints it.
	body := string(realPayload(t, "devlake/deployment.json"))
	st, res := e.api(t, http.MethodPost, "/api/v1/devlake/checkout/deployments", e.write, body)
	if st != http.StatusOK || res["inserted"] != 1.0 {
		t.Fatalf("deployment: %d %v", st, res)
	}
	got := e.str(t, `SELECT source || '|' || external_id || '|' || environment || '|' || status || '|' || finished_at FROM deploys`)
	if got != "devlake|checkout/Required. This will be the unique ID of the deployment|production|success|2023-01-01T12:00:00Z" {
		t.Fatalf("stored: %s", got)
	}
	if st, res = e.api(t, http.MethodPost, "/api/v1/devlake/checkout/deployments", e.write, body); st != http.StatusOK || res["unchanged"] != 1.0 {
		t.Fatalf("repeat: %d %v", st, res)
	}
	// A failed deploy to staging, with a tag as refName.
	failed := `{"id":"gh-991","startedDate":"2026-10-03T09:00:00Z","finishedDate":"2026-10-03T09:12:00Z","result":"FAILURE","environment":"STAGING",
		"deploymentCommits":[{"repoUrl":"https://github.com/acme/checkout","refName":"refs/tags/v2.4.1","commitSha":"015e3d3b480e417aede5a1293bd61de9b0fd051d",
		"startedDate":"2026-10-03T09:00:00Z","finishedDate":"2026-10-03T09:12:00Z"}]}`
	if st, res = e.api(t, http.MethodPost, "/api/v1/devlake/checkout/deployments", e.write, failed); st != http.StatusOK {
		t.Fatalf("failed deploy: %d %v", st, res)
	}
	if got := e.str(t, `SELECT status || ' ' || environment || ' ' || version FROM deploys WHERE external_id = 'checkout/gh-991'`); got != "failed staging v2.4.1" {
		t.Fatalf("failed deploy stored as %s", got)
	}
	// DevLake's validation: id, startedDate, finishedDate, commits with
	// repoUrl and commitSha; environment one of four.
	for _, tc := range []struct{ body, field string }{
		{`{"startedDate":"2026-10-03T09:00:00Z","finishedDate":"2026-10-03T09:12:00Z","deploymentCommits":[{"repoUrl":"r","commitSha":"s","startedDate":"2026-10-03T09:00:00Z","finishedDate":"2026-10-03T09:12:00Z"}]}`, "id"},
		{`{"id":"x","finishedDate":"2026-10-03T09:12:00Z","deploymentCommits":[{"repoUrl":"r","commitSha":"s","startedDate":"2026-10-03T09:00:00Z","finishedDate":"2026-10-03T09:12:00Z"}]}`, "startedDate"},
		{`{"id":"x","startedDate":"2026-10-03T09:00:00Z","finishedDate":"2026-10-03T09:12:00Z"}`, "deploymentCommits"},
		{`{"id":"x","startedDate":"2026-10-03T09:00:00Z","finishedDate":"2026-10-03T09:12:00Z","environment":"prod","deploymentCommits":[{"repoUrl":"r","commitSha":"s","startedDate":"2026-10-03T09:00:00Z","finishedDate":"2026-10-03T09:12:00Z"}]}`, "environment"},
		{`{"id":"x","startedDate":"2026-10-03T09:00:00Z","finishedDate":"2026-10-03T09:12:00Z","deploymentCommits":[{"repoUrl":"r","startedDate":"2026-10-03T09:00:00Z","finishedDate":"2026-10-03T09:12:00Z"}]}`, "deploymentCommits[0].commitSha"},
	} {
		st, res := e.api(t, http.MethodPost, "/api/v1/devlake/checkout/deployments", e.write, tc.body)
		if st != http.StatusBadRequest || !strings.Contains(fmt.Sprint(res["errors"]), "field:"+tc.field+" ") {
			t.Errorf("missing %s: %d %v", tc.field, st, res)
		}
	}

	// The older shape from DevLake's API docs: no pipeline_id (a stable id
	// is derived, so re-sending is idempotent).
	older := string(realPayload(t, "devlake/deploy_task_older.json"))
	if st, res = e.api(t, http.MethodPost, "/api/v1/devlake/payments/deployments", e.write, older); st != http.StatusOK || res["inserted"] != 1.0 {
		t.Fatalf("older shape: %d %v", st, res)
	}
	if st, res = e.api(t, http.MethodPost, "/api/v1/devlake/payments/deployments", e.write, older); st != http.StatusOK || res["unchanged"] != 1.0 {
		t.Fatalf("older shape again: %d %v", st, res)
	}
	withID := `{"pipeline_id":"p-17","repo_url":"https://github.com/acme/payments","commit_sha":"9f2c1e0","start_time":"2026-10-04T10:00:00+02:00","end_time":"2026-10-04T10:20:00+02:00","result":"SUCCESS"}`
	if st, res = e.api(t, http.MethodPost, "/api/v1/devlake/payments/deployments", e.write, withID); st != http.StatusOK {
		t.Fatalf("older shape with pipeline_id: %d %v", st, res)
	}
	if got := e.str(t, `SELECT started_at || ' ' || finished_at || ' ' || version FROM deploys WHERE external_id = 'payments/p-17'`); got != "2026-10-04T08:00:00Z 2026-10-04T08:20:00Z 9f2c1e0" {
		t.Fatalf("older shape stored as %s", got)
	}
	if st, res = e.api(t, http.MethodPost, "/api/v1/devlake/payments/deployments", e.write, `{"pipeline_id":"p-18","commit_sha":"abc"}`); st != http.StatusBadRequest ||
		!strings.Contains(fmt.Sprint(res["errors"]), "start_time") {
		t.Fatalf("older shape without start_time: %d %v", st, res)
	}
	if st, res = e.api(t, http.MethodPost, "/api/v1/devlake/nowhere/deployments", e.write, withID); st != http.StatusBadRequest ||
		!strings.Contains(fmt.Sprint(res["errors"]), "field:service") {
		t.Fatalf("unknown service: %d %v", st, res)
	}

	// Issues: the UI's example is an INCIDENT; close resolves it.
	issue := string(realPayload(t, "devlake/issue.json"))
	if st, res = e.api(t, http.MethodPost, "/api/v1/devlake/checkout/issues", e.write, issue); st != http.StatusOK || res["inserted"] != 1.0 {
		t.Fatalf("issue: %d %v", st, res)
	}
	if got := e.str(t, `SELECT status || ' ' || detected_at || ' ' || COALESCE(resolved_at, '-') FROM incidents WHERE external_id = 'checkout/DLK-1234'`); got != "open 2020-01-01T12:00:00Z -" {
		t.Fatalf("incident stored as %s", got)
	}
	if st, res = e.api(t, http.MethodPost, "/api/v1/devlake/checkout/issue/DLK-1234/close", e.write, ""); st != http.StatusOK || res["updated"] != 1.0 {
		t.Fatalf("close: %d %v", st, res)
	}
	want := "resolved " + testutil.Now().UTC().Format("2006-01-02T15:04:05Z")
	if got := e.str(t, `SELECT status || ' ' || resolved_at FROM incidents WHERE external_id = 'checkout/DLK-1234'`); got != want {
		t.Fatalf("closed incident: %s, want %s", got, want)
	}
	if st, res = e.api(t, http.MethodPost, "/api/v1/devlake/checkout/issue/DLK-1234/close", e.write, ""); st != http.StatusOK || res["unchanged"] != 1.0 {
		t.Fatalf("close again: %d %v", st, res)
	}
	if st, res = e.api(t, http.MethodPost, "/api/v1/devlake/checkout/issue/NOPE-1/close", e.write, ""); st != http.StatusNotFound {
		t.Fatalf("close unknown: %d %v", st, res)
	}
	bug := strings.Replace(issue, `"INCIDENT"`, `"BUG"`, 1)
	if st, res = e.api(t, http.MethodPost, "/api/v1/devlake/checkout/issues", e.write, bug); st != http.StatusOK || res["ignored"] == nil {
		t.Fatalf("bug: %d %v", st, res)
	}
	if st, res = e.api(t, http.MethodPost, "/api/v1/devlake/checkout/issues", e.write, `{"issueKey":"X-1","title":"t","status":"OPEN","originalStatus":"o","createdDate":"2026-10-01T00:00:00Z","type":"INCIDENT"}`); st != http.StatusBadRequest ||
		!strings.Contains(fmt.Sprint(res["errors"]), "field:status") {
		t.Fatalf("bad status: %d %v", st, res)
	}
	// A read token may not use them.
	if st, _ = e.api(t, http.MethodPost, "/api/v1/devlake/checkout/issues", e.read, issue); st != http.StatusForbidden {
		t.Fatalf("read token: %d", st)
	}
}
