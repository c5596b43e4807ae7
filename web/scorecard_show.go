package web

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/kpifmt"
	"sreport/analytics/report"
	"sreport/analytics/scorecard"
	"sreport/views"
)

// sev12 is the scorecard's derived "Sev1 + Sev2 incidents" column.
const sev12 = scorecard.SortSev12

// sev12Def defines the Sev1+2 column as the sum of the two severity counts:
// it reads, compares and is documented like sev1_count.
var sev12Def = func() analytics.KPIDef {
	d, _ := analytics.KPIDefOf(analytics.KPISev1Count)
	d.Key, d.Label, d.Short, d.Prose = sev12, "Sev1 + Sev2 incidents", "Sev1+2", "The number of Sev1 and Sev2 incidents"
	d.N = []string{"sev1", "sev2"}
	return d
}()

// headlines are the scorecard's KPI columns, in order, headed by their
// short labels.
var headlines = []string{
	// SLO attainment rather than raw availability: it judges every SLO
	// against its own objective, so a latency SLO does not drag a service's
	// "availability" below a 99.99 % target it meets (docs/metrics.md).
	analytics.KPISLOAttainment,
	analytics.KPIMTTRMinutes,
	analytics.KPIMTTDMinutes,
	sev12,
	analytics.KPIChangeFailureRate,
	analytics.KPIDeploysPerWeek,
	analytics.KPIRepeatIncidentRate,
	analytics.KPIAlertNoiseRatio,
	analytics.KPIPagesAfterHours,
	analytics.KPIPostmortemOnTimeRate,
	analytics.KPIActionItemOnTimeRate,
	analytics.KPIActionItemsOverdue,
	analytics.KPIToilRatio,
}

// scorecardQuery holds the scorecard's parameters.
type scorecardQuery struct {
	period analytics.Period
	scope  scorecard.Scope
	team   string
	tier   string
	sort   string
}

func (h *Handler) parseScorecardQuery(c echo.Context, st analytics.Settings) (scorecardQuery, error) {
	p, err := h.periodFromQuery(c, st)
	if err != nil {
		return scorecardQuery{}, err
	}
	q := scorecardQuery{period: p, team: c.QueryParam("team"), tier: c.QueryParam("tier"), sort: c.QueryParam("sort")}
	q.scope, err = scopeFromQuery(c)
	q.scope.Service = "" // the scorecard lists services; it is scoped by team and tier only
	return q, err
}

// scopeFromQuery reads ?service=, ?tier= and ?team=.
func scopeFromQuery(c echo.Context) (scorecard.Scope, error) {
	sc := scorecard.Scope{Service: c.QueryParam("service"), Team: c.QueryParam("team")}
	if t := c.QueryParam("tier"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 || n > 3 {
			return sc, badRequest("tier must be 0, 1, 2 or 3")
		}
		sc.Tier = &n
	}
	return sc, nil
}

// buildCard loads the environment and computes the scorecard for a query.
func (h *Handler) buildCard(c echo.Context, q *scorecardQuery) (*scorecard.Card, scorecard.Env, error) {
	ctx := c.Request().Context()
	env, err := h.env(ctx)
	if err != nil {
		return nil, env, err
	}
	card, err := h.card(ctx, env, q.period, q.scope)
	if err != nil {
		return nil, env, unwrapNotFound(err)
	}
	if q.sort != "" {
		card = card.Sorted(q.sort) // the cached card is shared: Sorted copies its rows
	}
	return card, env, nil
}

// showScorecard renders the tiered scorecard: the page leadership opens first.
func (h *Handler) showScorecard(c echo.Context) error {
	ctx := acceptStale(c) // an interactive page: labelled when its figures are from before the latest change
	st, err := h.store.Settings(ctx)
	if err != nil {
		return err
	}
	q, err := h.parseScorecardQuery(c, st)
	if err != nil {
		return err
	}
	if first, err := h.firstRun(c); err != nil || first != nil {
		if err != nil {
			return err
		}
		return ok(c, views.ScorecardPage(views.Scorecard{Layout: h.layout(c, "Welcome to sreport", views.NavScorecards), FirstRun: first}))
	}
	card, _, err := h.buildCard(c, &q)
	if err != nil {
		return err
	}
	teams, err := h.store.Teams(ctx)
	if err != nil {
		return err
	}
	l := h.layout(c, "Reliability scorecard", views.NavScorecards)
	l.Period = h.picker(c, q.period)
	teamOpts := []views.Option{{Value: "", Text: "All teams"}}
	for _, t := range teams {
		teamOpts = append(teamOpts, views.Option{Value: t.Name, Text: t.Name, Selected: t.Name == q.team})
	}
	v := views.Scorecard{
		Layout: l,
		Filters: []views.Filter{
			{Name: "team", Label: "Team", Options: teamOpts},
			{Name: "tier", Label: "Tier", Options: options(q.tier, "", "All tiers", "0", "Tier 0", "1", "Tier 1", "2", "Tier 2", "3", "Tier 3")},
		},
		Hidden:  []views.Option{{Text: "period", Value: q.period.Label}, {Text: "sort", Value: q.sort}},
		CSVHref: "/scorecards.csv?" + q.values("").Encode(),
		APIHref: "/api/v1/scorecard?" + q.values("").Encode(),
		Empty:   "No services match these filters.",
	}
	if q.team != "" || q.tier != "" {
		v.ClearHref = "/scorecards?period=" + url.QueryEscape(q.period.Label)
	}
	v.Choices = columnChoices(chosenColumns(c))
	v.Back = c.Request().URL.RequestURI()
	if c.QueryParam("loaded") == "demo" {
		v.Layout.Flash = "The demo company is loaded: 24 services over 18 months. Every page now has data to explore."
	}
	sortCol := func(label, key string, numeric bool) views.Column {
		col := views.Column{Label: label, Numeric: numeric}
		next := "-" + key
		if !numeric {
			next = key // names sort A→Z first
		}
		switch q.sort {
		case "-" + key:
			col.Sorted, next = "desc", key
		case key:
			col.Sorted, next = "asc", "-"+key
		}
		col.Href = "/scorecards?" + q.values(next).Encode()
		return col
	}
	keys := chosenColumns(c)
	v.Columns = append(v.Columns, sortCol("Service", "service", false))
	for _, k := range keys {
		d, _ := kpiDef(k)
		v.Columns = append(v.Columns, sortCol(d.Short, k, true))
	}
	formats := columnFormats(card)
	byTier := map[int]*views.TierSection{}
	var order []int
	for _, r := range card.Services {
		t := *r.Tier
		sec, ok := byTier[t]
		if !ok {
			sec = &views.TierSection{Tier: t, Title: "Tier " + strconv.Itoa(t)}
			byTier[t] = sec
			order = append(order, t)
		}
		row := scoreRow(r, keys, formats, q.period, scorecard.Scope{Service: r.Name})
		row.Href = serviceHref(r.Name) + "?period=" + q.period.Label
		row.Team = r.Team
		switch serviceStatus(row.Cells) {
		case analytics.StatusMet:
			sec.Met++
		case analytics.StatusAtRisk:
			sec.AtRisk++
		case analytics.StatusMissed:
			sec.Missed++
		default:
			sec.NoData++
		}
		sec.Rows = append(sec.Rows, row)
	}
	for _, r := range card.Tiers {
		if sec, ok := byTier[*r.Tier]; ok {
			t := *r.Tier
			sec.Summary = scoreRow(r, keys, formats, q.period, scorecard.Scope{Tier: &t, Team: q.team})
			sec.Summary.Name = "All tier " + strconv.Itoa(t)
			sec.Summary.Rollup = true
			for _, k := range keys {
				tt := targetText(r.KPIs[k], formats[k])
				if r.KPIs[k].Target == nil {
					tt = "no target" // say so: a blank reads as missing data
				}
				sec.Targets = append(sec.Targets, tt)
			}
		}
	}
	slices.Sort(order)
	for _, t := range order {
		v.Tiers = append(v.Tiers, *byTier[t])
	}
	for _, r := range card.Teams {
		row := scoreRow(r, keys, formats, q.period, scorecard.Scope{Team: r.Name, Tier: q.scope.Tier})
		row.Name = "Team " + r.Name
		row.Href = "/scorecards?" + url.Values{"team": {r.Name}, "period": {q.period.Label}}.Encode()
		if r.TargetTier != nil {
			row.Team = "team figures judged against tier " + strconv.Itoa(*r.TargetTier) + " targets"
		}
		v.Teams = append(v.Teams, row)
	}
	// The bottom row covers whatever the filters select, and says so.
	v.Org = scoreRow(card.Org, keys, formats, q.period, scorecard.Scope{Team: q.team, Tier: q.scope.Tier})
	v.Org.Rollup = true
	switch {
	case q.team != "" && q.scope.Tier != nil:
		v.Org.Name = "Team " + q.team + ", tier " + q.tier
	case q.team != "":
		v.Org.Name = "Team " + q.team
	case q.scope.Tier != nil:
		v.Org.Name = "Tier " + q.tier + " total"
	}
	v.Compared = comparedWith(card, q.period)
	return ok(c, views.ScorecardPage(v))
}

// comparedWith says what the arrows compare with: the previous period, or
// while this one is in progress the same span of the previous one.
func comparedWith(card *scorecard.Card, p analytics.Period) string {
	if !card.ToDate {
		return "Arrows compare with " + report.Title(p.Prev()) + "."
	}
	prev := p.Prev()
	if to, err := time.Parse(time.RFC3339, card.PreviousTo); err == nil {
		prev.To = to
	}
	return report.Title(p) + " is in progress: values are to date, and arrows compare with " + report.SpanTitle(prev) +
		" (up to " + prev.To.In(p.Loc).Format("2 Jan 15:04") + "), the same span of " + report.Title(p.Prev()) +
		". Statuses wait for each KPI's minimum sample."
}

// teamRowID is the test ID and anchor of a team's row.
func teamRowID(team string) string {
	return "team-" + strings.ReplaceAll(strings.ToLower(team), " ", "-")
}

// columnFormats gives each scorecard column one format: the values of
// every row of the column (services, tiers, teams, organisation) read in
// one unit and scale.
func columnFormats(card *scorecard.Card) map[string]kpifmt.Format {
	rows := slices.Concat(card.Services, card.Tiers, card.Teams, []scorecard.Row{card.Org})
	out := map[string]kpifmt.Format{}
	for _, k := range allColumns {
		var vs []*float64
		for _, r := range rows {
			if c, ok := r.KPIs[k]; ok {
				vs = append(vs, c.Value)
			}
		}
		out[k] = kpiFormat(k, vs...)
	}
	return out
}

// values returns the query string for this scorecard, optionally with a sort.
func (q scorecardQuery) values(sort string) url.Values {
	v := url.Values{"period": {q.period.Label}}
	if q.team != "" {
		v.Set("team", q.team)
	}
	if q.tier != "" {
		v.Set("tier", q.tier)
	}
	if sort != "" {
		v.Set("sort", sort)
	}
	return v
}

// scoreRow turns a computed row into cells with status, sample, trend and
// explain link: the chosen columns keys, in order, each in its format.
func scoreRow(r scorecard.Row, keys []string, formats map[string]kpifmt.Format, p analytics.Period, sc scorecard.Scope) views.ScoreRow {
	row := views.ScoreRow{Name: r.Name, TestID: "row-" + strings.ReplaceAll(strings.ToLower(r.Name), " ", "-")}
	if r.Kind == scorecard.KindTeam {
		row.TestID = teamRowID(r.Name) // the anchor service rows' team cells link to
	}
	for _, k := range keys {
		var cell views.ScoreCell
		c, has := r.KPIs[k]
		switch {
		case k == sev12:
			cell = sevCell(r, p, sc)
		case !has && isOrgFigure(k):
			cell = orgFigureCell(k)
		case !has:
			cell = teamFigureCell(k, r.Team)
		default:
			cell = kpiCell(k, c, r.Counts, formats[k], p, sc)
		}
		if k == analytics.KPISLOAttainment {
			cell.Title += "; availability " + fmtKPI(analytics.KPIAvailability, r.KPIs[analytics.KPIAvailability].Value) +
				"; error budget left " + fmtKPI(analytics.KPIErrorBudgetRemaining, r.KPIs[analytics.KPIErrorBudgetRemaining].Value)
		}
		cell.TestID = row.TestID + "-" + k
		row.Cells = append(row.Cells, cell)
	}
	return row
}

// isOrgFigure reports whether k is an organisation figure (KPIDef.Org).
func isOrgFigure(k string) bool {
	d, ok := analytics.KPIDefOf(k)
	return ok && d.Org
}

// orgFigureCell stands in a row for an organisation figure (stakeholder
// satisfaction): it belongs to no service, tier or team.
func orgFigureCell(k string) views.ScoreCell {
	return views.ScoreCell{Text: "org", Status: "team", Href: "#row-organisation",
		Title: kpiLabel(k) + " is an organisation figure: see the organisation's row"}
}

// teamFigureCell stands in a service row for a team figure (toil): the
// number is the team's, on the team's row, not repeated per service.
func teamFigureCell(k, team string) views.ScoreCell {
	return views.ScoreCell{Text: "team", Status: "team", Href: "#" + teamRowID(team),
		Title: kpiLabel(k) + " is recorded per team: see team " + team + " below"}
}

// kpiCell formats one KPI cell in format f: value, sample ("2 of 2"),
// status, change and a title with the target and the previous period.
func kpiCell(k string, c scorecard.Cell, counts analytics.Counts, f kpifmt.Format, p analytics.Period, sc scorecard.Scope) views.ScoreCell {
	cell := views.ScoreCell{Text: f.Text(c.Value, "no data"), Status: c.Status, Href: explainHref(k, p, sc)}
	def, _ := kpiDef(k)
	title := []string{kpiLabel(k)}
	if def.Sampled() && c.Value != nil {
		short, long := kpifmt.Sample(def, counts)
		cell.Sample = short
		title = append(title, long)
	}
	if c.Status == analytics.StatusLowSample {
		title = append(title, fmt.Sprintf("too few to judge: the minimum is %s", def.Sample.Of(float64(c.MinSample))))
	}
	cell.Icon, cell.StatusLabel = statusIcon(cell.Status)
	if c.Target != nil {
		title = append(title, "target "+targetOp(c.Direction)+" "+f.Value(*c.Target))
	}
	prev := "previous period " + f.Text(c.Previous, "no data")
	if def.Sampled() && c.Previous != nil {
		prev += " (" + def.Sample.Of(c.PreviousN) + ")"
	}
	title = append(title, prev)
	cell.Title = strings.Join(title, "; ")
	if c.Change != nil {
		text, sign := f.Change(*c.Change)
		cell.Trend = arrow(text, sign)
		cell.TrendClass = trendClass(k, c.Direction, float64(sign))
		if c.Status == analytics.StatusLowSample || c.PreviousStatus == analytics.StatusLowSample {
			// A move from or to too few records is no verdict: not coloured.
			cell.TrendClass = "flat"
		}
	}
	return cell
}

// serviceStatus judges a service by its KPIs that have a target: missed
// when any is missed, at risk when none is missed but one is within 10 % of
// its target, met when every judged KPI meets it, "" when none has both data
// and a target. It counts services, the unit a tier card speaks in.
func serviceStatus(cells []views.ScoreCell) string {
	st := ""
	for _, c := range cells {
		switch c.Status {
		case analytics.StatusMissed:
			return analytics.StatusMissed
		case analytics.StatusAtRisk:
			st = analytics.StatusAtRisk
		case analytics.StatusMet:
			if st == "" {
				st = analytics.StatusMet
			}
		}
	}
	return st
}

// trendClass says whether a change is an improvement for this KPI.
func trendClass(k, direction string, d float64) string {
	if d == 0 {
		return "flat"
	}
	def, _ := kpiDef(k)
	up := def.HigherIsBetter()
	if direction != "" {
		up = direction == analytics.DirectionMin
	}
	if (d > 0) == up {
		return "better"
	}
	return "worse"
}

func sevCell(r scorecard.Row, p analytics.Period, sc scorecard.Scope) views.ScoreCell {
	sum := func(a, b *float64) *float64 {
		if a == nil || b == nil {
			return nil
		}
		s := *a + *b
		return &s
	}
	cur := sum(r.KPIs[analytics.KPISev1Count].Value, r.KPIs[analytics.KPISev2Count].Value)
	prev := sum(r.KPIs[analytics.KPISev1Count].Previous, r.KPIs[analytics.KPISev2Count].Previous)
	f := kpiFormat(sev12, cur)
	cell := views.ScoreCell{Text: f.Text(cur, "no data"), Status: analytics.StatusNoTarget, Href: explainHref(sev12, p, sc)}
	if cur == nil {
		cell.Status = analytics.StatusNoData
	}
	cell.Icon, cell.StatusLabel = statusIcon(cell.Status)
	cell.Title = "Sev1 and Sev2 incidents; previous period " + f.Text(prev, "no data")
	if cur != nil && prev != nil {
		text, sign := f.Change(*cur - *prev)
		cell.Trend, cell.TrendClass = arrow(text, sign), trendClass(sev12, "", float64(sign))
	}
	return cell
}

// explainHref links a KPI value to the list of records behind it.
func explainHref(k string, p analytics.Period, sc scorecard.Scope) string {
	v := url.Values{"kpi": {k}, "period": {p.Label}}
	if sc.Service != "" {
		v.Set("service", sc.Service)
	}
	if sc.Tier != nil {
		v.Set("tier", strconv.Itoa(*sc.Tier))
	}
	if sc.Team != "" {
		v.Set("team", sc.Team)
	}
	return "/explain?" + v.Encode()
}

// env loads settings, targets and catalogue with the knowledge cut-off at
// the start of the current hour, so results are stable (and cacheable)
// within the hour.
func (h *Handler) env(ctx context.Context) (scorecard.Env, error) {
	return scorecard.LoadEnv(ctx, h.store, h.cfg.Now().Truncate(time.Hour))
}

// cacheKey identifies a computation: what, period, timezone, scope and cut-off.
func cacheKey(kind string, env scorecard.Env, p analytics.Period, sc scorecard.Scope) string {
	tier := ""
	if sc.Tier != nil {
		tier = strconv.Itoa(*sc.Tier)
	}
	return strings.Join([]string{kind, p.Label, p.Loc.String(), sc.Service, tier, sc.Team, env.Settings.AsOf.Format(time.RFC3339)}, "|")
}

// card returns the scorecard of a period and scope, computed once per data version.
func (h *Handler) card(ctx context.Context, env scorecard.Env, p analytics.Period, sc scorecard.Scope) (*scorecard.Card, error) {
	return scorecard.Do(ctx, h.cache, h.store, cacheKey("card", env, p, sc), func(ctx context.Context) (*scorecard.Card, error) {
		return scorecard.Build(ctx, h.store, env, p, sc)
	})
}

// detail returns a scope's result with its evidence (the explain and service
// pages), computed once per data version. Callers only read it: it is shared.
func (h *Handler) detail(ctx context.Context, env scorecard.Env, p analytics.Period, sc scorecard.Scope) (analytics.Result, error) {
	return scorecard.Do(ctx, h.cache, h.store, cacheKey("detail", env, p, sc), func(ctx context.Context) (analytics.Result, error) {
		return scorecard.Result(ctx, h.store, env, p, sc)
	})
}

// kpis returns a scope's KPIs with the previous period (the KPI API),
// computed once per data version. Callers only read it: it is shared.
func (h *Handler) kpis(ctx context.Context, env scorecard.Env, p analytics.Period, sc scorecard.Scope) (scorecard.KPIResponse, error) {
	return scorecard.Do(ctx, h.cache, h.store, cacheKey("kpis", env, p, sc), func(ctx context.Context) (scorecard.KPIResponse, error) {
		return scorecard.KPIs(ctx, h.store, env, p, sc)
	})
}

// monthSeries is a scope's months ending with p, computed once per data version.
// It keeps what the pages show beside the results — each month's DORA bands
// and the incidents (for repeat themes) — and not the months' deploys and
// pages: a cached series of a year of records held hundreds of megabytes.
type monthSeries struct {
	months    []analytics.Period
	results   []analytics.Result
	bands     []map[string]string
	incidents []analytics.Incident
	empty     bool // the months hold no record at all (noRecords)
}

// trendMonths is how many months the service page, the cache warmer and
// (by default) the trends page chart.
const trendMonths = 12

// series computes the n months ending with p.
func (h *Handler) series(ctx context.Context, env scorecard.Env, p analytics.Period, sc scorecard.Scope, services []analytics.Service, n int) (monthSeries, error) {
	return scorecard.Do(ctx, h.cache, h.store, cacheKey("series"+strconv.Itoa(n), env, p, sc), func(ctx context.Context) (monthSeries, error) {
		ms := scorecard.Months(p, n)
		rs, in, err := scorecard.Series(ctx, h.store, env, ms, services)
		if err != nil {
			return monthSeries{}, err
		}
		bands := make([]map[string]string, len(ms))
		for i, m := range ms {
			rules := env.RulesFor(m) // each month is banded by the thresholds in force in it
			bands[i] = analytics.DoraBands(rs[i], in, m, rules.Settings, rules.Bands)
		}
		return monthSeries{months: ms, results: rs, bands: bands, incidents: in.Incidents, empty: noRecords(in)}, nil
	})
}
