package ingest

import (
	"bufio"
	"encoding/json"
	"net/url"
	"path"
	"strings"

	"sreport/analytics"
)

type glDeployment struct {
	ID          jstr  `json:"id"`
	IID         jstr  `json:"iid"`
	Ref         jstr  `json:"ref"`
	SHA         jstr  `json:"sha"`
	Status      jstr  `json:"status"`
	CreatedAt   jtime `json:"created_at"`
	UpdatedAt   jtime `json:"updated_at"`
	FinishedAt  jtime `json:"finished_at"`
	Environment *struct {
		Name        jstr `json:"name"`
		ExternalURL jstr `json:"external_url"`
	} `json:"environment"`
	Deployable *struct {
		Status     jstr  `json:"status"`
		Tag        bool  `json:"tag"`
		Ref        jstr  `json:"ref"`
		StartedAt  jtime `json:"started_at"`
		FinishedAt jtime `json:"finished_at"`
		WebURL     jstr  `json:"web_url"`
		Commit     *struct {
			ShortID       jstr  `json:"short_id"`
			CommittedDate jtime `json:"committed_date"`
			WebURL        jstr  `json:"web_url"`
		} `json:"commit"`
		Pipeline *struct {
			WebURL jstr `json:"web_url"`
		} `json:"pipeline"`
	} `json:"deployable"`
	Project *struct {
		Name              jstr `json:"name"`
		PathWithNamespace jstr `json:"path_with_namespace"`
	} `json:"project"`
}

// gitlabStatus maps a deployment status. "completed" is not a GitLab status
// but a common synonym of finished-successfully in other tools: success.
// created/running/blocked are unfinished; anything else (e.g. undeployed)
// is not a finished deploy either and is skipped.
func gitlabStatus(s string) (status string, pending, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "success", "completed":
		return analytics.DeploySuccess, false, true
	case "failed":
		return analytics.DeployFailed, false, true
	case "canceled", "cancelled", "skipped":
		return analytics.DeployCancelled, false, true
	case "created", "running", "blocked":
		return "", true, false
	}
	return "", false, false
}

// projectFromURL returns the project name from a GitLab web URL. GitLab
// writes resource paths after a "/-/" separator
// (https://gitlab.com/group/sub/project/-/jobs/1) and, in older versions
// and its own API docs, without it (http://gitlab.dev/root/project/pipelines/5):
// both give "project". The name is the last segment of the project's path.
func projectFromURL(u string) string {
	pu, err := url.Parse(u)
	if err != nil || pu.Path == "" {
		return ""
	}
	p := pu.Path
	if i := strings.Index(p, "/-/"); i >= 0 {
		p = p[:i]
	} else {
		p = trimGitLabResource(p)
	}
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return path.Base(p)
}

// gitlabResources are the resource segments that follow a project's path
// in GitLab URLs written without the "/-/" separator.
var gitlabResources = map[string]bool{"pipelines": true, "jobs": true, "builds": true, "commit": true, "commits": true,
	"merge_requests": true, "environments": true, "deployments": true, "tree": true, "blob": true, "tags": true}

// trimGitLabResource cuts "/pipelines/5", "/jobs/7", "/commit/<sha>"… off a
// URL path. Only the last two segments are looked at, so a group or
// project that is itself named "jobs" keeps its name.
func trimGitLabResource(p string) string {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	if n := len(parts); n >= 3 && gitlabResources[parts[n-2]] {
		return strings.Join(parts[:n-2], "/")
	}
	return p
}

func (p *parser) gitlabDeployments(in *bufio.Reader) error {
	s := newJSONStream(in)
	return s.walk(shape{arrays: map[string]bool{"deployments": true}, selfKey: "deployable"}, func(_ string, raw json.RawMessage, line, index int) error {
		var d glDeployment
		if err := json.Unmarshal(raw, &d); err != nil {
			p.b.reject(line, snippet(raw), "deployments[%d]: %v", index, err)
			return nil
		}
		id := d.ID.String()
		if id == "" {
			p.b.reject(line, snippet(raw), "deployments[%d]: no id", index)
			return nil
		}
		status, pending, ok := gitlabStatus(d.Status.String())
		if pending {
			p.b.pending("deployments", id+" "+strings.ToLower(d.Status.String()))
			return nil
		}
		if !ok {
			// GitLab has statuses a deploy count has no use for (undeployed
			// when an environment is stopped, and newer ones): skipped with a
			// warning naming them, not a reject, so a plain API export imports.
			p.b.skipped("deployments whose status is not a deploy outcome", id+" "+d.Status.String())
			return nil
		}
		out := analytics.Deploy{
			ExternalID: id,
			Status:     status,
			Version:    shortSHA(d.SHA.String()),
		}
		if d.Environment != nil {
			out.Environment = d.Environment.Name.String()
		}
		fin := d.FinishedAt.T
		if d.Deployable != nil {
			dp := d.Deployable
			out.StartedAt = dp.StartedAt.T
			if fin == nil {
				fin = dp.FinishedAt.T
			}
			out.URL = dp.WebURL.String()
			if dp.Tag && dp.Ref.String() != "" {
				out.Version = dp.Ref.String()
			}
			if dp.Commit != nil && dp.Commit.CommittedDate.Err == nil {
				out.CommitAt = dp.Commit.CommittedDate.T
			}
			if dp.Pipeline != nil {
				out.Service = projectFromURL(dp.Pipeline.WebURL.String())
			}
			if out.Service == "" {
				out.Service = projectFromURL(dp.WebURL.String())
			}
			if out.Service == "" && dp.Commit != nil {
				out.Service = projectFromURL(dp.Commit.WebURL.String())
			}
		}
		if d.Project != nil && d.Project.Name.String() != "" {
			out.Service = d.Project.Name.String()
		}
		if fin == nil {
			fin = d.UpdatedAt.T
		}
		if fin == nil {
			p.b.reject(line, snippet(raw), "deployments[%d]: deployment %s: no finish time", index, id)
			return nil
		}
		out.FinishedAt = *fin
		if out.Service == "" {
			out.Service = p.opt.DefaultService
		}
		if out.Service == "" {
			p.b.reject(line, snippet(raw), "deployments[%d]: deployment %s: no project (deployable.pipeline.web_url)", index, id)
			return nil
		}
		p.b.addDeploy(line, out)
		return nil
	}, nil)
}

type glPipeline struct {
	ID          jstr  `json:"id"`
	ProjectID   jstr  `json:"project_id"`
	SHA         jstr  `json:"sha"`
	Ref         jstr  `json:"ref"`
	Status      jstr  `json:"status"`
	Source      jstr  `json:"source"`
	Tag         bool  `json:"tag"`
	CreatedAt   jtime `json:"created_at"`
	UpdatedAt   jtime `json:"updated_at"`
	StartedAt   jtime `json:"started_at"`
	FinishedAt  jtime `json:"finished_at"`
	CommittedAt jtime `json:"committed_at"`
	WebURL      jstr  `json:"web_url"`
}

// Pipeline statuses that mean "not finished" (GitLab's pipeline status
// list); "manual" waits for someone to start a job.
var glPipelinePending = map[string]bool{"created": true, "waiting_for_resource": true, "preparing": true, "pending": true,
	"running": true, "scheduled": true, "manual": true}

// gitlabPipelines reads GET /projects/:id/pipelines (or one pipeline): for
// projects that deploy without GitLab environments, a pipeline of a
// production branch (Options.ProdBranches, default main/master) that no
// merge request triggered is a deploy — the rule github-actions-runs
// applies to workflow runs.
func (p *parser) gitlabPipelines(in *bufio.Reader) error {
	s := newJSONStream(in)
	otherRef := 0
	err := s.walk(shape{arrays: map[string]bool{"pipelines": true}, selfKey: "project_id"}, func(_ string, raw json.RawMessage, line, index int) error {
		var pl glPipeline
		if err := json.Unmarshal(raw, &pl); err != nil {
			p.b.reject(line, snippet(raw), "pipelines[%d]: %v", index, err)
			return nil
		}
		id := pl.ID.String()
		if id == "" {
			p.b.reject(line, snippet(raw), "pipelines[%d]: no id", index)
			return nil
		}
		src := strings.ToLower(pl.Source.String())
		if pl.Tag || !p.prodBranch(pl.Ref.String()) || strings.Contains(src, "merge_request") || strings.Contains(src, "pull_request") {
			otherRef++
			return nil
		}
		st := strings.ToLower(pl.Status.String())
		var status string
		switch {
		case st == "success":
			status = analytics.DeploySuccess
		case st == "failed":
			status = analytics.DeployFailed
		case st == "canceled" || st == "cancelled":
			status = analytics.DeployCancelled
		case glPipelinePending[st]:
			p.b.pending("pipelines", id+" "+st)
			return nil
		default: // skipped (no job ran) and anything newer
			p.b.skipped("pipelines whose status is not a deploy outcome", id+" "+pl.Status.String())
			return nil
		}
		if err := timeErr(namedTime{"finished_at", pl.FinishedAt}, namedTime{"updated_at", pl.UpdatedAt},
			namedTime{"started_at", pl.StartedAt}, namedTime{"created_at", pl.CreatedAt}); err != nil {
			p.b.reject(line, snippet(raw), "pipelines[%d]: pipeline %s: %v", index, id, err)
			return nil
		}
		fin := pl.FinishedAt.T
		if fin == nil {
			fin = pl.UpdatedAt.T
		}
		if fin == nil {
			p.b.reject(line, snippet(raw), "pipelines[%d]: pipeline %s: no finished_at or updated_at", index, id)
			return nil
		}
		service := projectFromURL(pl.WebURL.String())
		if service == "" {
			service = p.opt.DefaultService
		}
		if service == "" {
			p.b.reject(line, snippet(raw), "pipelines[%d]: pipeline %s: no project (web_url)", index, id)
			return nil
		}
		d := analytics.Deploy{
			// Pipeline and deployment ids are separate sequences of the same
			// GitLab source: the prefix keeps a pipeline from overwriting a
			// deployment that has the same number.
			ExternalID: "pipeline/" + id,
			Service:    service,
			Version:    shortSHA(pl.SHA.String()),
			StartedAt:  pl.StartedAt.T,
			FinishedAt: *fin,
			Status:     status,
			CommitAt:   pl.CommittedAt.T,
			URL:        pl.WebURL.String(),
		}
		if d.StartedAt == nil {
			d.StartedAt = pl.CreatedAt.T
		}
		p.b.addDeploy(line, d)
		return nil
	}, nil)
	if err != nil {
		return err
	}
	if otherRef > 0 {
		p.b.warn("%d pipelines not of a production branch (%s), of a tag or of a merge request skipped", otherRef, strings.Join(p.prodBranches(), ", "))
	}
	return nil
}
