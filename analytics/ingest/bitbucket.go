package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"

	"sreport/analytics"
)

// Bitbucket Cloud API 2.0: pipelines (GET /2.0/repositories/{workspace}/
// {repo}/pipelines/ → {"values":[…],"page","pagelen","size"}) and
// deployments (GET …/deployments/ → the same envelope).

type bbHref struct {
	Href jstr `json:"href"`
}

type bbRepository struct {
	Name     jstr `json:"name"`
	FullName jstr `json:"full_name"`
	Links    struct {
		HTML bbHref `json:"html"`
	} `json:"links"`
}

// bbRepoFromURL is the repository of a bitbucket.org web URL
// (https://bitbucket.org/{workspace}/{repo}/…).
func bbRepoFromURL(u string) string {
	if !strings.Contains(strings.ToLower(u), "bitbucket.org/") {
		return ""
	}
	return urlSegment(u, 1)
}

func (r *bbRepository) service() string {
	if r == nil {
		return ""
	}
	return firstNonEmpty(r.Name.String(), lastSegment(r.FullName.String()), bbRepoFromURL(r.Links.HTML.Href.String()))
}

type bbPipeline struct {
	UUID        jstr  `json:"uuid"`
	BuildNumber jstr  `json:"build_number"`
	CreatedOn   jtime `json:"created_on"`
	CompletedOn jtime `json:"completed_on"`
	State       struct {
		Name   jstr `json:"name"`
		Result *struct {
			Name jstr `json:"name"`
		} `json:"result"`
		Stage *struct {
			Name jstr `json:"name"`
		} `json:"stage"`
	} `json:"state"`
	Target struct {
		Type     jstr `json:"type"`
		RefType  jstr `json:"ref_type"`
		RefName  jstr `json:"ref_name"`
		Selector *struct {
			Type jstr `json:"type"`
		} `json:"selector"`
		Commit struct {
			Hash jstr `json:"hash"`
		} `json:"commit"`
	} `json:"target"`
	Repository *bbRepository `json:"repository"`
	Links      struct {
		HTML bbHref `json:"html"`
	} `json:"links"`
}

// bitbucketPipelines reads pipelines: those of the default branch (main or
// master) or of a tag are deploys; pull-request pipelines never are.
func (p *parser) bitbucketPipelines(in *bufio.Reader) error {
	s := newJSONStream(in)
	skippedBranch := 0
	one := func(raw json.RawMessage, line, index int) error {
		where := fmt.Sprintf("values[%d]", index)
		var x bbPipeline
		if err := json.Unmarshal(raw, &x); err != nil {
			p.b.reject(line, snippet(raw), "%s: %v", where, err)
			return nil
		}
		id := x.UUID.String()
		t := x.Target
		pr := strings.Contains(strings.ToLower(t.Type.String()), "pullrequest") || t.Selector != nil && strings.EqualFold(t.Selector.Type.String(), "pull-requests")
		tag := strings.EqualFold(t.RefType.String(), "tag") || t.Selector != nil && strings.EqualFold(t.Selector.Type.String(), "tags")
		if pr || !tag && !p.deployBranch(t.RefName.String(), "") {
			skippedBranch++
			return nil
		}
		if err := timeErr(namedTime{"created_on", x.CreatedOn}, namedTime{"completed_on", x.CompletedOn}); err != nil {
			p.b.reject(line, snippet(raw), "%s: pipeline %s: %v", where, id, err)
			return nil
		}
		state := strings.ToUpper(x.State.Name.String())
		result := ""
		if x.State.Result != nil {
			result = strings.ToUpper(x.State.Result.Name.String())
		}
		var status string
		switch {
		case state == "PENDING" || state == "IN_PROGRESS":
			p.b.pending("pipelines", id+" "+state)
			return nil
		case state != "COMPLETED":
			p.b.reject(line, snippet(raw), "%s: pipeline %s: state %q is not one Bitbucket documents (PENDING, IN_PROGRESS, COMPLETED)", where, id, x.State.Name.String())
			return nil
		case result == "SUCCESSFUL":
			status = analytics.DeploySuccess
		case result == "FAILED" || result == "ERROR":
			status = analytics.DeployFailed
		case result == "STOPPED":
			status = analytics.DeployCancelled
		case result == "EXPIRED":
			p.b.skipped("pipelines that expired before they ran", id)
			return nil
		default:
			p.b.reject(line, snippet(raw), "%s: pipeline %s: result %q is not a deploy outcome (SUCCESSFUL, FAILED, ERROR, STOPPED)", where, id, result)
			return nil
		}
		d := analytics.Deploy{
			ExternalID: id,
			Service:    firstNonEmpty(x.Repository.service(), bbRepoFromURL(x.Links.HTML.Href.String())),
			Version:    shortSHA(t.Commit.Hash.String()),
			StartedAt:  x.CreatedOn.T,
			Status:     status,
			URL:        x.Links.HTML.Href.String(),
		}
		if tag && t.RefName.String() != "" {
			d.Version = t.RefName.String()
		}
		if x.CompletedOn.T != nil {
			d.FinishedAt = *x.CompletedOn.T
		}
		p.addVendorDeploy(line, raw, where, d)
		return nil
	}
	err := s.topLevel([]string{"values"}, func(_ string, raw json.RawMessage, line, index int) error { return one(raw, line, index) },
		func(raw json.RawMessage) error { return one(raw, 1, 0) })
	if err != nil {
		return err
	}
	if skippedBranch > 0 {
		p.b.warn("%d pipelines not on the default branch (main or master), not of a tag, or of pull requests skipped", skippedBranch)
	}
	return nil
}

type bbDeployment struct {
	UUID        jstr `json:"uuid"`
	Environment struct {
		Name            jstr `json:"name"`
		EnvironmentType *struct {
			Name jstr `json:"name"`
		} `json:"environment_type"`
	} `json:"environment"`
	Release struct {
		Name   jstr `json:"name"`
		URL    jstr `json:"url"`
		Commit struct {
			Hash  jstr `json:"hash"`
			Links struct {
				HTML bbHref `json:"html"`
			} `json:"links"`
		} `json:"commit"`
	} `json:"release"`
	State struct {
		Name   jstr `json:"name"`
		Status *struct {
			Name jstr `json:"name"`
		} `json:"status"`
		URL            jstr  `json:"url"`
		StartedOn      jtime `json:"started_on"`
		StartDate      jtime `json:"start_date"`
		CompletedOn    jtime `json:"completed_on"`
		CompletionDate jtime `json:"completion_date"`
	} `json:"state"`
	LastUpdateTime jtime `json:"last_update_time"`
}

// bitbucketDeployments reads deployments: the environment comes from its
// type (Test, Staging, Production) when it has one, the service from the
// repository in the release's links.
func (p *parser) bitbucketDeployments(in *bufio.Reader) error {
	s := newJSONStream(in)
	one := func(raw json.RawMessage, line, index int) error {
		where := fmt.Sprintf("values[%d]", index)
		var x bbDeployment
		if err := json.Unmarshal(raw, &x); err != nil {
			p.b.reject(line, snippet(raw), "%s: %v", where, err)
			return nil
		}
		id := x.UUID.String()
		st := x.State
		if err := timeErr(namedTime{"started_on", st.StartedOn}, namedTime{"start_date", st.StartDate}, namedTime{"completed_on", st.CompletedOn},
			namedTime{"completion_date", st.CompletionDate}, namedTime{"last_update_time", x.LastUpdateTime}); err != nil {
			p.b.reject(line, snippet(raw), "%s: deployment %s: %v", where, id, err)
			return nil
		}
		var status string
		switch strings.ToUpper(st.Name.String()) {
		case "UNDEPLOYED":
			p.b.skipped("deployments that were never deployed (UNDEPLOYED)", id)
			return nil
		case "IN_PROGRESS":
			p.b.pending("deployments", id+" IN_PROGRESS")
			return nil
		case "COMPLETED":
			if st.Status == nil || st.Status.Name.String() == "" {
				p.b.reject(line, snippet(raw), "%s: deployment %s: COMPLETED without state.status: the export left the outcome out (a fields= filter without state.status?)", where, id)
				return nil
			}
			switch strings.ToUpper(st.Status.Name.String()) {
			case "SUCCESSFUL":
				status = analytics.DeploySuccess
			case "FAILED":
				status = analytics.DeployFailed
			case "STOPPED":
				status = analytics.DeployCancelled
			default:
				p.b.reject(line, snippet(raw), "%s: deployment %s: status %q is not one Bitbucket documents (SUCCESSFUL, FAILED, STOPPED)", where, id, st.Status.Name.String())
				return nil
			}
		default:
			p.b.reject(line, snippet(raw), "%s: deployment %s: state %q is not one Bitbucket documents (UNDEPLOYED, IN_PROGRESS, COMPLETED)", where, id, st.Name.String())
			return nil
		}
		env := x.Environment.Name.String()
		if et := x.Environment.EnvironmentType; et != nil && et.Name.String() != "" {
			env = et.Name.String()
		}
		d := analytics.Deploy{
			ExternalID:  id,
			Service:     firstNonEmpty(bbRepoFromURL(x.Release.Commit.Links.HTML.Href.String()), bbRepoFromURL(x.Release.URL.String()), bbRepoFromURL(st.URL.String())),
			Environment: normEnv(env),
			Version:     firstNonEmpty(shortSHA(x.Release.Commit.Hash.String()), x.Release.Name.String()),
			Status:      status,
			URL:         st.URL.String(),
			StartedAt:   firstTime(st.StartedOn.T, st.StartDate.T),
		}
		if t := firstTime(st.CompletedOn.T, st.CompletionDate.T, x.LastUpdateTime.T); t != nil {
			d.FinishedAt = *t
		}
		p.addVendorDeploy(line, raw, where, d)
		return nil
	}
	return s.topLevel([]string{"values"}, func(_ string, raw json.RawMessage, line, index int) error { return one(raw, line, index) },
		func(raw json.RawMessage) error { return one(raw, 1, 0) })
}
