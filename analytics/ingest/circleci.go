package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"

	"sreport/analytics"
)

// CircleCI API v2: workflows (GET /pipeline/{id}/workflow → {"items":[…],
// "next_page_token"}) are the deploys; pipelines (GET
// /project/{slug}/pipeline) carry the branch and revision but no outcome,
// so a pipeline counts only through its workflows, embedded as
// "workflows":[…] (the way github-deployments embeds statuses).

type ccWorkflow struct {
	ID             jstr  `json:"id"`
	Name           jstr  `json:"name"`
	PipelineID     jstr  `json:"pipeline_id"`
	PipelineNumber jstr  `json:"pipeline_number"`
	ProjectSlug    jstr  `json:"project_slug"`
	Status         jstr  `json:"status"`
	CreatedAt      jtime `json:"created_at"`
	StoppedAt      jtime `json:"stopped_at"`
}

type ccPipeline struct {
	ID          jstr  `json:"id"`
	Number      jstr  `json:"number"`
	ProjectSlug jstr  `json:"project_slug"`
	State       jstr  `json:"state"`
	CreatedAt   jtime `json:"created_at"`
	VCS         *struct {
		Branch   jstr `json:"branch"`
		Tag      jstr `json:"tag"`
		Revision jstr `json:"revision"`
	} `json:"vcs"`
	Workflows []json.RawMessage `json:"workflows"`
}

// ccStatus maps a workflow status. pending: not finished (running, on
// hold for an approval, failing = a job failed but others still run);
// skip: never ran (not_run, unauthorized).
func ccStatus(s string) (status string, pending, skip bool) {
	switch strings.ToLower(s) {
	case "success":
		return analytics.DeploySuccess, false, false
	case "failed", "error":
		return analytics.DeployFailed, false, false
	case "canceled", "cancelled":
		return analytics.DeployCancelled, false, false
	case "running", "on_hold", "failing":
		return "", true, false
	case "not_run", "unauthorized":
		return "", false, true
	}
	return "", false, false
}

// circleCI reads workflows, pipelines with their workflows embedded, or
// both mixed in one list.
func (p *parser) circleCI(in *bufio.Reader) error {
	s := newJSONStream(in)
	pipelines, withWorkflows, bare, skippedBranch := 0, 0, 0, 0
	one := func(raw json.RawMessage, line, index int) error {
		where := fmt.Sprintf("items[%d]", index)
		var probe struct {
			PipelineID jstr            `json:"pipeline_id"`
			VCS        json.RawMessage `json:"vcs"`
			State      jstr            `json:"state"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			p.b.reject(line, snippet(raw), "%s: %v", where, err)
			return nil
		}
		if probe.PipelineID.String() != "" {
			bare++
			p.ccWorkflow(raw, line, where, nil)
			return nil
		}
		var pl ccPipeline
		if err := json.Unmarshal(raw, &pl); err != nil {
			p.b.reject(line, snippet(raw), "%s: %v", where, err)
			return nil
		}
		pipelines++
		if len(pl.Workflows) == 0 {
			return nil
		}
		withWorkflows++
		branch, tag := "", ""
		if pl.VCS != nil {
			branch, tag = pl.VCS.Branch.String(), pl.VCS.Tag.String()
		}
		if tag == "" && !p.deployBranch(branch, "") {
			skippedBranch++
			return nil
		}
		for i, w := range pl.Workflows {
			p.ccWorkflow(w, line, fmt.Sprintf("%s.workflows[%d]", where, i), &pl)
		}
		return nil
	}
	err := s.topLevel([]string{"items"}, func(_ string, raw json.RawMessage, line, index int) error { return one(raw, line, index) },
		func(raw json.RawMessage) error { return one(raw, 1, 0) })
	if err != nil {
		return err
	}
	if skippedBranch > 0 {
		p.b.warn("%d pipelines not on the default branch (main or master) and not of a tag skipped", skippedBranch)
	}
	if pipelines > withWorkflows {
		p.b.warn("%d CircleCI pipelines without workflows carry no outcome and were not imported: export each pipeline's workflows (GET /pipeline/{id}/workflow) and import those, or embed them as \"workflows\":[…]", pipelines-withWorkflows)
	}
	if bare > 0 {
		p.b.warn("CircleCI workflows carry no branch: every workflow in the file counts as a deploy (choose the deploy workflow by name to leave the others out)")
	}
	return nil
}

func (p *parser) ccWorkflow(raw json.RawMessage, line int, where string, pl *ccPipeline) {
	var w ccWorkflow
	if err := json.Unmarshal(raw, &w); err != nil {
		p.b.reject(line, snippet(raw), "%s: %v", where, err)
		return
	}
	id := w.ID.String()
	if name := strings.TrimSpace(p.opt.Workflow); name != "" && !strings.EqualFold(name, w.Name.String()) {
		p.b.skipped(fmt.Sprintf("workflows other than %q", name), id+" "+w.Name.String())
		return
	}
	if err := timeErr(namedTime{"created_at", w.CreatedAt}, namedTime{"stopped_at", w.StoppedAt}); err != nil {
		p.b.reject(line, snippet(raw), "%s: workflow %s: %v", where, id, err)
		return
	}
	status, pending, skip := ccStatus(w.Status.String())
	switch {
	case pending:
		p.b.pending("workflows", id+" "+w.Status.String())
		return
	case skip:
		p.b.skipped("workflows that never ran (not_run, unauthorized)", id)
		return
	case status == "":
		p.b.reject(line, snippet(raw), "%s: workflow %s: status %q is not one CircleCI documents", where, id, w.Status.String())
		return
	}
	d := analytics.Deploy{
		ExternalID: id,
		Service:    lastSegment(w.ProjectSlug.String()),
		StartedAt:  w.CreatedAt.T,
		Status:     status,
	}
	if pl != nil {
		if d.Service == "" {
			d.Service = lastSegment(pl.ProjectSlug.String())
		}
		if pl.VCS != nil {
			d.Version = firstNonEmpty(pl.VCS.Tag.String(), shortSHA(pl.VCS.Revision.String()))
		}
	}
	if w.StoppedAt.T != nil {
		d.FinishedAt = *w.StoppedAt.T
	}
	p.addVendorDeploy(line, raw, where, d)
}
