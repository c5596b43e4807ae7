package scorecard

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"sreport/analytics"
)

// Cell is one KPI of one scorecard row, judged against the target in
// force for the row's tier in the period (docs/metrics.md, "Statuses").
type Cell struct {
	Value *float64 `json:"value"`
	// N is the value's sample size (analytics.KPIDef.N): the records in a
	// ratio's denominator or a mean's average, the records a count counts.
	N float64 `json:"n"`
	// MinSample is the KPI's minimum sample in the period: with N below it
	// the status is low_sample (0: no minimum).
	MinSample int      `json:"min_sample"`
	Target    *float64 `json:"target"`
	Direction string   `json:"direction,omitempty"`
	Status    string   `json:"status"`
	// Previous, PreviousN, PreviousTarget and PreviousStatus are the
	// previous period's value, sample, target and status, judged by what
	// was in force then. For a period in progress the previous period is
	// cut at the same elapsed span (Card.ToDate).
	Previous       *float64 `json:"previous"`
	PreviousN      float64  `json:"previous_n"`
	PreviousTarget *float64 `json:"previous_target"`
	PreviousStatus string   `json:"previous_status"`
	Change         *float64 `json:"change"`
}

// Sufficient reports whether both the value and the previous value were
// judged against a target on enough records: the change may then be read
// as a move against the target (reports' largest worsening and
// improvement consider only these).
func (c Cell) Sufficient() bool {
	return analytics.Judged(c.Status) && analytics.Judged(c.PreviousStatus)
}

// Row kinds.
const (
	KindService = "service"
	KindTier    = "tier"
	KindTeam    = "team"
	KindOrg     = "org"
)

// Row is one service, tier roll-up, team roll-up or the organisation.
type Row struct {
	Kind string `json:"kind"` // service, tier, team, org
	Name string `json:"name"`
	Tier *int   `json:"tier,omitempty"`
	// TargetTier is the tier whose targets judge a team row's team
	// figures: the team's most critical tier in scope.
	TargetTier *int   `json:"target_tier,omitempty"`
	Team       string `json:"team,omitempty"`
	// KPIs holds every KPI of the row, except on service rows the team
	// figures (analytics.KPIDef.Team, toil), which belong to the team's row,
	// and on every row but the organisation's the organisation figures
	// (analytics.KPIDef.Org).
	KPIs    map[string]Cell  `json:"kpis"`
	Counts  analytics.Counts `json:"counts"`
	Result  analytics.Result `json:"-"` // without Evidence; see Result()
	PrevRes analytics.Result `json:"-"`
}

// Card is the whole scorecard of one period.
type Card struct {
	Period   string `json:"period"`
	From     string `json:"from"`
	To       string `json:"to"`
	Timezone string `json:"timezone"`
	// ToDate says the period is in progress at the knowledge cut-off: its
	// values are to date, and the previous values cover the previous
	// period from PreviousFrom up to PreviousTo, the same elapsed span.
	ToDate         bool   `json:"to_date"`
	PreviousPeriod string `json:"previous_period"`
	PreviousFrom   string `json:"previous_from"`
	PreviousTo     string `json:"previous_to"`
	Services       []Row  `json:"services"`
	Tiers          []Row  `json:"tiers"`
	// Teams are the teams of the services in scope, each over its services
	// in scope, with the team figures judged.
	Teams []Row `json:"teams"`
	Org   Row   `json:"organisation"`
}

// Parts is one scope's records split the way the scorecard rolls them up:
// each service's own records (with that service as their catalogue), in
// the order of the services, and each tier's records merged from its
// services' parts.
type Parts struct {
	Services []analytics.Input
	Tiers    map[int]analytics.Input
	// Whole says every record of the input split belongs to one of the
	// services, so their parts together are the whole input.
	Whole bool
}

// Split splits in by service and merges the parts by tier. It is the one
// tier roll-up rule: the scorecard's tier rows and the reports' tier
// history both come from it, so they count the same records. in holds
// distinct records, as a store loads them (analytics.MergeParts).
func Split(in analytics.Input, services []analytics.Service) Parts {
	parts, byTier := splitServices(in, services)
	for tier, t := range byTier {
		parts.Tiers[tier] = t.merge()
	}
	return parts
}

// tierParts is one tier's service parts, in the order of the services,
// and their records' span of the split's arrays: merged, they are the
// tier's input.
type tierParts struct {
	parts []analytics.Input
	span  analytics.Input
}

// merge is analytics.MergeParts of the parts, sharing the split's arrays
// (the services of a tier are laid out one after another) instead of
// copying every record of the tier again.
func (t tierParts) merge() analytics.Input { return analytics.MergeSplit(t.span, t.parts...) }

// rollup holds the tier's parts as a roll-up, sharing the split's arrays
// as merge does.
func (t tierParts) rollup() *analytics.Rollup { return analytics.NewRollupSplit(t.span, t.parts...) }

// splitServices is Split up to the tier merges: it returns each tier's
// service parts in order instead, for the caller to merge.
func splitServices(in analytics.Input, services []analytics.Service) (Parts, map[int]tierParts) {
	var tierOrder []int
	tierIDs := map[int][]int64{}
	for _, s := range services {
		if _, ok := tierIDs[s.Tier]; !ok {
			tierOrder = append(tierOrder, s.Tier)
		}
		tierIDs[s.Tier] = append(tierIDs[s.Tier], s.ID)
	}
	groups := make([][]int64, len(tierOrder))
	for i, tier := range tierOrder {
		groups[i] = tierIDs[tier]
	}
	bySvc, spans := analytics.SplitByServiceGrouped(in, groups)
	parts := Parts{Services: make([]analytics.Input, len(services)), Tiers: map[int]analytics.Input{}}
	inScope := make(map[int64]bool, len(services))
	for _, s := range services {
		inScope[s.ID] = true
	}
	parts.Whole = true
	for id := range bySvc {
		parts.Whole = parts.Whole && inScope[id]
	}
	byTier := make(map[int]tierParts, len(tierOrder))
	for i, tier := range tierOrder {
		byTier[tier] = tierParts{span: spans[i]}
	}
	for i, s := range services {
		part := bySvc[s.ID]
		part.Services = []analytics.Service{s}
		parts.Services[i] = part
		t := byTier[s.Tier]
		t.parts = append(t.parts, part)
		byTier[s.Tier] = t
	}
	return parts, byTier
}

// PrevPeriod is the period p is compared with: the previous one, cut at
// the same elapsed span while p is in progress at env.AsOf.
func (env Env) PrevPeriod(p analytics.Period) analytics.Period { return p.PrevToDate(env.AsOf) }

// prevSettings are the settings computing the previous period of p: those
// in force in it, with the knowledge cut-off at the cut of a to-date
// comparison, so its pending postmortems and action items are the ones
// pending at the same point of the earlier period.
func (env Env) prevSettings(p, prev analytics.Period) analytics.Settings {
	s := env.SettingsFor(prev)
	if p.InProgress(env.AsOf) {
		s.AsOf = prev.To
	}
	return s
}

// rowSpec says what one row is and how it is judged.
type rowSpec struct {
	kind, name string
	tier       *int
	team       string
	// target is the tier whose targets judge the row (nil: none), judged
	// the KPIs it judges (nil: all), and service rows leave team figures out.
	target *int
	judged func(analytics.KPIDef) bool
}

// Compute builds the scorecard of p for services from in, which must hold
// the records of p and of its previous period (PrevPeriod): every
// service's row, the tier and team roll-ups and the organisation row, each
// computed from the records.
func Compute(env Env, in analytics.Input, services []analytics.Service, p analytics.Period) *Card {
	card, _ := ComputeContext(context.Background(), env, in, services, p)
	return card
}

// ComputeContext is Compute for a caller that may go away: once ctx ends
// the rows not yet started are not computed and it returns ctx's error, so
// a reader who has left does not keep the cores busy.
func ComputeContext(ctx context.Context, env Env, in analytics.Input, services []analytics.Service, p analytics.Period) (*Card, error) {
	prevP := env.PrevPeriod(p)
	card := &Card{Period: p.Label, From: p.From.Format(time.RFC3339), To: p.To.Format(time.RFC3339),
		Timezone: p.Loc.String(), ToDate: p.InProgress(env.AsOf), PreviousPeriod: prevP.Label,
		PreviousFrom: prevP.From.Format(time.RFC3339), PreviousTo: prevP.To.Format(time.RFC3339)}
	parts, byTier := splitServices(in, services)
	// Rows are independent: compute them on every core, each into its own
	// slot. The service rows come first: each keeps what the roll-ups over
	// it can take instead of recomputing (analytics.Partial); the roll-ups'
	// records are merged meanwhile.
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	spawn := func(work func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				return // the caller has gone: the rows left are not computed
			}
			work()
		}()
	}
	run := func(dst *Row, spec rowSpec, part rowInput, keep *partials, from []*partials) {
		spawn(func() { *dst = env.row(spec, part, p, prevP, keep, from) })
	}
	card.Services = make([]Row, len(services))
	kept := make([]partials, len(services))
	for i, s := range services {
		tier := s.Tier
		run(&card.Services[i], rowSpec{kind: KindService, name: s.Name, tier: &tier, team: s.Team, target: &tier}, rowInput{in: parts.Services[i]}, &kept[i], nil)
	}
	var tiers []int
	for tier := 0; tier <= 3; tier++ {
		if _, ok := byTier[tier]; ok {
			tiers = append(tiers, tier)
		}
	}
	// The roll-ups hold their services' parts (analytics.Rollup): their
	// rows take the deploy and page figures from the service rows, so the
	// deploys and pages are not copied into a merge of their own.
	tierIn := make([]*analytics.Rollup, len(tiers))
	for i, tier := range tiers {
		spawn(func() { tierIn[i] = byTier[tier].rollup() })
	}
	teams := teamParts(services, parts)
	for i := range teams {
		spawn(func() { teams[i].in = analytics.NewRollup(teams[i].parts...) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err // the roll-ups are not started
	}
	of := func(keep func(analytics.Service) bool) []*partials {
		var out []*partials
		for i, s := range services {
			if keep(s) {
				out = append(out, &kept[i])
			}
		}
		return out
	}
	card.Tiers = make([]Row, len(tiers))
	for i, tier := range tiers {
		t := tier
		run(&card.Tiers[i], rowSpec{kind: KindTier, name: fmt.Sprintf("Tier %d", tier), tier: &t, target: &t}, rowInput{roll: tierIn[i]},
			nil, of(func(s analytics.Service) bool { return s.Tier == t }))
	}
	card.Teams = make([]Row, len(teams))
	for i, tm := range teams {
		strictest := tm.tier
		run(&card.Teams[i], rowSpec{kind: KindTeam, name: tm.name, team: tm.name, target: &strictest,
			judged: func(d analytics.KPIDef) bool { return d.Team }}, rowInput{roll: tm.in}, nil, of(func(s analytics.Service) bool { return s.Team == tm.name }))
	}
	// The organisation row takes its services' partials only when every
	// record belongs to one of them.
	var orgFrom []*partials
	if parts.Whole {
		orgFrom = of(func(analytics.Service) bool { return true })
	}
	run(&card.Org, rowSpec{kind: KindOrg, name: "Organisation"}, rowInput{in: in}, nil, orgFrom)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return card, nil
}

// partials are what a service row keeps for the roll-ups over it: its
// current and previous period's analytics.Partial.
type partials struct{ cur, prev analytics.Partial }

// team is one team's services in scope (their parts, and held as a
// roll-up) and its most critical tier.
type team struct {
	name  string
	tier  int
	parts []analytics.Input
	in    *analytics.Rollup
}

// rowInput is a row's records: a service's or the organisation's input,
// or a roll-up's services' parts.
type rowInput struct {
	in   analytics.Input
	roll *analytics.Rollup
}

// teamParts collects each team's service parts, teams in name order; the
// caller merges them.
func teamParts(services []analytics.Service, parts Parts) []team {
	byName := map[string]*team{}
	ins := map[string][]analytics.Input{}
	var names []string
	for i, s := range services {
		t, ok := byName[s.Team]
		if !ok {
			t = &team{name: s.Team, tier: s.Tier}
			byName[s.Team] = t
			names = append(names, s.Team)
		}
		t.tier = min(t.tier, s.Tier)
		ins[s.Team] = append(ins[s.Team], parts.Services[i])
	}
	slices.Sort(names)
	out := make([]team, len(names))
	for i, n := range names {
		out[i] = *byName[n]
		out[i].parts = ins[n]
	}
	return out
}

// row computes one row: each KPI with its sample, judged against the
// target of spec.target's tier in force in the period, and the previous
// period judged by what was in force then. The organisation row has no
// target of its own.
//
// A service row keeps its partials in keep; a roll-up row takes those of
// its services, from (nil: compute every figure from in).
func (env Env) row(spec rowSpec, ri rowInput, p, prevP analytics.Period, keep *partials, from []*partials) Row {
	rules, prevRules := env.RulesFor(p), env.RulesFor(prevP)
	prevS := env.prevSettings(p, prevP)
	in := ri.in
	var cur, prev analytics.Result
	switch {
	case ri.roll != nil:
		curParts, prevParts := make([]analytics.Partial, len(from)), make([]analytics.Partial, len(from))
		for i, x := range from {
			curParts[i], prevParts[i] = x.cur, x.prev
		}
		cur = ri.roll.ComputeKPIs(p, rules.Settings, curParts)
		prev = ri.roll.ComputeKPIs(prevP, prevS, prevParts)
	case keep != nil:
		cur, keep.cur = analytics.ComputeKPIsPartial(in, p, rules.Settings)
		prev, keep.prev = analytics.ComputeKPIsPartial(in, prevP, prevS)
	case from != nil:
		curParts, prevParts := make([]analytics.Partial, len(from)), make([]analytics.Partial, len(from))
		for i, x := range from {
			curParts[i], prevParts[i] = x.cur, x.prev
		}
		cur = analytics.ComputeKPIsOf(in, p, rules.Settings, curParts)
		prev = analytics.ComputeKPIsOf(in, prevP, prevS, prevParts)
	default:
		cur = analytics.ComputeKPIs(in, p, rules.Settings)
		prev = analytics.ComputeKPIs(in, prevP, prevS)
	}
	prev = noPrevious(prev)
	r := Row{Kind: spec.kind, Name: spec.name, Tier: spec.tier, Team: spec.team, Counts: cur.Counts, Result: cur, PrevRes: prev,
		KPIs: make(map[string]Cell, len(analytics.KPINames))}
	if spec.kind == KindTeam {
		r.TargetTier = spec.target
	}
	change := Change(cur.KPIs, prev.KPIs)
	curK, prevK := &r.Result.KPIs, &r.PrevRes.KPIs
	for _, d := range analytics.KPIDefs() {
		if spec.kind == KindService && d.Team {
			continue // a team figure: on the team's row, not repeated per service
		}
		if spec.kind != KindOrg && d.Org {
			continue // an organisation figure: the same in every scope, shown once
		}
		k := d.Key
		c := Cell{Value: curK.Value(k), N: d.SampleSize(cur.Counts), MinSample: rules.Settings.MinSampleOf(k),
			Previous: prevK.Value(k), PreviousN: d.SampleSize(prev.Counts), Change: change[k]}
		var t, pt analytics.Target
		var ok, pok bool
		if spec.target != nil && (spec.judged == nil || spec.judged(d)) {
			t, ok = rules.Targets.Get(*spec.target, k)
			pt, pok = prevRules.Targets.Get(*spec.target, k)
		}
		if ok {
			v := t.Target
			c.Target, c.Direction = &v, t.Direction
		}
		if pok {
			v := pt.Target
			c.PreviousTarget = &v
		}
		c.Status = analytics.Judge(c.Value, c.N, c.MinSample, t, ok)
		c.PreviousStatus = analytics.Judge(c.Previous, c.PreviousN, prevRules.Settings.MinSampleOf(k), pt, pok)
		r.KPIs[k] = c
	}
	return r
}

// Change returns cur − prev for every KPI (nil when either is missing).
func Change(cur, prev analytics.KPIs) map[string]*float64 {
	out := make(map[string]*float64, len(analytics.KPINames))
	// One array holds every change, each its own element: a scorecard
	// takes the change of every KPI of every row.
	ds := make([]float64, len(analytics.KPINames))
	for i, k := range analytics.KPINames {
		a, b := cur.Value(k), prev.Value(k)
		if a == nil || b == nil {
			out[k] = nil
			continue
		}
		ds[i] = *a - *b
		out[k] = &ds[i]
	}
	return out
}

// noPrevious blanks a previous period that holds no records at all (before
// the first import, or before a service existed): its zero counts would
// otherwise read as "up from 0", a change that never happened.
func noPrevious(r analytics.Result) analytics.Result {
	if HasRecords(r) {
		return r
	}
	return analytics.Result{Counts: analytics.Counts{Days: r.Counts.Days, Services: r.Counts.Services}}
}

// HasRecords reports whether a result counted any record: a Row's PrevRes
// without any is blanked (shown blank, not as zeros), and is otherwise
// the previous period's result as computed.
func HasRecords(r analytics.Result) bool {
	c := r.Counts
	return c.Incidents+c.Deployments+c.Rollbacks+c.Pages+c.SLODays+c.ToilWeeks+c.ActionItemsDue+c.ActionItemsPending+c.ActionItemsOverdue > 0
}

// Sort keys of SortRows besides the KPI names.
const (
	// SortService orders by service name.
	SortService = "service"
	// SortSev12 orders by the Sev1 and Sev2 incidents together (the
	// scorecard's "Sev1+2" column).
	SortSev12 = "sev1_sev2"
)

// Sorted returns the card with its service rows ordered by sort, a key of
// SortRows with a leading "-" for descending order. The card itself may be
// cached and shared, so the rows are sorted in a copy.
func (c *Card) Sorted(sort string) *Card {
	sorted := *c
	sorted.Services = slices.Clone(c.Services)
	key, desc := strings.TrimPrefix(sort, "-"), strings.HasPrefix(sort, "-")
	SortRows(sorted.Services, key, desc)
	return &sorted
}

// SortRows orders rows by key, keeping equal rows in their order: the
// service name (SortService), Sev1 and Sev2 incidents (SortSev12), or one
// KPI's value with missing values last in either direction.
func SortRows(rows []Row, key string, desc bool) {
	switch key {
	case SortService:
		slices.SortStableFunc(rows, func(a, b Row) int {
			if desc {
				return strings.Compare(b.Name, a.Name)
			}
			return strings.Compare(a.Name, b.Name)
		})
	case SortSev12:
		sum := func(r Row) float64 { return float64(r.Counts.Sev1 + r.Counts.Sev2) }
		slices.SortStableFunc(rows, func(a, b Row) int {
			if desc {
				a, b = b, a
			}
			return cmp.Compare(sum(a), sum(b))
		})
	default:
		sortByKPI(rows, key, desc)
	}
}

// sortByKPI orders rows by one KPI's value, missing values last.
func sortByKPI(rows []Row, kpi string, desc bool) {
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
