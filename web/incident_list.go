package web

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/views"
)

// listIncidents shows incidents filtered by service, tier, severity, status and period.
func (h *Handler) listIncidents(c echo.Context) error {
	ctx := c.Request().Context()
	st, err := h.store.Settings(ctx)
	if err != nil {
		return err
	}
	q, err := h.parseListQuery(c, st, "-detected")
	if err != nil {
		return err
	}
	q.filter.Status = q.status
	page, err := h.store.Incidents(ctx, q.filter)
	if err != nil {
		return err
	}
	filters, err := h.commonFilters(c, q)
	if err != nil {
		return err
	}
	filters = append(filters,
		views.Filter{Name: "severity", Label: "Severity", Options: options(q.severity, "", "All severities", "sev1", "Sev1", "sev2", "Sev2", "sev3", "Sev3", "sev4", "Sev4")},
		views.Filter{Name: "status", Label: "Status", Options: options(q.status, "", "Any status", "open", "Open", "resolved", "Resolved")})
	const path = "/incidents"
	v := views.RecordList{
		Layout:  h.layout(c, "Incidents", views.NavIncidents),
		Action:  path,
		Filters: filters,
		Hidden:  []views.Option{{Text: "sort", Value: q.sort}},
		Table: views.Table{TestID: "incidents", Empty: "No incidents match these filters.",
			Columns: []views.Column{
				q.column(path, "Detected", "detected", false),
				q.column(path, "Severity", "severity", false),
				q.column(path, "Title", "title", false),
				{Label: "Service"}, {Label: "Status"}, {Label: "Time to resolve", Numeric: true}, {Label: "Customer impact"},
			}},
		Pager: q.pager(path, len(page.Rows), page.Next),
	}
	for _, in := range page.Rows {
		v.Table.Rows = append(v.Table.Rows, incidentRow(in, q))
	}
	return ok(c, views.RecordListPage(v))
}

func incidentRow(in analytics.Incident, q listQuery) []views.Cell {
	href := idHref("/incidents/", in.ID)
	ttr := views.Cell{Text: "open", Class: "num st-open"}
	if in.ResolvedAt != nil {
		ttr = views.Cell{Text: fmtDuration(in.ResolvedAt.Sub(in.DetectedAt)), Class: "num"}
	}
	impact := ""
	if in.CustomerImpacting {
		impact = "yes"
	}
	status := in.Status
	if in.ResolvedAt == nil && status == analytics.StatusResolved {
		status = analytics.StatusOpen
	}
	return []views.Cell{
		{Text: fmtTime(in.DetectedAt, q.loc), Href: href},
		{Text: sevLabel(in.Severity), Class: "sev sev" + strconv.Itoa(in.Severity)},
		{Text: in.Title, Href: href},
		{Text: in.Service, Href: serviceHref(in.Service)},
		{Text: status},
		ttr,
		{Text: impact},
	}
}
