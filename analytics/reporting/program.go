package reporting

import (
	"context"
	"slices"
	"strings"

	"sreport/analytics"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
)

// Program is what a report says about the people on call and the
// reliability programme: the scope's on-call health per team (team
// aggregates only: a report goes to readers who may not see per-person
// figures) and, in a quarterly report, the roadmap's initiatives delivered
// in the quarter with their KPI before and after, and those planned for the
// next quarter.
type Program struct {
	// OnCall is the scope's on-call load per team; People is left empty.
	OnCall analytics.OnCallHealth
	// Quarterly says the report is for a quarter: only then does it
	// report the roadmap (initiatives are planned by quarter).
	Quarterly bool
	Next      analytics.Period // the quarter after the report's
	Delivered []Delivered
	Planned   []analytics.Initiative
}

// Delivered is one initiative delivered in the report's quarter, with the
// engine's figures for its KPI over its services in the quarter before it
// started and in its delivery quarter.
type Delivered struct {
	Initiative     analytics.Initiative
	Before, After  analytics.Period
	BeforeN        float64 // the KPI's sample size (KPIDef.SampleSize) in each
	AfterN         float64
	BeforeCounts   analytics.Counts
	AfterCounts    analytics.Counts
	Outcome        analytics.InitiativeOutcome
	ServicesScoped []string // the services the figures are over (none: every service)
	// LowSample says a figure the target needs rests on fewer records than
	// the KPI's minimum sample: shown, but the target is not judged.
	LowSample bool
}

// loadProgram computes the report's Program for the scope's services; in
// is the report's load, which holds the records of p (and the pages,
// responders and people on-call health counts, as a full load of p would).
func loadProgram(ctx context.Context, st *store.Store, env scorecard.Env, p analytics.Period, req Request, services []analytics.Service, in analytics.Input) (Program, error) {
	prog := Program{Quarterly: p.Kind == analytics.Quarter}
	if len(services) > 0 {
		prog.OnCall = analytics.ComputeOnCallHealth(in, p, env.SettingsFor(p))
		for i := range prog.OnCall.Teams {
			prog.OnCall.Teams[i].People = nil
		}
		prog.OnCall.All.People = nil
	}
	if !prog.Quarterly {
		return prog, nil
	}
	prog.Next = p.Next()
	ins, err := st.Initiatives(ctx)
	if err != nil {
		return prog, err
	}
	inScope := map[string]bool{}
	for _, s := range services {
		inScope[strings.ToLower(s.Name)] = true
	}
	whole := req.Team == "" && req.Tier == nil
	for _, in := range ins {
		// A scoped report shows the initiatives touching its services; the
		// organisation's shows all, including those naming no service.
		if !whole && !slices.ContainsFunc(in.Services, func(n string) bool { return inScope[strings.ToLower(n)] }) {
			continue
		}
		switch {
		case in.DeliveredIn(p.Label):
			d, err := delivered(ctx, st, env, in)
			if err != nil {
				return prog, err
			}
			prog.Delivered = append(prog.Delivered, d)
		case in.PlannedFor(prog.Next.Label):
			prog.Planned = append(prog.Planned, in)
		}
	}
	return prog, nil
}

// delivered computes a delivered initiative's KPI before and after over
// its services (every service when it names none), each quarter by the
// rules in force in it.
func delivered(ctx context.Context, st *store.Store, env scorecard.Env, in analytics.Initiative) (Delivered, error) {
	loc := env.Location()
	d := Delivered{Initiative: in, ServicesScoped: in.Services}
	d.Before, _ = in.BeforeQuarter(loc)
	d.After, _ = in.AfterQuarter(loc)
	services := env.Services
	if len(in.Services) > 0 {
		services = nil
		for _, s := range env.Services {
			if slices.ContainsFunc(in.Services, func(n string) bool { return strings.EqualFold(n, s.Name) }) {
				services = append(services, s)
			}
		}
	}
	def, _ := analytics.KPIDefOf(in.KPI)
	var before, after *float64
	if len(services) > 0 {
		input, err := scorecard.Load(ctx, st, env, services, d.Before, d.After)
		if err != nil {
			return d, err
		}
		b := analytics.ComputeKPIs(input, d.Before, env.SettingsFor(d.Before))
		a := analytics.ComputeKPIs(input, d.After, env.SettingsFor(d.After))
		before, after = b.KPIs.Get(in.KPI), a.KPIs.Get(in.KPI)
		d.BeforeCounts, d.AfterCounts = b.Counts, a.Counts
		d.BeforeN, d.AfterN = def.SampleSize(b.Counts), def.SampleSize(a.Counts)
	}
	d.Outcome = in.Outcome(before, after)
	// As everywhere else, a figure on too few records is shown, not judged.
	low := func(n float64, p analytics.Period) bool { return n < float64(env.SettingsFor(p).MinSampleOf(in.KPI)) }
	if low(d.AfterN, d.After) || in.TargetKind == analytics.TargetChange && low(d.BeforeN, d.Before) {
		d.LowSample, d.Outcome.Met = true, nil
	}
	return d, nil
}
