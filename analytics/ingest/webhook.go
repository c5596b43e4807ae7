package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sreport/analytics/imports"
)

// Webhook sources: the vendors whose webhook deliveries sreport receives.
const (
	WebhookGitHub    = "github"
	WebhookGitLab    = "gitlab"
	WebhookPagerDuty = "pagerduty"
	WebhookOpsgenie  = "opsgenie"
)

// WebhookEvent is what a delivery says about itself besides its records.
type WebhookEvent struct {
	// Kind names the event ("deployment_status", "Pipeline Hook",
	// "incident.resolved", "Close").
	Kind string
	// Subject is the record the event is about ("deploy:145988746",
	// "incident:PGR0VU2"), so a late delivery can be told apart from a
	// newer one about the same record.
	Subject string
	// OccurredAt is when the event happened at the vendor, if it says.
	OccurredAt *time.Time
	// Ignored, when set, says why the delivery carries nothing to import
	// (an unfinished run, an event of no interest); the batch is then nil.
	Ignored string
}

// ErrWebhookPayload is returned for a body that is not the vendor's JSON.
var ErrWebhookPayload = errors.New("ingest: not a webhook payload")

// ParseWebhook maps one delivery of a vendor webhook to records, through the
// same mapping as that vendor's file importer: a GitHub deployment_status
// becomes the deployment with that status (github-deployments), a completed
// workflow_run a run of github-actions-runs (same workflow and default-branch
// filter, opt.Workflow), a GitLab deployment or pipeline event a
// gitlab-deployments record, a PagerDuty v3 incident event a pagerduty-api
// incident (with its page), an Opsgenie alert action an opsgenie-api alert.
// event is the vendor's event header (X-GitHub-Event, X-Gitlab-Event); the
// other vendors name the event in the body.
//
// Each delivery shows one moment of a record, so the batch keeps stored
// values the delivery lacks (Batch.KeepStored): the resolve event of an
// incident does not blank the acknowledgement an earlier one delivered.
// The flip side: a PagerDuty incident.reopened cannot clear the stored
// resolve time; the incident is open again and its next resolve replaces
// that time.
func ParseWebhook(source, event string, body []byte, opt Options) (*imports.Batch, WebhookEvent, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, WebhookEvent{Kind: event}, fmt.Errorf("%w: the body is not a JSON object", ErrWebhookPayload)
	}
	var (
		b   *imports.Batch
		ev  WebhookEvent
		err error
	)
	switch source {
	case WebhookGitHub:
		b, ev, err = githubWebhook(event, body, opt)
	case WebhookGitLab:
		b, ev, err = gitlabWebhook(event, body, opt)
	case WebhookPagerDuty:
		b, ev, err = pagerDutyWebhook(body, opt)
	case WebhookOpsgenie:
		b, ev, err = opsgenieWebhook(body, opt)
	default:
		return nil, WebhookEvent{}, fmt.Errorf("ingest: unknown webhook source %q", source)
	}
	if err != nil || ev.Ignored != "" {
		return nil, ev, err
	}
	b.KeepStored = true
	b.Format = "webhook-" + source
	// A delivery names at most the one person of its event (Opsgenie's
	// Close: who closed it), and a record's responders are stored whole:
	// keeping them would replace the people an import or an earlier event
	// recorded. With none, the stored people stay (KeepStored).
	for i := range b.Pages {
		b.Pages[i].Responders = nil
	}
	for i := range b.Incidents {
		b.Incidents[i].Responders = nil
	}
	if b.Records() == 0 && len(b.Rejects) == 0 {
		// Everything was skipped (pending, other workflow, not on the
		// default branch): the warnings say why.
		ev.Ignored = strings.Join(b.Warnings, "; ")
		if ev.Ignored == "" {
			ev.Ignored = "the delivery holds no record"
		}
		return nil, ev, nil
	}
	return b, ev, nil
}

// runParser feeds a document shaped like the importer's input to one of the
// importer's parse functions and returns its finished batch.
func runParser(format, source string, opt Options, doc any, parse func(*parser, *bufio.Reader) error) (*imports.Batch, error) {
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	p := &parser{opt: opt, b: newBuilder(format, source)}
	if err := parse(p, bufio.NewReader(bytes.NewReader(data))); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWebhookPayload, err)
	}
	p.b.finish()
	return p.b.Batch, nil
}

func unmarshalPayload(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: %v", ErrWebhookPayload, err)
	}
	return nil
}

func githubWebhook(event string, body []byte, opt Options) (*imports.Batch, WebhookEvent, error) {
	ev := WebhookEvent{Kind: event}
	switch event {
	case "ping":
		ev.Ignored = "ping: GitHub checks the receiver; nothing to import"
		return nil, ev, nil
	case "deployment_status":
		var pl struct {
			DeploymentStatus map[string]json.RawMessage `json:"deployment_status"`
			Deployment       map[string]json.RawMessage `json:"deployment"`
			Repository       json.RawMessage            `json:"repository"`
		}
		if err := unmarshalPayload(body, &pl); err != nil {
			return nil, ev, err
		}
		if pl.Deployment == nil || pl.DeploymentStatus == nil {
			return nil, ev, fmt.Errorf("%w: deployment_status without deployment or deployment_status", ErrWebhookPayload)
		}
		var st ghStatus
		raw, _ := json.Marshal(pl.DeploymentStatus)
		if err := json.Unmarshal(raw, &st); err != nil {
			return nil, ev, fmt.Errorf("%w: deployment_status: %v", ErrWebhookPayload, err)
		}
		var id jstr
		_ = json.Unmarshal(pl.Deployment["id"], &id)
		ev.Subject, ev.OccurredAt = "deploy:"+id.String(), st.CreatedAt.T
		if strings.EqualFold(st.State.String(), "inactive") {
			ev.Ignored = "status inactive: a newer deployment to the environment replaced this one"
			return nil, ev, nil
		}
		dep := pl.Deployment
		dep["statuses"], _ = json.Marshal([]map[string]json.RawMessage{pl.DeploymentStatus})
		if len(pl.Repository) > 0 {
			dep["repository"] = pl.Repository
		}
		b, err := runParser("github-deployments", "github", opt, []any{dep}, (*parser).githubDeployments)
		return b, ev, err
	case "workflow_run":
		var pl struct {
			Action      string                     `json:"action"`
			WorkflowRun map[string]json.RawMessage `json:"workflow_run"`
			Repository  json.RawMessage            `json:"repository"`
		}
		if err := unmarshalPayload(body, &pl); err != nil {
			return nil, ev, err
		}
		if pl.WorkflowRun == nil {
			return nil, ev, fmt.Errorf("%w: workflow_run without workflow_run", ErrWebhookPayload)
		}
		var meta struct {
			ID        jstr  `json:"id"`
			UpdatedAt jtime `json:"updated_at"`
		}
		raw, _ := json.Marshal(pl.WorkflowRun)
		_ = json.Unmarshal(raw, &meta)
		ev.Kind = "workflow_run." + pl.Action
		ev.Subject, ev.OccurredAt = "deploy:"+meta.ID.String(), meta.UpdatedAt.T
		if pl.Action != "completed" {
			ev.Ignored = fmt.Sprintf("workflow run %s is %s, not completed", meta.ID.String(), pl.Action)
			return nil, ev, nil
		}
		// The run's own repository object is abridged; the payload's
		// carries default_branch, which the importer's branch rule needs.
		if len(pl.Repository) > 0 {
			pl.WorkflowRun["repository"] = pl.Repository
		}
		b, err := runParser("github-actions-runs", "github", opt, map[string]any{"workflow_runs": []any{pl.WorkflowRun}}, (*parser).githubRuns)
		return b, ev, err
	}
	ev.Ignored = fmt.Sprintf("GitHub event %q is not a deploy event (send deployment_status or workflow_run)", event)
	return nil, ev, nil
}

type glProject struct {
	Name          jstr `json:"name"`
	WebURL        jstr `json:"web_url"`
	DefaultBranch jstr `json:"default_branch"`
}

func gitlabWebhook(event string, body []byte, opt Options) (*imports.Batch, WebhookEvent, error) {
	var kind struct {
		ObjectKind string `json:"object_kind"`
	}
	if err := unmarshalPayload(body, &kind); err != nil {
		return nil, WebhookEvent{Kind: event}, err
	}
	ev := WebhookEvent{Kind: firstNonEmpty(event, kind.ObjectKind)}
	switch kind.ObjectKind {
	case "deployment":
		var pl struct {
			Status          jstr      `json:"status"`
			StatusChangedAt jtime     `json:"status_changed_at"`
			DeploymentID    jstr      `json:"deployment_id"`
			DeployableURL   jstr      `json:"deployable_url"`
			Environment     jstr      `json:"environment"`
			ShortSHA        jstr      `json:"short_sha"`
			CommitURL       jstr      `json:"commit_url"`
			Project         glProject `json:"project"`
		}
		if err := unmarshalPayload(body, &pl); err != nil {
			return nil, ev, err
		}
		ev.Subject, ev.OccurredAt = "deploy:"+pl.DeploymentID.String(), pl.StatusChangedAt.T
		sha := pl.ShortSHA.String()
		if i := strings.LastIndex(pl.CommitURL.String(), "/commit/"); i >= 0 {
			sha = pl.CommitURL.String()[i+len("/commit/"):]
		}
		// The API's deployment object, from the event's fields.
		dep := map[string]any{
			"id":          pl.DeploymentID.String(),
			"status":      pl.Status.String(),
			"sha":         sha,
			"environment": map[string]any{"name": pl.Environment.String()},
			"project":     map[string]any{"name": pl.Project.Name.String()},
			"deployable":  map[string]any{"web_url": pl.DeployableURL.String()},
		}
		if pl.StatusChangedAt.T != nil {
			dep["updated_at"] = pl.StatusChangedAt.T.Format(time.RFC3339Nano)
		}
		b, err := runParser("gitlab-deployments", "gitlab", opt, []any{dep}, (*parser).gitlabDeployments)
		return b, ev, err
	case "pipeline":
		var pl struct {
			Attrs struct {
				ID         jstr  `json:"id"`
				Name       jstr  `json:"name"`
				Ref        jstr  `json:"ref"`
				Tag        bool  `json:"tag"`
				SHA        jstr  `json:"sha"`
				Source     jstr  `json:"source"`
				Status     jstr  `json:"status"`
				CreatedAt  jtime `json:"created_at"`
				FinishedAt jtime `json:"finished_at"`
				URL        jstr  `json:"url"`
			} `json:"object_attributes"`
			Project glProject `json:"project"`
			Commit  struct {
				Timestamp jtime `json:"timestamp"`
			} `json:"commit"`
		}
		if err := unmarshalPayload(body, &pl); err != nil {
			return nil, ev, err
		}
		a := pl.Attrs
		ev.Subject = "deploy:pipeline:" + a.ID.String()
		ev.OccurredAt = a.FinishedAt.T
		if ev.OccurredAt == nil {
			ev.OccurredAt = a.CreatedAt.T
		}
		if w := strings.TrimSpace(opt.Workflow); w != "" && !strings.EqualFold(w, a.Name.String()) {
			ev.Ignored = fmt.Sprintf("pipeline %s (%q) is not the deploy pipeline %q", a.ID.String(), a.Name.String(), w)
			return nil, ev, nil
		}
		def := firstNonEmpty(pl.Project.DefaultBranch.String(), "main")
		if strings.HasPrefix(a.Source.String(), "merge_request") || !a.Tag && a.Ref.String() != def {
			ev.Ignored = fmt.Sprintf("pipeline %s ran for %s (ref %s); only pipelines of the default branch %s or of tags deploy",
				a.ID.String(), firstNonEmpty(a.Source.String(), "a push"), a.Ref.String(), def)
			return nil, ev, nil
		}
		if _, pending, ok := gitlabStatus(a.Status.String()); pending || !ok {
			ev.Ignored = fmt.Sprintf("pipeline %s is %s, not finished", a.ID.String(), a.Status.String())
			return nil, ev, nil
		}
		deployable := map[string]any{"tag": a.Tag, "ref": a.Ref.String(), "web_url": a.URL.String()}
		if a.CreatedAt.T != nil {
			deployable["started_at"] = a.CreatedAt.T.Format(time.RFC3339Nano)
		}
		if pl.Commit.Timestamp.T != nil {
			deployable["commit"] = map[string]any{"committed_date": pl.Commit.Timestamp.T.Format(time.RFC3339Nano)}
		}
		dep := map[string]any{
			// Pipelines and deployments share the gitlab source: the
			// prefix keeps their ids apart.
			"id":         "pipeline:" + a.ID.String(),
			"status":     a.Status.String(),
			"sha":        a.SHA.String(),
			"project":    map[string]any{"name": pl.Project.Name.String()},
			"deployable": deployable,
		}
		if a.FinishedAt.T != nil {
			dep["finished_at"] = a.FinishedAt.T.Format(time.RFC3339Nano)
		}
		b, err := runParser("gitlab-deployments", "gitlab", opt, []any{dep}, (*parser).gitlabDeployments)
		return b, ev, err
	}
	ev.Ignored = fmt.Sprintf("GitLab event %q is not a deploy event (send Deployment or Pipeline events)", firstNonEmpty(kind.ObjectKind, event))
	return nil, ev, nil
}

// pdLifecycle are the v3 incident events whose data is the incident.
var pdLifecycle = map[string]bool{
	"incident.triggered": true, "incident.acknowledged": true, "incident.unacknowledged": true, "incident.resolved": true,
	"incident.reopened": true, "incident.priority_updated": true, "incident.escalated": true, "incident.reassigned": true,
	"incident.delegated": true,
}

func pagerDutyWebhook(body []byte, opt Options) (*imports.Batch, WebhookEvent, error) {
	var pl struct {
		Event struct {
			ID           jstr                       `json:"id"`
			EventType    string                     `json:"event_type"`
			ResourceType string                     `json:"resource_type"`
			OccurredAt   jtime                      `json:"occurred_at"`
			Data         map[string]json.RawMessage `json:"data"`
		} `json:"event"`
	}
	if err := unmarshalPayload(body, &pl); err != nil {
		return nil, WebhookEvent{}, err
	}
	e := pl.Event
	ev := WebhookEvent{Kind: e.EventType, OccurredAt: e.OccurredAt.T}
	if e.EventType == "" {
		return nil, ev, fmt.Errorf("%w: no event.event_type (a v3 webhook payload has one)", ErrWebhookPayload)
	}
	var dataType, id jstr
	_ = json.Unmarshal(e.Data["type"], &dataType)
	_ = json.Unmarshal(e.Data["id"], &id)
	if e.ResourceType != "incident" || !pdLifecycle[e.EventType] || dataType.String() != "incident" {
		ev.Ignored = fmt.Sprintf("PagerDuty event %s changes no incident's lifecycle", e.EventType)
		return nil, ev, nil
	}
	ev.Subject = "incident:" + id.String()
	if e.OccurredAt.T == nil {
		return nil, ev, fmt.Errorf("%w: no event.occurred_at", ErrWebhookPayload)
	}
	at, _ := json.Marshal(e.OccurredAt.T.Format(time.RFC3339Nano))
	inc := e.Data
	derived := false
	if len(inc["created_at"]) == 0 || string(inc["created_at"]) == "null" {
		// v3 incident data may lack created_at: the event time stands in
		// for a new incident and never replaces a stored detection time.
		inc["created_at"] = at
		derived = true
	}
	inc["last_status_change_at"] = at
	switch e.EventType {
	case "incident.acknowledged":
		inc["acknowledgements"], _ = json.Marshal([]map[string]json.RawMessage{{"at": at}})
	case "incident.resolved":
		if len(inc["resolved_at"]) == 0 || string(inc["resolved_at"]) == "null" {
			inc["resolved_at"] = at
		}
	}
	b, err := runParser("pagerduty-api", "pagerduty", opt, map[string]any{"incidents": []any{inc}}, (*parser).pagerDutyAPI)
	if err == nil && derived {
		b.Derived = map[string][]string{"incidents": {"detected_at"}, "pages": {"triggered_at"}}
	}
	return b, ev, err
}

// ogActions map an Opsgenie alert action to the status it leaves.
var ogActions = map[string]string{"Create": "open", "Acknowledge": "open", "Close": "closed"}

func opsgenieWebhook(body []byte, opt Options) (*imports.Batch, WebhookEvent, error) {
	var pl struct {
		Action string `json:"action"`
		Alert  struct {
			AlertID   jstr            `json:"alertId"`
			TinyID    jstr            `json:"tinyId"`
			Message   jstr            `json:"message"`
			Tags      []jstr          `json:"tags"`
			Entity    jstr            `json:"entity"`
			Alias     jstr            `json:"alias"`
			Source    jstr            `json:"source"`
			Priority  jstr            `json:"priority"`
			Username  jstr            `json:"username"`
			Details   map[string]jstr `json:"details"`
			CreatedAt jstr            `json:"createdAt"`
			UpdatedAt jstr            `json:"updatedAt"`
		} `json:"alert"`
	}
	if err := unmarshalPayload(body, &pl); err != nil {
		return nil, WebhookEvent{}, err
	}
	a := pl.Alert
	ev := WebhookEvent{Kind: pl.Action, Subject: "page:" + a.AlertID.String()}
	if pl.Action == "" || a.AlertID.String() == "" {
		return nil, ev, fmt.Errorf("%w: no action or alert.alertId", ErrWebhookPayload)
	}
	status, ok := ogActions[pl.Action]
	if !ok {
		ev.Ignored = fmt.Sprintf("Opsgenie action %s does not change when a page was triggered, acknowledged or closed", pl.Action)
		return nil, ev, nil
	}
	created, err := epochTime(a.CreatedAt.String())
	if err != nil {
		return nil, ev, fmt.Errorf("%w: alert.createdAt: %v", ErrWebhookPayload, err)
	}
	updated, err := epochTime(a.UpdatedAt.String())
	if err != nil {
		return nil, ev, fmt.Errorf("%w: alert.updatedAt: %v", ErrWebhookPayload, err)
	}
	ev.OccurredAt = &updated
	if pl.Action == "Create" {
		ev.OccurredAt = &created
	}
	item := map[string]any{
		"id": a.AlertID.String(), "tinyId": a.TinyID.String(), "message": strings.TrimSpace(a.Message.String()),
		"status": status, "createdAt": created.Format(time.RFC3339Nano), "priority": a.Priority.String(),
		"tags": a.Tags, "details": a.Details, "entity": a.Entity.String(), "source": a.Source.String(), "alias": a.Alias.String(),
	}
	since := updated.Sub(created).Milliseconds()
	switch pl.Action {
	case "Acknowledge":
		item["acknowledged"] = true
		item["report"] = map[string]any{"ackTime": since}
	case "Close":
		item["report"] = map[string]any{"closeTime": since, "closedBy": a.Username.String()}
	}
	b, err := runParser("opsgenie-api", "opsgenie", opt, map[string]any{"data": []any{item}}, (*parser).opsgenie)
	return b, ev, err
}

// epochTime reads an Opsgenie epoch timestamp: the alert action data gives
// createdAt in milliseconds and updatedAt in nanoseconds.
func epochTime(s string) (time.Time, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, fmt.Errorf("%q is not an epoch timestamp", s)
	}
	switch {
	case n > 1e17:
		return time.Unix(0, n).UTC(), nil
	case n > 1e14:
		return time.UnixMicro(n).UTC(), nil
	case n > 1e11:
		return time.UnixMilli(n).UTC(), nil
	}
	return time.Unix(n, 0).UTC(), nil
}
