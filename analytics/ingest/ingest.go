// Package ingest parses the files that reliability tools export (PagerDuty,
// Opsgenie, ServiceNow, Jira, incident.io, FireHydrant, Rootly, Statuspage,
// Grafana OnCall, Datadog, GitHub, GitLab, Jenkins, Azure DevOps, CircleCI,
// Bitbucket, Argo CD, OpenSLO, Sloth and plain CSV) into sreport's domain records.
//
// Parsers never write to a database and never fail on a bad row: every row
// that cannot become a record is returned as an imports.Reject with its line number
// and a reason, and the store decides what to do with the batch. Parse only
// returns an error for a file that cannot be read at all (not gzip when it
// claims to be, not JSON/CSV, unknown format, missing mapping).
//
// Files are streamed: CSV through encoding/csv, JSON through json.Decoder,
// one array element at a time.
package ingest

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"sreport/analytics/imports"
)

// Options tunes a parse. The zero value detects the format and reads
// offset-less timestamps as UTC.
type Options struct {
	Format      string             // "" or "auto" = detect
	Location    *time.Location     // for timestamps without offset (ServiceNow, Jira, generic CSV); nil = UTC
	DateLayout  string             // override layout for offset-less dates (Go layout, or Java style "dd-MM-yyyy HH:mm:ss"); "" = format default
	SeverityMap map[string]int     // override raw-value→sev mapping (case-insensitive keys)
	Workflow    string             // the pipeline that deploys ("" = every one): GitHub Actions workflow name, path, file or id; Azure DevOps build definition name, path or id; CircleCI workflow name
	Jira        imports.JiraFields // which Jira columns hold service, severity, impact start, mitigated at
	Mapping     *imports.Mapping   // generic csv
	SkipInvalid bool               // informational; parsers always collect rejects, the store decides
	Limits      Limits             // the file's size and record caps; the zero value is DefaultMaxBytes and no record cap
	// ServiceFrom names the one field the service is read from, for formats
	// whose exports carry several (ServiceNow: cmdb_ci, business_service,
	// service_offering, assignment_group; Jira: affected_services,
	// components, project). "" = the format's own order (docs/importers.md).
	ServiceFrom string
	// DefaultService is the service of records whose file names none
	// (incident tools without a service field filled in, CI exports
	// restricted to a few fields); "" = such records are rejects.
	DefaultService string
	// ProdBranches are the branches whose builds deploy to production
	// (Jenkins multibranch jobs, GitLab pipelines, GitHub Actions runs of a
	// repository without default_branch); nil = main and master.
	ProdBranches []string
}

// FormatInfo describes one importer.
type FormatInfo struct {
	ID          string
	Description string
	Kinds       []string // incidents, deploys, pages, sli, slo, toil, action_items
	Source      string   // value stored in the source column
}

var formats = []FormatInfo{
	{"pagerduty-api", "PagerDuty REST v2 JSON: {\"incidents\":[…]} (optionally with log_entries embedded), {\"incident\":{…}}, {\"log_entries\":[…]}, or Analytics raw incidents {\"data\":[…]}", []string{"incidents", "pages"}, "pagerduty"},
	{"pagerduty-insights-csv", "PagerDuty Analytics raw incident export or Insights \"Incident Activity\" CSV", []string{"incidents"}, "pagerduty"},
	{"opsgenie-api", "Opsgenie API JSON {\"data\":[…]} of alerts (pages) and/or incidents", []string{"incidents", "pages"}, "opsgenie"},
	{"servicenow-csv", "ServiceNow incident list export (field names or labels, display values)", []string{"incidents"}, "servicenow"},
	{"servicenow-change-csv", "ServiceNow change_request list export → deploys", []string{"deploys"}, "servicenow"},
	{"jira-csv", "Jira / Jira Service Management issue CSV export (incidents and action items)", []string{"incidents", "action_items"}, "jira"},
	{"github-deployments", "GitHub REST deployments (array or one) with their statuses embedded", []string{"deploys"}, "github"},
	{"github-actions-runs", "GitHub Actions {\"workflow_runs\":[…]} of the deploy workflow", []string{"deploys"}, "github"},
	{"gitlab-deployments", "GitLab GET /projects/:id/deployments array (or one deployment)", []string{"deploys"}, "gitlab"},
	{"gitlab-pipelines", "GitLab GET /projects/:id/pipelines array (or one pipeline): default-branch pipelines, for projects without environments", []string{"deploys"}, "gitlab"},
	{"jenkins-builds", "Jenkins job API JSON {\"builds\":[…]} / {\"allBuilds\":[…]}, a multibranch project's {\"jobs\":[…]}, or one build", []string{"deploys"}, "jenkins"},
	{"argocd-app", "Argo CD Application JSON (status.history, status.operationState)", []string{"deploys"}, "argocd"},
	{"incidentio-api", "incident.io API v2 incidents: {\"incidents\":[…]}, {\"incident\":{…}} or an array", []string{"incidents"}, "incidentio"},
	{"incidentio-csv", "incident.io incidents CSV (Reference, Name, Status, Severity, timestamps)", []string{"incidents"}, "incidentio"},
	{"firehydrant-api", "FireHydrant API incidents: {\"data\":[…]} of GET /v1/incidents, or one incident", []string{"incidents"}, "firehydrant"},
	{"rootly-api", "Rootly API incidents (JSON:API {\"data\":[…]} of GET /v1/incidents, or one)", []string{"incidents"}, "rootly"},
	{"statuspage-api", "Atlassian Statuspage incidents: public /api/v2/incidents.json or the manage API list", []string{"incidents"}, "statuspage"},
	{"grafana-oncall-api", "Grafana OnCall / IRM alert groups: {\"results\":[…]} of GET /api/v1/alert_groups, or one", []string{"pages"}, "grafana-oncall"},
	{"datadog-incidents", "Datadog API v2 incidents: {\"data\":[…]} of GET /api/v2/incidents, or one", []string{"incidents"}, "datadog"},
	{"opsgenie-alerts-csv", "Opsgenie alerts CSV (alert fields as columns: TinyId, Message, Status, CreatedAt, Priority…)", []string{"pages"}, "opsgenie"},
	{"azure-devops-builds", "Azure DevOps REST builds: {\"count\":…,\"value\":[…]} of GET _apis/build/builds", []string{"deploys"}, "azuredevops"},
	{"azure-devops-releases", "Azure DevOps REST release deployments: {\"value\":[…]} of GET _apis/release/deployments", []string{"deploys"}, "azuredevops"},
	{"circleci-api", "CircleCI API v2 workflows ({\"items\":[…]} of GET /pipeline/{id}/workflow), or pipelines with their workflows", []string{"deploys"}, "circleci"},
	{"bitbucket-pipelines", "Bitbucket Cloud API 2.0 pipelines: {\"values\":[…]} of GET …/pipelines/", []string{"deploys"}, "bitbucket"},
	{"bitbucket-deployments", "Bitbucket Cloud API 2.0 deployments: {\"values\":[…]} of GET …/deployments/", []string{"deploys"}, "bitbucket"},
	{"argocd-yaml", "Argo CD Application YAML (kubectl get application -o yaml, a List, or several documents)", []string{"deploys"}, "argocd"},
	{"openslo", "OpenSLO v1 SLO definitions (kind: SLO with an inline indicator or an SLI of the file; several documents)", []string{"slo"}, "openslo"},
	{"sloth", "Sloth SLO definitions: prometheus/v1 spec or the Kubernetes PrometheusServiceLevel", []string{"slo"}, "sloth"},
	{"csv", "Generic CSV with a column mapping", []string{"incidents", "deploys", "pages", "sli", "toil", "action_items"}, "csv"},
	{"sli-csv", "SLI CSV: service, slo, day, good, total", []string{"sli"}, "sli-csv"},
	{"toil-csv", "Toil CSV: team, week, toil_hours, total_hours", []string{"toil"}, "toil-csv"},
}

// Formats lists every importer.
func Formats() []FormatInfo {
	out := make([]FormatInfo, len(formats))
	copy(out, formats)
	return out
}

func formatInfo(id string) (FormatInfo, bool) {
	for _, f := range formats {
		if f.ID == id {
			return f, true
		}
	}
	return FormatInfo{}, false
}

// ErrUnknownFormat is returned for a format id that no importer handles.
var ErrUnknownFormat = errors.New("ingest: unknown format")

// ErrNothingRecognised is returned by Parse for a file that yields neither
// a record nor a rejected row: silently importing nothing would look like
// success. The error says what the format's parser looked for.
var ErrNothingRecognised = errors.New("ingest: nothing recognised")

// lookedFor says, per format, what a file must hold to give records; the
// ErrNothingRecognised message quotes it. Formats without an entry use
// their description.
var lookedFor = map[string]string{
	"pagerduty-api":          `PagerDuty incidents or log entries: {"incidents":[…]}, {"incident":{…}}, {"log_entries":[…]}, or the Analytics raw incidents {"data":[…]}`,
	"pagerduty-insights-csv": "rows with an incident id (id / Incident ID) and a service",
	"opsgenie-api":           `Opsgenie alerts or incidents in {"data":[…]}, each with an id and createdAt`,
	"servicenow-csv":         "incident rows with a number and an opened time",
	"servicenow-change-csv":  "change rows with a number",
	"jira-csv":               "issues whose Issue Type contains Incident, and their child tasks",
	"github-deployments":     "deployments (GET /repos/{owner}/{repo}/deployments), an array or one deployment, each with an id",
	"github-actions-runs":    `workflow runs: {"workflow_runs":[…]} from GET /repos/{owner}/{repo}/actions/runs`,
	"gitlab-deployments":     "deployments (GET /projects/:id/deployments), an array or one deployment",
	"gitlab-pipelines":       "pipelines (GET /projects/:id/pipelines), an array or one pipeline",
	"jenkins-builds":         `builds: {"builds":[…]}, {"allBuilds":[…]}, {"jobs":[{"builds":[…]}]} or one build`,
	"argocd-app":             "an Argo CD Application with status.history",
}

func nothingRecognised(name string, info FormatInfo, b *imports.Batch) error {
	want := lookedFor[info.ID]
	if want == "" {
		want = info.Description
	}
	msg := fmt.Sprintf("%s (%s): looked for %s", name, info.ID, want)
	if len(b.Warnings) > 0 {
		msg += "; " + strings.Join(b.Warnings, "; ")
	}
	return fmt.Errorf("%w in %s", ErrNothingRecognised, msg)
}

// Parse reads one export file. Gzip (by magic bytes), a UTF-8/UTF-16 BOM and
// windows-1252 bytes are handled transparently. It returns an error only when
// the file cannot be read at all or goes over one of its Limits (a
// *LimitError); row problems are Batch.Rejects. Every record that passes
// has been checked by imports.Validate.
func Parse(r io.Reader, name string, opt Options) (*imports.Batch, error) {
	b, info, err := parse(r, name, opt, nil)
	if err != nil {
		return nil, err
	}
	// A file that only shows stored stand-in pages are not pages (PagerDuty
	// log entries whose notifications were all e-mails) does change data.
	if b.Records() == 0 && len(b.Rejects) == 0 && len(b.SupersededPages) == 0 {
		return nil, nothingRecognised(name, info, b.Batch)
	}
	return b.Batch, nil
}

// batchOnly are the formats whose records need the whole file before they
// can be applied, so Stream parses them into a batch: their files mix kinds
// whose order the store's apply relies on (incidents before the pages and
// action items that name them), carry file-wide facts (PagerDuty's stand-in
// and superseded pages, derived columns; Jira's linked-only tasks), or
// complete a record after it was made (Argo CD), and SLO definitions are
// applied with their own diff.
var batchOnly = map[string]bool{
	"pagerduty-api": true, "opsgenie-api": true, "jira-csv": true, "argocd-app": true,
	"openslo": true, "sloth": true,
}

// Streams reports whether Stream hands a format's records to the sink
// rather than returning them in a batch.
func Streams(format string) bool {
	_, ok := formatInfo(format)
	return ok && !batchOnly[format]
}

// Stream reads one export file like Parse but, for the formats that Streams
// says so, hands each record to sink as it is read instead of holding it:
// the returned batch then holds only the file's rejected rows and warnings,
// and sink has had Begin and every record. A file of a batchOnly format is
// returned as Parse returns it, and sink is not called. The duplicate rule
// and the field limits of a streamed file are the sink's (store.ApplyStream).
func Stream(r io.Reader, name string, opt Options, sink imports.Sink) (*imports.Batch, error) {
	b, info, err := parse(r, name, opt, sink)
	if err != nil {
		return nil, err
	}
	if b.sink == nil {
		if b.Records() == 0 && len(b.Rejects) == 0 && len(b.SupersededPages) == 0 {
			return nil, nothingRecognised(name, info, b.Batch)
		}
		return b.Batch, nil
	}
	if b.streamed == 0 && len(b.Rejects) == 0 {
		return nil, nothingRecognised(name, info, b.Batch)
	}
	// A file of rejected rows only still tells the sink what it is, so its
	// rejects are reported like any file's.
	if err := b.begin(); err != nil {
		return nil, fmt.Errorf("ingest %s (%s): %w", name, info.ID, err)
	}
	return b.Batch, nil
}

// parse runs the format's importer; Parse and ParsePage differ only in
// what an input without records means. With a sink, a format that streams
// hands its records to it (Stream).
func parse(r io.Reader, name string, opt Options, sink imports.Sink) (*builder, FormatInfo, error) {
	in, budget, err := openLimited(r, opt.Limits.maxBytes())
	if err != nil {
		return nil, FormatInfo{}, err
	}
	format := strings.ToLower(strings.TrimSpace(opt.Format))
	if format == "" || format == "auto" {
		head, _ := in.Peek(detectSize)
		format, err = Detect(name, head)
		if err != nil {
			return nil, FormatInfo{}, err
		}
	}
	info, ok := formatInfo(format)
	if !ok {
		return nil, FormatInfo{}, fmt.Errorf("%w %q", ErrUnknownFormat, format)
	}
	if m := opt.Mapping; m != nil {
		// A saved mapping's parse choices apply unless the caller set them.
		if opt.SeverityMap == nil {
			opt.SeverityMap = m.SeverityMap
		}
		if opt.Jira == (imports.JiraFields{}) {
			opt.Jira = m.Jira
		}
	}
	b := newBuilder(info.ID, info.Source)
	b.maxItems, b.budget = opt.Limits.MaxRecords, budget
	if sink != nil && Streams(info.ID) {
		b.sink = sink
	}
	p := &parser{opt: opt, b: b}
	switch info.ID {
	case "pagerduty-api":
		err = p.pagerDutyAPI(in)
	case "pagerduty-insights-csv":
		err = p.pagerDutyCSV(in)
	case "opsgenie-api":
		err = p.opsgenie(in)
	case "servicenow-csv":
		err = p.serviceNowIncidents(in)
	case "servicenow-change-csv":
		err = p.serviceNowChanges(in)
	case "jira-csv":
		err = p.jira(in)
	case "github-deployments":
		err = p.githubDeployments(in)
	case "github-actions-runs":
		err = p.githubRuns(in)
	case "gitlab-deployments":
		err = p.gitlabDeployments(in)
	case "gitlab-pipelines":
		err = p.gitlabPipelines(in)
	case "jenkins-builds":
		err = p.jenkins(in)
	case "argocd-app":
		err = p.argocd(in)
	case "incidentio-api":
		err = p.incidentIOAPI(in)
	case "incidentio-csv":
		err = p.incidentIOCSV(in)
	case "firehydrant-api":
		err = p.fireHydrant(in)
	case "rootly-api":
		err = p.rootly(in)
	case "statuspage-api":
		err = p.statuspage(in)
	case "grafana-oncall-api":
		err = p.grafanaOnCall(in)
	case "datadog-incidents":
		err = p.datadogIncidents(in)
	case "opsgenie-alerts-csv":
		err = p.opsgenieAlertsCSV(in)
	case "azure-devops-builds":
		err = p.azureBuilds(in)
	case "azure-devops-releases":
		err = p.azureReleases(in)
	case "circleci-api":
		err = p.circleCI(in)
	case "bitbucket-pipelines":
		err = p.bitbucketPipelines(in)
	case "bitbucket-deployments":
		err = p.bitbucketDeployments(in)
	case "argocd-yaml":
		err = p.argocdYAML(in)
	case "openslo":
		err = p.openSLO(in)
	case "sloth":
		err = p.sloth(in)
	case "csv":
		err = p.genericCSV(in, opt.Mapping)
	case "sli-csv":
		err = p.genericCSV(in, sliMapping)
	case "toil-csv":
		err = p.genericCSV(in, toilMapping)
	}
	switch {
	case b.over != nil:
		// A limit the builder hit: whatever error the stopped reader
		// produced, this is the reason.
		err = b.over
	case err != nil && !isLimit(err) && isLimit(budget.stop):
		// The byte cap, reported by a decoder that keeps only the text of
		// its reader's errors (YAML).
		err = budget.stop
	}
	if err != nil {
		return nil, info, fmt.Errorf("ingest %s (%s): %w", name, info.ID, err)
	}
	b.finish()
	imports.Validate(b.Batch)
	return b, info, nil
}

// parser carries the options and the batch being filled.
type parser struct {
	opt Options
	b   *builder

	pdEmails, pdUnknownChannel int // PagerDuty notifications by e-mail, and of no known channel
}

func (p *parser) loc() *time.Location {
	if p.opt.Location != nil {
		return p.opt.Location
	}
	return time.UTC
}

// prodBranches returns Options.ProdBranches, or main and master.
func (p *parser) prodBranches() []string {
	if len(p.opt.ProdBranches) > 0 {
		return p.opt.ProdBranches
	}
	return []string{"main", "master"}
}

// prodBranch reports whether a branch deploys to production
// (Options.ProdBranches); "refs/heads/" is ignored.
func (p *parser) prodBranch(branch string) bool {
	branch = strings.TrimPrefix(strings.TrimSpace(branch), "refs/heads/")
	if branch == "" {
		return false
	}
	for _, b := range p.prodBranches() {
		if strings.EqualFold(strings.TrimSpace(b), branch) {
			return true
		}
	}
	return false
}
