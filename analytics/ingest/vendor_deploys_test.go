package ingest

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"sreport/analytics"
)

func TestAzureDevOpsBuilds(t *testing.T) {
	name := "azuredevops/builds.json"
	b := parseVendor(t, name, Options{})
	if b.Format != "azure-devops-builds" || b.Source != "azuredevops" || len(b.Deploys) != 5 || len(b.Rejects) != 0 {
		t.Fatalf("batch %s/%s deploys %d rejects %+v", b.Format, b.Source, len(b.Deploys), b.Rejects)
	}
	if !hasWarning(b, "2 builds not finished yet were skipped (16 inProgress, 17 notStarted)") ||
		!hasWarning(b, "builds of 3 pipelines were counted as deploys (deploy_to_prod, label_regex_test, label_regex_test_pro)") {
		t.Errorf("warnings %q", b.Warnings)
	}
	status := map[string]string{"succeeded": analytics.DeploySuccess, "canceled": analytics.DeployCancelled}
	for _, v := range sourceJSON(t, name)["value"].([]any) {
		s := v.(map[string]any)
		if s["status"] != "completed" {
			continue
		}
		d := findDeploy(t, b, "johndoe/build/"+num(s["id"]))
		// repository {"id":"johndoe/test-repo","type":"GitHub"}: the repo name.
		if d.Service != "test-repo" || d.Status != status[s["result"].(string)] || d.Version != s["sourceVersion"].(string)[:12] || d.Environment != "production" {
			t.Errorf("build %v = %+v", s["id"], d)
		}
		if got := d.FinishedAt.Format(time.RFC3339Nano); got != srcTime(t, s["finishTime"]) {
			t.Errorf("build %v finished %s, sample %v", s["id"], got, s["finishTime"])
		}
		eqTime(t, "started", d.StartedAt, srcTime(t, s["startTime"]))
	}
	// The deploying pipeline chosen by definition name.
	b = parseVendor(t, name, Options{Workflow: "deploy_to_prod"})
	if len(b.Deploys) != 2 || !hasWarning(b, `5 builds of other pipelines skipped (pipeline "deploy_to_prod")`) {
		t.Errorf("deploys %d warnings %q", len(b.Deploys), b.Warnings)
	}
}

// num renders a JSON number of a sample as its id text.
func num(v any) string {
	f, _ := v.(float64)
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func TestAzureDevOpsReleases(t *testing.T) {
	name := "azuredevops/release_deployments.json"
	b := parseVendor(t, name, Options{})
	if b.Format != "azure-devops-releases" || len(b.Deploys) != 17 || len(b.Rejects) != 0 {
		t.Fatalf("batch %s deploys %d rejects %+v", b.Format, len(b.Deploys), b.Rejects)
	}
	env := map[string]string{"PROD": "production", "PPE": "ppe", "QA": "qa", "Dev": "dev"}
	for _, v := range sourceJSON(t, name)["value"].([]any) {
		s := v.(map[string]any)
		d := findDeploy(t, b, "fabrikam/release-deployment/"+num(s["id"]))
		rel := s["release"].(map[string]any)
		want := analytics.DeploySuccess
		if s["deploymentStatus"] == "notDeployed" { // id 79: PhaseFailed
			want = analytics.DeployFailed
		}
		if d.Service != s["releaseDefinition"].(map[string]any)["name"] || d.Environment != env[s["releaseEnvironment"].(map[string]any)["name"].(string)] ||
			d.Version != rel["name"] || d.URL != rel["webAccessUri"] || d.Status != want {
			t.Errorf("deployment %v = %+v", s["id"], d)
		}
		// The list carries no completedOn: finished = lastModifiedOn.
		if got := d.FinishedAt.Format(time.RFC3339Nano); got != srcTime(t, s["lastModifiedOn"]) {
			t.Errorf("deployment %v finished %s, sample %v", s["id"], got, s["lastModifiedOn"])
		}
		eqTime(t, "started", d.StartedAt, srcTime(t, s["startedOn"]))
	}
	if d := findDeploy(t, b, "fabrikam/release-deployment/79"); d.Status != analytics.DeployFailed || d.Service != "Fabrikam-web" {
		t.Errorf("79 = %+v", d)
	}
}

func TestCircleCI(t *testing.T) {
	// Workflows: the deploys; they carry no branch (a warning says so).
	b := parseVendor(t, "circleci/workflows.json", Options{})
	if b.Format != "circleci-api" || b.Source != "circleci" || len(b.Deploys) != 9 {
		t.Fatalf("batch %s/%s deploys %d", b.Format, b.Source, len(b.Deploys))
	}
	wantRejects(t, b, []int{102}, "b3b77371-e27a-4e93-a554-c728f757cd24 has no finish time")
	for _, v := range sourceJSON(t, "circleci/workflows.json")["items"].([]any) {
		s := v.(map[string]any)
		if s["stopped_at"] == "" {
			continue
		}
		d := findDeploy(t, b, s["id"].(string))
		want := map[string]string{"success": analytics.DeploySuccess, "failed": analytics.DeployFailed}[s["status"].(string)]
		if d.Service != "coldgust.github.io" || d.Status != want || d.Version != "" {
			t.Errorf("workflow %s = %+v", s["id"], d)
		}
		if got := d.FinishedAt.Format(time.RFC3339Nano); got != srcTime(t, s["stopped_at"]) {
			t.Errorf("workflow %s finished %s, sample %v", s["id"], got, s["stopped_at"])
		}
	}
	// Stopped 45 s before it was created (the recorded data says so): the
	// start is dropped, the finish kept.
	if d := findDeploy(t, b, "fc76deef-bcdd-4856-8e96-a8e2d1c5a85f"); d.StartedAt != nil || !d.FinishedAt.Equal(ts("2023-03-25T18:05:28Z")) {
		t.Errorf("fc76deef = %+v", d)
	}
	eqTime(t, "started", findDeploy(t, b, "6731159f-5275-4bfa-ba70-39d343d63814").StartedAt, "2023-03-25T17:52:15Z")
	if !hasWarning(b, "carry no branch") || !hasWarning(b, "finished before they started") {
		t.Errorf("warnings %q", b.Warnings)
	}
	// Choosing the deploy workflow by name leaves the others out.
	b = parseVendor(t, "circleci/workflows.json", Options{Workflow: "workflow"})
	if len(b.Deploys) != 6 || !hasWarning(b, `3 workflows other than "workflow" were skipped`) {
		t.Errorf("deploys %d warnings %q", len(b.Deploys), b.Warnings)
	}

	// Pipelines alone have no outcome: nothing, and a warning saying what
	// to export (a file that gives nothing may also be refused outright as
	// "nothing recognised"; the message then carries the warning).
	pb, err := Parse(bytes.NewReader(readVendor(t, "circleci/pipelines.json")), "pipelines.json", Options{})
	const why = "10 CircleCI pipelines without workflows carry no outcome"
	switch {
	case err != nil && !strings.Contains(err.Error(), why):
		t.Errorf("pipelines: %v", err)
	case err == nil && (pb.Records() != 0 || len(pb.Rejects) != 0 || !hasWarning(pb, why)):
		t.Errorf("pipelines: %+v %q", countsOf(pb), pb.Warnings)
	}

	// Pipelines with their workflows: the branch rule (master; the
	// circleci-project-setup branch is not a deploy) and the revision.
	b = parseVendor(t, "circleci/pipelines_with_workflows.json", Options{})
	if len(b.Deploys) != 6 || len(b.Rejects) != 0 || !hasWarning(b, "3 pipelines not on the default branch") {
		t.Fatalf("deploys %d rejects %+v warnings %q", len(b.Deploys), b.Rejects, b.Warnings)
	}
	if d := findDeploy(t, b, "fd0bd4f5-264f-4e3c-a151-06153c018f78"); d.Version != "49874a6ac988" || d.Status != analytics.DeploySuccess {
		t.Errorf("pipeline 9's workflow = %+v", d)
	}
	if d := findDeploy(t, b, "c7df82a6-0d2b-4e19-a36a-3f3aa9fd3943"); d.Version != "5d69b9233ed0" || d.Status != analytics.DeployFailed {
		t.Errorf("pipeline 4's workflow = %+v", d)
	}
}

func TestBitbucketPipelines(t *testing.T) {
	name := "bitbucket/pipelines.json"
	// The recorded export asked for a few fields only: no repository.
	b := parseVendor(t, name, Options{})
	wantRejects(t, b, []int{3, 103}, "names no service (repository or project); set a default service")
	b = parseVendor(t, name, Options{DefaultService: "likyhphp"})
	if b.Format != "bitbucket-pipelines" || b.Source != "bitbucket" || len(b.Deploys) != 2 || len(b.Rejects) != 0 {
		t.Fatalf("batch %s deploys %d rejects %+v", b.Format, len(b.Deploys), b.Rejects)
	}
	// Only main is the default branch: 0.5-alpha and "pipeline" refs are not deploys.
	if !hasWarning(b, "8 pipelines not on the default branch") {
		t.Errorf("warnings %q", b.Warnings)
	}
	d := findDeploy(t, b, "{01fad871-cd21-4a80-bd59-74148dd5be8e}")
	if d.Service != "likyhphp" || d.Status != analytics.DeployFailed || d.Version != "2b1cd7db35f3" || !d.FinishedAt.Equal(ts("2023-02-20T08:58:46.096165Z")) {
		t.Errorf("pipeline = %+v", d)
	}
	eqTime(t, "started", d.StartedAt, "2023-02-20T08:58:19.14397Z")
	d = findDeploy(t, b, "{2d91d69f-d84b-423d-ae4d-c1d3f2c27166}")
	if d.Status != analytics.DeploySuccess || d.Version != "ca4302e0e56c" || !d.FinishedAt.Equal(ts("2023-02-20T09:24:12.399594Z")) {
		t.Errorf("pipeline = %+v", d)
	}
}

func TestBitbucketDeployments(t *testing.T) {
	// The recorded export restricted the fields to state.name: a COMPLETED
	// deployment without state.status has no known outcome.
	b := parseVendor(t, "bitbucket/deployments.json", Options{})
	wantRejects(t, b, []int{3, 41, 79, 117, 155, 227, 265, 303, 341, 379, 417, 489, 561, 599, 637}, "COMPLETED without state.status")
	if !hasWarning(b, "4 deployments that were never deployed (UNDEPLOYED) were skipped") || !hasWarning(b, "1 deployments not finished yet") {
		t.Errorf("warnings %q", b.Warnings)
	}
	// Built from the API schema: outcomes, environment types, the repository from the commit link.
	b = parseVendor(t, "bitbucket/deployments_schema.json", Options{})
	if len(b.Deploys) != 3 || len(b.Rejects) != 0 {
		t.Fatalf("deploys %d rejects %+v", len(b.Deploys), b.Rejects)
	}
	for id, want := range map[string][2]string{
		"{1a0f2c7e-6a1b-4c2d-9e3f-000000000001}": {analytics.DeploySuccess, "production"},
		"{1a0f2c7e-6a1b-4c2d-9e3f-000000000002}": {analytics.DeployFailed, "staging"},
		"{1a0f2c7e-6a1b-4c2d-9e3f-000000000003}": {analytics.DeployCancelled, "production"},
	} {
		if d := findDeploy(t, b, id); d.Status != want[0] || d.Environment != want[1] || d.Service != "checkout" {
			t.Errorf("%s = %+v", id, d)
		}
	}
	d := findDeploy(t, b, "{1a0f2c7e-6a1b-4c2d-9e3f-000000000001}")
	if d.Version != "9f1c2e3d4b5a" || !d.FinishedAt.Equal(ts("2025-05-06T09:04:55Z")) || !strings.HasSuffix(d.URL, "/results/57/steps/%7B5e2c%7D") {
		t.Errorf("deployment = %+v", d)
	}
	eqTime(t, "started", d.StartedAt, "2025-05-06T09:02:10Z")
}

func TestArgoCDYAML(t *testing.T) {
	// The Application argo-cd's controller tests use (kubectl -o yaml).
	b := parseVendor(t, "argocd/application.yaml", Options{})
	if b.Format != "argocd-yaml" || b.Source != "argocd" || len(b.Deploys) != 10 || len(b.Rejects) != 0 {
		t.Fatalf("batch %s/%s deploys %d rejects %+v", b.Format, b.Source, len(b.Deploys), b.Rejects)
	}
	var app struct {
		Status struct {
			History []struct {
				ID              int    `yaml:"id"`
				Revision        string `yaml:"revision"`
				DeployedAt      string `yaml:"deployedAt"`
				DeployStartedAt string `yaml:"deployStartedAt"`
			} `yaml:"history"`
		} `yaml:"status"`
	}
	if err := yaml.Unmarshal(readVendor(t, "argocd/application.yaml"), &app); err != nil {
		t.Fatal(err)
	}
	for _, h := range app.Status.History {
		d := findDeploy(t, b, "velero-test/"+strconv.Itoa(h.ID))
		if d.Service != "velero-test" || d.Version != h.Revision[:12] || d.Status != analytics.DeploySuccess || d.IsRollback ||
			d.FinishedAt.Format(time.RFC3339) != h.DeployedAt || d.StartedAt == nil || d.StartedAt.Format(time.RFC3339) != h.DeployStartedAt {
			t.Errorf("history %d = %+v", h.ID, d)
		}
	}
	// The last operation succeeded: no extra deploy. The label-less app is production.
	if d := findDeploy(t, b, "velero-test/23"); d.Environment != "production" {
		t.Errorf("environment %q", d.Environment)
	}
	// kubectl get applications -o yaml: a List; the second app has no history.
	b2 := parseVendor(t, "argocd/applications_list.yaml", Options{})
	if len(b2.Deploys) != 10 || len(b2.Rejects) != 0 {
		t.Fatalf("list deploys %d rejects %+v", len(b2.Deploys), b2.Rejects)
	}
	for i := range b.Deploys {
		x, y := b.Deploys[i], b2.Deploys[i]
		if x.ExternalID != y.ExternalID || !x.FinishedAt.Equal(y.FinishedAt) || x.Version != y.Version {
			t.Errorf("list %+v differs from the single document %+v", y, x)
		}
	}
	if b2.Lines["deploy:velero-test/14"] != 3 { // the list item's line
		t.Errorf("line %d", b2.Lines["deploy:velero-test/14"])
	}
	// Several documents; a revision that YAML would read as a number stays text.
	multi := "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: a\nstatus:\n  history:\n  - id: 1\n    revision: 1234e567\n    deployedAt: 2024-01-02T03:04:05Z\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
	b3 := parseBytes(t, "apps.yaml", []byte(multi), Options{})
	if d := findDeploy(t, b3, "a/1"); d.Version != "1234e567" || !d.FinishedAt.Equal(ts("2024-01-02T03:04:05Z")) {
		t.Errorf("multi-doc deploy = %+v", d)
	}
	if !hasWarning(b3, "YAML documents that are not Argo CD Applications were skipped (ConfigMap at line 11)") {
		t.Errorf("warnings %q", b3.Warnings)
	}
}

// TestVendorSamplesTruncated: a sample cut anywhere is an error or a
// batch, never a panic.
func TestVendorSamplesTruncated(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(vendorDir, "*", "*"))
	checked := 0
	defer func() {
		if checked < 20 {
			t.Errorf("only %d import samples checked", checked)
		}
	}()
	for _, f := range files {
		if filepath.Ext(f) == ".md" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		format, err := Detect(f, data)
		if err != nil {
			// Webhook and write-API payloads live here too; they are not
			// import files (their own tests cover them).
			t.Logf("%s: not an import file: %v", f, err)
			continue
		}
		checked++
		for _, frac := range []int{1, 3, 5, 7, 9} {
			cut := data[:len(data)*frac/10]
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s cut at %d: panic %v", f, len(cut), r)
					}
				}()
				Parse(bytes.NewReader(cut), f, Options{Format: format, DefaultService: "x"})
			}()
		}
	}
}
