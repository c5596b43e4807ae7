package analytics

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sync"
	"time"
)

// Result is the outcome of Compute: the KPIs, the numerators and
// denominators behind them, and the records behind each KPI.
type Result struct {
	KPIs     KPIs     `json:"kpis"`
	Counts   Counts   `json:"counts"`
	Evidence Evidence `json:"-"`
}

// Counts are the numerators and denominators behind the KPIs, so every
// ratio can be re-derived and explained.
type Counts struct {
	Days     int `json:"days"`     // calendar days in the period
	Services int `json:"services"` // distinct services in Input.Services

	Incidents          int `json:"incidents"` // detected in the period (incidents_total)
	Sev1               int `json:"sev1"`
	Sev2               int `json:"sev2"`
	CustomerImpacting  int `json:"customer_impacting"`
	IncidentsWithStart int `json:"incidents_with_start"` // MTTD denominator
	IncidentsWithAck   int `json:"incidents_with_ack"`   // MTTA denominator
	ResolvedIncidents  int `json:"resolved_incidents"`   // MTTR denominator
	MitigatedIncidents int `json:"mitigated_incidents"`  // TTM denominator
	OpenIncidents      int `json:"open_incidents"`       // no resolved_at
	RepeatIncidents    int `json:"repeat_incidents"`     // repeat_incident_rate numerator (denominator: incidents)

	Deployments           int `json:"deployments"`    // change_failure_rate denominator
	FailedChanges         int `json:"failed_changes"` // change_failure_rate numerator
	Rollbacks             int `json:"rollbacks"`      // rollback_rate numerator (denominator: deployments + rollbacks)
	Hotfixes              int `json:"hotfixes"`       // hotfix deployments (informational)
	DeploymentsWithCommit int `json:"deployments_with_commit"`
	InferredLinks         int `json:"inferred_links"`             // incidents linked to a period deployment by rule (b)
	FailedDeployIncidents int `json:"failed_deploy_incidents"`    // resolved incidents behind failed_deploy_recovery
	DeploymentsPerfFlag   int `json:"deployments_with_perf_flag"` // perf_regression_rate denominator: deployments whose source says whether they regressed
	PerfRegressions       int `json:"perf_regressions"`           // perf_regression_rate numerator

	Pages           int     `json:"pages"`
	PagesAfterHours int     `json:"pages_after_hours"`
	PagesSleepHours int     `json:"pages_sleep_hours"`
	NoisePages      int     `json:"noise_pages"`
	PagesWithAck    int     `json:"pages_with_ack"`
	Shifts          float64 `json:"shifts"` // services × days ÷ ShiftDays

	Responders            int `json:"responders"`             // distinct people paged (after merging aliases)
	PagesWithResponder    int `json:"pages_with_responder"`   // pages that name who they reached
	InterruptionsBusiness int `json:"interruptions_business"` // of those, PagerDuty's business hours
	InterruptionsOff      int `json:"interruptions_off"`
	InterruptionsSleep    int `json:"interruptions_sleep"`
	SleepInterrupted      int `json:"responders_sleep_interrupted"` // responders above SleepInterruptThreshold

	ToilWeeks  int     `json:"toil_weeks"`
	ToilHours  float64 `json:"toil_hours"`
	TotalHours float64 `json:"total_hours"`

	PostmortemsOnTime   int `json:"postmortems_on_time"`
	PostmortemsDue      int `json:"postmortems_due"`
	PostmortemsPending  int `json:"postmortems_pending"`   // excluded: deadline after AsOf, not yet published
	PostmortemsRequired int `json:"postmortems_required"`  // Sev1/Sev2 incidents resolved in the period
	PostmortemsWithData int `json:"postmortems_with_data"` // of those, with postmortem data (the rest are unknown, excluded)

	ActionItemsOnTime  int `json:"action_items_on_time"`
	ActionItemsDue     int `json:"action_items_due"`
	ActionItemsPending int `json:"action_items_pending"` // excluded: due after AsOf, still open
	ActionItemsOverdue int `json:"action_items_overdue"` // open past their due date at the period's end (or AsOf, if earlier)

	SLODays      int     `json:"slo_days"` // SLO-days with total > 0
	SLODaysMet   int     `json:"slo_days_met"`
	GoodEvents   int64   `json:"good_events"`
	TotalEvents  int64   `json:"total_events"`
	BadEvents    int64   `json:"bad_events"`
	BudgetEvents float64 `json:"budget_events"` // Σ (1 − objective) × total

	// Reliability program (program.go).
	ReadinessServices     int     `json:"readiness_services"`     // services in scope
	AdoptingServices      int     `json:"adopting_services"`      // with an SLO, a dashboard and a runbook
	PRRPassed             int     `json:"prr_passed"`             // with a passed or conditional review by the period's end
	CriticalServices      int     `json:"critical_services"`      // tier 0 and 1 services in scope
	CriticalWithRunbook   int     `json:"critical_with_runbook"`  // of those, with a runbook
	CriticalDRTested      int     `json:"critical_dr_tested"`     // of those, with a passing DR test in the year before the period's end
	DataServices          int     `json:"data_services"`          // services in scope with an RPO target
	DataServicesVerified  int     `json:"data_services_verified"` // of those, with a passing restore or backup verification in that year
	DRTests               int     `json:"dr_tests"`               // DR tests dated in the period
	DRTestsPassed         int     `json:"dr_tests_passed"`
	ToilTasks             int     `json:"toil_tasks"` // the toil inventory of the teams in scope
	ToilTasksAutomated    int     `json:"toil_tasks_automated"`
	ToilTaskHours         float64 `json:"toil_task_hours"`  // Σ hours per week of every task
	ToilHoursSaved        float64 `json:"toil_hours_saved"` // Σ hours per week of the automated tasks
	CapacitySamples       int     `json:"capacity_samples"`
	CapacityOverThreshold int     `json:"capacity_services_over_threshold"` // services with a sample above its safe threshold
	CostEntries           int     `json:"cost_entries"`
	CostTotal             float64 `json:"cost_total"`
	ObservabilityCost     float64 `json:"observability_cost"`
	CostUnitMonths        int     `json:"cost_unit_months"` // service-months that record units
	CostUnits             float64 `json:"cost_units"`
	StakeholderResponses  int     `json:"stakeholder_responses"`
	StakeholderGroups     int     `json:"stakeholder_groups"`
}

// num returns a pointer to v, or nil when v is NaN or infinite, so no KPI
// ever serialises as an invalid JSON number.
func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// ratio returns a ÷ b, or nil when b is zero (no denominator, no data).
func ratio(a, b float64) *float64 {
	if b == 0 {
		return nil
	}
	return num(a / b)
}

// mean returns the arithmetic mean of vs, or nil when vs is empty.
func mean(vs []float64) *float64 {
	if len(vs) == 0 {
		return nil
	}
	var sum float64
	for _, v := range vs {
		sum += v
	}
	return num(sum / float64(len(vs)))
}

// median returns the median of vs (the mean of the two middle values for an
// even count), or nil when vs is empty. vs is reordered in place.
func median(vs []float64) *float64 {
	n := len(vs)
	if n == 0 {
		return nil
	}
	hi := kth(vs, n/2)
	if n%2 == 1 {
		return num(hi)
	}
	// kth left the n/2 smallest values before index n/2: the lower middle
	// value is the largest of them, what sorting puts at n/2-1.
	lo := vs[0]
	for _, v := range vs[1 : n/2] {
		if cmp.Less(lo, v) {
			lo = v
		}
	}
	return num((lo + hi) / 2)
}

// nearestRank returns the q-quantile (0 < q ≤ 1) by the nearest-rank method:
// the value at rank ⌈q·n⌉ of the sorted values. vs is reordered in place.
func nearestRank(vs []float64, q float64) *float64 {
	n := len(vs)
	if n == 0 {
		return nil
	}
	r := int(math.Ceil(q*float64(n) - 1e-9))
	r = min(max(r, 1), n)
	return num(kth(vs, r-1))
}

// kth returns the value sorting vs (slices.Sort's order) would put at
// index k, and reorders vs so that no value before k sorts after it and
// none after k sorts before it. Medians and percentiles need one rank, not
// the whole order: a selection is linear where a sort is n log n, and the
// scorecard, history and trend take medians of every service, tier and
// team row. A selection that keeps choosing poor pivots sorts the rest, so
// it is never worse than n log n.
func kth(vs []float64, k int) float64 {
	lo, hi := 0, len(vs)-1
	for budget := 2 * bits.Len(uint(len(vs))); lo < hi; budget-- {
		if budget == 0 {
			slices.Sort(vs[lo : hi+1])
			break
		}
		a, b, c := vs[lo], vs[lo+(hi-lo)/2], vs[hi]
		if cmp.Less(b, a) {
			a, b = b, a
		}
		if cmp.Less(c, b) {
			b = c
			if cmp.Less(b, a) {
				b = a
			}
		}
		p := b // the median of the three
		// Three-way partition: vs[lo:lt] < p, vs[lt:gt+1] == p, vs[gt+1:hi+1] > p.
		lt, i, gt := lo, lo, hi
		for i <= gt {
			switch x := cmp.Compare(vs[i], p); {
			case x < 0:
				vs[lt], vs[i] = vs[i], vs[lt]
				lt++
				i++
			case x > 0:
				vs[i], vs[gt] = vs[gt], vs[i]
				gt--
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt - 1
		case k > gt:
			lo = gt + 1
		default:
			return vs[k]
		}
	}
	return vs[k]
}

func minutes(d time.Duration) float64 { return d.Minutes() }

// locCache avoids re-reading zoneinfo for every page.
var locCache sync.Map // string → *time.Location

// loadLoc returns the named zone, or UTC for "" or an unknown name.
func loadLoc(name string) *time.Location {
	if name == "" || name == "UTC" {
		return time.UTC
	}
	if l, ok := locCache.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		l = time.UTC
	}
	locCache.Store(name, l)
	return l
}

// note formats an evidence row's label or note, only when the computation
// collects evidence: ComputeKPIs (scorecards, charts, reports) would format
// one string per record for nothing.
func (c *computer) note(format string, args ...any) string {
	if c.ev == nil {
		return ""
	}
	return fmt.Sprintf(format, args...)
}

// value points an evidence row at v, only when the computation collects
// evidence: taking v's address moved it to the heap for every record of
// every computation, for rows ComputeKPIs never keeps.
func (c *computer) value(v float64) *float64 {
	if c.ev == nil {
		return nil
	}
	p := new(float64)
	*p = v
	return p
}

func (c *computer) incLabel(inc *Incident) string {
	if c.ev == nil {
		return ""
	}
	return incLabel(inc)
}

func (c *computer) depLabel(d *Deploy) string {
	if c.ev == nil {
		return ""
	}
	return depLabel(d)
}

func incLabel(inc *Incident) string { return fmt.Sprintf("#%d %s", inc.ID, inc.Title) }

func depLabel(d *Deploy) string {
	return fmt.Sprintf("#%d %s %s %s", d.ID, d.Service, d.Version, d.Environment)
}

// Compute returns the KPIs of the records in in for period p, following
// docs/metrics.md exactly. It never reads the clock (see Settings.AsOf) and
// runs in O(n log n): incidents and deploys are each sorted once.
func Compute(in Input, p Period, s Settings) Result {
	return compute(in, p, s, Evidence{})
}

// ComputeKPIs is Compute without Evidence: the same KPIs and counts, for
// scorecards and charts that never show the records behind a number.
func ComputeKPIs(in Input, p Period, s Settings) Result {
	return compute(in, p, s, nil)
}

func compute(in Input, p Period, s Settings, ev Evidence) Result {
	c, _ := computeOf(in, p, s, ev, nil, false, nil)
	return c.res
}

// computeOf runs every step of a computation. With parts (Partial) it
// takes the deploy figures, the repeat incidents and the on-call tally
// from them when that is exact; keep collects what a roll-up of in's
// service could take. A roll-up over its services' records in order
// (Rollup) passes those records as from: in then lacks their deploys and
// pages, which are concatenated only for a step that must read them, and
// the page figures too are taken from parts.
func computeOf(in Input, p Period, s Settings, ev Evidence, parts []Partial, keep bool, from []Input) (*computer, Partial) {
	c := newComputer(in, p, s, ev)
	c.services()
	c.incidents()
	sum, merged, zones := c.merged(parts)
	if merged {
		c.res.Counts.RepeatIncidents = sum.repeats
		c.res.KPIs.RepeatIncidentRate = ratio(float64(sum.repeats), float64(c.res.Counts.Incidents))
		c.setDeploys(sum.dep)
	} else {
		c.fillDeploys(from)
		c.repeats()
		c.deploys()
	}
	if merged && zones && from != nil {
		c.setPages(sum.pg)
	} else {
		c.fillPages(from)
		c.pages()
	}
	if merged && zones {
		c.setOnCall(sum.oncall)
	} else {
		c.oncall()
	}
	var part Partial
	if keep && !merged {
		part = c.partial()
	}
	c.toil()
	c.postmortems()
	c.actionItems()
	c.slos()
	c.program()
	c.ev.sortRows()
	c.res.Evidence = c.ev
	return c, part
}

// newComputer prepares one computation of p over in; ev nil collects no
// evidence.
func newComputer(in Input, p Period, s Settings, ev Evidence) *computer {
	if p.Loc == nil {
		p.Loc = time.UTC
	}
	winFrom, winTo := s.InputWindow(p)
	dw := s.LoadWindows(p).Deploys
	c := &computer{
		in:    in.within(winFrom, winTo, dw),
		depW:  dw,
		p:     p,
		s:     s,
		asOf:  s.asOf(p),
		envs:  newProdEnvs(s),
		ev:    ev,
		svcTZ: map[int64]*time.Location{},
	}
	c.winFrom, c.winTo = winFrom, winTo
	c.res.Counts.Days = p.elapsedDays(c.asOf)
	return c
}

// computer carries the state of one Compute call.
type computer struct {
	in               Input
	p                Period
	s                Settings
	asOf             time.Time
	winFrom, winTo   time.Time
	depW             Window // the deploys a computation of p sees (LoadWindows.Deploys)
	envs             prodEnvs
	ev               Evidence
	svcTZ            map[int64]*time.Location
	res              Result
	windowIncidents  []*Incident // detected in [winFrom, winTo), Input.Incidents only
	periodIncidents  []*Incident
	periodIncidentOK map[*Incident]bool
	dep              deployFigures     // what the deploy step found (Partial)
	named            map[int64]*Deploy // the window's deploys an incident names (linkState.byID)
	tally            onCallTally       // the period's pages per person (Partial)
	pg               pageFigures       // what the page step counted (Partial)
}

func (c *computer) inWindow(t time.Time) bool {
	return !t.Before(c.winFrom) && t.Before(c.winTo)
}

func (c *computer) services() {
	seen := make(map[int64]bool, len(c.in.Services))
	for i := range c.in.Services {
		sv := &c.in.Services[i]
		if seen[sv.ID] {
			continue
		}
		seen[sv.ID] = true
		c.svcTZ[sv.ID] = loadLoc(sv.OnCallTZ)
	}
	c.res.Counts.Services = len(seen)
}
