package scorecard

import (
	"context"
	"fmt"
	"time"

	"sreport/analytics"
)

// Load reads every record the engine needs to compute each period in ps for
// the services, in one pass over the union of their windows.
func Load(ctx context.Context, src Source, env Env, services []analytics.Service, ps ...analytics.Period) (analytics.Input, error) {
	return load(ctx, src, env, services, true, ps)
}

// LoadLean is Load without the display fields only evidence labels need
// (store.KPIInputLean): the same KPIs and counts by source.
func LoadLean(ctx context.Context, src Source, env Env, services []analytics.Service, ps ...analytics.Period) (analytics.Input, error) {
	return load(ctx, src, env, services, false, ps)
}

func load(ctx context.Context, src Source, env Env, services []analytics.Service, full bool, ps []analytics.Period) (analytics.Input, error) {
	var w analytics.LoadWindows
	for _, p := range ps {
		w = w.Union(env.SettingsFor(p).LoadWindows(p))
	}
	get := src.KPIInputLean
	if full {
		get = src.KPIInput
	}
	in, err := get(ctx, services, w)
	if err != nil {
		return in, fmt.Errorf("scorecard: load %s..%s: %w", w.Incidents.From.Format(time.DateOnly), w.Incidents.To.Format(time.DateOnly), err)
	}
	// One check of the records' time order spares every period computed
	// from them (a report's dozens) its own.
	return in.Ordered(), nil
}

// Build loads the scope's records of p and the previous period and
// computes its scorecard (see Compute).
func Build(ctx context.Context, src Source, env Env, p analytics.Period, sc Scope) (*Card, error) {
	services, err := env.Filter(sc)
	if err != nil {
		return nil, err
	}
	in, err := LoadLean(ctx, src, env, services, env.PrevPeriod(p), p)
	if err != nil {
		return nil, err
	}
	return ComputeContext(ctx, env, in, services, p)
}

// KPIResponse is the JSON of `sreport kpi --json` and GET /api/v1/kpis.
type KPIResponse struct {
	Period   string         `json:"period"`
	From     string         `json:"from"`
	To       string         `json:"to"`
	Timezone string         `json:"timezone"`
	Scope    map[string]any `json:"scope"`
	// ToDate says the period is in progress: Previous covers the previous
	// period from PreviousFrom to PreviousTo, the same elapsed span.
	ToDate bool             `json:"to_date"`
	KPIs   analytics.KPIs   `json:"kpis"`
	Counts analytics.Counts `json:"counts"`
	// N is each KPI's sample size and MinSample its minimum sample: a
	// value with n below its minimum is not to be judged.
	N              map[string]float64  `json:"n"`
	MinSample      map[string]int      `json:"min_sample"`
	PreviousPeriod string              `json:"previous_period"`
	PreviousFrom   string              `json:"previous_from"`
	PreviousTo     string              `json:"previous_to"`
	Previous       analytics.KPIs      `json:"previous"`
	PreviousN      map[string]float64  `json:"previous_n"`
	Change         map[string]*float64 `json:"change"`
	Dora           map[string]string   `json:"dora"`
}

// samples returns every KPI's sample size in c.
func samples(c analytics.Counts) map[string]float64 {
	out := make(map[string]float64, len(analytics.KPINames))
	for _, d := range analytics.KPIDefs() {
		out[d.Key] = d.SampleSize(c)
	}
	return out
}

// KPIs computes one scope's KPIs for p, with the previous period and the change.
func KPIs(ctx context.Context, src Source, env Env, p analytics.Period, sc Scope) (KPIResponse, error) {
	services, err := env.Filter(sc)
	if err != nil {
		return KPIResponse{}, err
	}
	prevP := env.PrevPeriod(p)
	in, err := LoadLean(ctx, src, env, services, prevP, p)
	if err != nil {
		return KPIResponse{}, err
	}
	rules := env.RulesFor(p)
	cur := analytics.ComputeKPIs(in, p, rules.Settings)
	prev := noPrevious(analytics.ComputeKPIs(in, prevP, env.prevSettings(p, prevP)))
	mins := make(map[string]int, len(analytics.KPINames))
	for _, k := range analytics.KPINames {
		mins[k] = rules.Settings.MinSampleOf(k)
	}
	return KPIResponse{
		Period: p.Label, From: p.From.Format(time.RFC3339), To: p.To.Format(time.RFC3339),
		Timezone: p.Loc.String(), Scope: sc.JSON(), ToDate: p.InProgress(env.AsOf),
		KPIs: cur.KPIs, Counts: cur.Counts, N: samples(cur.Counts), MinSample: mins,
		PreviousPeriod: prevP.Label, PreviousFrom: prevP.From.Format(time.RFC3339), PreviousTo: prevP.To.Format(time.RFC3339),
		Previous: prev.KPIs, PreviousN: samples(prev.Counts), Change: Change(cur.KPIs, prev.KPIs),
		Dora: analytics.DoraBands(cur, in, p, rules.Settings, rules.Bands),
	}, nil
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

// Series computes a scope's KPIs month by month (oldest first) from one
// load. It stops with ctx's error once ctx ends, between months.
func Series(ctx context.Context, src Source, env Env, months []analytics.Period, services []analytics.Service) ([]analytics.Result, analytics.Input, error) {
	in, err := LoadLean(ctx, src, env, services, months...)
	if err != nil {
		return nil, in, err
	}
	out, err := env.series(ctx, in, months)
	return out, in, err
}

// SeriesFrom is Series over records already loaded for (at least) the
// months' windows, as a report that loads once for all its periods has.
func (env Env) SeriesFrom(ctx context.Context, in analytics.Input, months []analytics.Period) ([]analytics.Result, error) {
	return env.series(ctx, in, months)
}

// series computes each month from loaded records, stopping once ctx ends.
func (env Env) series(ctx context.Context, in analytics.Input, months []analytics.Period) ([]analytics.Result, error) {
	out := make([]analytics.Result, len(months))
	for i, m := range months {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out[i] = analytics.ComputeKPIs(in, m, env.SettingsFor(m))
	}
	return out, nil
}

// Result computes one scope's full result for p, evidence included.
func Result(ctx context.Context, src Source, env Env, p analytics.Period, sc Scope) (analytics.Result, error) {
	services, err := env.Filter(sc)
	if err != nil {
		return analytics.Result{}, err
	}
	in, err := Load(ctx, src, env, services, p)
	if err != nil {
		return analytics.Result{}, err
	}
	return analytics.Compute(in, p, env.SettingsFor(p)), nil
}
