package ingest

import (
	"bufio"
	"encoding/json"
	"strings"

	"sreport/analytics"
)

type glPipeline struct {
	ID         jstr  `json:"id"`
	Ref        jstr  `json:"ref"`
	SHA        jstr  `json:"sha"`
	Status     jstr  `json:"status"`
	Source     jstr  `json:"source"`
	Tag        bool  `json:"tag"`
	CreatedAt  jtime `json:"created_at"`
	UpdatedAt  jtime `json:"updated_at"`
	StartedAt  jtime `json:"started_at"`
	FinishedAt jtime `json:"finished_at"`
	WebURL     jstr  `json:"web_url"`
}

// GitLabPipelineID is a pipeline deploy's external id: pipeline and
// deployment ids are separate sequences of the same source, so a pipeline
// id alone could name a deployment.
func GitLabPipelineID(id string) string { return "pipeline-" + id }

// gitlabPipelines reads an array of pipelines (or {"pipelines":[…]}) that
// deploy: the pipelines of the deploy branch, as GET
// /projects/:id/pipelines/:pipeline_id returns them (with started_at and
// finished_at). Merge-request pipelines are not deploys and are skipped;
// unfinished ones are skipped until they finish; skipped and manual
// pipelines did not deploy.
func (p *parser) gitlabPipelines(in *bufio.Reader) error {
	s := newJSONStream(in)
	return s.object(map[string]bool{"pipelines": true}, func(_ string, raw json.RawMessage, line, index int) error {
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
		if strings.HasPrefix(pl.Ref.String(), "refs/merge-requests/") || strings.HasPrefix(pl.Source.String(), "merge_request") {
			p.b.skipped("merge-request pipelines", id)
			return nil
		}
		var status string
		switch strings.ToLower(pl.Status.String()) {
		case "success":
			status = analytics.DeploySuccess
		case "failed":
			status = analytics.DeployFailed
		case "canceled", "cancelled":
			status = analytics.DeployCancelled
		case "created", "waiting_for_resource", "preparing", "pending", "running", "scheduled", "waiting_for_callback":
			p.b.pending("pipelines", id+" "+strings.ToLower(pl.Status.String()))
			return nil
		default: // skipped, manual and newer states: nothing was deployed
			p.b.skipped("pipelines whose status is not a deploy outcome", id+" "+pl.Status.String())
			return nil
		}
		if err := timeErr(namedTime{"started_at", pl.StartedAt}, namedTime{"finished_at", pl.FinishedAt}, namedTime{"updated_at", pl.UpdatedAt}); err != nil {
			p.b.reject(line, snippet(raw), "pipelines[%d]: pipeline %s: %v", index, id, err)
			return nil
		}
		fin := pl.FinishedAt.T
		if fin == nil {
			fin = pl.UpdatedAt.T
		}
		if fin == nil {
			p.b.reject(line, snippet(raw), "pipelines[%d]: pipeline %s: no finished_at", index, id)
			return nil
		}
		service := projectFromURL(pl.WebURL.String())
		if service == "" {
			p.b.reject(line, snippet(raw), "pipelines[%d]: pipeline %s: no project (web_url)", index, id)
			return nil
		}
		d := analytics.Deploy{
			ExternalID: GitLabPipelineID(id),
			Service:    service,
			Version:    shortSHA(pl.SHA.String()),
			StartedAt:  pl.StartedAt.T,
			FinishedAt: *fin,
			Status:     status,
			URL:        pl.WebURL.String(),
		}
		if pl.Tag && pl.Ref.String() != "" {
			d.Version = pl.Ref.String()
		}
		p.b.addDeploy(line, d)
		return nil
	}, nil)
}
