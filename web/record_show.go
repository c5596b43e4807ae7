package web

import (
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"sreport/views"
)

func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound("record")
	}
	return id, nil
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
		{Label: "Performance regression", Value: perfFlagText(d.PerfRegression), TestID: "perf-regression"},
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
	if canSeePeople(c, st) {
		facts = append(facts, responderFacts(pageResponders(p))...)
	}
	title := p.Title
	if title == "" {
		title = p.ExternalID
	}
	return ok(c, views.DetailPage(views.Detail{Layout: h.layout(c, "Page: "+title, views.NavPages), Facts: facts}))
}

// perfFlagText says a deploy's regression flag: "yes", "no", or that the
// source did not say (which perf_regression_rate leaves out).
func perfFlagText(b *bool) string {
	if b == nil {
		return "not recorded"
	}
	return yesNo(*b)
}
