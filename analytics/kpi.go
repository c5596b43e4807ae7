package analytics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// Input is the set of records a KPI computation looks at. The caller loads
// records with Settings.InputWindow(p); Compute filters to the period itself,
// so extra records are ignored and never change a result.
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
}

// Result is the outcome of Compute: the KPIs, the numerators and
// denominators behind them, and the records behind each KPI.
type Result struct {
	KPIs     KPIs     `json:"kpis"`
	Counts   Counts   `json:"counts"`
	Evidence Evidence `json:"-"`
}

// KPIs are the reliability KPIs of one scope and period (docs/metrics.md).
// A nil field (JSON null) means no data: a mean or ratio with nothing to
// average or a zero denominator. Plain counts are never nil. No field is
// ever NaN or infinite.
type KPIs struct {
	IncidentsTotal                    *float64 `json:"incidents_total"`
	Sev1Count                         *float64 `json:"sev1_count"`
	Sev2Count                         *float64 `json:"sev2_count"`
	CustomerImpactingIncidents        *float64 `json:"customer_impacting_incidents"`
	MTTDMinutes                       *float64 `json:"mttd_minutes"`
	MTTAMinutes                       *float64 `json:"mtta_minutes"`
	MTTRMinutes                       *float64 `json:"mttr_minutes"`
	MTTRMedianMinutes                 *float64 `json:"mttr_median_minutes"`
	MTTRP90Minutes                    *float64 `json:"mttr_p90_minutes"`
	TTMMinutes                        *float64 `json:"ttm_minutes"`
	RepeatIncidentRate                *float64 `json:"repeat_incident_rate"`
	Deployments                       *float64 `json:"deployments"`
	DeploysPerWeek                    *float64 `json:"deploys_per_week"`
	ChangeFailureRate                 *float64 `json:"change_failure_rate"`
	RollbackRate                      *float64 `json:"rollback_rate"`
	LeadTimeMedianHours               *float64 `json:"lead_time_median_hours"`
	FailedDeployRecoveryMedianMinutes *float64 `json:"failed_deploy_recovery_median_minutes"`
	PagesTotal                        *float64 `json:"pages_total"`
	PagesAfterHours                   *float64 `json:"pages_after_hours"`
	PagesSleepHours                   *float64 `json:"pages_sleep_hours"`
	PagesPerShift                     *float64 `json:"pages_per_shift"`
	AlertNoiseRatio                   *float64 `json:"alert_noise_ratio"`
	MTTAPagesMinutes                  *float64 `json:"mtta_pages_minutes"`
	ToilRatio                         *float64 `json:"toil_ratio"`
	PostmortemOnTimeRate              *float64 `json:"postmortem_on_time_rate"`
	ActionItemOnTimeRate              *float64 `json:"action_item_on_time_rate"`
	Availability                      *float64 `json:"availability"`
	SLOAttainment                     *float64 `json:"slo_attainment"`
	ErrorBudgetRemaining              *float64 `json:"error_budget_remaining"`
	BurnRate                          *float64 `json:"burn_rate"`
}

// KPI names (the JSON keys of KPIs), for targets, evidence and Get.
const (
	KPIIncidentsTotal                    = "incidents_total"
	KPISev1Count                         = "sev1_count"
	KPISev2Count                         = "sev2_count"
	KPICustomerImpactingIncidents        = "customer_impacting_incidents"
	KPIMTTDMinutes                       = "mttd_minutes"
	KPIMTTAMinutes                       = "mtta_minutes"
	KPIMTTRMinutes                       = "mttr_minutes"
	KPIMTTRMedianMinutes                 = "mttr_median_minutes"
	KPIMTTRP90Minutes                    = "mttr_p90_minutes"
	KPITTMMinutes                        = "ttm_minutes"
	KPIRepeatIncidentRate                = "repeat_incident_rate"
	KPIDeployments                       = "deployments"
	KPIDeploysPerWeek                    = "deploys_per_week"
	KPIChangeFailureRate                 = "change_failure_rate"
	KPIRollbackRate                      = "rollback_rate"
	KPILeadTimeMedianHours               = "lead_time_median_hours"
	KPIFailedDeployRecoveryMedianMinutes = "failed_deploy_recovery_median_minutes"
	KPIPagesTotal                        = "pages_total"
	KPIPagesAfterHours                   = "pages_after_hours"
	KPIPagesSleepHours                   = "pages_sleep_hours"
	KPIPagesPerShift                     = "pages_per_shift"
	KPIAlertNoiseRatio                   = "alert_noise_ratio"
	KPIMTTAPagesMinutes                  = "mtta_pages_minutes"
	KPIToilRatio                         = "toil_ratio"
	KPIPostmortemOnTimeRate              = "postmortem_on_time_rate"
	KPIActionItemOnTimeRate              = "action_item_on_time_rate"
	KPIAvailability                      = "availability"
	KPISLOAttainment                     = "slo_attainment"
	KPIErrorBudgetRemaining              = "error_budget_remaining"
	KPIBurnRate                          = "burn_rate"
)

// KPINames lists every KPI key in display (and JSON) order.
var KPINames = []string{
	KPIIncidentsTotal, KPISev1Count, KPISev2Count, KPICustomerImpactingIncidents,
	KPIMTTDMinutes, KPIMTTAMinutes, KPIMTTRMinutes, KPIMTTRMedianMinutes, KPIMTTRP90Minutes, KPITTMMinutes,
	KPIRepeatIncidentRate,
	KPIDeployments, KPIDeploysPerWeek, KPIChangeFailureRate, KPIRollbackRate, KPILeadTimeMedianHours,
	KPIFailedDeployRecoveryMedianMinutes,
	KPIPagesTotal, KPIPagesAfterHours, KPIPagesSleepHours, KPIPagesPerShift, KPIAlertNoiseRatio, KPIMTTAPagesMinutes,
	KPIToilRatio, KPIPostmortemOnTimeRate, KPIActionItemOnTimeRate,
	KPIAvailability, KPISLOAttainment, KPIErrorBudgetRemaining, KPIBurnRate,
}

// fields returns a pointer to each KPI field, in KPINames order.
func (k *KPIs) fields() []**float64 {
	return []**float64{
		&k.IncidentsTotal, &k.Sev1Count, &k.Sev2Count, &k.CustomerImpactingIncidents,
		&k.MTTDMinutes, &k.MTTAMinutes, &k.MTTRMinutes, &k.MTTRMedianMinutes, &k.MTTRP90Minutes, &k.TTMMinutes,
		&k.RepeatIncidentRate,
		&k.Deployments, &k.DeploysPerWeek, &k.ChangeFailureRate, &k.RollbackRate, &k.LeadTimeMedianHours,
		&k.FailedDeployRecoveryMedianMinutes,
		&k.PagesTotal, &k.PagesAfterHours, &k.PagesSleepHours, &k.PagesPerShift, &k.AlertNoiseRatio, &k.MTTAPagesMinutes,
		&k.ToilRatio, &k.PostmortemOnTimeRate, &k.ActionItemOnTimeRate,
		&k.Availability, &k.SLOAttainment, &k.ErrorBudgetRemaining, &k.BurnRate,
	}
}

// kpiIndex maps a KPI name to its position in KPINames.
var kpiIndex = func() map[string]int {
	m := make(map[string]int, len(KPINames))
	for i, n := range KPINames {
		m[n] = i
	}
	return m
}()

// Get returns the KPI named by its JSON key, or nil for no data or an unknown name.
func (k KPIs) Get(name string) *float64 {
	i, ok := kpiIndex[name]
	if !ok {
		return nil
	}
	return *k.fields()[i]
}

// Map returns every KPI keyed by its JSON key.
func (k KPIs) Map() map[string]*float64 {
	f := k.fields()
	m := make(map[string]*float64, len(f))
	for i, p := range f {
		m[KPINames[i]] = *p
	}
	return m
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
	InferredLinks         int `json:"inferred_links"`          // incidents linked to a period deployment by rule (b)
	FailedDeployIncidents int `json:"failed_deploy_incidents"` // resolved incidents behind failed_deploy_recovery

	Pages           int     `json:"pages"`
	PagesAfterHours int     `json:"pages_after_hours"`
	PagesSleepHours int     `json:"pages_sleep_hours"`
	NoisePages      int     `json:"noise_pages"`
	PagesWithAck    int     `json:"pages_with_ack"`
	Shifts          float64 `json:"shifts"` // services × days ÷ ShiftDays

	ToilWeeks  int     `json:"toil_weeks"`
	ToilHours  float64 `json:"toil_hours"`
	TotalHours float64 `json:"total_hours"`

	PostmortemsOnTime  int `json:"postmortems_on_time"`
	PostmortemsDue     int `json:"postmortems_due"`
	PostmortemsPending int `json:"postmortems_pending"` // excluded: deadline after AsOf, not yet published

	ActionItemsOnTime  int `json:"action_items_on_time"`
	ActionItemsDue     int `json:"action_items_due"`
	ActionItemsPending int `json:"action_items_pending"` // excluded: due after AsOf, still open

	SLODays      int     `json:"slo_days"` // SLO-days with total > 0
	SLODaysMet   int     `json:"slo_days_met"`
	GoodEvents   int64   `json:"good_events"`
	TotalEvents  int64   `json:"total_events"`
	BadEvents    int64   `json:"bad_events"`
	BudgetEvents float64 `json:"budget_events"` // Σ (1 − objective) × total
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
// even count), or nil when vs is empty. vs is sorted in place.
func median(vs []float64) *float64 {
	n := len(vs)
	if n == 0 {
		return nil
	}
	slices.Sort(vs)
	if n%2 == 1 {
		return num(vs[n/2])
	}
	return num((vs[n/2-1] + vs[n/2]) / 2)
}

// nearestRank returns the q-quantile (0 < q ≤ 1) by the nearest-rank method:
// the value at rank ⌈q·n⌉ of the sorted values. vs is sorted in place.
func nearestRank(vs []float64, q float64) *float64 {
	n := len(vs)
	if n == 0 {
		return nil
	}
	slices.Sort(vs)
	r := int(math.Ceil(q*float64(n) - 1e-9))
	r = min(max(r, 1), n)
	return num(vs[r-1])
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
	if p.Loc == nil {
		p.Loc = time.UTC
	}
	c := computer{
		in:    in,
		p:     p,
		s:     s,
		asOf:  s.asOf(p),
		envs:  newProdEnvs(s),
		ev:    ev,
		memo:  map[string]string{},
		svcTZ: map[int64]*time.Location{},
	}
	c.winFrom, c.winTo = s.InputWindow(p)
	c.res.Counts.Days = p.elapsedDays(c.asOf)
	c.services()
	c.incidents()
	c.repeats()
	c.deploys()
	c.pages()
	c.toil()
	c.postmortems()
	c.actionItems()
	c.slos()
	c.ev.sortRows()
	c.res.Evidence = c.ev
	return c.res
}

// computer carries the state of one Compute call.
type computer struct {
	in               Input
	p                Period
	s                Settings
	asOf             time.Time
	winFrom, winTo   time.Time
	envs             prodEnvs
	ev               Evidence
	memo             map[string]string // title → normalised title
	svcTZ            map[int64]*time.Location
	res              Result
	windowIncidents  []*Incident // detected in [winFrom, winTo), Input.Incidents only
	periodIncidents  []*Incident
	periodIncidentOK map[*Incident]bool
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

// incidents computes the counts and the MTTD/MTTA/MTTR/TTM family over the
// incidents detected in the period.
func (c *computer) incidents() {
	k, n := &c.res.KPIs, &c.res.Counts
	c.periodIncidentOK = make(map[*Incident]bool)
	var mttd, mtta, mttr, ttm []float64
	for i := range c.in.Incidents {
		inc := &c.in.Incidents[i]
		if !c.inWindow(inc.DetectedAt) {
			continue
		}
		c.windowIncidents = append(c.windowIncidents, inc)
		if !c.p.Contains(inc.DetectedAt) {
			continue
		}
		c.periodIncidents = append(c.periodIncidents, inc)
		c.periodIncidentOK[inc] = true
		n.Incidents++
		base := EvidenceRow{Kind: KindIncident, ID: inc.ID, Label: incLabel(inc), At: inc.DetectedAt, Included: true}
		c.ev.add(base, KPIIncidentsTotal)
		switch inc.Severity {
		case Sev1:
			n.Sev1++
			c.ev.add(base, KPISev1Count)
		case Sev2:
			n.Sev2++
			c.ev.add(base, KPISev2Count)
		}
		if inc.CustomerImpacting {
			n.CustomerImpacting++
			c.ev.add(base, KPICustomerImpactingIncidents)
		}

		// Each lifecycle interval is measured from detection; an interval
		// that would be negative is bad data and is left out, not clamped,
		// because clamping to 0 would flatter the mean.
		row := base
		switch {
		case inc.StartedAt == nil:
			row.Included, row.Note = false, "no started_at"
		case inc.StartedAt.After(inc.DetectedAt):
			row.Included, row.Note = false, "started after detection; excluded"
		default:
			v := minutes(inc.DetectedAt.Sub(*inc.StartedAt))
			mttd = append(mttd, v)
			row.Value = &v
		}
		c.ev.add(row, KPIMTTDMinutes)

		row = base
		switch {
		case inc.AcknowledgedAt == nil:
			row.Included, row.Note = false, "not acknowledged"
		case inc.AcknowledgedAt.Before(inc.DetectedAt):
			row.Included, row.Note = false, "acknowledged before detection; excluded"
		default:
			v := minutes(inc.AcknowledgedAt.Sub(inc.DetectedAt))
			mtta = append(mtta, v)
			row.Value = &v
		}
		c.ev.add(row, KPIMTTAMinutes)

		row = base
		switch {
		case inc.ResolvedAt == nil:
			n.OpenIncidents++
			row.Included, row.Note = false, "open"
		case inc.ResolvedAt.Before(inc.DetectedAt):
			row.Included, row.Note = false, "resolved before detection; excluded"
		default:
			v := minutes(inc.ResolvedAt.Sub(inc.DetectedAt))
			mttr = append(mttr, v)
			row.Value = &v
		}
		c.ev.add(row, KPIMTTRMinutes, KPIMTTRMedianMinutes, KPIMTTRP90Minutes)

		row = base
		switch {
		case inc.MitigatedAt == nil:
			row.Included, row.Note = false, "no mitigated_at"
		case inc.MitigatedAt.Before(inc.DetectedAt):
			row.Included, row.Note = false, "mitigated before detection; excluded"
		default:
			v := minutes(inc.MitigatedAt.Sub(inc.DetectedAt))
			ttm = append(ttm, v)
			row.Value = &v
		}
		c.ev.add(row, KPITTMMinutes)
	}
	n.IncidentsWithStart, n.IncidentsWithAck = len(mttd), len(mtta)
	n.ResolvedIncidents, n.MitigatedIncidents = len(mttr), len(ttm)
	k.IncidentsTotal = num(float64(n.Incidents))
	k.Sev1Count = num(float64(n.Sev1))
	k.Sev2Count = num(float64(n.Sev2))
	k.CustomerImpactingIncidents = num(float64(n.CustomerImpacting))
	k.MTTDMinutes = mean(mttd)
	k.MTTAMinutes = mean(mtta)
	k.MTTRMinutes = mean(mttr)
	k.MTTRMedianMinutes = median(mttr)
	k.MTTRP90Minutes = nearestRank(mttr, 0.9)
	k.TTMMinutes = mean(ttm)
}

// fingerprint is Fingerprint with the title normalisation memoised, since
// alert-generated titles repeat a lot and the regexps dominate the cost.
func (c *computer) fingerprint(inc *Incident) string {
	if inc.Fingerprint != "" || inc.ProblemRef != "" || inc.RootCause != "" || inc.Category != "" {
		if fp := Fingerprint(Incident{Fingerprint: inc.Fingerprint, ProblemRef: inc.ProblemRef,
			RootCause: inc.RootCause, Category: inc.Category}); fp != "" {
			return fp
		}
	}
	t, ok := c.memo[inc.Title]
	if !ok {
		t = NormalizeTitle(inc.Title)
		c.memo[inc.Title] = t
	}
	if t == "" {
		return ""
	}
	return "title:" + t
}

// repeats marks period incidents that repeat an earlier incident of the same
// service and fingerprint detected at most RepeatLookback before. One sort
// by (service, fingerprint, detected, ID) puts each incident right after its
// most recent predecessor, so only neighbours are compared.
func (c *computer) repeats() {
	type fpInc struct {
		fp  string
		inc *Incident
	}
	list := make([]fpInc, 0, len(c.windowIncidents))
	for _, inc := range c.windowIncidents {
		if fp := c.fingerprint(inc); fp != "" {
			list = append(list, fpInc{fp, inc})
		}
	}
	slices.SortFunc(list, func(a, b fpInc) int {
		if x := cmp.Compare(a.inc.ServiceID, b.inc.ServiceID); x != 0 {
			return x
		}
		if x := cmp.Compare(a.fp, b.fp); x != 0 {
			return x
		}
		if x := a.inc.DetectedAt.Compare(b.inc.DetectedAt); x != 0 {
			return x
		}
		return cmp.Compare(a.inc.ID, b.inc.ID)
	})
	repeatOf := make(map[*Incident]*Incident)
	for i := 1; i < len(list); i++ {
		prev, cur := list[i-1], list[i]
		if prev.inc.ServiceID != cur.inc.ServiceID || prev.fp != cur.fp {
			continue
		}
		if cur.inc.DetectedAt.Sub(prev.inc.DetectedAt) <= c.s.RepeatLookback {
			repeatOf[cur.inc] = prev.inc
		}
	}
	n := &c.res.Counts
	for _, inc := range c.periodIncidents {
		row := EvidenceRow{Kind: KindIncident, ID: inc.ID, Label: incLabel(inc), At: inc.DetectedAt}
		if prev, ok := repeatOf[inc]; ok {
			n.RepeatIncidents++
			row.Included = true
			row.Note = fmt.Sprintf("repeat of #%d", prev.ID)
		}
		c.ev.add(row, KPIRepeatIncidentRate)
	}
	c.res.KPIs.RepeatIncidentRate = ratio(float64(n.RepeatIncidents), float64(n.Incidents))
}

// failure records why one deployment is a failed change.
type failure struct {
	explicit []*Incident // rule (a)
	inferred []*Incident // rule (b)
	followUp *Deploy     // rule (c)
}

// deploys computes the DORA-style deploy KPIs: deployments, change failure
// rate, rollback rate, lead time and failed deploy recovery.
func (c *computer) deploys() {
	k, n := &c.res.KPIs, &c.res.Counts
	var deps []*Deploy
	byID := make(map[int64]*Deploy)
	for i := range c.in.Deploys {
		d := &c.in.Deploys[i]
		if !c.inWindow(d.FinishedAt) {
			continue
		}
		deps = append(deps, d)
		if _, dup := byID[d.ID]; !dup {
			byID[d.ID] = d
		}
	}
	tl := newProdTimeline(deps, c.envs)
	fails := make(map[*Deploy]*failure)
	fail := func(d *Deploy) *failure {
		f := fails[d]
		if f == nil {
			f = &failure{}
			fails[d] = f
		}
		return f
	}
	// Rule (a): explicit links, including other services' incidents that
	// SplitByService passed along for this purpose.
	explicit := func(inc *Incident) {
		if inc.CausedByDeployID == nil {
			return
		}
		if d, ok := byID[*inc.CausedByDeployID]; ok {
			f := fail(d)
			f.explicit = append(f.explicit, inc)
		}
	}
	named := slices.Clip(c.windowIncidents)
	for i := range c.in.LinkIncidents {
		if inc := &c.in.LinkIncidents[i]; c.inWindow(inc.DetectedAt) {
			named = append(named, inc)
		}
	}
	explicitSvcs := explicitServices(named, byID)
	for _, inc := range c.windowIncidents {
		explicit(inc)
		if d := tl.infer(inc, c.s.DeployLinkWindow, explicitSvcs); d != nil {
			f := fail(d)
			f.inferred = append(f.inferred, inc)
		}
	}
	for i := range c.in.LinkIncidents {
		if inc := &c.in.LinkIncidents[i]; c.inWindow(inc.DetectedAt) {
			explicit(inc)
		}
	}
	// Rule (c): a rollback or hotfix soon after.
	for d, r := range tl.followUps(c.s.DeployLinkWindow) {
		fail(d).followUp = r
	}

	var lead, recovery []float64
	for _, d := range deps {
		if !c.p.Contains(d.FinishedAt) || !c.envs.isProdChange(d) {
			continue
		}
		row := EvidenceRow{Kind: KindDeploy, ID: d.ID, Label: depLabel(d), At: d.FinishedAt}
		if d.IsRollback {
			n.Rollbacks++
			rb := row
			rb.Included, rb.Note = true, "rollback"
			c.ev.add(rb, KPIRollbackRate)
			continue
		}
		n.Deployments++
		if d.IsHotfix {
			n.Hotfixes++
		}
		c.ev.add(row, KPIRollbackRate)
		dep := row
		dep.Included = true
		c.ev.add(dep, KPIDeployments, KPIDeploysPerWeek)

		cf := row
		if f := fails[d]; f != nil {
			n.FailedChanges++
			cf.Included = true
			cf.Note = f.note(d)
			for _, inc := range append(slices.Clip(f.explicit), f.inferred...) {
				how := "explicit link"
				if inc.CausedByDeployID == nil {
					how = "inferred link"
					n.InferredLinks++
				}
				rr := EvidenceRow{Kind: KindIncident, ID: inc.ID, Label: incLabel(inc), At: inc.DetectedAt,
					Note: fmt.Sprintf("%s to deploy #%d", how, d.ID)}
				if inc.ResolvedAt != nil && !inc.ResolvedAt.Before(inc.DetectedAt) {
					v := minutes(inc.ResolvedAt.Sub(inc.DetectedAt))
					recovery = append(recovery, v)
					rr.Value, rr.Included = &v, true
				} else {
					rr.Note += "; not resolved, excluded"
				}
				c.ev.add(rr, KPIFailedDeployRecoveryMedianMinutes)
			}
		}
		c.ev.add(cf, KPIChangeFailureRate)

		lt := row
		switch {
		case d.CommitAt == nil:
			lt.Note = "no commit_at"
		case d.CommitAt.After(d.FinishedAt):
			lt.Note = "commit after finish; excluded"
		default:
			v := d.FinishedAt.Sub(*d.CommitAt).Hours()
			lead = append(lead, v)
			lt.Value, lt.Included = &v, true
		}
		c.ev.add(lt, KPILeadTimeMedianHours)
	}
	n.DeploymentsWithCommit = len(lead)
	n.FailedDeployIncidents = len(recovery)
	k.Deployments = num(float64(n.Deployments))
	k.DeploysPerWeek = ratio(float64(n.Deployments), float64(n.Days)/7)
	k.ChangeFailureRate = ratio(float64(n.FailedChanges), float64(n.Deployments))
	k.RollbackRate = ratio(float64(n.Rollbacks), float64(n.Deployments+n.Rollbacks))
	k.LeadTimeMedianHours = median(lead)
	k.FailedDeployRecoveryMedianMinutes = median(recovery)
}

// note explains a failed change in one line.
func (f *failure) note(d *Deploy) string {
	var s string
	sep := func() {
		if s != "" {
			s += "; "
		}
	}
	for _, inc := range f.explicit {
		sep()
		s += fmt.Sprintf("explicit link from incident #%d", inc.ID)
	}
	for _, inc := range f.inferred {
		sep()
		s += fmt.Sprintf("inferred link to incident #%d", inc.ID)
	}
	if r := f.followUp; r != nil {
		sep()
		what := "hotfix"
		if r.IsRollback {
			what = "rollback"
		}
		s += fmt.Sprintf("%s deploy #%d %s later", what, r.ID, r.FinishedAt.Sub(d.FinishedAt))
	}
	return s
}

// inHours reports whether local hour h lies in [start, end), wrapping
// around midnight when start > end (22–7 covers 22:00–06:59).
func inHours(h, start, end int) bool {
	if start <= end {
		return h >= start && h < end
	}
	return h >= start || h < end
}

// pages computes the on-call load KPIs.
func (c *computer) pages() {
	k, n := &c.res.KPIs, &c.res.Counts
	var mtta []float64
	for i := range c.in.Pages {
		pg := &c.in.Pages[i]
		if !c.p.Contains(pg.TriggeredAt) {
			continue
		}
		n.Pages++
		loc := c.svcTZ[pg.ServiceID]
		if loc == nil {
			loc = time.UTC
		}
		lt := pg.TriggeredAt.In(loc)
		base := EvidenceRow{Kind: KindPage, ID: pg.ID, Label: fmt.Sprintf("#%d %s", pg.ID, pg.Title), At: pg.TriggeredAt}
		all := base
		all.Included = true
		c.ev.add(all, KPIPagesTotal, KPIPagesPerShift)

		row := base
		wd := lt.Weekday()
		if wd == time.Saturday || wd == time.Sunday || !inHours(lt.Hour(), c.s.BusinessStartHour, c.s.BusinessEndHour) {
			n.PagesAfterHours++
			row.Included = true
		}
		row.Note = "local " + lt.Format("Mon 15:04 MST")
		c.ev.add(row, KPIPagesAfterHours)
		row.Included = inHours(lt.Hour(), c.s.SleepStartHour, c.s.SleepEndHour)
		if row.Included {
			n.PagesSleepHours++
		}
		c.ev.add(row, KPIPagesSleepHours)

		row = base
		switch {
		case pg.Actionable != nil:
			// A human classification beats the heuristic either way.
			row.Included = !*pg.Actionable
			if row.Included {
				row.Note = "classified not actionable"
			} else {
				row.Note = "classified actionable"
			}
		case pg.AcknowledgedAt == nil && pg.IncidentID == nil && pg.ResolvedAt != nil &&
			!pg.ResolvedAt.Before(pg.TriggeredAt) && pg.ResolvedAt.Sub(pg.TriggeredAt) <= c.s.NoiseAutoResolve:
			row.Included = true
			row.Note = fmt.Sprintf("unacknowledged, resolved after %s, no incident", pg.ResolvedAt.Sub(pg.TriggeredAt))
		}
		if row.Included {
			n.NoisePages++
		}
		c.ev.add(row, KPIAlertNoiseRatio)

		row = base
		switch {
		case pg.AcknowledgedAt == nil:
			row.Note = "not acknowledged"
		case pg.AcknowledgedAt.Before(pg.TriggeredAt):
			row.Note = "acknowledged before trigger; excluded"
		default:
			v := minutes(pg.AcknowledgedAt.Sub(pg.TriggeredAt))
			mtta = append(mtta, v)
			row.Value, row.Included = &v, true
		}
		c.ev.add(row, KPIMTTAPagesMinutes)
	}
	n.PagesWithAck = len(mtta)
	if c.s.ShiftDays > 0 {
		n.Shifts = float64(n.Services) * float64(n.Days) / float64(c.s.ShiftDays)
	}
	k.PagesTotal = num(float64(n.Pages))
	k.PagesAfterHours = num(float64(n.PagesAfterHours))
	k.PagesSleepHours = num(float64(n.PagesSleepHours))
	k.PagesPerShift = ratio(float64(n.Pages), n.Shifts)
	k.AlertNoiseRatio = ratio(float64(n.NoisePages), float64(n.Pages))
	k.MTTAPagesMinutes = mean(mtta)
}

// toil sums the toil weeks whose week_start civil date is in the period.
func (c *computer) toil() {
	n := &c.res.Counts
	for i := range c.in.Toil {
		w := &c.in.Toil[i]
		if !c.p.ContainsDay(w.WeekStart) {
			continue
		}
		n.ToilWeeks++
		n.ToilHours += w.ToilHours
		n.TotalHours += w.TotalHours
		v := w.ToilHours
		c.ev.add(EvidenceRow{Kind: KindToilWeek, ID: w.TeamID, At: w.WeekStart, Value: &v, Included: true,
			Label: fmt.Sprintf("%s week of %s: %g of %g h", w.Team, w.WeekStart.Format(time.DateOnly), w.ToilHours, w.TotalHours),
			Note:  w.Note}, KPIToilRatio)
	}
	c.res.KPIs.ToilRatio = ratio(n.ToilHours, n.TotalHours)
}

// postmortems computes the on-time rate of sev1/sev2 postmortems for
// incidents resolved in the period.
func (c *computer) postmortems() {
	n := &c.res.Counts
	for _, inc := range c.windowIncidents {
		if inc.Severity != Sev1 && inc.Severity != Sev2 || inc.ResolvedAt == nil || !c.p.Contains(*inc.ResolvedAt) {
			continue
		}
		var deadline time.Time
		if inc.PostmortemDueAt != nil {
			deadline = *inc.PostmortemDueAt
		} else {
			days := c.s.PostmortemDaysSev2
			if inc.Severity == Sev1 {
				days = c.s.PostmortemDaysSev1
			}
			deadline = BusinessDeadline(*inc.ResolvedAt, days, c.p.Loc)
		}
		row := EvidenceRow{Kind: KindIncident, ID: inc.ID, Label: incLabel(inc), At: *inc.ResolvedAt}
		due := "due " + deadline.In(c.p.Loc).Format("2006-01-02 15:04 MST")
		published := inc.PostmortemPublishedAt != nil && !inc.PostmortemPublishedAt.After(c.asOf)
		switch {
		case published && !inc.PostmortemPublishedAt.After(deadline):
			n.PostmortemsDue++
			n.PostmortemsOnTime++
			row.Included, row.Note = true, "on time; "+due
		case published:
			n.PostmortemsDue++
			row.Note = "published late; " + due
		case c.asOf.After(deadline):
			n.PostmortemsDue++
			row.Note = "missing, late; " + due
		default:
			n.PostmortemsPending++
			row.Note = "pending, excluded; " + due
		}
		c.ev.add(row, KPIPostmortemOnTimeRate)
	}
	c.res.KPIs.PostmortemOnTimeRate = ratio(float64(n.PostmortemsOnTime), float64(n.PostmortemsDue))
}

// actionItems computes the on-time rate of action items due in the period.
func (c *computer) actionItems() {
	n := &c.res.Counts
	for i := range c.in.ActionItems {
		a := &c.in.ActionItems[i]
		if a.DueAt == nil || !c.p.Contains(*a.DueAt) {
			continue
		}
		row := EvidenceRow{Kind: KindActionItem, ID: a.ID, Label: fmt.Sprintf("#%d %s", a.ID, a.Title), At: *a.DueAt}
		closed := a.ClosedAt != nil && !a.ClosedAt.After(c.asOf)
		switch {
		case closed && !a.ClosedAt.After(*a.DueAt):
			n.ActionItemsDue++
			n.ActionItemsOnTime++
			row.Included, row.Note = true, "closed on time"
		case closed:
			n.ActionItemsDue++
			row.Note = "closed late"
		case c.asOf.After(*a.DueAt):
			n.ActionItemsDue++
			row.Note = "open, overdue"
		default:
			n.ActionItemsPending++
			row.Note = "open, not yet due; excluded"
		}
		c.ev.add(row, KPIActionItemOnTimeRate)
	}
	c.res.KPIs.ActionItemOnTimeRate = ratio(float64(n.ActionItemsOnTime), float64(n.ActionItemsDue))
}

// attainEpsilon absorbs float rounding in good ÷ total ≥ objective, so a day
// of exactly 999 good out of 1000 meets 0.999.
const attainEpsilon = 1e-12

// slos computes availability, SLO attainment and the error budget over the
// SLI days in the period.
func (c *computer) slos() {
	k, n := &c.res.KPIs, &c.res.Counts
	var budgetBad float64 // bad events of SLO-days that have a budget
	for i := range c.in.SLIDays {
		d := &c.in.SLIDays[i]
		if !c.p.ContainsDay(d.Day) {
			continue
		}
		row := EvidenceRow{Kind: KindSLIDay, ID: d.SLOID, At: d.Day,
			Label: fmt.Sprintf("%s %s %s: %d/%d", d.Service, d.SLO, d.Day.Format(time.DateOnly), d.Good, d.Total)}
		if d.Total <= 0 {
			row.Note = "no events; excluded"
			c.ev.add(row, KPIAvailability, KPISLOAttainment, KPIErrorBudgetRemaining, KPIBurnRate)
			continue
		}
		good := min(max(d.Good, 0), d.Total) // bad data must not make bad < 0
		bad := d.Total - good
		n.GoodEvents += good
		n.TotalEvents += d.Total
		n.BadEvents += bad
		v := float64(good) / float64(d.Total)
		row.Value = &v
		row.Included = true
		c.ev.add(row, KPIAvailability)

		budgetRow := row
		if d.Objective > 0 && d.Objective < 1 {
			n.BudgetEvents += (1 - d.Objective) * float64(d.Total)
			budgetBad += float64(bad)
			b := float64(bad)
			budgetRow.Value = &b
			budgetRow.Note = fmt.Sprintf("%d bad of %.1f budget", bad, (1-d.Objective)*float64(d.Total))
		} else {
			budgetRow.Included = false
			budgetRow.Note = "objective outside (0,1); no budget"
		}
		c.ev.add(budgetRow, KPIErrorBudgetRemaining, KPIBurnRate)

		n.SLODays++
		att := row
		att.Included = v >= d.Objective-attainEpsilon
		att.Note = fmt.Sprintf("objective %g", d.Objective)
		if att.Included {
			n.SLODaysMet++
		}
		c.ev.add(att, KPISLOAttainment)
	}
	k.Availability = ratio(float64(n.GoodEvents), float64(n.TotalEvents))
	k.SLOAttainment = ratio(float64(n.SLODaysMet), float64(n.SLODays))
	k.BurnRate = ratio(budgetBad, n.BudgetEvents)
	if k.BurnRate != nil {
		k.ErrorBudgetRemaining = num(1 - *k.BurnRate)
	}
}

// SplitByService groups every slice of in by ServiceID, for a per-service
// scorecard in one pass. Each service's Input holds that Service (when it
// is in in.Services) and its records; a team's toil weeks go to every one
// of the team's services, because toil is recorded per team. Records of a
// service not in in.Services get an entry without a Service (no shifts).
// An incident that explicitly names another service's deploy is also passed
// to that service, for its change failure rate only.
func SplitByService(in Input) map[int64]Input {
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
	for id, c := range n {
		parts[id] = &Input{
			Services: make([]Service, 0, c.svc), Incidents: make([]Incident, 0, c.inc),
			Deploys: make([]Deploy, 0, c.dep), Pages: make([]Page, 0, c.pg), SLIDays: make([]SLIDay, 0, c.sli),
			ActionItems: make([]ActionItem, 0, c.ai), Toil: make([]ToilWeek, 0, c.toil),
		}
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
	deploySvc := make(map[int64]int64, len(in.Deploys))
	for _, d := range in.Deploys {
		x := get(d.ServiceID)
		x.Deploys = append(x.Deploys, d)
		deploySvc[d.ID] = d.ServiceID
	}
	addLink := func(inc Incident) {
		if inc.CausedByDeployID == nil {
			return
		}
		if sid, ok := deploySvc[*inc.CausedByDeployID]; ok && sid != inc.ServiceID {
			x := get(sid)
			x.LinkIncidents = append(x.LinkIncidents, inc)
		}
	}
	for _, inc := range in.Incidents {
		x := get(inc.ServiceID)
		x.Incidents = append(x.Incidents, inc)
		addLink(inc)
	}
	for _, inc := range in.LinkIncidents {
		addLink(inc)
	}
	for _, pg := range in.Pages {
		x := get(pg.ServiceID)
		x.Pages = append(x.Pages, pg)
	}
	for _, d := range in.SLIDays {
		x := get(d.ServiceID)
		x.SLIDays = append(x.SLIDays, d)
	}
	for _, a := range in.ActionItems {
		x := get(a.ServiceID)
		x.ActionItems = append(x.ActionItems, a)
	}
	for _, w := range in.Toil {
		for _, sid := range teamSvcs[w.TeamID] {
			x := get(sid)
			x.Toil = append(x.Toil, w)
		}
	}
	out := make(map[int64]Input, len(parts))
	for id, x := range parts {
		out[id] = *x
	}
	return out
}

// MergeInputs concatenates inputs for a tier or org roll-up, dropping
// duplicates so merging the parts of a SplitByService gives back the
// original: records are the same when their IDs are (ID 0 is never treated
// as a duplicate), SLI days when SLO and day are, toil weeks when team and
// week are.
func MergeInputs(ins ...Input) Input {
	var out Input
	svc := map[int64]bool{}
	inc := map[int64]bool{}
	dep := map[int64]bool{}
	pg := map[int64]bool{}
	ai := map[int64]bool{}
	type sliKey struct {
		slo int64
		day time.Time
	}
	sli := map[sliKey]bool{}
	type toilKey struct {
		team int64
		week time.Time
	}
	toil := map[toilKey]bool{}
	fresh := func(seen map[int64]bool, id int64) bool {
		if id == 0 {
			return true
		}
		if seen[id] {
			return false
		}
		seen[id] = true
		return true
	}
	for _, in := range ins {
		for _, x := range in.Services {
			if fresh(svc, x.ID) {
				out.Services = append(out.Services, x)
			}
		}
		for _, x := range in.Incidents {
			if fresh(inc, x.ID) {
				out.Incidents = append(out.Incidents, x)
			}
		}
		for _, x := range in.Deploys {
			if fresh(dep, x.ID) {
				out.Deploys = append(out.Deploys, x)
			}
		}
		for _, x := range in.Pages {
			if fresh(pg, x.ID) {
				out.Pages = append(out.Pages, x)
			}
		}
		for _, x := range in.ActionItems {
			if fresh(ai, x.ID) {
				out.ActionItems = append(out.ActionItems, x)
			}
		}
		for _, x := range in.SLIDays {
			k := sliKey{x.SLOID, x.Day.UTC()}
			if !sli[k] {
				sli[k] = true
				out.SLIDays = append(out.SLIDays, x)
			}
		}
		for _, x := range in.Toil {
			k := toilKey{x.TeamID, x.WeekStart.UTC()}
			if !toil[k] {
				toil[k] = true
				out.Toil = append(out.Toil, x)
			}
		}
	}
	// Link-only incidents stay only when the merged set lacks them as real
	// incidents, and then once.
	linked := map[int64]bool{}
	for _, in := range ins {
		for _, x := range in.LinkIncidents {
			if x.ID != 0 && (inc[x.ID] || linked[x.ID]) {
				continue
			}
			linked[x.ID] = true
			out.LinkIncidents = append(out.LinkIncidents, x)
		}
	}
	return out
}
