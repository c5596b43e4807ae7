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
	"runtime"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

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
	d, trend, prog, err := load(ctx, st, env, p, req, months)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &Report{Request: req, Period: p, Env: env, Data: d.Data, Content: report.Build(d.Data), Months: months, Trend: trend,
		Program: prog, Commentaries: d.commentaries}, nil
}

// assembled is what load reads and computes besides the trend and the
// programme: report.Build's input and the editors' notes.
type assembled struct {
	report.Data
	commentaries []analytics.Commentary
}

// load loads and computes everything report.Build needs for p, the
// scope's KPIs in each of months (the trend charts), the programme and
// the editors' notes. Every period is computed and judged by the rules in force in
// it. The records are read once, for the union of every period's windows:
// the scorecard, the history, the months and the trend all compute from
// that one input, which holds every record each of them would have loaded
// on its own (the engine ignores the rest), so they count what separate
// loads counted. What does not depend on the records (the incidents, the
// risk register, the notes) is read while they load.
func load(ctx context.Context, st *store.Store, env scorecard.Env, p analytics.Period, req Request, months []analytics.Period) (assembled, []analytics.Result, Program, error) {
	sc := req.Scope()
	rules := env.RulesFor(p)
	d := assembled{Data: report.Data{Period: p, Prev: env.PrevPeriod(p), ToDate: p.InProgress(env.AsOf), ScopeName: req.Subject(),
		Team: req.Team, Tier: req.Tier, Settings: rules.Settings, AsOf: env.AsOf}}
	if d.AsOf.IsZero() {
		d.AsOf = p.To
	}
	services, err := env.Filter(sc)
	if err != nil {
		return d, nil, Program{}, err
	}
	var side errgroup.Group
	var incidents []analytics.Incident
	side.Go(func() (err error) {
		d.commentaries, err = st.CommentaryVersions(ctx, p.Label, req.Team, req.Tier)
		return err
	})
	if len(services) > 0 {
		side.Go(func() (err error) {
			ids := make([]int64, len(services))
			for i, s := range services {
				ids[i] = s.ID
			}
			incidents, err = st.IncidentsInRange(ctx, ids, store.TimeRange{From: p.From, To: p.To})
			return err
		})
	}
	var risks report.Data // loadRisks fills in its risk fields only
	risks.Period = p
	side.Go(func() error { return loadRisks(ctx, st, &risks, services, sc) })

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
	rl := loaded{services: services}
	for _, x := range periods {
		rl.w = rl.w.Union(env.SettingsFor(x).LoadWindows(x)) // as scorecard.LoadLean loads
	}
	var trend []analytics.Result
	var prog Program
	rl.in, err = scorecard.LoadLean(ctx, st, env, services, periods...)
	if err == nil {
		// The programme reads the roadmap and computes from the records
		// beside the report's own engine runs.
		side.Go(func() (err error) {
			prog, err = loadProgram(ctx, st, env, p, req, services, rl)
			return err
		})
		trend, err = compute(ctx, &d.Data, rl.in, env, services, window, months)
	}
	if serr := side.Wait(); err == nil {
		err = serr
	}
	if err != nil {
		return d, nil, prog, err
	}
	d.Incidents = incidents
	d.Risks, d.RiskEvents, d.MoveScores = risks.Risks, risks.RiskEvents, risks.MoveScores
	return d, trend, prog, nil
}

// history is one earlier period of a target streak as computed: the
// scope's result and its tiers' (none for the probe).
type history struct {
	res   analytics.Result
	tiers map[int]analytics.Result
}

// compute runs the engine over a report's loaded records: the scorecard
// of the period, the periods before the previous one (for target streaks)
// with their tier roll-ups, the months (the trend), a quarter's months,
// the counts by source and the DORA bands, each period by the rules in
// force in it, and returns the trend. The runs only read in and write
// their own results, so they run at once, as many as there are cores (the
// scorecard's rows spread over the cores themselves). Each checks ctx
// before it starts, and once the reader has gone none starts and compute
// returns its error: a report runs the engine dozens of times. What the
// scorecard and the trend already computed by the same rules is taken
// from them: the period and its previous one for the DORA bands, a
// quarter's months.
func compute(ctx context.Context, d *report.Data, in analytics.Input, env scorecard.Env, services []analytics.Service, window []analytics.Period,
	months []analytics.Period) ([]analytics.Result, error) {
	p := d.Period
	rules := env.RulesFor(p)
	prevRules := env.RulesFor(d.Prev)
	prevSettings := prevRules.Settings
	if d.ToDate {
		prevSettings.AsOf = d.Prev.To // as the scorecard compares: pending as at the cut
	}
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	run := func(fn func()) {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			fn()
			return nil
		})
	}
	// The scorecard first: its rows are the longest run.
	var card *scorecard.Card
	g.Go(func() (err error) {
		if err := ctx.Err(); err != nil {
			return err
		}
		// The scorecard splits and computes only the records of its periods.
		cardIn := in.Cut(env.SettingsFor(p).LoadWindows(p).Union(env.SettingsFor(d.Prev).LoadWindows(d.Prev)))
		card, err = scorecard.ComputeContext(ctx, env, cardIn, services, p)
		return err
	})
	// The earlier periods, newest first, up to the first without data:
	// the streaks stop there. One run after another, as one task: each
	// splits a period's records, and splits side by side would hold that
	// much more memory at once for little gain on a few cores.
	hist := make([]history, len(window))
	g.Go(func() error {
		for i := len(window) - 1; i >= 0; i-- {
			if err := ctx.Err(); err != nil {
				return err
			}
			s := env.SettingsFor(window[i])
			if i == 0 {
				// The probe: only whether it has data counts, not its tiers.
				hist[i].res = analytics.ComputeKPIs(in.Cut(s.LoadWindows(window[i])), window[i], s)
			} else {
				hist[i].res, hist[i].tiers = earlier(in, window[i], s, services)
			}
			if !hasData(hist[i].res) {
				return nil
			}
		}
		return nil
	})
	trend := make([]analytics.Result, len(months))
	for i, m := range months {
		// As scorecard.Series computes each month.
		run(func() {
			s := env.SettingsFor(m)
			trend[i] = analytics.ComputeKPIs(in.Cut(s.LoadWindows(m)), m, s)
		})
	}
	var quarterMonths []analytics.Period
	var ownMonths []analytics.KPIs
	if p.Kind == analytics.Quarter {
		quarterMonths = p.Months()
		ownMonths = make([]analytics.KPIs, len(quarterMonths))
		for i, m := range quarterMonths {
			if inTrend(months, m) < 0 {
				run(func() {
					s := env.SettingsFor(m)
					ownMonths[i] = analytics.ComputeKPIs(in.Cut(s.LoadWindows(m)), m, s).KPIs
				})
			}
		}
	}
	run(func() { d.Sources = analytics.CountsBySource(in, p, rules.Settings) })
	if err := g.Wait(); err != nil {
		return nil, err
	}

	d.Card = card
	d.EarlierTiers = map[int][]analytics.Result{}
	for i := len(window) - 1; i >= 0; i-- {
		if !hasData(hist[i].res) {
			break
		}
		if i == 0 {
			d.EarlierCapped = true // the probe has data: older periods may too
			break
		}
		d.Earlier = append([]analytics.Period{window[i]}, d.Earlier...)
		d.EarlierScope = append([]analytics.Result{hist[i].res}, d.EarlierScope...)
		d.EarlierRules = append([]analytics.Rules{env.RulesFor(window[i])}, d.EarlierRules...)
		for tier, r := range hist[i].tiers {
			d.EarlierTiers[tier] = append([]analytics.Result{r}, d.EarlierTiers[tier]...)
		}
	}
	if quarterMonths != nil {
		d.Months = quarterMonths
		for i, m := range quarterMonths {
			// The trend's month is the same computation.
			if j := inTrend(months, m); j >= 0 {
				d.MonthKPIs = append(d.MonthKPIs, trend[j].KPIs)
			} else {
				d.MonthKPIs = append(d.MonthKPIs, ownMonths[i])
			}
		}
	}
	// The scorecard's organisation row is the scope's period and previous
	// period by these rules (its previous one blanked when it has no
	// records, and then computed again).
	cur, prev := card.Org.Result, card.Org.PrevRes
	if !scorecard.HasRecords(prev) {
		prev = analytics.ComputeKPIs(in, d.Prev, prevSettings)
	}
	d.Dora = analytics.DoraBands(cur, in, p, rules.Settings, rules.Bands)
	d.PrevDora = analytics.DoraBands(prev, in, d.Prev, prevSettings, prevRules.Bands)
	return trend, nil
}

// inTrend is the index of month m in months, or -1.
func inTrend(months []analytics.Period, m analytics.Period) int {
	return slices.IndexFunc(months, func(x analytics.Period) bool { return x.From.Equal(m.From) && x.To.Equal(m.To) })
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
	rec := in.Cut(s.LoadWindows(ep))
	split := scorecard.Split(rec, services)
	tiers := make(map[int]analytics.Result, len(split.Tiers))
	parts := make([]analytics.Partial, 0, len(split.Tiers))
	for tier, merged := range split.Tiers {
		var part analytics.Partial
		tiers[tier], part = analytics.ComputeKPIsPartial(merged, ep, s)
		parts = append(parts, part)
	}
	if !split.Whole || len(parts) == 0 {
		return analytics.ComputeKPIs(rec, ep, s), tiers
	}
	return analytics.ComputeKPIsOf(rec, ep, s, parts), tiers
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
