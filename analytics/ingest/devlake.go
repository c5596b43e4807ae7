package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"sreport/analytics"
	"sreport/analytics/imports"
)

// DevLakeSource is the source column of records posted to the
// DevLake-compatible endpoints.
const DevLakeSource = "devlake"

// The DevLake webhook plugin (backend/plugins/webhook/api) validates these
// environment values; sreport stores them lower-cased.
var devLakeEnvironments = map[string]bool{"PRODUCTION": true, "STAGING": true, "TESTING": true, "DEVELOPMENT": true}

// devLakeDeployment is WebhookDeploymentReq of DevLake's webhook plugin
// (deployments.go since v1.0): camelCase keys. encoding/json matches keys
// case-insensitively, as DevLake's mapstructure decoding does.
type devLakeDeployment struct {
	ID                  jstr            `json:"id"`
	DisplayTitle        jstr            `json:"displayTitle"`
	Result              jstr            `json:"result"`
	Environment         jstr            `json:"environment"`
	OriginalEnvironment jstr            `json:"originalEnvironment"`
	Name                jstr            `json:"name"`
	DeploymentCommits   []devLakeCommit `json:"deploymentCommits"`
	CreatedDate         jtime           `json:"createdDate"`
	StartedDate         jtime           `json:"startedDate"`
	FinishedDate        jtime           `json:"finishedDate"`
}

type devLakeCommit struct {
	DisplayTitle jstr  `json:"displayTitle"`
	RepoID       jstr  `json:"repoId"`
	RepoURL      jstr  `json:"repoUrl"`
	Name         jstr  `json:"name"`
	RefName      jstr  `json:"refName"`
	CommitSha    jstr  `json:"commitSha"`
	CommitMsg    jstr  `json:"commitMsg"`
	Result       jstr  `json:"result"`
	Status       jstr  `json:"status"`
	CreatedDate  jtime `json:"createdDate"`
	StartedDate  jtime `json:"startedDate"`
	FinishedDate jtime `json:"finishedDate"`
}

// devLakeTask is the older WebhookDeployTaskRequest (before DevLake v1.0):
// snake_case keys, one commit inline or several in deployment_commits.
type devLakeTask struct {
	DisplayTitle      jstr                `json:"display_title"`
	PipelineID        jstr                `json:"pipeline_id"`
	RepoID            jstr                `json:"repo_id"`
	Result            jstr                `json:"result"`
	CreatedDate       jtime               `json:"create_time"`
	StartedDate       jtime               `json:"start_time"`
	FinishedDate      jtime               `json:"end_time"`
	RepoURL           jstr                `json:"repo_url"`
	Environment       jstr                `json:"environment"`
	Name              jstr                `json:"name"`
	RefName           jstr                `json:"ref_name"`
	CommitSha         jstr                `json:"commit_sha"`
	CommitMsg         jstr                `json:"commit_msg"`
	DeploymentCommits []devLakeTaskCommit `json:"deployment_commits"`
}

type devLakeTaskCommit struct {
	DisplayTitle jstr `json:"display_title"`
	RepoURL      jstr `json:"repo_url"`
	Name         jstr `json:"name"`
	RefName      jstr `json:"ref_name"`
	CommitSha    jstr `json:"commit_sha"`
	CommitMsg    jstr `json:"commit_msg"`
}

// olderDeploymentKeys mark the older payload: DevLake's own docs still
// show it, and CI steps written for it keep working.
var olderDeploymentKeys = []string{"pipeline_id", "start_time", "end_time", "commit_sha", "repo_url", "deployment_commits", "create_time"}

// DevLakeExternalID is the external id of a record posted for a service:
// DevLake keys records per webhook connection, sreport per service.
func DevLakeExternalID(service, id string) string { return service + "/" + id }

// DevLakeDeployment reads the body of DevLake's POST
// /plugins/webhook/connections/:id/deployments for one service, in the
// current shape (id, startedDate, finishedDate, result, environment,
// deploymentCommits[]) or the older one (pipeline_id, commit_sha,
// start_time, end_time…), with DevLake's own required fields and
// defaults: result SUCCESS, environment PRODUCTION, and (older shape only)
// a missing end_time is now.
func DevLakeDeployment(service string, body []byte, now time.Time) (*imports.Batch, []ItemError) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(body, &keys); err != nil {
		return nil, []ItemError{{Reason: "the body must be a JSON object: " + err.Error()}}
	}
	older := false
	for k := range keys {
		for _, o := range olderDeploymentKeys {
			if strings.EqualFold(k, o) {
				older = true
			}
		}
	}
	b := newBuilder("devlake-deployments", DevLakeSource)
	b.KeepStored = false
	var d analytics.Deploy
	var errs []ItemError
	if older {
		d, errs = devLakeTaskDeploy(service, body, now)
	} else {
		d, errs = devLakeCurrentDeploy(service, body)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	b.addDeploy(1, d)
	b.finish()
	return b.Batch, nil
}

// itemErrs collects a request's problems; add skips nil.
type itemErrs []ItemError

func (es *itemErrs) add(e *ItemError) {
	if e != nil {
		*es = append(*es, *e)
	}
}

func devLakeResult(field, v string) (string, *ItemError) {
	if v == "" {
		return analytics.DeploySuccess, nil
	}
	st, ok := normDeployStatus(v)
	if !ok {
		return "", &ItemError{Field: field, Reason: fmt.Sprintf("%s %q is not a deploy outcome (SUCCESS, FAILURE)", field, v)}
	}
	return st, nil
}

func devLakeEnv(v string) (string, *ItemError) {
	if v == "" {
		return "production", nil
	}
	if !devLakeEnvironments[v] {
		return "", &ItemError{Field: "environment", Reason: fmt.Sprintf("environment %q must be one of PRODUCTION, STAGING, TESTING, DEVELOPMENT", v)}
	}
	return strings.ToLower(v), nil
}

// timeItemErr reports a required or malformed timestamp.
func timeItemErr(field string, t jtime, required bool) *ItemError {
	if t.Err != nil {
		return &ItemError{Field: field, Reason: field + ": " + t.Err.Error()}
	}
	if required && t.T == nil {
		return &ItemError{Field: field, Reason: field + " is required"}
	}
	return nil
}

func devLakeCurrentDeploy(service string, body []byte) (analytics.Deploy, []ItemError) {
	var r devLakeDeployment
	if err := json.Unmarshal(body, &r); err != nil {
		return analytics.Deploy{}, []ItemError{{Reason: err.Error()}}
	}
	var errs itemErrs
	add := errs.add
	if r.ID.String() == "" {
		add(&ItemError{Field: "id", Reason: "id is required"})
	}
	add(timeItemErr("startedDate", r.StartedDate, true))
	add(timeItemErr("finishedDate", r.FinishedDate, true))
	add(timeItemErr("createdDate", r.CreatedDate, false))
	status, e := devLakeResult("result", r.Result.String())
	add(e)
	env, e := devLakeEnv(r.Environment.String())
	add(e)
	if len(r.DeploymentCommits) == 0 {
		add(&ItemError{Field: "deploymentCommits", Reason: "deploymentCommits is empty"})
	}
	for i, c := range r.DeploymentCommits {
		f := fmt.Sprintf("deploymentCommits[%d].", i)
		if c.RepoURL.String() == "" {
			add(&ItemError{Field: f + "repoUrl", Reason: f + "repoUrl is required"})
		}
		if c.CommitSha.String() == "" {
			add(&ItemError{Field: f + "commitSha", Reason: f + "commitSha is required"})
		}
		add(timeItemErr(f+"startedDate", c.StartedDate, true))
		add(timeItemErr(f+"finishedDate", c.FinishedDate, true))
	}
	if len(errs) > 0 {
		return analytics.Deploy{}, errs
	}
	if r.FinishedDate.T.Before(*r.StartedDate.T) {
		return analytics.Deploy{}, []ItemError{{Field: "finishedDate", Reason: "finishedDate is before startedDate"}}
	}
	first := r.DeploymentCommits[0]
	return analytics.Deploy{
		ExternalID:  DevLakeExternalID(service, r.ID.String()),
		Service:     service,
		Environment: env,
		Version:     devLakeVersion(first.RefName.String(), first.CommitSha.String()),
		StartedAt:   r.StartedDate.T,
		FinishedAt:  *r.FinishedDate.T,
		Status:      status,
	}, nil
}

// devLakeVersion is the tag a deploy shipped (a refName of refs/tags/…),
// else its commit: a branch name is no version.
func devLakeVersion(ref, sha string) string {
	if tag, ok := strings.CutPrefix(ref, "refs/tags/"); ok && tag != "" {
		return tag
	}
	return shortSHA(sha)
}

func devLakeTaskDeploy(service string, body []byte, now time.Time) (analytics.Deploy, []ItemError) {
	var r devLakeTask
	if err := json.Unmarshal(body, &r); err != nil {
		return analytics.Deploy{}, []ItemError{{Reason: err.Error()}}
	}
	var errs itemErrs
	add := errs.add
	add(timeItemErr("start_time", r.StartedDate, true))
	add(timeItemErr("end_time", r.FinishedDate, false))
	add(timeItemErr("create_time", r.CreatedDate, false))
	status, e := devLakeResult("result", r.Result.String())
	add(e)
	env, e := devLakeEnv(r.Environment.String())
	add(e)
	sha, ref := r.CommitSha.String(), r.RefName.String()
	if len(r.DeploymentCommits) == 0 {
		if sha == "" || r.RepoURL.String() == "" {
			add(&ItemError{Field: "commit_sha", Reason: "commit_sha or repo_url is required"})
		}
	} else {
		for i, c := range r.DeploymentCommits {
			f := fmt.Sprintf("deployment_commits[%d].", i)
			if c.RepoURL.String() == "" {
				add(&ItemError{Field: f + "repo_url", Reason: f + "repo_url is required"})
			}
			if c.CommitSha.String() == "" {
				add(&ItemError{Field: f + "commit_sha", Reason: f + "commit_sha is required"})
			}
		}
		if len(errs) == 0 {
			sha, ref = r.DeploymentCommits[0].CommitSha.String(), r.DeploymentCommits[0].RefName.String()
		}
	}
	if len(errs) > 0 {
		return analytics.Deploy{}, errs
	}
	fin := now.UTC()
	if r.FinishedDate.T != nil {
		fin = *r.FinishedDate.T
	}
	if fin.Before(*r.StartedDate.T) {
		return analytics.Deploy{}, []ItemError{{Field: "end_time", Reason: "end_time is before start_time"}}
	}
	id := r.PipelineID.String()
	if id == "" {
		// DevLake before v1.0.0-beta8 took deployments without a
		// pipeline_id; a stable id keeps re-sending idempotent.
		id = stableID(r.RepoURL.String(), sha, r.StartedDate.T.Format(time.RFC3339))
	}
	return analytics.Deploy{
		ExternalID:  DevLakeExternalID(service, id),
		Service:     service,
		Environment: env,
		Version:     devLakeVersion(ref, sha),
		StartedAt:   r.StartedDate.T,
		FinishedAt:  fin,
		Status:      status,
	}, nil
}

// devLakeIssue is WebhookIssueRequest of DevLake's webhook plugin.
type devLakeIssue struct {
	URL            jstr  `json:"url"`
	IssueKey       jstr  `json:"issueKey"`
	Title          jstr  `json:"title"`
	Description    jstr  `json:"description"`
	Type           jstr  `json:"type"`
	Status         jstr  `json:"status"`
	OriginalStatus jstr  `json:"originalStatus"`
	ResolutionDate jtime `json:"resolutionDate"`
	CreatedDate    jtime `json:"createdDate"`
	UpdatedDate    jtime `json:"updatedDate"`
	Priority       jstr  `json:"priority"`
	Severity       jstr  `json:"severity"`
	Component      jstr  `json:"component"`
}

// DevLakeIssue reads the body of DevLake's POST …/issues for one service
// with DevLake's validation (issueKey, title, originalStatus and createdDate
// required; status TODO, IN_PROGRESS or DONE). Like DevLake, only issues of
// type INCIDENT are incidents: any other type gives an empty batch and the
// reason in ignored.
func DevLakeIssue(service string, body []byte, opt Options) (b *imports.Batch, errs []ItemError, ignored string) {
	var r devLakeIssue
	if err := json.Unmarshal(bytes.TrimSpace(body), &r); err != nil {
		return nil, []ItemError{{Reason: "the body must be a JSON object: " + err.Error()}}, ""
	}
	var ie itemErrs
	add := ie.add
	if r.IssueKey.String() == "" {
		add(&ItemError{Field: "issueKey", Reason: "issueKey is required"})
	}
	if r.Title.String() == "" {
		add(&ItemError{Field: "title", Reason: "title is required"})
	}
	if r.OriginalStatus.String() == "" {
		add(&ItemError{Field: "originalStatus", Reason: "originalStatus is required"})
	}
	add(timeItemErr("createdDate", r.CreatedDate, true))
	add(timeItemErr("resolutionDate", r.ResolutionDate, false))
	add(timeItemErr("updatedDate", r.UpdatedDate, false))
	var status string
	switch r.Status.String() {
	case "TODO":
		status = analytics.StatusOpen
	case "IN_PROGRESS":
		status = analytics.StatusAcknowledged
	case "DONE":
		status = analytics.StatusResolved
	default:
		add(&ItemError{Field: "status", Reason: fmt.Sprintf("status %q must be one of TODO, DONE, IN_PROGRESS", r.Status.String())})
	}
	if len(ie) > 0 {
		return nil, ie, ""
	}
	if r.Type.String() != "INCIDENT" {
		return nil, nil, fmt.Sprintf("issue %s has type %q: only type INCIDENT is an incident", r.IssueKey.String(), r.Type.String())
	}
	nb := newBuilder("devlake-issues", DevLakeSource)
	nb.KeepStored = false
	p := &parser{opt: opt, b: nb}
	in := analytics.Incident{
		ExternalID: DevLakeExternalID(service, r.IssueKey.String()),
		Service:    service,
		Title:      r.Title.String(),
		Status:     status,
		DetectedAt: *r.CreatedDate.T,
		ResolvedAt: r.ResolutionDate.T,
		URL:        r.URL.String(),
		Category:   r.Component.String(),
	}
	in.SeverityRaw = firstNonEmpty(r.Severity.String(), r.Priority.String())
	in.Severity = p.severity(in.SeverityRaw)
	p.noteUnmappedSeverity(in.SeverityRaw, in.Severity)
	if status == analytics.StatusResolved && in.ResolvedAt == nil {
		if r.UpdatedDate.T != nil {
			in.ResolvedAt = r.UpdatedDate.T
			nb.warn("issue %s is DONE without a resolutionDate: its updatedDate is the resolve time", r.IssueKey.String())
		} else {
			nb.warn("issue %s is DONE without a resolutionDate or updatedDate: no resolve time", r.IssueKey.String())
		}
	}
	if in.ResolvedAt != nil && in.ResolvedAt.Before(in.DetectedAt) {
		return nil, []ItemError{{Field: "resolutionDate", Reason: "resolutionDate is before createdDate"}}, ""
	}
	nb.addIncident(1, in)
	nb.finish()
	return nb.Batch, nil, ""
}
