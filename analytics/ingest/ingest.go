// Package ingest parses the files that reliability tools export (PagerDuty,
// Opsgenie, ServiceNow, Jira, GitHub, GitLab, Jenkins, Argo CD and plain CSV)
// into sreport's domain records.
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
	Workflow    string             // github-actions-runs: workflow name, path, file name or id that deploys ("" = every workflow)
	Jira        imports.JiraFields // which Jira columns hold service, severity, impact start, mitigated at
	Mapping     *imports.Mapping   // generic csv
	SkipInvalid bool               // informational; parsers always collect rejects, the store decides
	Limits      Limits             // the file's size and record caps; the zero value is DefaultMaxBytes and no record cap
}

// FormatInfo describes one importer.
type FormatInfo struct {
	ID          string
	Description string
	Kinds       []string // incidents, deploys, pages, sli, toil, action_items
	Source      string   // value stored in the source column
}

var formats = []FormatInfo{
	{"pagerduty-api", "PagerDuty REST v2 JSON: {\"incidents\":[…]} (optionally with log_entries embedded) or {\"log_entries\":[…]}", []string{"incidents", "pages"}, "pagerduty"},
	{"pagerduty-insights-csv", "PagerDuty Analytics raw incident export or Insights \"Incident Activity\" CSV", []string{"incidents"}, "pagerduty"},
	{"opsgenie-api", "Opsgenie API JSON {\"data\":[…]} of alerts (pages) and/or incidents", []string{"incidents", "pages"}, "opsgenie"},
	{"servicenow-csv", "ServiceNow incident list export (field names or labels, display values)", []string{"incidents"}, "servicenow"},
	{"servicenow-change-csv", "ServiceNow change_request list export → deploys", []string{"deploys"}, "servicenow"},
	{"jira-csv", "Jira / Jira Service Management issue CSV export (incidents and action items)", []string{"incidents", "action_items"}, "jira"},
	{"github-deployments", "GitHub REST deployments array with embedded statuses", []string{"deploys"}, "github"},
	{"github-actions-runs", "GitHub Actions {\"workflow_runs\":[…]} of the deploy workflow", []string{"deploys"}, "github"},
	{"gitlab-deployments", "GitLab GET /projects/:id/deployments array", []string{"deploys"}, "gitlab"},
	{"jenkins-builds", "Jenkins job API JSON {\"builds\":[…]}", []string{"deploys"}, "jenkins"},
	{"argocd-app", "Argo CD Application JSON (status.history, status.operationState)", []string{"deploys"}, "argocd"},
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

// Parse reads one export file. Gzip (by magic bytes), a UTF-8/UTF-16 BOM and
// windows-1252 bytes are handled transparently. It returns an error only when
// the file cannot be read at all or goes over one of its Limits (a
// *LimitError); row problems are Batch.Rejects. Every record that passes
// has been checked by imports.Validate.
func Parse(r io.Reader, name string, opt Options) (*imports.Batch, error) {
	in, budget, err := openLimited(r, opt.Limits.maxBytes())
	if err != nil {
		return nil, err
	}
	format := strings.ToLower(strings.TrimSpace(opt.Format))
	if format == "" || format == "auto" {
		head, _ := in.Peek(detectSize)
		format, err = Detect(name, head)
		if err != nil {
			return nil, err
		}
	}
	info, ok := formatInfo(format)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownFormat, format)
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
	case "jenkins-builds":
		err = p.jenkins(in)
	case "argocd-app":
		err = p.argocd(in)
	case "csv":
		err = p.genericCSV(in, opt.Mapping)
	case "sli-csv":
		err = p.genericCSV(in, sliMapping)
	case "toil-csv":
		err = p.genericCSV(in, toilMapping)
	}
	if b.over != nil {
		// A limit the builder hit: whatever error the stopped reader
		// produced, this is the reason.
		err = b.over
	}
	if err != nil {
		return nil, fmt.Errorf("ingest %s (%s): %w", name, info.ID, err)
	}
	b.finish()
	imports.Validate(b.Batch)
	return b.Batch, nil
}

// parser carries the options and the batch being filled.
type parser struct {
	opt Options
	b   *builder
}

func (p *parser) loc() *time.Location {
	if p.opt.Location != nil {
		return p.opt.Location
	}
	return time.UTC
}
