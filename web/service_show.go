package web

import (
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"sreport/analytics/store"
	"sreport/views"
)

// showService shows one service: its facts and the period's incidents, deploys and pages.
func (h *Handler) showService(c echo.Context) error {
	ctx := c.Request().Context()
	st, err := h.store.Settings(ctx)
	if err != nil {
		return err
	}
	p, err := h.periodFromQuery(c, st)
	if err != nil {
		return err
	}
	sv, err := h.store.ServiceByName(ctx, c.Param("name"))
	if err != nil {
		return notFoundOr(err, "service")
	}
	loc := st.Location()
	f := store.ListFilter{ServiceID: sv.ID, Range: store.TimeRange{From: p.From, To: p.To}, Desc: true, Limit: 25}
	incs, err := h.store.Incidents(ctx, f)
	if err != nil {
		return err
	}
	deps, err := h.store.Deploys(ctx, f)
	if err != nil {
		return err
	}
	pgs, err := h.store.Pages(ctx, f)
	if err != nil {
		return err
	}
	q := listQuery{loc: loc}
	incT := views.Table{TestID: "service-incidents", Empty: "No incidents in this period.",
		Columns: []views.Column{{Label: "Detected"}, {Label: "Severity"}, {Label: "Title"}, {Label: "Service"}, {Label: "Status"}, {Label: "Time to resolve", Numeric: true}, {Label: "Customer impact"}}}
	for _, in := range incs.Rows {
		incT.Rows = append(incT.Rows, incidentRow(in, q))
	}
	depT := views.Table{TestID: "service-deploys", Empty: "No deploys in this period.",
		Columns: []views.Column{{Label: "Finished"}, {Label: "Service"}, {Label: "Version"}, {Label: "Environment"}, {Label: "Status"}, {Label: "Kind"}, {Label: "Lead time", Numeric: true}}}
	for _, d := range deps.Rows {
		depT.Rows = append(depT.Rows, deployRow(d, loc))
	}
	pgT := views.Table{TestID: "service-pages", Empty: "No pages in this period.",
		Columns: []views.Column{{Label: "Triggered"}, {Label: "Service"}, {Label: "Title"}, {Label: "Urgency"}, {Label: "Time to ack", Numeric: true}, {Label: "Incident"}, {Label: "Actionable"}}}
	for _, pg := range pgs.Rows {
		pgT.Rows = append(pgT.Rows, pageRow(pg, loc))
	}
	all := func(kind string, next string) string {
		if next == "" {
			return ""
		}
		return "/" + kind + "?service=" + url.QueryEscape(sv.Name) + "&period=" + p.Label
	}
	l := h.layout(c, sv.Name, views.NavServices)
	l.Period = picker(c, p)
	v := views.Detail{Layout: l,
		Facts: []views.Fact{
			{Label: "Tier", Value: "Tier " + strconv.Itoa(sv.Tier)},
			{Label: "Team", Value: sv.Team},
			{Label: "On-call timezone", Value: sv.OnCallTZ},
			{Label: "Description", Value: sv.Description},
		},
		Sections: []views.Section{
			{Title: "Incidents", Table: incT, MoreHref: all("incidents", incs.Next)},
			{Title: "Deploys", Table: depT, MoreHref: all("deploys", deps.Next)},
			{Title: "Pages", Table: pgT, MoreHref: all("pages", pgs.Next)},
		},
	}
	return ok(c, views.DetailPage(v))
}
