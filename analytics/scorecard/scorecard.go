// Package scorecard loads records from the store and runs the KPI engine for
// a scope and period: the one place the web pages, the JSON API, the CLI and
// the reports get their numbers from, so they can never disagree.
package scorecard

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"sreport/analytics"
	"sreport/analytics/store"
)

// Env is what every computation needs besides records: settings, targets,
// DORA bands and the service catalogue, loaded once per request.
type Env struct {
	Settings analytics.Settings
	Targets  analytics.TargetSet
	Bands    []analytics.DoraBand
	Services []analytics.Service
}

// LoadEnv reads the settings, targets, bands and catalogue. asOf is the
// knowledge cut-off for pending postmortems and action items (the caller's
// clock; the engine never reads one).
func LoadEnv(ctx context.Context, st *store.Store, asOf time.Time) (Env, error) {
	var env Env
	var err error
	if env.Settings, err = st.Settings(ctx); err != nil {
		return env, err
	}
	env.Settings.AsOf = asOf
	targets, err := st.TierTargets(ctx)
	if err != nil {
		return env, err
	}
	env.Targets = analytics.NewTargetSet(targets)
	if env.Bands, err = st.DoraBands(ctx); err != nil {
		return env, err
	}
	if env.Services, err = st.Services(ctx); err != nil {
		return env, err
	}
	return env, nil
}

// Scope narrows a computation to one service, one tier or one team; the
// zero Scope is the whole organisation.
type Scope struct {
	Service string
	Tier    *int
	Team    string
}

// Filter returns the catalogue's services inside the scope, or an error
// naming an unknown service or team.
func (env Env) Filter(sc Scope) ([]analytics.Service, error) {
	var out []analytics.Service
	teamSeen := sc.Team == ""
	for _, s := range env.Services {
		if s.Team == sc.Team {
			teamSeen = true
		}
		if sc.Service != "" && s.Name != sc.Service {
			continue
		}
		if sc.Tier != nil && s.Tier != *sc.Tier {
			continue
		}
		if sc.Team != "" && s.Team != sc.Team {
			continue
		}
		out = append(out, s)
	}
	if sc.Service != "" && len(out) == 0 {
		return nil, fmt.Errorf("service %q: %w", sc.Service, store.ErrNotFound)
	}
	if !teamSeen {
		return nil, fmt.Errorf("team %q: %w", sc.Team, store.ErrNotFound)
	}
	if out == nil {
		out = []analytics.Service{}
	}
	return out, nil
}

// Load reads every record the engine needs to compute each period in ps for
// the services, in one pass over the union of their windows.
func Load(ctx context.Context, st *store.Store, env Env, services []analytics.Service, ps ...analytics.Period) (analytics.Input, error) {
	return load(ctx, st, env, services, true, ps)
}

// loadLean is Load without the display fields only evidence labels need.
func loadLean(ctx context.Context, st *store.Store, env Env, services []analytics.Service, ps ...analytics.Period) (analytics.Input, error) {
	return load(ctx, st, env, services, false, ps)
}

func load(ctx context.Context, st *store.Store, env Env, services []analytics.Service, full bool, ps []analytics.Period) (analytics.Input, error) {
	var w analytics.LoadWindows
	for _, p := range ps {
		w = w.Union(env.Settings.LoadWindows(p))
	}
	get := st.KPIInputLean
	if full {
		get = st.KPIInput
	}
	in, err := get(ctx, services, w)
	if err != nil {
		return in, fmt.Errorf("scorecard: load %s..%s: %w", w.Incidents.From.Format(time.DateOnly), w.Incidents.To.Format(time.DateOnly), err)
	}
	return in, nil
}

// KPIResponse is the JSON of `sreport kpi --json` and GET /api/v1/kpis.
type KPIResponse struct {
	Period         string              `json:"period"`
	From           string              `json:"from"`
	To             string              `json:"to"`
	Timezone       string              `json:"timezone"`
	Scope          map[string]any      `json:"scope"`
	KPIs           analytics.KPIs      `json:"kpis"`
	Counts         analytics.Counts    `json:"counts"`
	PreviousPeriod string              `json:"previous_period"`
	Previous       analytics.KPIs      `json:"previous"`
	Change         map[string]*float64 `json:"change"`
	Dora           map[string]string   `json:"dora"`
}

// KPIs computes one scope's KPIs for p, with the previous period and the change.
func KPIs(ctx context.Context, st *store.Store, env Env, p analytics.Period, sc Scope) (KPIResponse, error) {
	services, err := env.Filter(sc)
	if err != nil {
		return KPIResponse{}, err
	}
	in, err := loadLean(ctx, st, env, services, p.Prev(), p)
	if err != nil {
		return KPIResponse{}, err
	}
	cur := analytics.ComputeKPIs(in, p, env.Settings)
	prev := noPrevious(analytics.ComputeKPIs(in, p.Prev(), env.Settings))
	return KPIResponse{
		Period: p.Label, From: p.From.Format(time.RFC3339), To: p.To.Format(time.RFC3339),
		Timezone: p.Loc.String(), Scope: sc.JSON(),
		KPIs: cur.KPIs, Counts: cur.Counts,
		PreviousPeriod: p.Prev().Label, Previous: prev.KPIs, Change: Change(cur.KPIs, prev.KPIs),
		Dora: analytics.DoraBands(cur, in, p, env.Settings, env.Bands),
	}, nil
}

// JSON is the scope as the API reports it.
func (sc Scope) JSON() map[string]any {
	m := map[string]any{}
	if sc.Service != "" {
		m["service"] = sc.Service
	}
	if sc.Tier != nil {
		m["tier"] = *sc.Tier
	}
	if sc.Team != "" {
		m["team"] = sc.Team
	}
	if len(m) == 0 {
		m["organisation"] = true
	}
	return m
}

// Change returns cur − prev for every KPI (nil when either is missing).
func Change(cur, prev analytics.KPIs) map[string]*float64 {
	out := make(map[string]*float64, len(analytics.KPINames))
	for _, k := range analytics.KPINames {
		a, b := cur.Get(k), prev.Get(k)
		if a == nil || b == nil {
			out[k] = nil
			continue
		}
		d := *a - *b
		out[k] = &d
	}
	return out
}

// Cell is one KPI of one scorecard row, judged against its tier target.
type Cell struct {
	Value     *float64 `json:"value"`
	Target    *float64 `json:"target"`
	Direction string   `json:"direction,omitempty"`
	Status    string   `json:"status"`
	Previous  *float64 `json:"previous"`
	Change    *float64 `json:"change"`
}

// Row is one service, tier roll-up or the organisation.
type Row struct {
	Kind    string           `json:"kind"` // service, tier, org
	Name    string           `json:"name"`
	Tier    *int             `json:"tier,omitempty"`
	Team    string           `json:"team,omitempty"`
	KPIs    map[string]Cell  `json:"kpis"`
	Counts  analytics.Counts `json:"counts"`
	Result  analytics.Result `json:"-"` // without Evidence; see Result()
	PrevRes analytics.Result `json:"-"`
}

// Card is the whole scorecard of one period.
type Card struct {
	Period         string `json:"period"`
	From           string `json:"from"`
	To             string `json:"to"`
	Timezone       string `json:"timezone"`
	PreviousPeriod string `json:"previous_period"`
	Services       []Row  `json:"services"`
	Tiers          []Row  `json:"tiers"`
	Org            Row    `json:"organisation"`
}

// Build computes every service's KPIs for p and the previous period, the
// tier roll-ups and the organisation row, each from the underlying records.
// It stops with ctx's error once ctx ends, between rows.
func Build(ctx context.Context, st *store.Store, env Env, p analytics.Period, sc Scope) (*Card, error) {
	services, err := env.Filter(sc)
	if err != nil {
		return nil, err
	}
	in, err := loadLean(ctx, st, env, services, p.Prev(), p)
	if err != nil {
		return nil, err
	}
	return env.card(ctx, in, services, p)
}

// card computes a scorecard from loaded records, stopping between rows
// once ctx ends.
func (env Env) card(ctx context.Context, in analytics.Input, services []analytics.Service, p analytics.Period) (*Card, error) {
	prevP := p.Prev()
	card := &Card{Period: p.Label, From: p.From.Format(time.RFC3339), To: p.To.Format(time.RFC3339),
		Timezone: p.Loc.String(), PreviousPeriod: prevP.Label}
	parts := analytics.SplitByService(in)
	byTier := map[int][]analytics.Input{}
	// Rows are independent: compute them on every core, each into its own slot.
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	run := func(dst *Row, kind, name string, tier *int, team string, part analytics.Input) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				return // the caller has gone: the rows left are not computed
			}
			*dst = env.row(kind, name, tier, team, part, p, prevP)
		}()
	}
	card.Services = make([]Row, len(services))
	for i, s := range services {
		part := parts[s.ID]
		part.Services = []analytics.Service{s}
		tier := s.Tier
		run(&card.Services[i], "service", s.Name, &tier, s.Team, part)
		byTier[s.Tier] = append(byTier[s.Tier], part)
	}
	var tiers []int
	for tier := 0; tier <= 3; tier++ {
		if len(byTier[tier]) > 0 {
			tiers = append(tiers, tier)
		}
	}
	card.Tiers = make([]Row, len(tiers))
	for i, tier := range tiers {
		t := tier
		run(&card.Tiers[i], "tier", fmt.Sprintf("Tier %d", tier), &t, "", analytics.MergeInputs(byTier[tier]...))
	}
	run(&card.Org, "org", "Organisation", nil, "", in)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return card, nil
}

// row computes one row; tier targets apply to services and tier roll-ups,
// the organisation row has no target of its own.
func (env Env) row(kind, name string, tier *int, team string, in analytics.Input, p, prevP analytics.Period) Row {
	cur := analytics.ComputeKPIs(in, p, env.Settings)
	prev := noPrevious(analytics.ComputeKPIs(in, prevP, env.Settings))
	r := Row{Kind: kind, Name: name, Tier: tier, Team: team, Counts: cur.Counts, Result: cur, PrevRes: prev,
		KPIs: make(map[string]Cell, len(analytics.KPINames))}
	change := Change(cur.KPIs, prev.KPIs)
	for _, k := range analytics.KPINames {
		c := Cell{Value: cur.KPIs.Get(k), Previous: prev.KPIs.Get(k), Change: change[k], Status: analytics.StatusNoData}
		if tier != nil {
			if t, ok := env.Targets.Get(*tier, k); ok {
				v := t.Target
				c.Target, c.Direction = &v, t.Direction
				c.Status = analytics.Status(c.Value, t, true)
			}
		}
		r.KPIs[k] = c
	}
	return r
}

// Months returns the n months ending with (and including) the month of last.
func Months(last analytics.Period, n int) []analytics.Period {
	m := last.Months()[len(last.Months())-1]
	out := make([]analytics.Period, n)
	for i := n - 1; i >= 0; i-- {
		out[i] = m
		m = m.Prev()
	}
	return out
}

// Series computes a scope's KPIs month by month (oldest first) from one load.
func Series(ctx context.Context, st *store.Store, env Env, months []analytics.Period, services []analytics.Service) ([]analytics.Result, analytics.Input, error) {
	in, err := loadLean(ctx, st, env, services, months...)
	if err != nil {
		return nil, in, err
	}
	out, err := env.series(ctx, in, months)
	return out, in, err
}

// series computes each month from loaded records, stopping once ctx ends.
func (env Env) series(ctx context.Context, in analytics.Input, months []analytics.Period) ([]analytics.Result, error) {
	out := make([]analytics.Result, len(months))
	for i, m := range months {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out[i] = analytics.ComputeKPIs(in, m, env.Settings)
	}
	return out, nil
}

// SortRows orders rows by one KPI's value (missing values last).
func SortRows(rows []Row, kpi string, desc bool) {
	slices.SortStableFunc(rows, func(a, b Row) int {
		va, vb := a.KPIs[kpi].Value, b.KPIs[kpi].Value
		switch {
		case va == nil && vb == nil:
			return 0
		case va == nil:
			return 1
		case vb == nil:
			return -1
		}
		d := *va - *vb
		if desc {
			d = -d
		}
		switch {
		case d < 0:
			return -1
		case d > 0:
			return 1
		}
		return 0
	})
}

// Result computes one scope's full result for p, evidence included.
func Result(ctx context.Context, st *store.Store, env Env, p analytics.Period, sc Scope) (analytics.Result, error) {
	services, err := env.Filter(sc)
	if err != nil {
		return analytics.Result{}, err
	}
	in, err := Load(ctx, st, env, services, p)
	if err != nil {
		return analytics.Result{}, err
	}
	return analytics.Compute(in, p, env.Settings), nil
}

// noPrevious blanks a previous period that holds no records at all (before
// the first import, or before a service existed): its zero counts would
// otherwise read as "up from 0", a change that never happened.
func noPrevious(r analytics.Result) analytics.Result {
	c := r.Counts
	if c.Incidents+c.Deployments+c.Rollbacks+c.Pages+c.SLODays+c.ToilWeeks+c.ActionItemsDue+c.ActionItemsPending > 0 {
		return r
	}
	return analytics.Result{Counts: analytics.Counts{Days: c.Days, Services: c.Services}}
}
