package web

import (
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/views"
)

// listDeploys shows deploys filtered by service, tier, status and period.
func (h *Handler) listDeploys(c echo.Context) error {
	ctx := c.Request().Context()
	st, err := h.store.Settings(ctx)
	if err != nil {
		return err
	}
	q, err := h.parseListQuery(c, st, "-finished")
	if err != nil {
		return err
	}
	q.filter.Status = q.status
	page, err := h.store.Deploys(ctx, q.filter)
	if err != nil {
		return err
	}
	filters, err := h.commonFilters(c, q)
	if err != nil {
		return err
	}
	filters = append(filters, views.Filter{Name: "status", Label: "Status",
		Options: options(q.status, "", "Any status", "success", "Success", "failed", "Failed", "cancelled", "Cancelled")})
	const path = "/deploys"
	v := views.RecordList{
		Layout: h.layout(c, "Deploys", views.NavDeploys), Action: path, Filters: filters,
		Hidden: []views.Option{{Text: "sort", Value: q.sort}},
		Table: views.Table{TestID: "deploys", Empty: "No deploys match these filters.",
			Columns: []views.Column{
				q.column(path, "Finished", "finished", false), {Label: "Service"}, {Label: "Version"},
				q.column(path, "Environment", "environment", false), q.column(path, "Status", "status", false),
				{Label: "Kind"}, {Label: "Lead time", Numeric: true},
			}},
		Pager: q.pager(path, len(page.Rows), page.Next),
	}
	for _, d := range page.Rows {
		v.Table.Rows = append(v.Table.Rows, deployRow(d, q.loc))
	}
	return ok(c, views.RecordListPage(v))
}

func deployRow(d analytics.Deploy, loc *time.Location) []views.Cell {
	href := idHref("/deploys/", d.ID)
	kind := "deploy"
	switch {
	case d.IsRollback:
		kind = "rollback"
	case d.IsHotfix:
		kind = "hotfix"
	}
	lead := views.Cell{Text: "—", Class: "num"}
	if d.CommitAt != nil {
		lead.Text = fmtDuration(d.FinishedAt.Sub(*d.CommitAt))
	}
	version := d.Version
	if version == "" {
		version = d.ExternalID
	}
	return []views.Cell{
		{Text: fmtTime(d.FinishedAt, loc), Href: href},
		{Text: d.Service, Href: serviceHref(d.Service)},
		{Text: version, Href: href},
		{Text: d.Environment},
		{Text: d.Status, Class: "dep-" + d.Status},
		{Text: kind},
		lead,
	}
}
