// Package reporting assembles executive reports: for one period and scope
// it loads the scorecards, the history for target streaks, the incidents
// and the risk register through the store, computes the report's content
// (analytics/report) and the twelve months its trend charts show. The
// report pages, the HTML and PDF downloads and `sreport report` all take
// this one path, so every copy of a report says the same.
package reporting

import (
	"context"
	"fmt"
	"slices"
	"time"

	"sreport/analytics"
	"sreport/analytics/report"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
)

// Request names one executive report: a period ("2026-10" or "2026-Q3")
// and optionally a team or a tier.
type Request struct {
	Period string
	Team   string
	Tier   *int
}

// Scope is the request's scorecard scope.
func (r Request) Scope() scorecard.Scope { return scorecard.Scope{Team: r.Team, Tier: r.Tier} }

// Heading names the scope as a heading: "Team payments, tier 0",
// "Team payments", "Tier 0" or "Organisation".
func (r Request) Heading() string {
	switch {
	case r.Team != "" && r.Tier != nil:
		return fmt.Sprintf("Team %s, tier %d", r.Team, *r.Tier)
	case r.Team != "":
		return "Team " + r.Team
	case r.Tier != nil:
		return fmt.Sprintf("Tier %d", *r.Tier)
	}
	return "Organisation"
}

// Subject names the scope as the subject of a sentence: "team payments",
// "payments' tier-0 services", "the organisation".
func (r Request) Subject() string { return report.ScopeSubject(r.Team, r.Tier) }

// PeriodError is a period label that does not parse; its message says why.
type PeriodError struct{ Err error }

// Error is the parser's reason.
func (e PeriodError) Error() string { return e.Err.Error() }

// Unwrap returns the parser's error.
func (e PeriodError) Unwrap() error { return e.Err }

// NotStartedError is a period that begins after the caller's now: there is
// nothing to report on yet.
type NotStartedError struct{ Period string }

// Error reads as the report pages have always put it.
func (e NotStartedError) Error() string {
	return "period " + e.Period + " has not started yet; a report for it not found"
}

// Report is one assembled report: what it was computed from and what it says.
type Report struct {
	Request Request
	Period  analytics.Period
	// Env is the settings, targets and catalogue it was computed with.
	Env scorecard.Env
	// Data is the loaded input of report.Build; Content its result.
	Data    report.Data
	Content report.Report
	// Months are the twelve months ending with Period and Trend the
	// scope's KPIs in each, for the trend charts.
	Months []analytics.Period
	Trend  []analytics.Result
	// Program is the on-call health per team and the roadmap's part of
	// the report (program.go).
	Program Program
	// Commentary is the editors' latest notes on this report, and
	// Commentaries every saved version, newest first; none when nobody
	// wrote any.
	Commentaries []analytics.Commentary
}

// Commentary is the latest version of the editors' notes, or nil.
func (r *Report) Commentary() *analytics.Commentary {
	if len(r.Commentaries) == 0 {
		return nil
	}
	return &r.Commentaries[0]
}

// Assemble loads and computes the report req names. now is the caller's
// clock: a period starting after it is a NotStartedError.
func Assemble(ctx context.Context, st *store.Store, env scorecard.Env, req Request, now time.Time) (*Report, error) {
	p, err := analytics.ParsePeriod(req.Period, env.Location())
	if err != nil {
		return nil, PeriodError{err}
	}
	if p.From.After(now) {
		return nil, NotStartedError{p.Label}
	}
	months := scorecard.Months(p, 12)
	d, rl, trend, err := load(ctx, st, env, p, req, months)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &Report{Request: req, Period: p, Env: env, Data: d, Content: report.Build(d), Months: months, Trend: trend}
	if r.Commentaries, err = st.CommentaryVersions(ctx, p.Label, req.Team, req.Tier); err != nil {
		return nil, err
	}
	services, err := env.Filter(req.Scope())
	if err != nil {
		return nil, err
	}
	if r.Program, err = loadProgram(ctx, st, env, p, req, services, rl); err != nil {
		return nil, err
	}
	return r, nil
}

// load loads and computes everything report.Build needs for p, and
// returns the records it loaded, which also cover months, and the scope's
// KPIs in each of them (the trend charts). Every
// period is computed and judged by the rules in force in it. The records
// are read once, for the union of every period's windows: the scorecard,
// the history, the months and the trend all compute from that one input,
// which holds every record each of them would have loaded on its own (the
// engine ignores the rest), so they count what separate loads counted.
func load(ctx context.Context, st *store.Store, env scorecard.Env, p analytics.Period, req Request, months []analytics.Period) (report.Data, loaded, []analytics.Result, error) {
	sc := req.Scope()
	rules := env.RulesFor(p)
	d := report.Data{Period: p, Prev: env.PrevPeriod(p), ToDate: p.InProgress(env.AsOf), ScopeName: req.Subject(),
		Team: req.Team, Tier: req.Tier, Settings: rules.Settings, AsOf: env.AsOf}
	if d.AsOf.IsZero() {
		d.AsOf = p.To
	}
	services, err := env.Filter(sc)
	if err != nil {
		return d, loaded{}, nil, err
	}
	// Target streaks ("for the sixth quarter in a row") need the periods
	// before the previous one, back to the first without data, at most
	// report.MaxHistory before this one. The window holds one period more,
	// as a probe: when it still has data the streaks may go back further.
	// One load covers the window, the previous period and this one (whose
	// months it contains).
	window := make([]analytics.Period, report.MaxHistory-1)
	e := p.Prev()
	for i := len(window) - 1; i >= 0; i-- {
		e = e.Prev()
		window[i] = e
	}
	periods := append(slices.Clone(window), p.Prev(), env.PrevPeriod(p), p)
	periods = append(periods, months...)
	in, err := scorecard.LoadLean(ctx, st, env, services, periods...)
	if err != nil {
		return d, loaded{}, nil, err
	}
	rl := loaded{in: in, services: services}
	for _, x := range periods {
		rl.w = rl.w.Union(env.SettingsFor(x).LoadWindows(x)) // as scorecard.LoadLean loaded
	}
	// The scorecard splits and computes only the records of its periods.
	prev := env.PrevPeriod(p)
	cardIn := in.Cut(env.SettingsFor(p).LoadWindows(p).Union(env.SettingsFor(prev).LoadWindows(prev)))
	if d.Card, err = scorecard.ComputeContext(ctx, env, cardIn, services, p); err != nil {
		return d, rl, nil, err
	}
	trend, err := env.SeriesFrom(ctx, in, months)
	if err != nil {
		return d, rl, nil, err
	}
	if err := compute(ctx, &d, in, env, services, window, months, trend); err != nil {
		return d, rl, nil, err
	}
	if len(services) > 0 {
		ids := make([]int64, len(services))
		for i, s := range services {
			ids[i] = s.ID
		}
		if d.Incidents, err = st.IncidentsInRange(ctx, ids, store.TimeRange{From: p.From, To: p.To}); err != nil {
			return d, rl, nil, err
		}
	}
	if err := loadRisks(ctx, st, &d, services, sc); err != nil {
		return d, rl, nil, err
	}
	return d, rl, trend, nil
}

// compute runs the engine over a report's loaded records: the periods
// before the previous one (for target streaks), their tier roll-ups, a
// quarter's months, the counts by source and the DORA bands, each period
// by the rules in force in it. It checks ctx before every engine run and
// stops with its error once the reader has gone: a report runs the engine
// dozens of times. What the scorecard (d.Card) and the trend (months,
// trend) already computed by the same rules is taken from them: the
// period and its previous one for the DORA bands, a quarter's months.
func compute(ctx context.Context, d *report.Data, in analytics.Input, env scorecard.Env, services []analytics.Service, window []analytics.Period,
	months []analytics.Period, trend []analytics.Result) error {
	p := d.Period
	rules := env.RulesFor(p)
	d.EarlierTiers = map[int][]analytics.Result{}
	for i := len(window) - 1; i >= 0; i-- {
		if err := ctx.Err(); err != nil {
			return err
		}
		er := env.RulesFor(window[i])
		var res analytics.Result
		var tiers map[int]analytics.Result
		if i == 0 {
			// The probe: only whether it has data counts, not its tiers.
			res = analytics.ComputeKPIs(in, window[i], er.Settings)
		} else {
			res, tiers = earlier(in, window[i], er.Settings, services)
		}
		if !hasData(res) {
			break
		}
		if i == 0 {
			d.EarlierCapped = true // the probe has data: older periods may too
			break
		}
		d.Earlier = append([]analytics.Period{window[i]}, d.Earlier...)
		d.EarlierScope = append([]analytics.Result{res}, d.EarlierScope...)
		d.EarlierRules = append([]analytics.Rules{er}, d.EarlierRules...)
		for tier, r := range tiers {
			d.EarlierTiers[tier] = append([]analytics.Result{r}, d.EarlierTiers[tier]...)
		}
	}
	if p.Kind == analytics.Quarter {
		d.Months = p.Months()
		for _, m := range d.Months {
			if err := ctx.Err(); err != nil {
				return err
			}
			// The trend's month is the same computation (scorecard.Series).
			i := slices.IndexFunc(months, func(x analytics.Period) bool { return x.From.Equal(m.From) && x.To.Equal(m.To) })
			if i < 0 {
				d.MonthKPIs = append(d.MonthKPIs, analytics.ComputeKPIs(in, m, env.SettingsFor(m)).KPIs)
				continue
			}
			d.MonthKPIs = append(d.MonthKPIs, trend[i].KPIs)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	prevRules := env.RulesFor(d.Prev)
	prevSettings := prevRules.Settings
	if d.ToDate {
		prevSettings.AsOf = d.Prev.To // as the scorecard compares: pending as at the cut
	}
	// The scorecard's organisation row is the scope's period and previous
	// period by these rules (its previous one blanked when it has no
	// records, and then computed again).
	var cur, prev analytics.Result
	if d.Card != nil {
		cur, prev = d.Card.Org.Result, d.Card.Org.PrevRes
	} else {
		cur = analytics.ComputeKPIs(in, p, rules.Settings)
	}
	if d.Card == nil || !scorecard.HasRecords(prev) {
		prev = analytics.ComputeKPIs(in, d.Prev, prevSettings)
	}
	d.Sources = analytics.CountsBySource(in, p, rules.Settings)
	d.Dora = analytics.DoraBands(cur, in, p, rules.Settings, rules.Bands)
	d.PrevDora = analytics.DoraBands(prev, in, d.Prev, prevSettings, prevRules.Bands)
	return nil
}

// earlier computes an earlier period ep of a target streak: the scope's
// KPIs and each tier's, the tiers by the scorecard's own roll-up of the
// period's records (Split of the cut: the same tier inputs, without
// splitting years of records for every period). Each tier keeps its
// analytics.Partial, and the scope takes them (ComputeKPIsOf) when every
// record of the period belongs to one of its services: the same KPIs as
// computing the scope from its records, without running the deploy,
// repeat and on-call steps over every record again.
func earlier(in analytics.Input, ep analytics.Period, s analytics.Settings, services []analytics.Service) (analytics.Result, map[int]analytics.Result) {
	cut := in.Cut(s.LoadWindows(ep))
	split := scorecard.Split(cut, services)
	tiers := make(map[int]analytics.Result, len(split.Tiers))
	parts := make([]analytics.Partial, 0, len(split.Tiers))
	for tier, merged := range split.Tiers {
		var part analytics.Partial
		tiers[tier], part = analytics.ComputeKPIsPartial(merged, ep, s)
		parts = append(parts, part)
	}
	if !split.Whole || len(parts) == 0 {
		return analytics.ComputeKPIs(cut, ep, s), tiers
	}
	return analytics.ComputeKPIsOf(cut, ep, s, parts), tiers
}

// loadRisks fills in the scope's risk register as it stood at the end of
// the period, so a past report reads the same whatever happened to the
// risks since, and the status moves within the period with their scores.
func loadRisks(ctx context.Context, st *store.Store, d *report.Data, services []analytics.Service, sc scorecard.Scope) error {
	p := d.Period
	risks, err := st.RisksAsOf(ctx, p.To)
	if err != nil {
		return err
	}
	inScope := map[string]bool{}
	for _, s := range services {
		inScope[s.Name] = true
	}
	byID := map[int64]analytics.Risk{}
	for _, r := range risks {
		if sc.Team == "" && sc.Tier == nil || slices.ContainsFunc(r.Services, func(n string) bool { return inScope[n] }) {
			d.Risks = append(d.Risks, r)
			byID[r.ID] = r
		}
	}
	changes, err := st.RiskChangesBetween(ctx, p.From, p.To)
	if err != nil {
		return err
	}
	d.MoveScores = map[int64]int{}
	for _, ev := range changes {
		r, ok := byID[ev.RiskID]
		if ev.Field != "status" || !ok {
			continue
		}
		d.RiskEvents = append(d.RiskEvents, ev)
		// The score right after the move: the changes made with it stand.
		d.MoveScores[ev.ID] = store.RewindRisk(r, changes, ev.At.Add(time.Nanosecond)).Score()
	}
	return nil
}

// hasData reports whether a period holds any record of the scope: an
// incident, a deploy, a page, an SLI day or a toil entry.
func hasData(r analytics.Result) bool {
	c := r.Counts
	return c.Incidents > 0 || c.Deployments > 0 || c.Rollbacks > 0 || c.Pages > 0 || c.TotalHours > 0 || r.KPIs.Availability != nil
}
