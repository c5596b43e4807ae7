package web

import (
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/views"
)

func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound("record")
	}
	return id, nil
}

// showIncident shows one incident with its timeline, pages and action items.
func (h *Handler) showIncident(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c)
	if err != nil {
		return err
	}
	st, err := h.store.Settings(ctx)
	if err != nil {
		return err
	}
	in, err := h.store.IncidentByID(ctx, id)
	if err != nil {
		return notFoundOr(err, "incident")
	}
	pages, err := h.store.PagesForIncident(ctx, id)
	if err != nil {
		return err
	}
	items, err := h.store.ActionItemsForIncident(ctx, id)
	if err != nil {
		return err
	}
	loc := st.Location()
	sev := sevLabel(in.Severity)
	if in.SeverityRaw != "" {
		sev += " (source: " + in.SeverityRaw + ")"
	}
	facts := []views.Fact{
		{Label: "Service", Value: in.Service, Href: serviceHref(in.Service)},
		{Label: "Severity", Value: sev},
		{Label: "Status", Value: in.Status},
		{Label: "Customer impacting", Value: yesNo(in.CustomerImpacting)},
		{Label: "Source", Value: in.Source + " " + in.ExternalID, Href: safeExternal(in.URL)},
	}
	for _, f := range []struct{ label, val string }{{"Root cause", in.RootCause}, {"Category", in.Category},
		{"Problem reference", in.ProblemRef}, {"Change reference", in.CausedByRef}} {
		if f.val != "" {
			facts = append(facts, views.Fact{Label: f.label, Value: f.val})
		}
	}
	if in.CausedByDeployID != nil {
		facts = append(facts, views.Fact{Label: "Caused by deploy", Value: "#" + itoa64(*in.CausedByDeployID), Href: idHref("/deploys/", *in.CausedByDeployID)})
	}
	if in.PostmortemURL != "" {
		facts = append(facts, views.Fact{Label: "Postmortem", Value: in.PostmortemURL, Href: safeExternal(in.PostmortemURL)})
	}

	timeline := views.Table{TestID: "timeline", Columns: []views.Column{{Label: "Event"}, {Label: "When"}, {Label: "Since detection", Numeric: true}}}
	for _, ev := range incidentTimeline(in) {
		since := ""
		if ev.at != nil {
			since = fmtDuration(ev.at.Sub(in.DetectedAt))
		}
		timeline.Rows = append(timeline.Rows, []views.Cell{{Text: ev.name}, {Text: fmtTimePtr(ev.at, loc)}, {Text: since, Class: "num"}})
	}
	pageTable := views.Table{TestID: "incident-pages", Empty: "No pages linked to this incident.",
		Columns: []views.Column{{Label: "Triggered"}, {Label: "Service"}, {Label: "Title"}, {Label: "Urgency"}, {Label: "Time to ack", Numeric: true}, {Label: "Incident"}, {Label: "Actionable"}}}
	for _, p := range pages {
		pageTable.Rows = append(pageTable.Rows, pageRow(p, loc))
	}
	itemTable := views.Table{TestID: "action-items", Empty: "No action items recorded.",
		Columns: []views.Column{{Label: "Action item"}, {Label: "Owner"}, {Label: "Due"}, {Label: "Closed"}, {Label: "On time"}}}
	for _, a := range items {
		onTime := "open"
		if a.ClosedAt != nil && a.DueAt != nil {
			onTime = yesNo(!a.ClosedAt.After(*a.DueAt))
		} else if a.DueAt != nil && h.cfg.Now().After(*a.DueAt) {
			onTime = "overdue"
		}
		itemTable.Rows = append(itemTable.Rows, []views.Cell{{Text: a.Title, Href: safeExternal(a.URL)}, {Text: a.Owner},
			{Text: fmtTimePtr(a.DueAt, loc)}, {Text: fmtTimePtr(a.ClosedAt, loc)}, {Text: onTime}})
	}
	v := views.Detail{
		Layout: h.layout(c, "#"+itoa64(in.ID)+" "+in.Title, views.NavIncidents),
		Facts:  facts,
		Sections: []views.Section{
			{Title: "Timeline", Table: timeline},
			{Title: "Pages", Table: pageTable},
			{Title: "Action items", Table: itemTable},
		},
	}
	return ok(c, views.DetailPage(v))
}

type timelineEvent struct {
	name string
	at   *time.Time
}

// incidentTimeline lists the lifecycle events in the order they should happen;
// a missing event stays in the list so the gap is visible.
func incidentTimeline(in analytics.Incident) []timelineEvent {
	det := in.DetectedAt
	return []timelineEvent{
		{"Impact started", in.StartedAt},
		{"Detected", &det},
		{"Acknowledged", in.AcknowledgedAt},
		{"Mitigated", in.MitigatedAt},
		{"Resolved", in.ResolvedAt},
		{"Postmortem due", in.PostmortemDueAt},
		{"Postmortem published", in.PostmortemPublishedAt},
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// safeExternal returns u only when it is an http(s) link, so an imported
// "javascript:" URL can never become a clickable link.
func safeExternal(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") {
		return ""
	}
	return u
}

// showDeploy shows one deploy and the incidents that name it.
func (h *Handler) showDeploy(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c)
	if err != nil {
		return err
	}
	st, err := h.store.Settings(ctx)
	if err != nil {
		return err
	}
	d, err := h.store.DeployByID(ctx, id)
	if err != nil {
		return notFoundOr(err, "deploy")
	}
	loc := st.Location()
	lead := "—"
	if d.CommitAt != nil {
		lead = fmtDuration(d.FinishedAt.Sub(*d.CommitAt))
	}
	facts := []views.Fact{
		{Label: "Service", Value: d.Service, Href: serviceHref(d.Service)},
		{Label: "Environment", Value: d.Environment},
		{Label: "Version", Value: d.Version},
		{Label: "Status", Value: d.Status},
		{Label: "Rollback", Value: yesNo(d.IsRollback)},
		{Label: "Hotfix", Value: yesNo(d.IsHotfix)},
		{Label: "Started", Value: fmtTimePtr(d.StartedAt, loc)},
		{Label: "Finished", Value: fmtTime(d.FinishedAt, loc)},
		{Label: "Commit time", Value: fmtTimePtr(d.CommitAt, loc)},
		{Label: "Lead time", Value: lead},
		{Label: "Source", Value: d.Source + " " + d.ExternalID, Href: safeExternal(d.URL)},
	}
	linked, err := h.store.IncidentsCausedBy(ctx, d.ID)
	if err != nil {
		return err
	}
	q := listQuery{loc: loc}
	t := views.Table{TestID: "deploy-incidents", Empty: "No incident names this deploy as its cause.",
		Columns: []views.Column{{Label: "Detected"}, {Label: "Severity"}, {Label: "Title"}, {Label: "Service"}, {Label: "Status"}, {Label: "Time to resolve", Numeric: true}, {Label: "Customer impact"}}}
	for _, in := range linked {
		t.Rows = append(t.Rows, incidentRow(in, q))
	}
	v := views.Detail{Layout: h.layout(c, "Deploy #"+itoa64(d.ID)+" of "+d.Service, views.NavDeploys), Facts: facts,
		Sections: []views.Section{{Title: "Incidents caused by this deploy", Table: t}}}
	return ok(c, views.DetailPage(v))
}

// showPage shows one page (alert).
func (h *Handler) showPage(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c)
	if err != nil {
		return err
	}
	st, err := h.store.Settings(ctx)
	if err != nil {
		return err
	}
	p, err := h.store.PageByID(ctx, id)
	if err != nil {
		return notFoundOr(err, "page")
	}
	loc := st.Location()
	facts := []views.Fact{
		{Label: "Service", Value: p.Service, Href: serviceHref(p.Service)},
		{Label: "Title", Value: p.Title},
		{Label: "Urgency", Value: p.Urgency},
		{Label: "Triggered", Value: fmtTime(p.TriggeredAt, loc)},
		{Label: "Acknowledged", Value: fmtTimePtr(p.AcknowledgedAt, loc)},
		{Label: "Resolved", Value: fmtTimePtr(p.ResolvedAt, loc)},
		{Label: "Auto-resolved", Value: yesNo(p.AutoResolved)},
		{Label: "Actionable", Value: actionableText(p.Actionable)},
		{Label: "Source", Value: p.Source + " " + p.ExternalID},
	}
	if p.IncidentID != nil {
		facts = append(facts, views.Fact{Label: "Incident", Value: "#" + itoa64(*p.IncidentID), Href: idHref("/incidents/", *p.IncidentID)})
	}
	title := p.Title
	if title == "" {
		title = p.ExternalID
	}
	return ok(c, views.DetailPage(views.Detail{Layout: h.layout(c, "Page: "+title, views.NavPages), Facts: facts}))
}
