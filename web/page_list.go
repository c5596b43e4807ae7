package web

import (
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/views"
)

// listPages shows pages (alerts) filtered by service, tier, acknowledgement and period.
func (h *Handler) listPages(c echo.Context) error {
	ctx := c.Request().Context()
	st, err := h.store.Settings(ctx)
	if err != nil {
		return err
	}
	q, err := h.parseListQuery(c, st, "-triggered")
	if err != nil {
		return err
	}
	q.filter.Status = q.status
	drill, err := parsePageDrill(c, q.loc, q.period)
	if err != nil {
		return err
	}
	var keep func(analytics.Page) bool
	if drill.active() {
		env, err := h.env(ctx)
		if err != nil {
			return err
		}
		drill.withSettings(env, q.period)
		keep, q.extra = drill.keep, drill.params()
	}
	page, err := h.store.PagesWhere(ctx, q.filter, keep)
	if err != nil {
		return err
	}
	filters, err := h.commonFilters(c, q)
	if err != nil {
		return err
	}
	filters = append(filters, views.Filter{Name: "status", Label: "Status",
		Options: options(q.status, "", "All pages", "acked", "Acknowledged", "unacked", "Never acknowledged", "linked", "Linked to an incident")})
	const path = "/pages"
	v := views.RecordList{
		Layout: h.layout(c, "Pages", views.NavPages), Action: path, Filters: filters,
		Hidden: []views.Option{{Text: "sort", Value: q.sort}},
		Table: views.Table{TestID: "pages", Empty: "No pages match these filters.",
			Columns: []views.Column{
				q.column(path, "Triggered", "triggered", false), {Label: "Service"}, {Label: "Title"},
				q.column(path, "Urgency", "urgency", false), {Label: "Time to ack", Numeric: true},
				{Label: "Incident"}, {Label: "Actionable"},
			}},
		Pager: q.pager(path, len(page.Rows), page.Next),
	}
	if drill.active() {
		v.Summary = drill.summary()
		for k, val := range drill.params() { // the filter form keeps the drill-down
			v.Hidden = append(v.Hidden, views.Option{Text: k, Value: val})
		}
		slices.SortFunc(v.Hidden, func(a, b views.Option) int { return strings.Compare(a.Text, b.Text) })
	}
	for _, p := range page.Rows {
		v.Table.Rows = append(v.Table.Rows, pageRow(p, q.loc))
	}
	return ok(c, views.RecordListPage(v))
}

func pageRow(p analytics.Page, loc *time.Location) []views.Cell {
	href := idHref("/pages/", p.ID)
	ack := views.Cell{Text: "not acked", Class: "num"}
	if p.AcknowledgedAt != nil {
		ack.Text = fmtDuration(p.AcknowledgedAt.Sub(p.TriggeredAt))
	}
	inc := views.Cell{Text: "—"}
	if p.IncidentID != nil {
		inc = views.Cell{Text: "#" + itoa64(*p.IncidentID), Href: idHref("/incidents/", *p.IncidentID)}
	}
	title := p.Title
	if title == "" {
		title = p.ExternalID
	}
	return []views.Cell{
		{Text: fmtTime(p.TriggeredAt, loc), Href: href},
		{Text: p.Service, Href: serviceHref(p.Service)},
		{Text: title, Href: href},
		{Text: p.Urgency},
		ack,
		inc,
		{Text: actionableText(p.Actionable)},
	}
}

func actionableText(a *bool) string {
	switch {
	case a == nil:
		return "not classified"
	case *a:
		return "yes"
	}
	return "no (noise)"
}
