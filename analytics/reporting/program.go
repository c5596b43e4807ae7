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

// loadProgram computes the report's Program for the scope's services from
// the report's load, which holds the records of p (and the pages,
// responders and people on-call health counts, as a full load of p would).
func loadProgram(ctx context.Context, st *store.Store, env scorecard.Env, p analytics.Period, req Request, services []analytics.Service, rl loaded) (Program, error) {
	prog := Program{Quarterly: p.Kind == analytics.Quarter}
	if len(services) > 0 {
		prog.OnCall = analytics.ComputeOnCallHealth(rl.in, p, env.SettingsFor(p))
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
	var done []analytics.Initiative
	for _, in := range ins {
		// A scoped report shows the initiatives touching its services; the
		// organisation's shows all, including those naming no service.
		if !whole && !slices.ContainsFunc(in.Services, func(n string) bool { return inScope[strings.ToLower(n)] }) {
			continue
		}
		switch {
		case in.DeliveredIn(p.Label):
			done = append(done, in)
		case in.PlannedFor(prog.Next.Label):
			prog.Planned = append(prog.Planned, in)
		}
	}
	src := newRecords(st, env, rl)
	for _, in := range done {
		src.want(initiativeServices(env, in), quarters(env, in)...)
	}
	for _, in := range done {
		if err := ctx.Err(); err != nil {
			return prog, err
		}
		d, err := delivered(ctx, env, in, src)
		if err != nil {
			return prog, err
		}
		prog.Delivered = append(prog.Delivered, d)
	}
	return prog, nil
}

// initiativeServices are the catalogue's services an initiative names, in
// the catalogue's order; every service when it names none.
func initiativeServices(env scorecard.Env, in analytics.Initiative) []analytics.Service {
	if len(in.Services) == 0 {
		return env.Services
	}
	var out []analytics.Service
	for _, s := range env.Services {
		if slices.ContainsFunc(in.Services, func(n string) bool { return strings.EqualFold(n, s.Name) }) {
			out = append(out, s)
		}
	}
	return out
}

// quarters are a delivered initiative's before and after quarters.
func quarters(env scorecard.Env, in analytics.Initiative) []analytics.Period {
	before, _ := in.BeforeQuarter(env.Location())
	after, _ := in.AfterQuarter(env.Location())
	return []analytics.Period{before, after}
}

// delivered computes a delivered initiative's KPI before and after over
// its services (every service when it names none), each quarter by the
// rules in force in it, from the records src gives.
func delivered(ctx context.Context, env scorecard.Env, in analytics.Initiative, src *records) (Delivered, error) {
	d := Delivered{Initiative: in, ServicesScoped: in.Services}
	qs := quarters(env, in)
	d.Before, d.After = qs[0], qs[1]
	services := initiativeServices(env, in)
	def, _ := analytics.KPIDefOf(in.KPI)
	var before, after *float64
	if len(services) > 0 {
		input, err := src.of(ctx, services, d.Before, d.After)
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

// loaded is a report's one load: the records of its scope's services (the
// report's services, in the catalogue's order) over the union of the
// windows of the periods it computes.
type loaded struct {
	in       analytics.Input
	w        analytics.LoadWindows
	services []analytics.Service
}

// records gives the records that compute some periods for some services
// as a load of them would. When the report's load covers the periods'
// windows and every one of the services, they are taken from it: all of
// it when the services are the report's, else one split by service of its
// cut to what every such request needs, of the services asked for only
// (want), merged back for the services — the scorecard's roll-up of a team's rows
// (analytics.SplitByService, MergeParts), with more records than the
// periods need, which the engine ignores. Only otherwise (an initiative
// over services outside a scoped report, or a quarter older than the
// report's history) are they loaded, without the display fields of a full
// load: KPIs do not need them.
type records struct {
	st     *store.Store
	env    scorecard.Env
	rl     loaded
	inLoad map[int64]bool
	// wanted and wantedSvc are the windows and services asked for: the
	// split is of the load's records in those windows, of those services
	// (only), made on first use.
	wanted    analytics.LoadWindows
	wantedSvc map[int64]bool
	bySvc     map[int64]analytics.Input
	splitOK   bool
}

func newRecords(st *store.Store, env scorecard.Env, rl loaded) *records {
	r := &records{st: st, env: env, rl: rl, inLoad: make(map[int64]bool, len(rl.services)), wantedSvc: map[int64]bool{}}
	for _, s := range rl.services {
		r.inLoad[s.ID] = true
	}
	return r
}

// windows are the load windows of ps, each by the rules in force in it.
func (r *records) windows(ps []analytics.Period) analytics.LoadWindows {
	var w analytics.LoadWindows
	for _, p := range ps {
		w = w.Union(r.env.SettingsFor(p).LoadWindows(p))
	}
	return w
}

// fromLoad reports whether the report's load holds the records of the
// services for windows need.
func (r *records) fromLoad(services []analytics.Service, need analytics.LoadWindows) bool {
	return covers(r.rl.w, need) && !slices.ContainsFunc(services, func(s analytics.Service) bool { return !r.inLoad[s.ID] })
}

// want says of will be asked for the services and periods ps: the split
// covers them.
func (r *records) want(services []analytics.Service, ps ...analytics.Period) {
	if need := r.windows(ps); r.fromLoad(services, need) && !r.all(services) {
		r.wanted = r.wanted.Union(need)
		for _, s := range services {
			r.wantedSvc[s.ID] = true
		}
	}
}

// all reports whether services are the report's.
func (r *records) all(services []analytics.Service) bool {
	return slices.EqualFunc(services, r.rl.services, func(a, b analytics.Service) bool { return a.ID == b.ID })
}

// of returns records of services that compute the periods ps as a load of
// them would.
func (r *records) of(ctx context.Context, services []analytics.Service, ps ...analytics.Period) (analytics.Input, error) {
	need := r.windows(ps)
	if !r.fromLoad(services, need) {
		return scorecard.LoadLean(ctx, r.st, r.env, services, ps...)
	}
	if r.all(services) {
		return r.rl.in.Cut(need), nil
	}
	if !r.splitOK || !covers(r.wanted, need) || slices.ContainsFunc(services, func(s analytics.Service) bool { return !r.wantedSvc[s.ID] }) {
		r.wanted = r.wanted.Union(need)
		for _, s := range services {
			r.wantedSvc[s.ID] = true
		}
		r.bySvc, r.splitOK = analytics.SplitByService(only(r.rl.in.Cut(r.wanted), r.wantedSvc)), true
	}
	parts := make([]analytics.Input, len(services))
	for i, s := range services {
		parts[i] = r.bySvc[s.ID]
		parts[i].Services = []analytics.Service{s}
	}
	return analytics.MergeParts(parts...), nil
}

// only returns in with its deploys, pages, SLI days and action items
// restricted to the services ids, in their order. SplitByService of the
// result gives each of those services the part SplitByService of in gives
// it: a part holds its service's own records, its team's toil, and the
// incidents of other services naming its deploys, which are all kept; the
// rest, the other services' records, is what splitting every service of a
// report's load would copy for nothing.
func only(in analytics.Input, ids map[int64]bool) analytics.Input {
	in.Deploys = keep(in.Deploys, func(x *analytics.Deploy) int64 { return x.ServiceID }, ids)
	in.Pages = keep(in.Pages, func(x *analytics.Page) int64 { return x.ServiceID }, ids)
	in.SLIDays = keep(in.SLIDays, func(x *analytics.SLIDay) int64 { return x.ServiceID }, ids)
	in.ActionItems = keep(in.ActionItems, func(x *analytics.ActionItem) int64 { return x.ServiceID }, ids)
	return in
}

// keep returns the records of xs whose service is in ids, in order.
func keep[T any](xs []T, service func(*T) int64, ids map[int64]bool) []T {
	// Counted first: the records are large, and growing the copy by
	// appending would move each several times.
	n := 0
	for i := range xs {
		if ids[service(&xs[i])] {
			n++
		}
	}
	if n == len(xs) {
		return xs
	}
	out := make([]T, 0, n)
	for i := range xs {
		if ids[service(&xs[i])] {
			out = append(out, xs[i])
		}
	}
	return out
}

// covers reports whether records loaded for w include every record a
// load for need holds: each of need's windows lies within w's (a load for
// a wider window holds more records, which the engine ignores).
func covers(w, need analytics.LoadWindows) bool {
	within := func(outer, inner analytics.Window) bool {
		if inner.From.IsZero() && inner.To.IsZero() {
			return true // inner loads nothing
		}
		if outer.From.IsZero() && outer.To.IsZero() {
			return false
		}
		return !inner.From.Before(outer.From) && !inner.To.After(outer.To)
	}
	return within(w.Incidents, need.Incidents) && within(w.Deploys, need.Deploys) && within(w.Rest, need.Rest) && within(w.Overdue, need.Overdue)
}
