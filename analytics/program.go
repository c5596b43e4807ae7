package analytics

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// This file is the reliability program's KPIs (docs/metrics.md,
// "Reliability program"): service readiness, DR and backup tests, the toil
// inventory, capacity, cost and stakeholder satisfaction. Their records
// are entered by hand or imported as CSV (the program inputs); the
// computations here only read them.
//
// Readiness and the toil inventory describe how things stand, not events:
// a period reads them as of its end (or the knowledge cut-off, if
// earlier), counting a production-readiness review, a DR test or an
// automation only from its date on. The other inputs are dated by day,
// month or quarter and count in the periods that hold their date.

// PRR results: a passed or conditionally passed review counts as reviewed.
const (
	PRRPass        = "pass"
	PRRConditional = "conditional"
	PRRFail        = "fail"
)

// DR test kinds.
const (
	DRFailover     = "failover"
	DRRestore      = "restore"
	DRBackupVerify = "backup_verification"
)

// CostObservability is the cost category observability_cost_share counts.
const CostObservability = "observability"

// DRLookbackMonths is how far back a passing DR test keeps a service counted as
// tested: a year, the blueprints' "1–2 passing tests a year".
const DRLookbackMonths = 12

// ServiceReadiness is one service's production-readiness record. HasSLO
// is derived (the service has an SLO), never entered.
type ServiceReadiness struct {
	ServiceID      int64
	Service        string
	HasSLO         bool
	DashboardURL   string
	RunbookURL     string
	OnCallRotation string
	PRRDate        *time.Time // civil date, midnight UTC
	PRRResult      string     // PRRPass, PRRConditional, PRRFail or ""
	DRPlanURL      string
	RTOMinutes     *float64
	RPOMinutes     *float64
}

// DRTest is one disaster-recovery or backup test.
type DRTest struct {
	ID          int64
	ServiceID   int64
	Service     string
	Date        time.Time // civil date, midnight UTC
	Kind        string    // DRFailover, DRRestore, DRBackupVerify
	RTOTarget   *float64  // minutes
	RTOAchieved *float64
	RPOTarget   *float64 // minutes
	RPOAchieved *float64
	Passed      bool
	EvidenceURL string
}

// ToilTask is one recurring manual task of a team's toil inventory, with
// the effort it takes (or took, before it was automated).
type ToilTask struct {
	ID             int64
	TeamID         int64
	Team           string
	Task           string
	RunsPerWeek    float64
	MinutesPerRun  float64
	AutomatedSince *time.Time // civil date, midnight UTC; nil = still manual
}

// HoursPerWeek is the task's manual effort per week.
func (t ToilTask) HoursPerWeek() float64 { return t.RunsPerWeek * t.MinutesPerRun / 60 }

// CapacitySample is one service resource's peak utilisation in a month.
type CapacitySample struct {
	ID        int64
	ServiceID int64
	Service   string
	Month     time.Time // first day of the month, midnight UTC
	Resource  string
	PeakPct   float64 // 0–100
	SafePct   float64 // the utilisation the owners consider safe, 0–100
}

// CostEntry is one month's cost of a service, or of a team for what it
// does not split by service, in one category.
type CostEntry struct {
	ID        int64
	ServiceID int64 // 0 for a team's cost
	Service   string
	TeamID    int64 // the service's team, or the team the cost is recorded against
	Team      string
	Month     time.Time // first day of the month, midnight UTC
	Category  string
	Cost      float64
	Units     *float64 // the service-month's units of demand (requests, tenants); nil = not recorded
	UnitName  string
}

// StakeholderScore is one survey result: a group's mean score in a quarter.
type StakeholderScore struct {
	ID        int64
	Year      int
	Quarter   int // 1–4
	Group     string
	Score     float64 // 1–5
	Responses int
}

// Evidence kinds of the program's records.
const (
	KindReadiness   = "readiness"   // ID is the service's
	KindDRTest      = "dr_test"     // ID is the test's
	KindToilTask    = "toil_task"   // ID is the task's
	KindCapacity    = "capacity"    // ID is the sample's
	KindCost        = "cost"        // ID is the entry's
	KindCostMonth   = "cost_month"  // a service-month of unit cost; ID is the service's
	KindStakeholder = "stakeholder" // ID is the survey row's
)

// civilIn is civil date d (midnight UTC) as midnight in loc.
func civilIn(d time.Time, loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

// program computes every program KPI.
func (c *computer) program() {
	at := c.s.overdueAt(c.p)
	c.readiness(at)
	c.drTests(at)
	c.toilInventory(at)
	c.capacity()
	c.costs()
	c.stakeholders()
}

// scopeServices returns the services in scope, once each, in ID order.
func (c *computer) scopeServices() []*Service {
	seen := map[int64]bool{}
	var out []*Service
	for i := range c.in.Services {
		sv := &c.in.Services[i]
		if !seen[sv.ID] {
			seen[sv.ID] = true
			out = append(out, sv)
		}
	}
	slices.SortFunc(out, func(a, b *Service) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func critical(sv *Service) bool { return sv.Tier <= 1 }

// readiness computes reliability_adoption_rate, runbook_coverage and
// prr_coverage over the services in scope as their readiness stands at at.
func (c *computer) readiness(at time.Time) {
	n := &c.res.Counts
	byID := make(map[int64]*ServiceReadiness, len(c.in.Readiness))
	for i := range c.in.Readiness {
		byID[c.in.Readiness[i].ServiceID] = &c.in.Readiness[i]
	}
	for _, sv := range c.scopeServices() {
		r := byID[sv.ID]
		if r == nil {
			r = &ServiceReadiness{ServiceID: sv.ID, Service: sv.Name}
		}
		n.ReadinessServices++
		row := EvidenceRow{Kind: KindReadiness, ID: sv.ID, At: at, Label: c.note("%s (tier %d)", sv.Name, sv.Tier)}
		adopted := r.HasSLO && r.DashboardURL != "" && r.RunbookURL != ""
		if adopted {
			n.AdoptingServices++
		}
		row.Included = adopted
		row.Note = c.note("SLO %s, dashboard %s, runbook %s", yesNo(r.HasSLO), yesNo(r.DashboardURL != ""), yesNo(r.RunbookURL != ""))
		c.ev.add(row, KPIReliabilityAdoptionRate)
		reviewed := r.PRRDate != nil && civilIn(*r.PRRDate, c.p.Loc).Before(at) && (r.PRRResult == PRRPass || r.PRRResult == PRRConditional)
		if reviewed {
			n.PRRPassed++
		}
		row.Included = reviewed
		switch {
		case r.PRRDate == nil:
			row.Note = c.note("no review recorded")
		case !civilIn(*r.PRRDate, c.p.Loc).Before(at):
			row.Note = c.note("reviewed %s, after the period", r.PRRDate.Format(time.DateOnly))
		default:
			row.Note = c.note("reviewed %s: %s", r.PRRDate.Format(time.DateOnly), cmp.Or(r.PRRResult, "no result"))
		}
		c.ev.add(row, KPIPRRCoverage)
		if critical(sv) {
			n.CriticalServices++
			row.Included = r.RunbookURL != ""
			if row.Included {
				n.CriticalWithRunbook++
			}
			row.Note = c.note("runbook %s", yesNo(row.Included))
			c.ev.add(row, KPIRunbookCoverage)
		}
	}
	c.res.KPIs.ReliabilityAdoptionRate = ratio(float64(n.AdoptingServices), float64(n.ReadinessServices))
	c.res.KPIs.RunbookCoverage = ratio(float64(n.CriticalWithRunbook), float64(n.CriticalServices))
	c.res.KPIs.PRRCoverage = ratio(float64(n.PRRPassed), float64(n.ReadinessServices))
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// drTests computes dr_test_success_rate over the tests dated in the
// period, and dr_tested_services_rate and backup_restore_verified_rate
// over the services in scope from the passing tests of the twelve months
// before at.
func (c *computer) drTests(at time.Time) {
	n := &c.res.Counts
	from := at.AddDate(0, -DRLookbackMonths, 0)
	tested := map[int64]time.Time{}   // service → latest passing test in the lookback
	verified := map[int64]time.Time{} // service → latest passing restore or backup verification
	for i := range c.in.DRTests {
		t := &c.in.DRTests[i]
		d := civilIn(t.Date, c.p.Loc)
		if c.p.ContainsDay(t.Date) {
			n.DRTests++
			if t.Passed {
				n.DRTestsPassed++
			}
			c.ev.add(EvidenceRow{Kind: KindDRTest, ID: t.ID, At: t.Date, Included: t.Passed,
				Label: c.note("%s %s %s", t.Service, t.Kind, t.Date.Format(time.DateOnly)), Note: c.note("%s", passFail(t.Passed))},
				KPIDRTestSuccessRate)
		}
		if !t.Passed || d.Before(from) || !d.Before(at) {
			continue
		}
		if d.After(tested[t.ServiceID]) {
			tested[t.ServiceID] = d
		}
		if (t.Kind == DRRestore || t.Kind == DRBackupVerify) && d.After(verified[t.ServiceID]) {
			verified[t.ServiceID] = d
		}
	}
	rpo := map[int64]bool{}
	for _, r := range c.in.Readiness {
		if r.RPOMinutes != nil {
			rpo[r.ServiceID] = true
		}
	}
	last := func(m map[int64]time.Time, id int64) string {
		if d, ok := m[id]; ok {
			return "last passing test " + d.Format(time.DateOnly)
		}
		return fmt.Sprintf("no passing test in the %d months before %s", DRLookbackMonths, at.In(c.p.Loc).Format(time.DateOnly))
	}
	for _, sv := range c.scopeServices() {
		row := EvidenceRow{Kind: KindReadiness, ID: sv.ID, At: at, Label: c.note("%s (tier %d)", sv.Name, sv.Tier)}
		if critical(sv) {
			_, row.Included = tested[sv.ID]
			if row.Included {
				n.CriticalDRTested++
			}
			row.Note = c.note("%s", last(tested, sv.ID))
			c.ev.add(row, KPIDRTestedServicesRate)
		}
		if rpo[sv.ID] {
			n.DataServices++
			_, row.Included = verified[sv.ID]
			if row.Included {
				n.DataServicesVerified++
			}
			row.Note = c.note("restore or backup verification: %s", last(verified, sv.ID))
			c.ev.add(row, KPIBackupRestoreVerifiedRate)
		}
	}
	c.res.KPIs.DRTestSuccessRate = ratio(float64(n.DRTestsPassed), float64(n.DRTests))
	c.res.KPIs.DRTestedServicesRate = ratio(float64(n.CriticalDRTested), float64(n.CriticalServices))
	c.res.KPIs.BackupRestoreVerifiedRate = ratio(float64(n.DataServicesVerified), float64(n.DataServices))
}

func passFail(ok bool) string {
	if ok {
		return "passed"
	}
	return "failed"
}

// toilInventory computes automation_coverage and toil_hours_saved_per_week
// from the inventory as it stands at at: a task counts as automated from
// its automated-since date on.
func (c *computer) toilInventory(at time.Time) {
	n := &c.res.Counts
	for i := range c.in.ToilTasks {
		t := &c.in.ToilTasks[i]
		h := t.HoursPerWeek()
		auto := t.AutomatedSince != nil && civilIn(*t.AutomatedSince, c.p.Loc).Before(at)
		n.ToilTasks++
		n.ToilTaskHours += h
		row := EvidenceRow{Kind: KindToilTask, ID: t.ID, At: at, Value: c.value(h), Included: auto,
			Label: c.note("%s: %s", t.Team, t.Task), Note: c.note("%g runs × %g min a week", t.RunsPerWeek, t.MinutesPerRun)}
		if t.AutomatedSince != nil {
			row.Note += c.note(", automated since %s", t.AutomatedSince.Format(time.DateOnly))
		}
		c.ev.add(row, KPIAutomationCoverage)
		if auto {
			n.ToilTasksAutomated++
			n.ToilHoursSaved += h
			c.ev.add(row, KPIToilHoursSavedPerWeek)
		}
	}
	c.res.KPIs.AutomationCoverage = ratio(n.ToilHoursSaved, n.ToilTaskHours)
	if n.ToilTasks > 0 {
		c.res.KPIs.ToilHoursSavedPerWeek = num(n.ToilHoursSaved)
	}
}

// inMonths reports whether month (first day, midnight UTC) is a month of p.
func (c *computer) inMonths(month time.Time) bool { return c.p.ContainsDay(month) }

// capacity computes capacity_headroom_min: the least headroom (100 % −
// peak utilisation) of any resource sample of a month in the period, and
// counts the services with a sample above its safe threshold.
func (c *computer) capacity() {
	n := &c.res.Counts
	var least *float64
	over := map[int64]bool{}
	for i := range c.in.Capacity {
		s := &c.in.Capacity[i]
		if !c.inMonths(s.Month) {
			continue
		}
		n.CapacitySamples++
		h := 1 - s.PeakPct/100
		if least == nil || h < *least {
			least = &h
		}
		if s.PeakPct > s.SafePct {
			over[s.ServiceID] = true
		}
		c.ev.add(EvidenceRow{Kind: KindCapacity, ID: s.ID, At: s.Month, Value: &h, Included: s.PeakPct > s.SafePct,
			Label: c.note("%s %s %s", s.Service, s.Resource, s.Month.Format("2006-01")),
			Note:  c.note("peak %g %% against a safe %g %%", s.PeakPct, s.SafePct)}, KPICapacityHeadroomMin)
	}
	n.CapacityOverThreshold = len(over)
	if least != nil {
		c.res.KPIs.CapacityHeadroomMin = num(*least)
	}
}

// costs computes observability_cost_share over the cost entries of the
// period's months, and unit_cost over the service-months that record
// units: their cost (every category) over their units, when every such
// service-month names the same unit.
func (c *computer) costs() {
	n := &c.res.Counts
	type key struct {
		svc   int64
		month time.Time
	}
	type pair struct {
		cost, units float64
		name, label string
		month       time.Time
	}
	pairs := map[key]*pair{}
	for i := range c.in.Costs {
		e := &c.in.Costs[i]
		if !c.inMonths(e.Month) {
			continue
		}
		n.CostEntries++
		n.CostTotal += e.Cost
		obs := strings.EqualFold(e.Category, CostObservability)
		if obs {
			n.ObservabilityCost += e.Cost
		}
		c.ev.add(EvidenceRow{Kind: KindCost, ID: e.ID, At: e.Month, Value: c.value(e.Cost), Included: obs,
			Label: c.note("%s %s %s", cmp.Or(e.Service, e.Team+" (team)"), e.Category, e.Month.Format("2006-01"))}, KPIObservabilityCostShare)
		if e.ServiceID == 0 {
			continue
		}
		k := key{e.ServiceID, e.Month}
		p := pairs[k]
		if p == nil {
			p = &pair{label: e.Service, month: e.Month}
			pairs[k] = p
		}
		p.cost += e.Cost
		// Units describe the service-month, not a category: the largest
		// figure recorded counts, so repeating it on each row adds nothing.
		if e.Units != nil && *e.Units > p.units {
			p.units, p.name = *e.Units, strings.TrimSpace(e.UnitName)
		}
	}
	keys := make([]key, 0, len(pairs))
	for k, p := range pairs {
		if p.units > 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(a.month.Compare(b.month), cmp.Compare(a.svc, b.svc))
	})
	var cost, units float64
	names := map[string]bool{}
	for _, k := range keys {
		p := pairs[k]
		n.CostUnitMonths++
		cost += p.cost
		units += p.units
		names[strings.ToLower(p.name)] = true
		v := p.cost / p.units
		c.ev.add(EvidenceRow{Kind: KindCostMonth, ID: k.svc, At: p.month, Value: &v, Included: true,
			Label: c.note("%s %s", p.label, p.month.Format("2006-01")),
			Note:  c.note("%.2f for %g %s", p.cost, p.units, p.name)}, KPIUnitCost)
	}
	n.CostUnits = units
	c.res.KPIs.ObservabilityCostShare = ratio(n.ObservabilityCost, n.CostTotal)
	if len(names) == 1 {
		c.res.KPIs.UnitCost = ratio(cost, units)
	}
}

// stakeholders computes stakeholder_score, the response-weighted mean of
// the survey rows of the period's quarter (a month reads its quarter's).
func (c *computer) stakeholders() {
	n := &c.res.Counts
	start := c.p.From
	y, q := start.Year(), (int(start.Month())-1)/3+1
	var sum float64
	for i := range c.in.Stakeholder {
		s := &c.in.Stakeholder[i]
		if s.Year != y || s.Quarter != q || s.Responses <= 0 {
			continue
		}
		n.StakeholderResponses += s.Responses
		n.StakeholderGroups++
		sum += s.Score * float64(s.Responses)
		v := s.Score
		c.ev.add(EvidenceRow{Kind: KindStakeholder, ID: s.ID, At: start, Value: &v, Included: true,
			Label: c.note("%s %d-Q%d", s.Group, s.Year, s.Quarter), Note: c.note("%d responses", s.Responses)}, KPIStakeholderScore)
	}
	c.res.KPIs.StakeholderScore = ratio(sum, float64(n.StakeholderResponses))
}

// splitProgram adds in's program records to the per-service inputs of
// SplitByService: a service's own records to it, a team's toil tasks and
// team-level costs to each of the team's services (as toil weeks are), and
// the organisation's surveys to every part.
func splitProgram(in Input, get func(int64) *Input, teamSvcs map[int64][]int64) {
	for _, r := range in.Readiness {
		x := get(r.ServiceID)
		x.Readiness = append(x.Readiness, r)
	}
	for _, t := range in.DRTests {
		x := get(t.ServiceID)
		x.DRTests = append(x.DRTests, t)
	}
	for _, s := range in.Capacity {
		x := get(s.ServiceID)
		x.Capacity = append(x.Capacity, s)
	}
	for _, t := range in.ToilTasks {
		for _, sid := range teamSvcs[t.TeamID] {
			x := get(sid)
			x.ToilTasks = append(x.ToilTasks, t)
		}
	}
	for _, e := range in.Costs {
		if e.ServiceID != 0 {
			x := get(e.ServiceID)
			x.Costs = append(x.Costs, e)
			continue
		}
		for _, sid := range teamSvcs[e.TeamID] {
			x := get(sid)
			x.Costs = append(x.Costs, e)
		}
	}
	if len(in.Stakeholder) > 0 {
		for _, sv := range in.Services {
			x := get(sv.ID)
			x.Stakeholder = in.Stakeholder
		}
	}
}

// mergeProgram adds the program records of ins to out once each: readiness
// by service, the rest by record ID (ID 0 is never a duplicate).
func mergeProgram(out *Input, ins []Input) {
	seen := map[string]map[int64]bool{}
	fresh := func(kind string, id int64) bool {
		if id == 0 {
			return true
		}
		m := seen[kind]
		if m == nil {
			m = map[int64]bool{}
			seen[kind] = m
		}
		if m[id] {
			return false
		}
		m[id] = true
		return true
	}
	for _, in := range ins {
		for _, x := range in.Readiness {
			if fresh(KindReadiness, x.ServiceID) {
				out.Readiness = append(out.Readiness, x)
			}
		}
		for _, x := range in.DRTests {
			if fresh(KindDRTest, x.ID) {
				out.DRTests = append(out.DRTests, x)
			}
		}
		for _, x := range in.ToilTasks {
			if fresh(KindToilTask, x.ID) {
				out.ToilTasks = append(out.ToilTasks, x)
			}
		}
		for _, x := range in.Capacity {
			if fresh(KindCapacity, x.ID) {
				out.Capacity = append(out.Capacity, x)
			}
		}
		for _, x := range in.Costs {
			if fresh(KindCost, x.ID) {
				out.Costs = append(out.Costs, x)
			}
		}
		for _, x := range in.Stakeholder {
			if fresh(KindStakeholder, x.ID) {
				out.Stakeholder = append(out.Stakeholder, x)
			}
		}
	}
}
