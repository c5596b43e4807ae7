package web

import (
	"cmp"
	"context"
	"slices"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/report"
	"sreport/analytics/scorecard"
	"sreport/chromium"
	"sreport/views"
)

// listReports lists the months and quarters that have data, newest first,
// each with its printable report and downloads, for the chosen scope.
func (h *Handler) listReports(c echo.Context) error {
	ctx := c.Request().Context()
	req, _, err := parseReportRequest(c)
	if err != nil {
		return err
	}
	st, err := h.store.Settings(ctx)
	if err != nil {
		return err
	}
	// The months with data change only with the data: one look per data
	// version, however many viewers open the list.
	months, err := scorecard.Do(ctx, h.cache, h.store, "report-months|"+st.Location().String(), func(ctx context.Context) ([]analytics.Period, error) {
		return h.store.ReportMonths(ctx, st.Location())
	})
	if err != nil {
		return err
	}
	teams, err := h.store.Teams(ctx)
	if err != nil {
		return err
	}
	periods := slices.Clone(months)
	seen := map[string]bool{}
	for _, m := range months {
		q := analytics.QuarterOf(m.From, m.Loc)
		if !seen[q.Label] {
			seen[q.Label] = true
			periods = append(periods, q)
		}
	}
	// Newest first; a quarter comes before the last month it contains.
	slices.SortStableFunc(periods, func(a, b analytics.Period) int {
		return cmp.Or(b.To.Compare(a.To), cmp.Compare(kindRank(a), kindRank(b)))
	})
	_, pdf := chromium.Path()
	now := h.cfg.Now()
	v := views.ReportIndex{Layout: h.layout(c, "Reports", views.NavReports), Empty: "No incidents, deploys or pages imported yet: import data to get reports."}
	tier := c.QueryParam("tier")
	teamOpts := []views.Option{{Value: "", Text: "All teams"}}
	for _, t := range teams {
		teamOpts = append(teamOpts, views.Option{Value: t.Name, Text: t.Name, Selected: t.Name == req.Team})
	}
	v.Filters = []views.Filter{
		{Name: "team", Label: "Team", Options: teamOpts},
		{Name: "tier", Label: "Tier", Options: options(tier, "", "All tiers", "0", "Tier 0", "1", "Tier 1", "2", "Tier 2", "3", "Tier 3")},
	}
	if !pdf {
		v.PDFNote = pdfMissingNote
	}
	for _, p := range periods {
		rp := views.ReportPeriod{Title: report.Title(p), Label: p.Label, Kind: "Month", InProgress: p.To.After(now),
			Href: req.href(p.Label, ""), HTMLHref: req.href(p.Label, ".html"), TestID: "report-" + p.Label}
		if p.Kind == analytics.Quarter {
			rp.Kind = "Quarter"
		}
		if pdf {
			rp.PDFHref = req.href(p.Label, ".pdf")
		}
		v.Periods = append(v.Periods, rp)
	}
	return ok(c, views.ReportIndexPage(v))
}

func kindRank(p analytics.Period) int {
	if p.Kind == analytics.Quarter {
		return 0
	}
	return 1
}
