package web

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
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
	ctx := c.Request().Context()
	st, err := h.store.Settings(ctx)
	if err != nil {
		return err
	}
	q, err := h.parseScorecardQuery(c, st)
	if err != nil {
		return err
	}
	card, env, err := h.buildCard(c, &q)
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
	v.Columns = append(v.Columns, sortCol("Service", "service", false))
	for _, k := range headlines {
		d, _ := kpiDef(k)
		v.Columns = append(v.Columns, sortCol(d.Short, k, true))
	}
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
		row := scoreRow(r, env, q.period, scorecard.Scope{Service: r.Name})
		row.Href = serviceHref(r.Name) + "?period=" + q.period.Label
		row.Team = r.Team
		for _, cell := range row.Cells {
			switch cell.Status {
			case analytics.StatusMet:
				sec.Met++
			case analytics.StatusAtRisk:
				sec.AtRisk++
			case analytics.StatusMissed:
				sec.Missed++
			case analytics.StatusNoData:
				sec.NoData++
			}
		}
		sec.Rows = append(sec.Rows, row)
	}
	for _, r := range card.Tiers {
		if sec, ok := byTier[*r.Tier]; ok {
			t := *r.Tier
			sec.Summary = scoreRow(r, env, q.period, scorecard.Scope{Tier: &t, Team: q.team})
			sec.Summary.Name = "All tier " + strconv.Itoa(t)
			sec.Summary.Rollup = true
		}
	}
	slices.Sort(order)
	for _, t := range order {
		v.Tiers = append(v.Tiers, *byTier[t])
	}
	// The bottom row covers whatever the filters select, and says so.
	v.Org = scoreRow(card.Org, env, q.period, scorecard.Scope{Team: q.team, Tier: q.scope.Tier})
	v.Org.Rollup = true
	switch {
	case q.team != "" && q.scope.Tier != nil:
		v.Org.Name = "Team " + q.team + ", tier " + q.tier
	case q.team != "":
		v.Org.Name = "Team " + q.team
	case q.scope.Tier != nil:
		v.Org.Name = "Tier " + q.tier + " total"
	}
	return ok(c, views.ScorecardPage(v))
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

// scoreRow turns a computed row into cells with status, trend and explain link.
func scoreRow(r scorecard.Row, env scorecard.Env, p analytics.Period, sc scorecard.Scope) views.ScoreRow {
	row := views.ScoreRow{Name: r.Name, TestID: "row-" + strings.ReplaceAll(strings.ToLower(r.Name), " ", "-")}
	for _, k := range headlines {
		var cell views.ScoreCell
		if k == sev12 {
			cell = sevCell(r, p, sc)
		} else {
			cell = kpiCell(k, r.KPIs[k], p, sc)
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

func kpiCell(k string, c scorecard.Cell, p analytics.Period, sc scorecard.Scope) views.ScoreCell {
	cell := views.ScoreCell{Text: fmtKPI(k, c.Value), Status: c.Status, Href: explainHref(k, p, sc)}
	if c.Target == nil {
		cell.Status = "none"
		if c.Value == nil {
			cell.Status = analytics.StatusNoData
		}
	}
	cell.Icon, cell.StatusLabel = statusIcon(cell.Status)
	title := []string{kpiLabel(k)}
	if c.Target != nil {
		op := "≤"
		if c.Direction == analytics.DirectionMin {
			op = "≥"
		}
		title = append(title, "target "+op+" "+fmtKPI(k, c.Target))
	}
	title = append(title, "previous period "+fmtKPI(k, c.Previous))
	cell.Title = strings.Join(title, "; ")
	if c.Change != nil {
		cell.Trend = fmtChange(k, *c.Change)
		cell.TrendClass = trendClass(k, c.Direction, *c.Change)
		if strings.HasPrefix(cell.Trend, "=") { // rounds to no change
			cell.TrendClass = "flat"
		}
	}
	return cell
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
	cell := views.ScoreCell{Text: fmtKPI(analytics.KPISev1Count, cur), Status: "none",
		Href: explainHref(sev12, p, sc)}
	cell.Icon, cell.StatusLabel = statusIcon(cell.Status)
	cell.Title = "Sev1 and Sev2 incidents; previous period " + fmtKPI(analytics.KPISev1Count, prev)
	if cur != nil && prev != nil {
		d := *cur - *prev
		cell.Trend, cell.TrendClass = fmtChange(analytics.KPISev1Count, d), trendClass(analytics.KPISev1Count, "", d)
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
	return scorecard.Do(ctx, h.cache, h.store, cacheKey("card", env, p, sc), func() (*scorecard.Card, error) {
		return scorecard.Build(ctx, h.store, env, p, sc)
	})
}

// monthSeries is a scope's twelve months ending with p, computed once per data version.
type monthSeries struct {
	months  []analytics.Period
	results []analytics.Result
	input   analytics.Input
}

func (h *Handler) series(ctx context.Context, env scorecard.Env, p analytics.Period, sc scorecard.Scope, services []analytics.Service) (monthSeries, error) {
	return scorecard.Do(ctx, h.cache, h.store, cacheKey("series", env, p, sc), func() (monthSeries, error) {
		ms := scorecard.Months(p, 12)
		rs, in, err := scorecard.Series(ctx, h.store, env, ms, services)
		return monthSeries{months: ms, results: rs, input: in}, err
	})
}
