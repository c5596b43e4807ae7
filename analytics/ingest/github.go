package ingest

import (
	"bufio"
	"encoding/json"
	"path"
	"strings"

	"sreport/analytics"
)

type ghRun struct {
	ID           jstr  `json:"id"`
	Name         jstr  `json:"name"`
	Path         jstr  `json:"path"`
	WorkflowID   jstr  `json:"workflow_id"`
	HeadBranch   jstr  `json:"head_branch"`
	HeadSHA      jstr  `json:"head_sha"`
	Event        jstr  `json:"event"`
	Status       jstr  `json:"status"`
	Conclusion   jstr  `json:"conclusion"`
	HTMLURL      jstr  `json:"html_url"`
	CreatedAt    jtime `json:"created_at"`
	UpdatedAt    jtime `json:"updated_at"`
	RunStartedAt jtime `json:"run_started_at"`
	RunAttempt   jint  `json:"run_attempt"`
	HeadCommit   *struct {
		Timestamp jtime `json:"timestamp"`
	} `json:"head_commit"`
	Repository *struct {
		Name          jstr `json:"name"`
		FullName      jstr `json:"full_name"`
		DefaultBranch jstr `json:"default_branch"`
	} `json:"repository"`
}

// ghConclusion maps a run conclusion (case-insensitive) to a deploy status.
func ghConclusion(c string) (string, bool) {
	switch strings.ToLower(c) {
	case "success":
		return analytics.DeploySuccess, true
	case "failure", "timed_out":
		return analytics.DeployFailed, true
	case "cancelled", "canceled":
		return analytics.DeployCancelled, true
	}
	return "", false
}

// Run statuses that mean "not finished".
var ghPending = map[string]bool{"queued": true, "in_progress": true, "requested": true, "waiting": true, "pending": true}

func (p *parser) workflowMatches(r ghRun) bool {
	w := strings.TrimSpace(p.opt.Workflow)
	if w == "" {
		return true
	}
	return strings.EqualFold(w, r.Name.String()) || strings.EqualFold(w, r.Path.String()) ||
		strings.EqualFold(w, path.Base(r.Path.String())) || w == r.WorkflowID.String()
}

// githubRuns: runs of the chosen workflow (Options.Workflow; "" = every
// workflow) on the default branch (repository.default_branch, else main or
// master), not triggered by pull requests, are deploys.
func (p *parser) githubRuns(in *bufio.Reader) error {
	s := newJSONStream(in)
	skippedWorkflow, skippedBranch := 0, 0
	err := s.object(map[string]bool{"workflow_runs": true}, func(_ string, raw json.RawMessage, line, index int) error {
		var r ghRun
		if err := json.Unmarshal(raw, &r); err != nil {
			p.b.reject(line, snippet(raw), "workflow_runs[%d]: %v", index, err)
			return nil
		}
		id := r.ID.String()
		if id == "" {
			p.b.reject(line, snippet(raw), "workflow_runs[%d]: no id", index)
			return nil
		}
		if !p.workflowMatches(r) {
			skippedWorkflow++
			return nil
		}
		branch := r.HeadBranch.String()
		def := ""
		if r.Repository != nil {
			def = r.Repository.DefaultBranch.String()
		}
		onDefault := branch != "" && (def != "" && branch == def || def == "" && p.prodBranch(branch))
		ev := strings.ToLower(r.Event.String())
		if !onDefault || strings.HasPrefix(ev, "pull_request") {
			skippedBranch++
			return nil
		}
		st := strings.ToLower(r.Status.String())
		concl := r.Conclusion.String()
		if concl == "" {
			if _, ok := ghConclusion(st); ok {
				concl = st // status column holding the conclusion ("SUCCESS")
			}
		}
		if concl == "" && (ghPending[st] || st == "") {
			p.b.pending("workflow runs", id+" "+strings.ToLower(r.Status.String()))
			return nil
		}
		status, ok := ghConclusion(concl)
		if !ok {
			p.b.reject(line, snippet(raw), "workflow_runs[%d]: run %s: conclusion %q is not a deploy outcome (success, failure, timed_out, cancelled)", index, id, concl)
			return nil
		}
		if err := timeErr(namedTime{"updated_at", r.UpdatedAt}, namedTime{"run_started_at", r.RunStartedAt}, namedTime{"created_at", r.CreatedAt}); err != nil {
			p.b.reject(line, snippet(raw), "workflow_runs[%d]: run %s: %v", index, id, err)
			return nil
		}
		if r.UpdatedAt.T == nil {
			p.b.reject(line, snippet(raw), "workflow_runs[%d]: run %s: no updated_at", index, id)
			return nil
		}
		service := ""
		if r.Repository != nil {
			service = r.Repository.Name.String()
		}
		if service == "" {
			p.b.reject(line, snippet(raw), "workflow_runs[%d]: run %s: no repository.name", index, id)
			return nil
		}
		d := analytics.Deploy{
			ExternalID: id,
			Service:    service,
			Version:    shortSHA(r.HeadSHA.String()),
			StartedAt:  r.RunStartedAt.T,
			FinishedAt: *r.UpdatedAt.T,
			Status:     status,
			URL:        r.HTMLURL.String(),
		}
		if d.StartedAt == nil {
			d.StartedAt = r.CreatedAt.T
		}
		if r.HeadCommit != nil && r.HeadCommit.Timestamp.Err == nil {
			d.CommitAt = r.HeadCommit.Timestamp.T
		}
		p.b.addDeploy(line, d)
		return nil
	}, nil)
	if err != nil {
		return err
	}
	if skippedWorkflow > 0 {
		p.b.warn("%d runs of other workflows skipped (workflow %q)", skippedWorkflow, p.opt.Workflow)
	}
	if skippedBranch > 0 {
		p.b.warn("%d runs not on the default branch or triggered by a pull request skipped", skippedBranch)
	}
	return nil
}

// shortSHA keeps the first 12 characters of a commit id. A real SHA is
// hex, but the field is the file's: cut at a character, never inside one.
func shortSHA(s string) string {
	n := 0
	for i := range s {
		if n == 12 {
			return s[:i]
		}
		n++
	}
	return s
}

type ghStatus struct {
	ID        jstr  `json:"id"`
	State     jstr  `json:"state"`
	CreatedAt jtime `json:"created_at"`
	UpdatedAt jtime `json:"updated_at"`
	LogURL    jstr  `json:"log_url"`
	TargetURL jstr  `json:"target_url"`
	Env       jstr  `json:"environment"`
}

type ghDeployment struct {
	ID            jstr        `json:"id"`
	SHA           jstr        `json:"sha"`
	CommitSHA     jstr        `json:"commit_sha"` // API version 2026-03-10
	StatusesURL   jstr        `json:"statuses_url"`
	Ref           jstr        `json:"ref"`
	Task          jstr        `json:"task"`
	Environment   jstr        `json:"environment"`
	Description   jstr        `json:"description"`
	CreatedAt     jtime       `json:"created_at"`
	UpdatedAt     jtime       `json:"updated_at"`
	RepositoryURL jstr        `json:"repository_url"`
	URL           jstr        `json:"url"`
	Statuses      *[]ghStatus `json:"statuses"` // nil: the list endpoint's output, which has none
	Repository    *struct {
		Name jstr `json:"name"`
	} `json:"repository"`
	Payload json.RawMessage `json:"payload"`
}

// githubDeployments: deployments (an array, {"deployments":[…]} or one
// deployment) with their statuses embedded; the outcome is the newest
// status that is not inactive. GET /repos/{owner}/{repo}/deployments
// carries no statuses at all: such deployments are skipped with one
// warning saying how to export them with their outcomes.
func (p *parser) githubDeployments(in *bufio.Reader) error {
	s := newJSONStream(in)
	var noStatuses, onlyInactive []string
	err := s.walk(shape{arrays: map[string]bool{"deployments": true}, selfKey: "statuses_url"}, func(_ string, raw json.RawMessage, line, index int) error {
		var d ghDeployment
		if err := json.Unmarshal(raw, &d); err != nil {
			p.b.reject(line, snippet(raw), "deployments[%d]: %v", index, err)
			return nil
		}
		id := d.ID.String()
		if id == "" {
			p.b.reject(line, snippet(raw), "deployments[%d]: no id", index)
			return nil
		}
		if d.Statuses == nil {
			noStatuses = append(noStatuses, id)
			return nil
		}
		var newest *ghStatus
		for i := range *d.Statuses {
			st := &(*d.Statuses)[i]
			if strings.EqualFold(st.State.String(), "inactive") || st.CreatedAt.T == nil {
				continue
			}
			if newest == nil || st.CreatedAt.T.After(*newest.CreatedAt.T) ||
				st.CreatedAt.T.Equal(*newest.CreatedAt.T) && st.ID.String() > newest.ID.String() {
				newest = st
			}
		}
		if newest == nil {
			onlyInactive = append(onlyInactive, id)
			return nil
		}
		var status string
		switch strings.ToLower(newest.State.String()) {
		case "success":
			status = analytics.DeploySuccess
		case "failure", "error":
			status = analytics.DeployFailed
		case "pending", "queued", "in_progress":
			p.b.pending("deployments", id+" "+strings.ToLower(newest.State.String()))
			return nil
		default:
			p.b.reject(line, snippet(raw), "deployments[%d]: deployment %s: unknown state %q", index, id, newest.State.String())
			return nil
		}
		service := ""
		if d.Repository != nil {
			service = d.Repository.Name.String()
		}
		if service == "" {
			service = path.Base(strings.TrimRight(d.RepositoryURL.String(), "/"))
		}
		if service == "" || service == "." || service == "/" {
			service = p.opt.DefaultService
		}
		if service == "" {
			p.b.reject(line, snippet(raw), "deployments[%d]: deployment %s: no repository", index, id)
			return nil
		}
		env := d.Environment.String()
		if strings.EqualFold(env, "prod") {
			env = "production"
		}
		out := analytics.Deploy{
			ExternalID:  id,
			Service:     service,
			Environment: strings.ToLower(env),
			// The version is the deployed commit, never the ref: a
			// deployment's ref is usually a branch ("topic-branch").
			Version:    shortSHA(firstNonEmpty(d.CommitSHA.String(), d.SHA.String())),
			StartedAt:  d.CreatedAt.T,
			FinishedAt: *newest.CreatedAt.T,
			Status:     status,
			IsRollback: reRollback.MatchString(d.Description.String()) || reRollback.MatchString(d.Task.String()),
			URL:        firstNonEmpty(newest.LogURL.String(), newest.TargetURL.String()),
		}
		p.b.addDeploy(line, out)
		return nil
	}, nil)
	if err != nil {
		return err
	}
	if len(noStatuses) > 0 {
		p.b.warn("%d deployments skipped (%s): they carry no statuses, so no outcome — GET /repos/{owner}/{repo}/deployments does not include them. "+
			"Export each deployment with its statuses (GET /repos/{owner}/{repo}/deployments/{id}/statuses added as \"statuses\"), "+
			"import the workflow runs that deploy (github-actions-runs), or use the GitHub connector", len(noStatuses), idList(noStatuses))
	}
	if len(onlyInactive) > 0 {
		p.b.warn("%d deployments skipped (%s): their only statuses are inactive (superseded without an outcome)", len(onlyInactive), idList(onlyInactive))
	}
	return nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
