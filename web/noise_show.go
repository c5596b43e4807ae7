package web

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/kpifmt"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
	"sreport/views"
)

// noiseTop is how many alerts and services the noise page lists.
const noiseTop = 10

// showNoise is the alert noise analysis of a period and scope: the alerts
// and services that page most, when pages arrive, and the actionable share,
// each linking to the pages behind it.
func (h *Handler) showNoise(c echo.Context) error {
	ctx := c.Request().Context()
	env, err := h.env(ctx)
	if err != nil {
		return err
	}
	p, err := h.periodFromQuery(c, env.Settings)
	if err != nil {
		return err
	}
	sc, err := scopeFromQuery(c)
	if err != nil {
		return err
	}
	services, err := env.Filter(sc)
	if err != nil {
		return unwrapNotFound(err)
	}
	var pages []analytics.Page
	if len(services) > 0 {
		var ids []int64 // nil, every service, for the whole organisation
		if sc != (scorecard.Scope{}) {
			for _, s := range services {
				ids = append(ids, s.ID)
			}
		}
		if pages, err = h.store.PagesInRange(ctx, ids, store.TimeRange{From: p.From, To: p.To}); err != nil {
			return err
		}
	}
	teams, err := h.store.Teams(ctx)
	if err != nil {
		return err
	}
	a := analytics.AnalyseNoise(pages, p, env.SettingsFor(p))

	l := h.layout(c, "Alert noise", views.NavNoise)
	l.Period = h.picker(c, p)
	v := views.Noise{Layout: l, Action: "/noise", Filters: noiseFilters(env, teams, sc, p)}
	if a.Pages == 0 {
		v.NoData = h.noData(c, "No pages in "+periodTitle(p)+" for these filters. The analysis appears once pages are imported or arrive by webhook.")
		return ok(c, views.NoisePage(v))
	}
	drill := noiseLinks{period: p.Label, sc: sc}
	v.Tiles = noiseTiles(a, drill)
	v.Alerts = noiseAlertTable(a, drill, p.Loc)
	v.Services = noiseServiceTable(a, drill, p.Loc)
	v.Heat = noiseHeat(a, drill, p)
	return ok(c, views.NoisePage(v))
}

// noiseFilters are the page's controls: service, team, tier and period,
// as on the other pages.
func noiseFilters(env scorecard.Env, teams []analytics.Team, sc scorecard.Scope, p analytics.Period) []views.Filter {
	svc := []views.Option{{Value: "", Text: "All services"}}
	for _, s := range env.Services {
		svc = append(svc, views.Option{Value: s.Name, Text: s.Name, Selected: s.Name == sc.Service})
	}
	team := []views.Option{{Value: "", Text: "All teams"}}
	for _, t := range teams {
		team = append(team, views.Option{Value: t.Name, Text: t.Name, Selected: t.Name == sc.Team})
	}
	tier := ""
	if sc.Tier != nil {
		tier = strconv.Itoa(*sc.Tier)
	}
	return []views.Filter{
		{Name: "service", Label: "Service", Options: svc},
		{Name: "team", Label: "Team", Options: team},
		{Name: "tier", Label: "Tier", Options: options(tier, "", "All tiers", "0", "Tier 0", "1", "Tier 1", "2", "Tier 2", "3", "Tier 3")},
		{Name: "period", Label: "Period", Value: p.Label, Placeholder: "2026-10 or 2026-Q3"},
	}
}

// noiseLinks builds drill-down links into the pages list that keep the
// page's period and scope.
type noiseLinks struct {
	period string
	sc     scorecard.Scope
}

// href is the pages list with the page's filters plus kv.
func (n noiseLinks) href(kv ...string) string {
	v := url.Values{"period": {n.period}}
	if n.sc.Service != "" {
		v.Set("service", n.sc.Service)
	}
	if n.sc.Team != "" {
		v.Set("team", n.sc.Team)
	}
	if n.sc.Tier != nil {
		v.Set("tier", strconv.Itoa(*n.sc.Tier))
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return "/pages?" + v.Encode()
}

// share renders a noise or actionable share with its sample, marked when
// the sample is below the alert noise ratio's minimum.
func share(n, of, minSample int) views.Cell {
	if of == 0 {
		return views.Cell{Text: "—", Class: "num"}
	}
	f := kpifmt.ForUnit(analytics.UnitRatio)
	c := views.Cell{Text: f.Value(float64(n) / float64(of)), Class: "num"}
	if of < minSample {
		c.Class += " st-low_sample"
		c.Title = fmt.Sprintf("only %d pages, fewer than the %d the alert noise ratio is judged on", of, minSample)
	}
	return c
}

// noiseTiles are the totals: pages, noise, the actionable share and how
// many pages a person classified.
func noiseTiles(a analytics.NoiseAnalysis, d noiseLinks) []views.Tile {
	pct := kpifmt.ForUnit(analytics.UnitRatio)
	act := a.Pages - a.Noise
	actTile := views.Tile{Label: "Actionable share", Value: pct.Text(a.ActionableShare, "no data"), Status: "none",
		Sample: fmt.Sprintf("%d of %d pages", act, a.Pages), Target: "= 1 − alert noise", Href: d.href("noise", "actionable"), TestID: "noise-actionable"}
	if a.Pages < a.MinSample {
		actTile.Status, actTile.StatusLabel = "low_sample", fmt.Sprintf("fewer than %d pages: not to be judged", a.MinSample)
	}
	return []views.Tile{
		{Label: "Pages", Value: strconv.Itoa(a.Pages), Status: "none", Target: "triggered in the period", Href: d.href(), TestID: "noise-pages"},
		{Label: "Noise", Value: strconv.Itoa(a.Noise), Status: "none", Sample: fmt.Sprintf("%d of %d pages", a.Noise, a.Pages),
			Target: "not actionable or auto-resolved", Href: d.href("noise", "noise"), TestID: "noise-noise"},
		actTile,
		{Label: "Classified by a person", Value: strconv.Itoa(a.Classified), Status: "none", Sample: fmt.Sprintf("%d of %d pages", a.Classified, a.Pages),
			Target: "the rest judged by the rule", Href: d.href(), TestID: "noise-classified"},
	}
}
