package analytics

import (
	"math"
	"time"
)

// Target directions (tier_targets.direction).
const (
	DirectionMin = "min" // the value must be at least the target
	DirectionMax = "max" // the value must be at most the target
)

// Target is one row of tier_targets: the goal of one KPI for one service tier.
type Target struct {
	Tier      int     `json:"tier"`
	KPI       string  `json:"kpi"`
	Target    float64 `json:"target"`
	Direction string  `json:"direction"` // "min": value ≥ target; "max": value ≤ target
}

// TargetSet indexes targets by tier, then KPI name.
type TargetSet map[int]map[string]Target

// NewTargetSet indexes rows; a later row for the same tier and KPI wins.
func NewTargetSet(rows []Target) TargetSet {
	ts := TargetSet{}
	for _, t := range rows {
		if ts[t.Tier] == nil {
			ts[t.Tier] = map[string]Target{}
		}
		ts[t.Tier][t.KPI] = t
	}
	return ts
}

// Get returns the target of kpi for tier, and whether there is one.
func (ts TargetSet) Get(tier int, kpi string) (Target, bool) {
	t, ok := ts[tier][kpi]
	return t, ok
}

// DefaultTargets returns the tier targets the migrations seed
// (00002_defaults.sql and those of later KPIs; a test keeps them in step).
func DefaultTargets() []Target {
	var out []Target
	// The direction is the KPI's (KPIDef.Better): a target the other way
	// would call the worse result "met".
	add := func(kpi string, byTier ...float64) {
		dir := kpiDefs[kpiIndex[kpi]].Better
		for tier, v := range byTier {
			out = append(out, Target{Tier: tier, KPI: kpi, Target: v, Direction: dir})
		}
	}
	add(KPIAvailability, 0.9999, 0.999, 0.995, 0.99)
	add(KPISLOAttainment, 0.99, 0.97, 0.95, 0.90)
	add(KPIMTTRMinutes, 30, 60, 240, 1440)
	add(KPIMTTDMinutes, 5, 10, 30, 60)
	add(KPIMTTAMinutes, 5, 10, 15, 30)
	add(KPITTMMinutes, 30, 60, 120, 480)
	add(KPIChangeFailureRate, 0.10, 0.15, 0.20, 0.30)
	add(KPIRepeatIncidentRate, 0.10, 0.15, 0.20, 0.25)
	add(KPIAlertNoiseRatio, 0.20, 0.30, 0.40, 0.50)
	add(KPIPostmortemOnTimeRate, 0.95, 0.90, 0.80, 0.70)
	add(KPIActionItemOnTimeRate, 0.90, 0.80, 0.70, 0.60)
	add(KPIActionItemsOverdue, 0, 0, 0, 0) // migrations/00011_action_items_overdue_targets.sql
	add(KPIToilRatio, 0.30, 0.40, 0.50, 0.50)
	// Reliability program (migrations/00021_program_inputs.sql): the
	// blueprints' "≥ 70 % of tier-1+ services with SLO + dashboard +
	// runbook", "> 90 % runbook coverage of tier 0/1", "1–2 passing DR tests
	// a year per tier-0 service" and "keep 20–40 % headroom".
	add(KPIReliabilityAdoptionRate, 0.90, 0.70, 0.50)
	add(KPIRunbookCoverage, 0.90, 0.90)
	add(KPIDRTestedServicesRate, 1.00, 0.90)
	add(KPIBackupRestoreVerifiedRate, 1.00, 0.90)
	add(KPICapacityHeadroomMin, 0.20, 0.20, 0.20, 0.20)
	return out
}

// Target statuses: every scorecard cell has exactly one
// (docs/metrics.md, "Statuses").
const (
	StatusMet    = "met"     // the value meets its target
	StatusAtRisk = "at_risk" // missed, but within the at-risk band
	StatusMissed = "missed"  // missed by more than the band
	// StatusLowSample is a value over fewer records than the KPI's minimum
	// sample (Settings.MinSample): shown with its n, never judged.
	StatusLowSample = "low_sample"
	// StatusNoTarget is a value with no target in force for its row.
	StatusNoTarget = "no_target"
	// StatusNoData is no value: no records to average or count a ratio over.
	StatusNoData = "no_data"
)

// Statuses lists every status, from the best outcome to no data.
var Statuses = []string{StatusMet, StatusAtRisk, StatusMissed, StatusLowSample, StatusNoTarget, StatusNoData}

// Judged reports whether status is an outcome against a target (met, at
// risk or missed), as opposed to a reason there is none.
func Judged(status string) bool {
	return status == StatusMet || status == StatusAtRisk || status == StatusMissed
}

// AtRiskFraction is the tolerance of the at_risk band (docs/metrics.md, "Status rule").
const AtRiskFraction = 0.10

// statusEpsilon absorbs float rounding at the exact target and band edges
// (60 × 1.1 is 66.00000000000001).
const statusEpsilon = 1e-9

// Judge is the status of a KPI value over a sample of n records, with the
// KPI's minimum sample minSample, against target t (ok = a target is in
// force), in this order:
//
//   - no_data: no value (nothing to average, a zero denominator);
//   - low_sample: n < minSample, target or not: the number itself is too
//     thin to read, so it is never judged;
//   - no_target: no target in force, or one with an unknown direction;
//   - met, at_risk or missed: Status.
func Judge(value *float64, n float64, minSample int, t Target, ok bool) string {
	switch {
	case value == nil || math.IsNaN(*value):
		return StatusNoData
	case n < float64(minSample):
		return StatusLowSample
	case !ok:
		return StatusNoTarget
	}
	return Status(value, t)
}

// Status compares value with target t, whatever the sample; Judge says
// when there is a target to compare with:
//
//   - no_data: no value;
//   - no_target: an unknown direction;
//   - met: max: value ≤ target; min: value ≥ target;
//   - at_risk: missed by no more than 10 % of the target:
//     max: value ≤ target + 0.1 × |target|;
//     min: value ≥ target − 0.1 × |target|, except availability, whose
//     tolerance is 10 % of the error budget: value ≥ target − 0.1 × (1 − target)
//     (0.999 availability: at_risk down to 0.9989);
//   - missed: otherwise.
func Status(value *float64, t Target) string {
	if value == nil || math.IsNaN(*value) {
		return StatusNoData
	}
	v := *value
	switch t.Direction {
	case DirectionMax:
		switch {
		case v <= t.Target+statusEpsilon:
			return StatusMet
		case v <= t.Target+AtRiskFraction*math.Abs(t.Target)+statusEpsilon:
			return StatusAtRisk
		}
		return StatusMissed
	case DirectionMin:
		tol := AtRiskFraction * math.Abs(t.Target)
		// Availability is measured in "nines": 10 % of a 99.9 % target
		// would call 90 % at risk, so its band is 10 % of the error budget.
		if d, ok := KPIDefOf(t.KPI); ok && d.Unit == UnitNines {
			tol = AtRiskFraction * math.Max(1-t.Target, 0)
		}
		switch {
		case v >= t.Target-statusEpsilon:
			return StatusMet
		case v >= t.Target-tol-statusEpsilon:
			return StatusAtRisk
		}
		return StatusMissed
	}
	return StatusNoTarget
}

// DORA band names; "" means no data.
const (
	BandElite  = "elite"
	BandHigh   = "high"
	BandMedium = "medium"
	BandLow    = "low"
)

// DORA band metrics (dora_bands.metric).
const (
	DoraChangeFailureRate = "change_failure_rate"
	DoraLeadTimeHours     = "lead_time_hours"
	DoraRecoveryHours     = "recovery_hours"
	DoraDeployFrequency   = "deploy_frequency"
)

// DoraUnit is the unit a DORA metric's thresholds are written in: the
// change failure rate a fraction, lead and recovery times hours, deploy
// frequency deploy-days.
func DoraUnit(metric string) Unit {
	switch metric {
	case DoraChangeFailureRate:
		return UnitRatio
	case DoraLeadTimeHours, DoraRecoveryHours:
		return UnitHours
	}
	return UnitRate
}

// DoraBand is one row of dora_bands: the threshold a metric must meet to be
// in a band (elite, high or medium; anything else is low).
type DoraBand struct {
	Metric    string  `json:"metric"`
	Band      string  `json:"band"`
	Threshold float64 `json:"threshold"`
}

// DefaultDoraBands returns the bands seeded by migrations/00002_defaults.sql.
func DefaultDoraBands() []DoraBand {
	return []DoraBand{
		{DoraChangeFailureRate, BandElite, 0.05}, {DoraChangeFailureRate, BandHigh, 0.10}, {DoraChangeFailureRate, BandMedium, 0.15},
		{DoraLeadTimeHours, BandElite, 24}, {DoraLeadTimeHours, BandHigh, 168}, {DoraLeadTimeHours, BandMedium, 720},
		{DoraRecoveryHours, BandElite, 1}, {DoraRecoveryHours, BandHigh, 24}, {DoraRecoveryHours, BandMedium, 168},
		{DoraDeployFrequency, BandElite, 5}, {DoraDeployFrequency, BandHigh, 1}, {DoraDeployFrequency, BandMedium, 1},
	}
}

// DoraBands places the period's results in the DORA performance bands
// (docs/metrics.md, "DORA bands"); it returns metric → elite, high, medium,
// low, or "" when the metric has no data. A band missing from bands is
// skipped, so a table without "elite" rows never reports elite.
//
//   - change_failure_rate: change_failure_rate ≤ threshold;
//   - lead_time_hours: lead_time_median_hours < threshold;
//   - recovery_hours: failed_deploy_recovery_median_minutes ÷ 60, or
//     mttr_median_minutes ÷ 60 when no failed deploy was recovered, < threshold;
//   - deploy_frequency: elite/high when the median number of deploy-days per
//     week is ≥ threshold, medium when the median deploy-days per calendar
//     month is ≥ threshold, else low; "" with no deployments at all.
//
// in, p and s must be those given to Compute for r.
func DoraBands(r Result, in Input, p Period, s Settings, bands []DoraBand) map[string]string {
	th := map[string]map[string]float64{}
	for _, b := range bands {
		if th[b.Metric] == nil {
			th[b.Metric] = map[string]float64{}
		}
		th[b.Metric][b.Band] = b.Threshold
	}
	// band walks elite → high → medium and returns the first band whose test passes.
	band := func(metric string, v *float64, pass func(v, t float64) bool) string {
		if v == nil {
			return ""
		}
		for _, name := range []string{BandElite, BandHigh, BandMedium} {
			if t, ok := th[metric][name]; ok && pass(*v, t) {
				return name
			}
		}
		return BandLow
	}
	le := func(v, t float64) bool { return v <= t+statusEpsilon }
	lt := func(v, t float64) bool { return v < t }
	hours := func(min *float64) *float64 {
		if min == nil {
			return nil
		}
		return num(*min / 60)
	}
	k := r.KPIs
	out := map[string]string{
		DoraChangeFailureRate: band(DoraChangeFailureRate, k.ChangeFailureRate, le),
		DoraLeadTimeHours:     band(DoraLeadTimeHours, k.LeadTimeMedianHours, lt),
	}
	rec := hours(k.FailedDeployRecoveryMedianMinutes)
	if rec == nil {
		rec = hours(k.MTTRMedianMinutes)
	}
	out[DoraRecoveryHours] = band(DoraRecoveryHours, rec, lt)
	out[DoraDeployFrequency] = deployFrequencyBand(in, p, s, th[DoraDeployFrequency])
	return out
}

// DeployDays returns the median number of distinct deploy-days (reporting
// timezone civil dates with at least one deployment) per week and per
// calendar month of p, and the number of deployments seen. Weeks are the
// consecutive 7-day blocks from the period's first day; a trailing partial
// block (the 29th–31st of a month) is left out so it cannot drag the median
// down.
func DeployDays(in Input, p Period, s Settings) (perWeek, perMonth float64, deployments int) {
	if p.Loc == nil {
		p.Loc = time.UTC
	}
	envs := newProdEnvs(s)
	start := civil(p.From.In(p.Loc))
	days := map[int]bool{} // day index from the period's first day
	// Only p's deploys count: a report passes years of them.
	in.Deploys = cutSorted(in.Deploys, deployAt, in.ordered&orderedDeploys != 0, p.From, p.To)
	for i := range in.Deploys {
		d := &in.Deploys[i]
		if !p.Contains(d.FinishedAt) || !envs.isDeployment(d) {
			continue
		}
		deployments++
		days[int(civil(d.FinishedAt.In(p.Loc)).Sub(start).Hours()/24)] = true
	}
	nWeeks := p.Days() / 7
	weeks := make([]float64, nWeeks)
	for idx := range days {
		if w := idx / 7; w < nWeeks {
			weeks[w]++
		}
	}
	var months []float64
	for _, m := range p.Months() {
		lo := int(civil(m.From.In(p.Loc)).Sub(start).Hours() / 24)
		hi := lo + m.Days()
		cnt := 0.0
		for idx := range days {
			if idx >= lo && idx < hi {
				cnt++
			}
		}
		months = append(months, cnt)
	}
	if v := median(weeks); v != nil {
		perWeek = *v
	}
	if v := median(months); v != nil {
		perMonth = *v
	}
	return perWeek, perMonth, deployments
}

// civil returns t's wall-clock date as midnight UTC, for day arithmetic
// that no DST change can disturb.
func civil(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func deployFrequencyBand(in Input, p Period, s Settings, th map[string]float64) string {
	perWeek, perMonth, n := DeployDays(in, p, s)
	if n == 0 {
		return ""
	}
	if t, ok := th[BandElite]; ok && perWeek >= t {
		return BandElite
	}
	if t, ok := th[BandHigh]; ok && perWeek >= t {
		return BandHigh
	}
	if t, ok := th[BandMedium]; ok && perMonth >= t {
		return BandMedium
	}
	return BandLow
}
