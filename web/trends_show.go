package web

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/views"
)

// trendSpans are the lengths the trends page offers, in months.
var trendSpans = []int{6, 12, 24}

// trendSpan reads ?months= (6, 12 or 24; default trendMonths).
func trendSpan(c echo.Context) (int, error) {
	v := c.QueryParam("months")
	if v == "" {
		return trendMonths, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || !slices.Contains(trendSpans, n) {
		return 0, badRequest("months must be 6, 12 or 24")
	}
	return n, nil
}

// showTrends shows the organisation (or one tier or team) over 6, 12 or
// 24 months ending with the chosen period: the service page's charts plus
// the DORA band of every month.
func (h *Handler) showTrends(c echo.Context) error {
	ctx := acceptStale(c) // an interactive page: labelled when its figures are from before the latest change
	env, err := h.env(ctx)
	if err != nil {
		return err
	}
	q, err := h.parseScorecardQuery(c, env.Settings)
	if err != nil {
		return err
	}
	span, err := trendSpan(c)
	if err != nil {
		return err
	}
	services, err := env.Filter(q.scope)
	if err != nil {
		return unwrapNotFound(err)
	}
	card, err := h.card(ctx, env, q.period, q.scope)
	if err != nil {
		return err
	}
	row := card.Org
	if q.scope.Tier != nil && len(card.Tiers) == 1 {
		row = card.Tiers[0]
	}
	ser, err := h.series(ctx, env, q.period, q.scope, services, span)
	if err != nil {
		return err
	}
	months, series := ser.months, ser.results
	teams, err := h.store.Teams(ctx)
	if err != nil {
		return err
	}
	dora := views.Table{TestID: "dora-bands", Caption: "DORA performance band of each month (2023 State of DevOps clusters; docs/metrics.md)",
		Columns: []views.Column{{Label: "Month"}, {Label: "Deployment frequency"}, {Label: "Lead time"}, {Label: "Change failure rate"}, {Label: "Recovery time"}}}
	for i, m := range months {
		b := ser.bands[i]
		cell := func(metric string) views.Cell {
			if b[metric] == "" {
				return views.Cell{Text: "no data", Class: "st-no_data"}
			}
			return views.Cell{Text: b[metric], Class: "band band-" + b[metric]}
		}
		dora.Rows = append(dora.Rows, []views.Cell{{Text: m.From.Format("January 2006")}, cell(analytics.DoraDeployFrequency),
			cell(analytics.DoraLeadTimeHours), cell(analytics.DoraChangeFailureRate), cell(analytics.DoraRecoveryHours)})
	}
	title := "Organisation trends"
	switch {
	case q.scope.Tier != nil:
		title = "Tier " + strconv.Itoa(*q.scope.Tier) + " trends"
	case q.team != "":
		title = "Team " + q.team + " trends"
	}
	// The title names the months shown: the span and its end are choices.
	title += fmt.Sprintf(" · %s – %s", months[0].From.Format("Jan 2006"), months[len(months)-1].From.Format("Jan 2006"))
	l := h.layout(c, title, views.NavTrends)
	l.Period = h.picker(c, q.period)
	l.Charts = true
	teamOpts := []views.Option{{Value: "", Text: "All teams"}}
	for _, t := range teams {
		teamOpts = append(teamOpts, views.Option{Value: t.Name, Text: t.Name, Selected: t.Name == q.team})
	}
	spanOpts := make([]views.Option, len(trendSpans))
	for i, n := range trendSpans {
		spanOpts[i] = views.Option{Value: strconv.Itoa(n), Text: strconv.Itoa(n) + " months", Selected: n == span}
	}
	v := views.Dashboard{Layout: l, Action: "/trends",
		Filters: []views.Filter{
			{Name: "team", Label: "Team", Options: teamOpts},
			{Name: "tier", Label: "Tier", Options: options(q.tier, "", "All tiers", "0", "Tier 0", "1", "Tier 1", "2", "Tier 2", "3", "Tier 3")},
			{Name: "months", Label: "Months", Options: spanOpts},
			{Name: "period", Label: "Ending with", Value: q.period.Label, Placeholder: "2026-10 or 2026-Q3"},
		},
		Tiles:    tiles(row, nil, q.period, q.scope),
		Charts:   h.charts.trendCharts(ctx, "trend", months, series, env, q.scope.Tier, importHref(c)),
		Sections: []views.Section{{Title: "DORA bands", Table: dora}},
	}
	if ser.empty {
		v.Tiles, v.Charts, v.Sections = nil, nil, nil
		v.NoData = h.noData(c, fmt.Sprintf("No incident, deploy, page or SLO measurement in the %d months shown. Trends appear once data is imported.", span))
	}
	return ok(c, views.DashboardPage(v))
}
