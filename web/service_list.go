package web

import (
	"context"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"sreport/analytics/scorecard"
	"sreport/analytics/store"
	"sreport/views"
)

// listServices shows the catalogue with tier, team and the period's record counts.
func (h *Handler) listServices(c echo.Context) error {
	ctx := acceptStale(c) // an interactive page: labelled when its counts are from before the latest change
	st, err := h.store.Settings(ctx)
	if err != nil {
		return err
	}
	p, err := h.periodFromQuery(c, st)
	if err != nil {
		return err
	}
	// Counting every service's records of the period scans the record
	// tables (the largest cost of the page under load, profiled): once
	// per data version and period.
	key := "service-summaries|" + p.Label + "|" + p.Loc.String()
	sums, err := scorecard.Do(ctx, h.counts, h.store, key, func(ctx context.Context) ([]store.ServiceSummary, error) {
		return h.store.ServiceSummaries(ctx, store.TimeRange{From: p.From, To: p.To})
	})
	if err != nil {
		return err
	}
	l := h.layout(c, "Services", views.NavServices)
	l.Period = h.picker(c, p)
	t := views.Table{TestID: "services", Empty: "No services yet: import data or run with --demo.",
		Columns: []views.Column{{Label: "Service"}, {Label: "Tier"}, {Label: "Team"}, {Label: "On-call timezone"},
			{Label: "Incidents", Numeric: true}, {Label: "Open incidents", Numeric: true}, {Label: "Deploys (all environments)", Numeric: true}, {Label: "Pages", Numeric: true}}}
	for _, s := range sums {
		href := serviceHref(s.Name) + "?period=" + p.Label
		q := url.QueryEscape(s.Name)
		t.Rows = append(t.Rows, []views.Cell{
			{Text: s.Name, Href: href, TestID: "service-" + s.Name},
			{Text: "Tier " + strconv.Itoa(s.Tier), Class: "tier tier" + strconv.Itoa(s.Tier)},
			{Text: s.Team},
			{Text: s.OnCallTZ},
			{Text: strconv.Itoa(s.Incidents), Class: "num", Href: "/incidents?service=" + q + "&period=" + p.Label},
			{Text: strconv.Itoa(s.OpenIncidents), Class: "num", Href: "/incidents?status=open&service=" + q},
			{Text: strconv.Itoa(s.Deploys), Class: "num", Href: "/deploys?service=" + q + "&period=" + p.Label},
			{Text: strconv.Itoa(s.Pages), Class: "num", Href: "/pages?service=" + q + "&period=" + p.Label},
		})
	}
	v := views.RecordList{Layout: l, Table: t, Pager: views.Pager{Shown: len(sums)}}
	return ok(c, views.RecordListPage(v))
}
