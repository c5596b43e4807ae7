package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"sreport/analytics"
)

// Azure DevOps REST: builds (GET {org}/{project}/_apis/build/builds →
// {"count","value":[…]}) and classic release deployments (GET
// vsrm.dev.azure.com/{org}/{project}/_apis/release/deployments →
// {"count","value":[…]}). One object of either is read too.

type azLinks struct {
	Web struct {
		Href jstr `json:"href"`
	} `json:"web"`
}

type azBuild struct {
	ID            jstr    `json:"id"`
	BuildNumber   jstr    `json:"buildNumber"`
	Status        jstr    `json:"status"`
	Result        jstr    `json:"result"`
	Reason        jstr    `json:"reason"`
	QueueTime     jtime   `json:"queueTime"`
	StartTime     jtime   `json:"startTime"`
	FinishTime    jtime   `json:"finishTime"`
	URL           jstr    `json:"url"`
	Links         azLinks `json:"_links"`
	SourceBranch  jstr    `json:"sourceBranch"`
	SourceVersion jstr    `json:"sourceVersion"`
	Definition    struct {
		ID   jstr `json:"id"`
		Name jstr `json:"name"`
		Path jstr `json:"path"`
	} `json:"definition"`
	Repository struct {
		ID            jstr `json:"id"`
		Name          jstr `json:"name"`
		DefaultBranch jstr `json:"defaultBranch"`
	} `json:"repository"`
}

// azureOrg is the organisation (or on-premises collection) a REST URL
// belongs to, so ids of two organisations never collide.
func azureOrg(u string) string {
	pu, err := url.Parse(strings.TrimSpace(u))
	if err != nil || pu.Host == "" {
		return ""
	}
	host := strings.ToLower(pu.Hostname())
	switch {
	case host == "dev.azure.com" || strings.HasSuffix(host, ".dev.azure.com"):
		return urlSegment(u, 0)
	case strings.HasSuffix(host, ".visualstudio.com"):
		return strings.TrimSuffix(strings.TrimPrefix(host, "vsrm."), ".visualstudio.com")
	}
	return host + "/" + urlSegment(u, 0)
}

func azureID(org, kind, id string) string {
	if org == "" {
		return kind + "/" + id
	}
	return org + "/" + kind + "/" + id
}

// azureBuildStatus maps a finished build's result.
func azureBuildStatus(result string) (string, bool) {
	switch strings.ToLower(result) {
	case "succeeded", "partiallysucceeded":
		return analytics.DeploySuccess, true
	case "failed":
		return analytics.DeployFailed, true
	case "canceled", "cancelled":
		return analytics.DeployCancelled, true
	}
	return "", false
}

// azureBuilds reads builds. The deploying pipeline is Options.Workflow
// (definition name, path or id; "" = every definition); builds of
// pull requests and of other branches than the default one are not
// deploys.
func (p *parser) azureBuilds(in *bufio.Reader) error {
	s := newJSONStream(in)
	skippedDef, skippedBranch := 0, 0
	defs := map[string]bool{} // definitions whose builds became deploys
	one := func(raw json.RawMessage, line, index int) error {
		where := fmt.Sprintf("value[%d]", index)
		var b azBuild
		if err := json.Unmarshal(raw, &b); err != nil {
			p.b.reject(line, snippet(raw), "%s: %v", where, err)
			return nil
		}
		id := b.ID.String()
		if w := strings.TrimSpace(p.opt.Workflow); w != "" && !strings.EqualFold(w, b.Definition.Name.String()) &&
			!strings.EqualFold(w, strings.Trim(b.Definition.Path.String()+`\`+b.Definition.Name.String(), `\`)) && w != b.Definition.ID.String() {
			skippedDef++
			return nil
		}
		if strings.EqualFold(b.Reason.String(), "pullRequest") || !p.deployBranch(b.SourceBranch.String(), b.Repository.DefaultBranch.String()) {
			skippedBranch++
			return nil
		}
		if err := timeErr(namedTime{"startTime", b.StartTime}, namedTime{"finishTime", b.FinishTime}); err != nil {
			p.b.reject(line, snippet(raw), "%s: build %s: %v", where, id, err)
			return nil
		}
		st := strings.ToLower(b.Status.String())
		if st != "completed" {
			p.b.pending("builds", id+" "+b.Status.String())
			return nil
		}
		status, ok := azureBuildStatus(b.Result.String())
		if !ok {
			p.b.reject(line, snippet(raw), "%s: build %s: result %q is not a deploy outcome (succeeded, partiallySucceeded, failed, canceled)", where, id, b.Result.String())
			return nil
		}
		service := b.Repository.Name.String()
		if service == "" && strings.Contains(b.Repository.ID.String(), "/") {
			service = lastSegment(b.Repository.ID.String()) // GitHub and Bitbucket repositories: owner/name
		}
		if service == "" {
			service = b.Definition.Name.String()
		}
		d := analytics.Deploy{
			ExternalID: azureID(azureOrg(b.URL.String()), "build", id),
			Service:    service,
			Version:    shortSHA(b.SourceVersion.String()),
			StartedAt:  realTime(b.StartTime.T),
			Status:     status,
			URL:        b.Links.Web.Href.String(),
		}
		if t := realTime(b.FinishTime.T); t != nil {
			d.FinishedAt = *t
		}
		defs[b.Definition.Name.String()] = true
		p.addVendorDeploy(line, raw, where, d)
		return nil
	}
	err := s.topLevel([]string{"value"}, func(_ string, raw json.RawMessage, line, index int) error { return one(raw, line, index) },
		func(raw json.RawMessage) error { return one(raw, 1, 0) })
	if err != nil {
		return err
	}
	if skippedDef > 0 {
		p.b.warn("%d builds of other pipelines skipped (pipeline %q)", skippedDef, p.opt.Workflow)
	}
	if skippedBranch > 0 {
		p.b.warn("%d builds not on the default branch (or of pull requests) skipped", skippedBranch)
	}
	if len(defs) > 1 && strings.TrimSpace(p.opt.Workflow) == "" {
		names := make([]string, 0, len(defs))
		for n := range defs {
			names = append(names, n)
		}
		sort.Strings(names)
		p.b.warn("builds of %d pipelines were counted as deploys (%s): choose the deploying pipeline, or CI builds count as deploys", len(names), idList(names))
	}
	return nil
}

type azDeployment struct {
	ID               jstr  `json:"id"`
	DeploymentStatus jstr  `json:"deploymentStatus"`
	OperationStatus  jstr  `json:"operationStatus"`
	Reason           jstr  `json:"reason"`
	QueuedOn         jtime `json:"queuedOn"`
	StartedOn        jtime `json:"startedOn"`
	CompletedOn      jtime `json:"completedOn"`
	LastModifiedOn   jtime `json:"lastModifiedOn"`
	Release          struct {
		ID           jstr    `json:"id"`
		Name         jstr    `json:"name"`
		URL          jstr    `json:"url"`
		WebAccessURI jstr    `json:"webAccessUri"`
		Links        azLinks `json:"_links"`
	} `json:"release"`
	ReleaseDefinition struct {
		Name jstr `json:"name"`
		URL  jstr `json:"url"`
	} `json:"releaseDefinition"`
	ReleaseEnvironment struct {
		Name jstr `json:"name"`
	} `json:"releaseEnvironment"`
}

// azureDeploymentStatus maps a release deployment's deploymentStatus and
// operationStatus. pending: not finished (queued, waiting for approval or
// gates, in progress); skip: never deployed (approval rejected).
func azureDeploymentStatus(dep, op string) (status string, pending, skip bool) {
	switch strings.ToLower(dep) {
	case "succeeded", "partiallysucceeded":
		return analytics.DeploySuccess, false, false
	case "failed":
		return analytics.DeployFailed, false, false
	case "inprogress":
		return "", true, false
	case "notdeployed":
		switch strings.ToLower(op) {
		case "phasefailed", "gatefailed":
			return analytics.DeployFailed, false, false
		case "canceled", "phasecanceled", "cancelled":
			return analytics.DeployCancelled, false, false
		case "rejected":
			return "", false, true
		case "":
		default:
			return "", true, false
		}
	}
	return "", false, false
}

// azureReleases reads classic release deployments: the release definition
// is the service, the stage the environment, the release name the version.
func (p *parser) azureReleases(in *bufio.Reader) error {
	s := newJSONStream(in)
	one := func(raw json.RawMessage, line, index int) error {
		where := fmt.Sprintf("value[%d]", index)
		var x azDeployment
		if err := json.Unmarshal(raw, &x); err != nil {
			p.b.reject(line, snippet(raw), "%s: %v", where, err)
			return nil
		}
		id := x.ID.String()
		if err := timeErr(namedTime{"startedOn", x.StartedOn}, namedTime{"completedOn", x.CompletedOn}, namedTime{"lastModifiedOn", x.LastModifiedOn}); err != nil {
			p.b.reject(line, snippet(raw), "%s: deployment %s: %v", where, id, err)
			return nil
		}
		status, pending, skip := azureDeploymentStatus(x.DeploymentStatus.String(), x.OperationStatus.String())
		switch {
		case pending:
			p.b.pending("release deployments", id+" "+x.DeploymentStatus.String()+"/"+x.OperationStatus.String())
			return nil
		case skip:
			p.b.skipped("release deployments whose approval was rejected", id)
			return nil
		case status == "":
			p.b.reject(line, snippet(raw), "%s: deployment %s: status %q/%q is not a deploy outcome", where, id, x.DeploymentStatus.String(), x.OperationStatus.String())
			return nil
		}
		d := analytics.Deploy{
			ExternalID:  azureID(azureOrg(firstNonEmpty(x.Release.URL.String(), x.ReleaseDefinition.URL.String())), "release-deployment", id),
			Service:     x.ReleaseDefinition.Name.String(),
			Environment: normEnv(x.ReleaseEnvironment.Name.String()),
			Version:     x.Release.Name.String(),
			StartedAt:   realTime(x.StartedOn.T),
			Status:      status,
			URL:         firstNonEmpty(x.Release.WebAccessURI.String(), x.Release.Links.Web.Href.String()),
		}
		// completedOn is often absent from the list; the last change of a
		// finished deployment is its end.
		if t := realTime(x.CompletedOn.T); t != nil {
			d.FinishedAt = *t
		} else if t := realTime(x.LastModifiedOn.T); t != nil {
			d.FinishedAt = *t
		}
		p.addVendorDeploy(line, raw, where, d)
		return nil
	}
	return s.topLevel([]string{"value"}, func(_ string, raw json.RawMessage, line, index int) error { return one(raw, line, index) },
		func(raw json.RawMessage) error { return one(raw, 1, 0) })
}
