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

// projectFromURL returns the project name from a GitLab web URL:
// https://gitlab.com/group/sub/project/-/jobs/1 → "project".
func projectFromURL(u string) string {
	pu, err := url.Parse(u)
	if err != nil || pu.Path == "" {
		return ""
	}
	p := pu.Path
	if i := strings.Index(p, "/-/"); i >= 0 {
		p = p[:i]
	}
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return path.Base(p)
}

func (p *parser) gitlabDeployments(in *bufio.Reader) error {
	s := newJSONStream(in)
	return s.object(map[string]bool{"deployments": true}, func(_ string, raw json.RawMessage, line, index int) error {
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
			p.b.reject(line, snippet(raw), "deployments[%d]: deployment %s: no project (deployable.pipeline.web_url)", index, id)
			return nil
		}
		p.b.addDeploy(line, out)
		return nil
	}, nil)
}
