package analytics

import (
	"sort"
	"sync"
	"time"
)

// Input is the set of records a KPI computation looks at. The caller loads
// records with Settings.InputWindow(p); Compute filters to the period itself,
// so extra records are ignored and never change a result. A compute step
// must not look at incidents, deploys or pages outside InputWindow: Compute
// cuts those slices to it before any step runs (Input.within).
type Input struct {
	Services    []Service // services in scope: on-call timezone for after-hours pages, shift count
	Incidents   []Incident
	Deploys     []Deploy
	Pages       []Page
	SLIDays     []SLIDay
	Toil        []ToilWeek // already restricted to the teams in scope
	ActionItems []ActionItem

	// LinkIncidents are incidents outside the scope that explicitly name one
	// of Deploys (CausedByDeployID). SplitByService fills it, and a store
	// loading one service or tier must too, so a scoped change failure rate
	// still sees a cross-service explicit link; they count only for rule (a),
	// for which services have named causes, and for failed deploy recovery.
	LinkIncidents []Incident

	// The reliability program's records (program.go). Readiness holds the
	// services in scope; ToilTasks the teams' inventory; Costs a team's
	// entries beside its services'; Stakeholder the organisation's surveys,
	// whatever the scope.
	Readiness   []ServiceReadiness
	DRTests     []DRTest
	ToilTasks   []ToilTask
	Capacity    []CapacitySample
	Costs       []CostEntry
	Stakeholder []StakeholderScore

	// People merges responders named differently by different sources
	// (on-call health); nil resolves every responder to itself.
	People People

	// ordered records which of the time-keyed slices are known to be in
	// time order (Ordered), so cutting them to a period's windows needs no
	// pass over years of records to check.
	ordered orderFlags
}

// orderFlags are the slices of an Input verified in time order: incidents
// and link incidents by detection, deploys by finish, pages by trigger.
type orderFlags uint8

const (
	orderedIncidents orderFlags = 1 << iota
	orderedLinks
	orderedDeploys
	orderedPages
)

// Ordered returns in with each of its incidents, link incidents, deploys
// and pages checked once for time order (detection, detection, finish,
// trigger), as a store returns them. Every later cut of the result
// (Cut, and each period Compute takes) and every part SplitByService makes
// of it then skips the check, which is a pass over every record: a report
// computes dozens of periods from years of records. Sub-slices keep the
// order, so the marks stay true; an Input whose slices are modified in
// place afterwards must be passed through Ordered again.
func (in Input) Ordered() Input {
	in.ordered = 0
	if sortedBy(in.Incidents, incidentAt) {
		in.ordered |= orderedIncidents
	}
	if sortedBy(in.LinkIncidents, incidentAt) {
		in.ordered |= orderedLinks
	}
	if sortedBy(in.Deploys, deployAt) {
		in.ordered |= orderedDeploys
	}
	if sortedBy(in.Pages, pageAt) {
		in.ordered |= orderedPages
	}
	return in
}

func incidentAt(x *Incident) time.Time { return x.DetectedAt }
func deployAt(x *Deploy) time.Time     { return x.FinishedAt }
func pageAt(x *Page) time.Time         { return x.TriggeredAt }

// SplitByService groups every slice of in by ServiceID, for a per-service
// scorecard in one pass. Each service's Input holds that Service (when it
// is in in.Services) and its records; a team's toil weeks go to every one
// of the team's services, because toil is recorded per team. Records of a
// service not in in.Services get an entry without a Service (no shifts).
// An incident that explicitly names another service's deploy is also passed
// to that service, for its change failure rate only.
func SplitByService(in Input) map[int64]Input {
	parts, _ := splitByService(in, nil)
	return parts
}

// splitByService is SplitByService with the parts of each group's
// services laid out one after another, in the group's order, in one array
// per kind of distinct record (incidents, deploys, pages, SLI days,
// action items), and returns each group's span of those arrays: what
// MergeParts of the group's parts concatenates (see MergeSplit).
func splitByService(in Input, groups [][]int64) (map[int64]Input, []Input) {
	// Count first so every per-service slice is allocated once: the records
	// are large structs and append-doubling would copy each several times.
	type sizes struct{ svc, inc, dep, pg, sli, ai, toil int }
	n := make(map[int64]*sizes)
	sz := func(id int64) *sizes {
		x := n[id]
		if x == nil {
			x = &sizes{}
			n[id] = x
		}
		return x
	}
	teamToil := make(map[int64]int)
	for i := range in.Toil {
		teamToil[in.Toil[i].TeamID]++
	}
	for _, sv := range in.Services {
		x := sz(sv.ID)
		x.svc++
		x.toil += teamToil[sv.TeamID]
	}
	for i := range in.Incidents {
		sz(in.Incidents[i].ServiceID).inc++
	}
	for i := range in.Deploys {
		sz(in.Deploys[i].ServiceID).dep++
	}
	for i := range in.Pages {
		sz(in.Pages[i].ServiceID).pg++
	}
	for i := range in.SLIDays {
		sz(in.SLIDays[i].ServiceID).sli++
	}
	for i := range in.ActionItems {
		sz(in.ActionItems[i].ServiceID).ai++
	}
	parts := make(map[int64]*Input, len(n))
	// Every part's distinct records get their room in one array per kind,
	// the groups' services first and in order, so each group's records are
	// one span of it.
	ar := arena{inc: make([]Incident, len(in.Incidents)), dep: make([]Deploy, len(in.Deploys)), pg: make([]Page, len(in.Pages)),
		sli: make([]SLIDay, len(in.SLIDays)), ai: make([]ActionItem, len(in.ActionItems))}
	place := func(id int64) {
		c := n[id]
		if c == nil || parts[id] != nil {
			return
		}
		parts[id] = &Input{
			Services: make([]Service, 0, c.svc), Incidents: take(ar.inc, &ar.nInc, c.inc),
			Deploys: take(ar.dep, &ar.nDep, c.dep), Pages: take(ar.pg, &ar.nPg, c.pg), SLIDays: take(ar.sli, &ar.nSLI, c.sli),
			ActionItems: take(ar.ai, &ar.nAI, c.ai), Toil: make([]ToilWeek, 0, c.toil),
		}
	}
	spans := make([]Input, len(groups))
	for g, ids := range groups {
		from := ar
		for _, id := range ids {
			place(id)
		}
		spans[g] = Input{Incidents: span(ar.inc, from.nInc, ar.nInc), Deploys: span(ar.dep, from.nDep, ar.nDep),
			Pages: span(ar.pg, from.nPg, ar.nPg), SLIDays: span(ar.sli, from.nSLI, ar.nSLI), ActionItems: span(ar.ai, from.nAI, ar.nAI)}
	}
	for id := range n {
		place(id)
	}
	get := func(id int64) *Input {
		x := parts[id]
		if x == nil {
			x = &Input{}
			parts[id] = x
		}
		return x
	}
	teamSvcs := make(map[int64][]int64)
	for _, sv := range in.Services {
		x := get(sv.ID)
		x.Services = append(x.Services, sv)
		teamSvcs[sv.TeamID] = append(teamSvcs[sv.TeamID], sv.ID)
	}
	// The service of each deploy an incident names: a map of every deploy
	// would cost an entry per deploy for the few that are named.
	named := map[int64]bool{}
	for _, xs := range [][]Incident{in.Incidents, in.LinkIncidents} {
		for i := range xs {
			if id := xs[i].CausedByDeployID; id != nil {
				named[*id] = true
			}
		}
	}
	deploySvc := make(map[int64]int64, len(named))
	if len(named) > 0 {
		for i := range in.Deploys {
			if d := &in.Deploys[i]; named[d.ID] {
				deploySvc[d.ID] = d.ServiceID
			}
		}
	}
	// The deploys and the pages, most of the records, are laid out
	// concurrently with the rest. Every part they reach is placed already
	// (each of their services was counted), so the goroutines only read
	// parts, each appending to its own kind's slices.
	at := func(id int64) *Input { return parts[id] }
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range in.Deploys {
			x := at(in.Deploys[i].ServiceID)
			x.Deploys = append(x.Deploys, in.Deploys[i])
		}
	}()
	go func() {
		defer wg.Done()
		for i := range in.Pages {
			x := at(in.Pages[i].ServiceID)
			x.Pages = append(x.Pages, in.Pages[i])
		}
	}()
	addLink := func(inc *Incident) {
		if inc.CausedByDeployID == nil {
			return
		}
		if sid, ok := deploySvc[*inc.CausedByDeployID]; ok && sid != inc.ServiceID {
			x := at(sid)
			x.LinkIncidents = append(x.LinkIncidents, *inc)
		}
	}
	for i := range in.Incidents {
		inc := &in.Incidents[i]
		x := at(inc.ServiceID)
		x.Incidents = append(x.Incidents, *inc)
		addLink(inc)
	}
	for i := range in.LinkIncidents {
		addLink(&in.LinkIncidents[i])
	}
	for i := range in.SLIDays {
		x := at(in.SLIDays[i].ServiceID)
		x.SLIDays = append(x.SLIDays, in.SLIDays[i])
	}
	for i := range in.ActionItems {
		x := at(in.ActionItems[i].ServiceID)
		x.ActionItems = append(x.ActionItems, in.ActionItems[i])
	}
	wg.Wait()
	for _, w := range in.Toil {
		for _, sid := range teamSvcs[w.TeamID] {
			x := get(sid)
			x.Toil = append(x.Toil, w)
		}
	}
	splitProgram(in, get, teamSvcs)
	out := make(map[int64]Input, len(parts))
	for id, x := range parts {
		x.People = in.People
		// Each part keeps its records in in's order, so what in's were
		// known to be in time order still are; a part's link incidents
		// come from two slices and are not.
		x.ordered = in.ordered &^ orderedLinks
		out[id] = *x
	}
	return out, spans
}

// MergeInputs concatenates inputs for a tier or org roll-up, dropping
// duplicates so merging the parts of a SplitByService gives back the
// original: records are the same when their IDs are (ID 0 is never treated
// as a duplicate), SLI days when SLO and day are, toil weeks when team and
// week are.
func MergeInputs(ins ...Input) Input { return merge(ins, false) }

// MergeParts is MergeInputs for parts of one SplitByService of an input
// whose incidents, deploys, pages, action items and SLI days are distinct
// records (as a store loads them): every such record is in one part only,
// so those are concatenated, in the parts' order, without the look-ups
// that drop duplicates, which were most of a roll-up's cost. Toil weeks,
// program records, link incidents and services, which SplitByService
// passes to several parts, are merged as MergeInputs merges them, so the
// result is MergeInputs's.
func MergeParts(parts ...Input) Input { return merge(parts, true) }

// merge is MergeInputs, or MergeParts when distinct.
func merge(ins []Input, distinct bool) Input { return mergeWith(ins, distinct, nil) }

// mergeSpan is MergeParts of parts whose distinct records are, one after
// another, those of span (MergeSplit): span's are taken as they are.
func mergeSpan(parts []Input, span *Input) Input { return mergeWith(parts, true, span) }

// mergeWith is merge, taking the distinct records from span when it is
// not nil.
func mergeWith(ins []Input, distinct bool, span *Input) Input {
	// Size every map and slice once: a tier or organisation merge holds
	// hundreds of thousands of records, and growing them was most of the
	// merge's cost.
	var nSvc, nInc, nDep, nPg, nAI, nSLI, nToil int
	for i := range ins {
		nSvc += len(ins[i].Services)
		nInc += len(ins[i].Incidents)
		nDep += len(ins[i].Deploys)
		nPg += len(ins[i].Pages)
		nAI += len(ins[i].ActionItems)
		nSLI += len(ins[i].SLIDays)
		nToil += len(ins[i].Toil)
	}
	out := Input{Services: capped[Service](nSvc), Toil: capped[ToilWeek](nToil)}
	if span != nil {
		out.Incidents, out.Deploys, out.Pages, out.ActionItems, out.SLIDays = span.Incidents, span.Deploys, span.Pages, span.ActionItems, span.SLIDays
	} else {
		out.Incidents, out.Deploys, out.Pages = capped[Incident](nInc), capped[Deploy](nDep), capped[Page](nPg)
		out.ActionItems, out.SLIDays = capped[ActionItem](nAI), capped[SLIDay](nSLI)
	}
	seen := func(n int) map[int64]struct{} {
		if distinct {
			return nil
		}
		return make(map[int64]struct{}, n)
	}
	svc := make(map[int64]struct{}, nSvc)
	inc, dep, pg, ai := seen(nInc), seen(nDep), seen(nPg), seen(nAI)
	var sli map[sliKey]bool
	if !distinct {
		sli = make(map[sliKey]bool, nSLI)
	}
	type toilKey struct {
		team int64
		week time.Time
	}
	toil := make(map[toilKey]bool, nToil)
	// fresh reports whether id is new to seen (always, for distinct parts).
	fresh := func(seen map[int64]struct{}, id int64) bool {
		if id == 0 || seen == nil {
			return true
		}
		if _, dup := seen[id]; dup {
			return false
		}
		seen[id] = struct{}{}
		return true
	}
	for _, in := range ins {
		for _, x := range in.Services {
			if fresh(svc, x.ID) {
				out.Services = append(out.Services, x)
			}
		}
		if span == nil { // else the span holds the distinct records
			out.Incidents = appendFresh(out.Incidents, in.Incidents, inc, func(x *Incident) int64 { return x.ID }, fresh)
			out.Deploys = appendFresh(out.Deploys, in.Deploys, dep, func(x *Deploy) int64 { return x.ID }, fresh)
			out.Pages = appendFresh(out.Pages, in.Pages, pg, func(x *Page) int64 { return x.ID }, fresh)
			out.ActionItems = appendFresh(out.ActionItems, in.ActionItems, ai, func(x *ActionItem) int64 { return x.ID }, fresh)
			out.SLIDays = appendSLIDays(out.SLIDays, in.SLIDays, sli)
		}
		for _, x := range in.Toil {
			k := toilKey{x.TeamID, x.WeekStart.UTC()}
			if !toil[k] {
				toil[k] = true
				out.Toil = append(out.Toil, x)
			}
		}
	}
	mergeProgram(&out, ins)
	for _, in := range ins {
		for k, v := range in.People {
			if out.People == nil {
				out.People = People{}
			}
			out.People[k] = v
		}
	}
	// Link-only incidents stay only when the merged set lacks them as real
	// incidents, and then once.
	if distinct {
		inc = realLinked(ins, out.Incidents)
	}
	linked := map[int64]bool{}
	for _, in := range ins {
		for _, x := range in.LinkIncidents {
			if _, real := inc[x.ID]; x.ID != 0 && (real || linked[x.ID]) {
				continue
			}
			linked[x.ID] = true
			out.LinkIncidents = append(out.LinkIncidents, x)
		}
	}
	return out
}

// sliKey is an SLI day's identity: its SLO and day.
type sliKey struct {
	slo int64
	day time.Time
}

// appendSLIDays appends the days of xs not in seen (every day, for a nil
// seen: distinct parts), noting them in seen.
func appendSLIDays(out, xs []SLIDay, seen map[sliKey]bool) []SLIDay {
	for _, x := range xs {
		k := sliKey{x.SLOID, x.Day.UTC()}
		if seen == nil || !seen[k] {
			if seen != nil {
				seen[k] = true
			}
			out = append(out, x)
		}
	}
	return out
}

// appendFresh appends the records of xs whose ID (by id) fresh accepts.
// A nil seen accepts every record: the records are distinct, and they are
// copied in one go.
func appendFresh[T any](out, xs []T, seen map[int64]struct{}, id func(*T) int64, fresh func(map[int64]struct{}, int64) bool) []T {
	if seen == nil {
		return append(out, xs...)
	}
	for i := range xs {
		if fresh(seen, id(&xs[i])) {
			out = append(out, xs[i])
		}
	}
	return out
}

// realLinked returns the IDs of the parts' link incidents that are among
// incidents: for distinct parts, the only look-ups the link merge makes.
func realLinked(ins []Input, incidents []Incident) map[int64]struct{} {
	want := map[int64]bool{}
	for _, in := range ins {
		for _, x := range in.LinkIncidents {
			want[x.ID] = true
		}
	}
	out := map[int64]struct{}{}
	if len(want) == 0 {
		return out
	}
	for i := range incidents {
		if want[incidents[i].ID] {
			out[incidents[i].ID] = struct{}{}
		}
	}
	return out
}

// within returns in with its incidents, link incidents and pages cut to
// [from, to) and its deploys to the deploy window, by the instant that
// assigns each to a period (detection, trigger, finish), for each slice
// that is in that instant's order, as the store returns them; a slice out
// of order stays whole. Compute filters every one of them to those windows
// or narrower itself, so the cut changes no result: it spares each period
// of a report or a trend a pass over the years of records loaded for all
// of them at once.
func (in Input) within(from, to time.Time, deploys Window) Input {
	in.Incidents = cutSorted(in.Incidents, incidentAt, in.ordered&orderedIncidents != 0, from, to)
	in.LinkIncidents = cutSorted(in.LinkIncidents, incidentAt, in.ordered&orderedLinks != 0, from, to)
	in.Deploys = cutSorted(in.Deploys, deployAt, in.ordered&orderedDeploys != 0, deploys.From, deploys.To)
	in.Pages = cutSorted(in.Pages, pageAt, in.ordered&orderedPages != 0, from, to)
	return in
}

// Cut returns in with its incidents and link incidents restricted to
// w.Incidents (by detection), its deploys to w.Deploys (by finish) and its
// pages to w.Rest (by trigger): what a store loads for w; and its SLI days
// to w.Rest with two days of margin each side. A slice in time order, as
// the store returns them, is cut without copying; one out of order is
// filtered into a copy, its order kept. Computing a period whose
// LoadWindows lie within w from the cut gives what computing it from in
// gives, and splitting the cut (SplitByService) gives the cut of each
// part, so a report that loads years at once can split and compute each
// period from just that period's records.
//
// The SLI days' margin: the engine takes an SLI day by its date (the days
// whose noon in the reporting zone falls in the period), and a store loads
// w.Rest's dates, so every such day lies within it, and the days left out
// are outside every period computed from the cut.
func (in Input) Cut(w LoadWindows) Input {
	in.Incidents = cutOrFilter(in.Incidents, incidentAt, in.ordered&orderedIncidents != 0, w.Incidents)
	in.LinkIncidents = cutOrFilter(in.LinkIncidents, incidentAt, in.ordered&orderedLinks != 0, w.Incidents)
	in.Deploys = cutOrFilter(in.Deploys, deployAt, in.ordered&orderedDeploys != 0, w.Deploys)
	in.Pages = cutOrFilter(in.Pages, pageAt, in.ordered&orderedPages != 0, w.Rest)
	days := Window{w.Rest.From.Add(-48 * time.Hour), w.Rest.To.Add(48 * time.Hour)}
	in.SLIDays = cutOrFilter(in.SLIDays, sliDayAt, false, days)
	return in
}

func sliDayAt(x *SLIDay) time.Time { return x.Day }

// cutOrFilter is cutSorted for any order: the records of xs with at in w,
// in their order. ordered says xs is known to be in order of at.
func cutOrFilter[T any](xs []T, at func(*T) time.Time, ordered bool, w Window) []T {
	if !ordered && !sortedBy(xs, at) {
		var out []T
		for i := range xs {
			if t := at(&xs[i]); !t.Before(w.From) && t.Before(w.To) {
				out = append(out, xs[i])
			}
		}
		return out
	}
	return cutRange(xs, at, w.From, w.To)
}

func sortedBy[T any](xs []T, at func(*T) time.Time) bool {
	for i := 1; i < len(xs); i++ {
		if at(&xs[i]).Before(at(&xs[i-1])) {
			return false
		}
	}
	return true
}

// capped returns an empty slice with room for n, or nil for none (as
// appending to nil would leave it).
func capped[T any](n int) []T {
	if n == 0 {
		return nil
	}
	return make([]T, 0, n)
}

// cutSorted returns the records of xs with at in [from, to) when xs is in
// order of at (known to be when ordered), else xs itself. The result shares
// xs's array and keeps the records' order.
func cutSorted[T any](xs []T, at func(*T) time.Time, ordered bool, from, to time.Time) []T {
	if !ordered && !sortedBy(xs, at) {
		return xs
	}
	return cutRange(xs, at, from, to)
}

// cutRange is cutSorted for xs known to be in order of at.
func cutRange[T any](xs []T, at func(*T) time.Time, from, to time.Time) []T {
	lo := sort.Search(len(xs), func(i int) bool { return !at(&xs[i]).Before(from) })
	hi := sort.Search(len(xs), func(i int) bool { return !at(&xs[i]).Before(to) })
	if hi < lo {
		hi = lo
	}
	return xs[lo:hi:hi]
}
