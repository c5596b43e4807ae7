package analytics

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
)

// This file is the KPI registry: everything sreport knows about a KPI other
// than how to compute it. Pages, report sentences, target checks, the CSV,
// the API and the CLI read names, units and directions from here, so a new
// KPI is a KPIs field and a KPIDef below, its compute step (incidents.go,
// changes.go, pages.go, discipline.go or slos.go) and its section in
// docs/metrics.md. Tests fail when the engine emits a KPI without a
// definition here or a definition has no docs section.

// Unit is the kind of number a KPI, or one record behind it, is.
type Unit int

// Units of KPI values and of evidence rows' values.
const (
	UnitCount     Unit = iota // a number of records: 7
	UnitRatio                 // a fraction in [0, 1], shown as a percentage: 12.5 %
	UnitNines                 // a fraction in [0, 1] that lives near 1 (availability): 99.951 %; its at-risk band is a share of the error margin 1 − target
	UnitBudget                // the share of an error budget left: at most 1, negative once overspent; shown as a percentage
	UnitMinutes               // a duration in minutes
	UnitHours                 // a duration in hours
	UnitWorkHours             // hours of work (a toil week's): never read as days, which would suggest 24-hour working days
	UnitRate                  // records per week or per shift, or a multiple such as a burn rate: 3.46
)

// Fraction reports whether values of u lie in [0, 1]: a target on such a
// KPI is a number from 0 to 1, and a "min" target's tolerance is measured
// on the remaining margin.
func (u Unit) Fraction() bool { return u == UnitRatio || u == UnitNines }

// Percent reports whether values of u read as percentages (and their
// changes as percentage points).
func (u Unit) Percent() bool { return u == UnitRatio || u == UnitNines || u == UnitBudget }

// String names the unit, for messages and tests.
func (u Unit) String() string {
	switch u {
	case UnitCount:
		return "count"
	case UnitRatio:
		return "ratio"
	case UnitNines:
		return "nines"
	case UnitBudget:
		return "budget"
	case UnitMinutes:
		return "minutes"
	case UnitHours:
		return "hours"
	case UnitWorkHours:
		return "work hours"
	case UnitRate:
		return "rate"
	}
	return "unknown"
}

// KPIDef is the definition of one KPI the engine computes.
type KPIDef struct {
	Key   string // the JSON key of KPIs: "mttr_minutes"
	Label string // the name pages and tables show: "Change failure rate"
	Short string // the name a narrow column heading shows: "Change failure"
	Prose string // the name as the subject of a report sentence: "The change failure rate"
	Unit  Unit
	// Better is DirectionMax when lower is better, DirectionMin when higher
	// is: the way a change counts as an improvement, and the only direction
	// a tier target on the KPI may have (the other would call the worse
	// result "met").
	Better string
	// Target says the KPI has a tier target by default (DefaultTargets,
	// migrations/00002_defaults.sql).
	Target bool
	// N names the Counts fields (JSON keys) whose sum is the KPI's sample
	// size: the values a mean or median is taken over, a ratio's
	// denominator, the records a count or rate counts.
	N []string
	// Record is the unit of an evidence row's own value on the explain
	// page (minutes to resolve one incident, bad events of one SLO-day);
	// UnitCount when the rows carry no value.
	Record Unit
	// Doc is the anchor of the KPI's section in docs/metrics.md, as GitHub
	// derives it from the heading ("mttd--mttd_minutes").
	Doc string
	// Sample names the records N counts, for "from only 2 resolved
	// incidents" and the sample column of tables.
	Sample Noun
	// Num is the Counts field (JSON key) of a ratio's numerator when it
	// counts some of the same records as N, so the value reads "2 of 3";
	// "" for means, medians, rates and ratios of other quantities.
	Num string
	// MinSample is the default minimum sample (Settings.MinSample): with a
	// smaller N the KPI is shown with its sample but never judged
	// (StatusLowSample). 0 means no minimum: counts and per-week or
	// per-shift rates measure the period itself however few records it
	// holds (no deploys is a deploy rate of 0, not a small sample).
	MinSample int
	// Team says the KPI is a team figure, recorded per team rather than per
	// service (toil): the scorecard shows it on team rows and the roll-ups,
	// not repeated on each of the team's service rows.
	Team bool
	// Org says the KPI is an organisation figure whose records belong to no
	// service (stakeholder satisfaction): every scope reads the
	// organisation's value, so the scorecard shows it on the organisation's
	// row only.
	Org bool
	// Group is the family the KPI belongs to (KPIGroupProgram), for pages
	// and report sections that list a family; "" for the core KPIs.
	Group string
	// Coverage is set for a KPI whose records may lack the inputs it
	// needs (an impact start, postmortem data): how many have them.
	Coverage *Coverage

	field func(*KPIs) **float64
}

// Noun is a countable thing with its singular and plural.
type Noun struct{ One, Many string }

// Of returns "1 incident", "3 incidents" (v as a whole number).
func (n Noun) Of(v float64) string {
	return strconv.FormatFloat(v, 'f', 0, 64) + " " + n.Word(v)
}

// Word is the singular for one, else the plural.
func (n Noun) Word(v float64) string {
	if math.Round(v) == 1 {
		return n.One
	}
	return n.Many
}

// Sampled reports whether the KPI has a minimum sample by default: its
// value is a mean, median or ratio over records.
func (d KPIDef) Sampled() bool { return d.MinSample > 0 }

// Coverage names the counts that say how many of a KPI's records carry
// its inputs, so a page can say "postmortem data on 12 of 93 Sev1/Sev2
// incidents" and missing data is never read as a result.
type Coverage struct {
	Input   string // what a record may lack: "postmortem data"
	Have    string // the Counts key of the records that have it
	Of      string // the Counts key of the records considered
	Records string // what the records are, plural: "incidents"
}

// CoverageOf returns how many of the KPI's records in c have its inputs
// (have) of those it considered (of); ok is false for a KPI without
// Coverage.
func (d KPIDef) CoverageOf(c Counts) (have, of int, ok bool) {
	if d.Coverage == nil {
		return 0, 0, false
	}
	h, _ := c.Get(d.Coverage.Have)
	o, _ := c.Get(d.Coverage.Of)
	return int(h), int(o), true
}

// CoverageText says the KPI's coverage in c: "postmortem data on 12 of
// 93 Sev1/Sev2 incidents"; "" without Coverage or without records.
func (d KPIDef) CoverageText(c Counts) string {
	have, of, ok := d.CoverageOf(c)
	if !ok || of == 0 {
		return ""
	}
	return fmt.Sprintf("%s on %d of %d %s", d.Coverage.Input, have, of, d.Coverage.Records)
}

// HigherIsBetter reports whether a rise of the KPI is an improvement.
func (d KPIDef) HigherIsBetter() bool { return d.Better == DirectionMin }

// SampleSize returns the KPI's n in c: the sum of its N counts.
func (d KPIDef) SampleSize(c Counts) float64 {
	var n float64
	for _, k := range d.N {
		v, _ := c.Get(k)
		n += v
	}
	return n
}

// KPIs are the reliability KPIs of one scope and period (docs/metrics.md).
// A nil field (JSON null) means no data: a mean or ratio with nothing to
// average or a zero denominator. Plain counts are never nil. No field is
// ever NaN or infinite. Every field has a KPIDef in kpiDefs, in field order.
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
	PerfRegressionRate                *float64 `json:"perf_regression_rate"`
	PagesTotal                        *float64 `json:"pages_total"`
	PagesAfterHours                   *float64 `json:"pages_after_hours"`
	PagesSleepHours                   *float64 `json:"pages_sleep_hours"`
	PagesPerShift                     *float64 `json:"pages_per_shift"`
	AlertNoiseRatio                   *float64 `json:"alert_noise_ratio"`
	MTTAPagesMinutes                  *float64 `json:"mtta_pages_minutes"`
	OnCallLoadGini                    *float64 `json:"oncall_load_gini"`
	OnCallLoadMaxToMedian             *float64 `json:"oncall_load_max_median"`
	SleepInterruptedResponders        *float64 `json:"sleep_interrupted_responders"`
	OnCallHealthIndex                 *float64 `json:"oncall_health_index"`
	ToilRatio                         *float64 `json:"toil_ratio"`
	PostmortemOnTimeRate              *float64 `json:"postmortem_on_time_rate"`
	ActionItemOnTimeRate              *float64 `json:"action_item_on_time_rate"`
	ActionItemsOverdue                *float64 `json:"action_items_overdue"`
	Availability                      *float64 `json:"availability"`
	SLOAttainment                     *float64 `json:"slo_attainment"`
	ErrorBudgetRemaining              *float64 `json:"error_budget_remaining"`
	BurnRate                          *float64 `json:"burn_rate"`
	ReliabilityAdoptionRate           *float64 `json:"reliability_adoption_rate"`
	RunbookCoverage                   *float64 `json:"runbook_coverage"`
	PRRCoverage                       *float64 `json:"prr_coverage"`
	DRTestSuccessRate                 *float64 `json:"dr_test_success_rate"`
	DRTestedServicesRate              *float64 `json:"dr_tested_services_rate"`
	BackupRestoreVerifiedRate         *float64 `json:"backup_restore_verified_rate"`
	AutomationCoverage                *float64 `json:"automation_coverage"`
	ToilHoursSavedPerWeek             *float64 `json:"toil_hours_saved_per_week"`
	CapacityHeadroomMin               *float64 `json:"capacity_headroom_min"`
	UnitCost                          *float64 `json:"unit_cost"`
	ObservabilityCostShare            *float64 `json:"observability_cost_share"`
	StakeholderScore                  *float64 `json:"stakeholder_score"`
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
	KPIPerfRegressionRate                = "perf_regression_rate"
	KPIPagesTotal                        = "pages_total"
	KPIPagesAfterHours                   = "pages_after_hours"
	KPIPagesSleepHours                   = "pages_sleep_hours"
	KPIPagesPerShift                     = "pages_per_shift"
	KPIAlertNoiseRatio                   = "alert_noise_ratio"
	KPIMTTAPagesMinutes                  = "mtta_pages_minutes"
	KPIOnCallLoadGini                    = "oncall_load_gini"
	KPIOnCallLoadMaxToMedian             = "oncall_load_max_median"
	KPISleepInterruptedResponders        = "sleep_interrupted_responders"
	KPIOnCallHealthIndex                 = "oncall_health_index"
	KPIToilRatio                         = "toil_ratio"
	KPIPostmortemOnTimeRate              = "postmortem_on_time_rate"
	KPIActionItemOnTimeRate              = "action_item_on_time_rate"
	KPIActionItemsOverdue                = "action_items_overdue"
	KPIAvailability                      = "availability"
	KPISLOAttainment                     = "slo_attainment"
	KPIErrorBudgetRemaining              = "error_budget_remaining"
	KPIBurnRate                          = "burn_rate"
	KPIReliabilityAdoptionRate           = "reliability_adoption_rate"
	KPIRunbookCoverage                   = "runbook_coverage"
	KPIPRRCoverage                       = "prr_coverage"
	KPIDRTestSuccessRate                 = "dr_test_success_rate"
	KPIDRTestedServicesRate              = "dr_tested_services_rate"
	KPIBackupRestoreVerifiedRate         = "backup_restore_verified_rate"
	KPIAutomationCoverage                = "automation_coverage"
	KPIToilHoursSavedPerWeek             = "toil_hours_saved_per_week"
	KPICapacityHeadroomMin               = "capacity_headroom_min"
	KPIUnitCost                          = "unit_cost"
	KPIObservabilityCostShare            = "observability_cost_share"
	KPIStakeholderScore                  = "stakeholder_score"
)

// KPIGroupProgram is the KPIDef.Group of the reliability program's KPIs
// (program.go): readiness, DR tests, toil inventory, capacity, cost and
// stakeholder satisfaction.
const KPIGroupProgram = "program"

// kpiDefs is the registry, in display (and JSON) order.
var kpiDefs = []KPIDef{
	// Incidents
	{Key: KPIIncidentsTotal, Label: "Incidents", Short: "Incidents", Prose: "The number of incidents",
		Unit: UnitCount, Better: DirectionMax, N: []string{"incidents"}, Record: UnitCount,
		Sample: Noun{"incident", "incidents"},
		Doc:    "incidents-total--incidents_total", field: func(k *KPIs) **float64 { return &k.IncidentsTotal }},
	{Key: KPISev1Count, Label: "Sev1 incidents", Short: "Sev1", Prose: "The number of Sev1 incidents",
		Unit: UnitCount, Better: DirectionMax, N: []string{"sev1"}, Record: UnitCount,
		Sample: Noun{"Sev1 incident", "Sev1 incidents"},
		Doc:    "sev1--sev2-count--sev1_count-sev2_count", field: func(k *KPIs) **float64 { return &k.Sev1Count }},
	{Key: KPISev2Count, Label: "Sev2 incidents", Short: "Sev2", Prose: "The number of Sev2 incidents",
		Unit: UnitCount, Better: DirectionMax, N: []string{"sev2"}, Record: UnitCount,
		Sample: Noun{"Sev2 incident", "Sev2 incidents"},
		Doc:    "sev1--sev2-count--sev1_count-sev2_count", field: func(k *KPIs) **float64 { return &k.Sev2Count }},
	{Key: KPICustomerImpactingIncidents, Label: "Customer-impacting incidents", Short: "Customer impact",
		Prose: "The number of customer-impacting incidents",
		Unit:  UnitCount, Better: DirectionMax, N: []string{"customer_impacting"}, Record: UnitCount,
		Sample: Noun{"customer-impacting incident", "customer-impacting incidents"},
		Doc:    "customer-impacting-incidents--customer_impacting_incidents", field: func(k *KPIs) **float64 { return &k.CustomerImpactingIncidents }},
	{Key: KPIMTTDMinutes, Label: "MTTD", Short: "MTTD", Prose: "MTTD",
		Unit: UnitMinutes, Better: DirectionMax, Target: true, N: []string{"incidents_with_start"}, Record: UnitMinutes,
		Sample: Noun{"incident with an impact start", "incidents with an impact start"}, MinSample: 5,
		Coverage: &Coverage{Input: "impact start", Have: "incidents_with_start", Of: "incidents", Records: "incidents"},
		Doc:      "mttd--mttd_minutes", field: func(k *KPIs) **float64 { return &k.MTTDMinutes }},
	{Key: KPIMTTAMinutes, Label: "MTTA (incidents)", Short: "MTTA", Prose: "MTTA",
		Unit: UnitMinutes, Better: DirectionMax, Target: true, N: []string{"incidents_with_ack"}, Record: UnitMinutes,
		Sample: Noun{"acknowledged incident", "acknowledged incidents"}, MinSample: 5,
		Coverage: &Coverage{Input: "acknowledgement time", Have: "incidents_with_ack", Of: "incidents", Records: "incidents"},
		Doc:      "mtta--mtta_minutes", field: func(k *KPIs) **float64 { return &k.MTTAMinutes }},
	{Key: KPIMTTRMinutes, Label: "MTTR", Short: "MTTR", Prose: "MTTR",
		Unit: UnitMinutes, Better: DirectionMax, Target: true, N: []string{"resolved_incidents"}, Record: UnitMinutes,
		Sample: Noun{"resolved incident", "resolved incidents"}, MinSample: 5,
		Doc: "mttr--mttr_minutes-mttr_median_minutes-mttr_p90_minutes", field: func(k *KPIs) **float64 { return &k.MTTRMinutes }},
	{Key: KPIMTTRMedianMinutes, Label: "MTTR median", Short: "MTTR median", Prose: "Median MTTR",
		Unit: UnitMinutes, Better: DirectionMax, N: []string{"resolved_incidents"}, Record: UnitMinutes,
		Sample: Noun{"resolved incident", "resolved incidents"}, MinSample: 5,
		Doc: "mttr--mttr_minutes-mttr_median_minutes-mttr_p90_minutes", field: func(k *KPIs) **float64 { return &k.MTTRMedianMinutes }},
	{Key: KPIMTTRP90Minutes, Label: "MTTR p90", Short: "MTTR p90", Prose: "MTTR at the 90th percentile",
		Unit: UnitMinutes, Better: DirectionMax, N: []string{"resolved_incidents"}, Record: UnitMinutes,
		Sample: Noun{"resolved incident", "resolved incidents"}, MinSample: 5,
		Doc: "mttr--mttr_minutes-mttr_median_minutes-mttr_p90_minutes", field: func(k *KPIs) **float64 { return &k.MTTRP90Minutes }},
	{Key: KPITTMMinutes, Label: "Time to mitigate", Short: "TTM", Prose: "Time to mitigate",
		Unit: UnitMinutes, Better: DirectionMax, Target: true, N: []string{"mitigated_incidents"}, Record: UnitMinutes,
		Sample: Noun{"mitigated incident", "mitigated incidents"}, MinSample: 5,
		Coverage: &Coverage{Input: "mitigation time", Have: "mitigated_incidents", Of: "incidents", Records: "incidents"},
		Doc:      "time-to-mitigate--ttm_minutes", field: func(k *KPIs) **float64 { return &k.TTMMinutes }},
	{Key: KPIRepeatIncidentRate, Label: "Repeat incidents", Short: "Repeat rate", Prose: "The repeat-incident rate",
		Unit: UnitRatio, Better: DirectionMax, Target: true, N: []string{"incidents"}, Record: UnitCount,
		Sample: Noun{"incident", "incidents"}, Num: "repeat_incidents", MinSample: 5,
		Doc: "repeat-incident-rate--repeat_incident_rate", field: func(k *KPIs) **float64 { return &k.RepeatIncidentRate }},

	// Deployments and changes
	{Key: KPIDeployments, Label: "Deployments", Short: "Deploys", Prose: "The number of deployments",
		Unit: UnitCount, Better: DirectionMin, N: []string{"deployments"}, Record: UnitCount,
		Sample: Noun{"deployment", "deployments"},
		Doc:    "deployments--deployments-deploys_per_week", field: func(k *KPIs) **float64 { return &k.Deployments }},
	{Key: KPIDeploysPerWeek, Label: "Deploys per week", Short: "Deploys / week", Prose: "Deploys per week",
		Unit: UnitRate, Better: DirectionMin, N: []string{"deployments"}, Record: UnitCount,
		Sample: Noun{"deployment", "deployments"},
		Doc:    "deployments--deployments-deploys_per_week", field: func(k *KPIs) **float64 { return &k.DeploysPerWeek }},
	{Key: KPIChangeFailureRate, Label: "Change failure rate", Short: "Change failure", Prose: "The change failure rate",
		Unit: UnitRatio, Better: DirectionMax, Target: true, N: []string{"deployments"}, Record: UnitCount,
		Sample: Noun{"deployment", "deployments"}, Num: "failed_changes", MinSample: 5,
		Doc: "change-failure-rate--change_failure_rate", field: func(k *KPIs) **float64 { return &k.ChangeFailureRate }},
	{Key: KPIRollbackRate, Label: "Rollback rate", Short: "Rollbacks", Prose: "The rollback rate",
		Unit: UnitRatio, Better: DirectionMax, N: []string{"deployments", "rollbacks"}, Record: UnitCount,
		Sample: Noun{"deployment or rollback", "deployments and rollbacks"}, Num: "rollbacks", MinSample: 5,
		Doc: "rollback-rate--rollback_rate", field: func(k *KPIs) **float64 { return &k.RollbackRate }},
	{Key: KPILeadTimeMedianHours, Label: "Lead time (median)", Short: "Lead time", Prose: "Median lead time",
		Unit: UnitHours, Better: DirectionMax, N: []string{"deployments_with_commit"}, Record: UnitHours,
		Sample: Noun{"deployment with a commit time", "deployments with a commit time"}, MinSample: 5,
		Coverage: &Coverage{Input: "commit time", Have: "deployments_with_commit", Of: "deployments", Records: "deployments"},
		Doc:      "lead-time-for-changes--lead_time_median_hours", field: func(k *KPIs) **float64 { return &k.LeadTimeMedianHours }},
	{Key: KPIFailedDeployRecoveryMedianMinutes, Label: "Failed deploy recovery", Short: "Recovery", Prose: "Failed deploy recovery",
		Unit: UnitMinutes, Better: DirectionMax, N: []string{"failed_deploy_incidents"}, Record: UnitMinutes,
		Sample: Noun{"recovered failed deployment", "recovered failed deployments"}, MinSample: 5,
		Doc:   "failed-deployment-recovery-time--failed_deploy_recovery_median_minutes",
		field: func(k *KPIs) **float64 { return &k.FailedDeployRecoveryMedianMinutes }},
	{Key: KPIPerfRegressionRate, Label: "Performance regressions", Short: "Perf regressions", Prose: "The performance-regression rate",
		Unit: UnitRatio, Better: DirectionMax, N: []string{"deployments_with_perf_flag"}, Record: UnitCount,
		Sample: Noun{"deployment with a regression flag", "deployments with a regression flag"}, Num: "perf_regressions", MinSample: 5,
		Coverage: &Coverage{Input: "a regression flag", Have: "deployments_with_perf_flag", Of: "deployments", Records: "deployments"},
		Group:    KPIGroupProgram,
		Doc:      "performance-regression-rate--perf_regression_rate", field: func(k *KPIs) **float64 { return &k.PerfRegressionRate }},

	// On-call load
	{Key: KPIPagesTotal, Label: "Pages", Short: "Pages", Prose: "The number of pages",
		Unit: UnitCount, Better: DirectionMax, N: []string{"pages"}, Record: UnitCount,
		Sample: Noun{"page", "pages"},
		Doc:    "pages--pages_total-pages_after_hours-pages_sleep_hours", field: func(k *KPIs) **float64 { return &k.PagesTotal }},
	{Key: KPIPagesAfterHours, Label: "After-hours pages", Short: "After-hours pages", Prose: "The number of after-hours pages",
		Unit: UnitCount, Better: DirectionMax, N: []string{"pages_after_hours"}, Record: UnitCount,
		Sample: Noun{"after-hours page", "after-hours pages"},
		Doc:    "pages--pages_total-pages_after_hours-pages_sleep_hours", field: func(k *KPIs) **float64 { return &k.PagesAfterHours }},
	{Key: KPIPagesSleepHours, Label: "Sleep-hours pages", Short: "Sleep-hours pages", Prose: "The number of sleep-hours pages",
		Unit: UnitCount, Better: DirectionMax, N: []string{"pages_sleep_hours"}, Record: UnitCount,
		Sample: Noun{"sleep-hours page", "sleep-hours pages"},
		Doc:    "pages--pages_total-pages_after_hours-pages_sleep_hours", field: func(k *KPIs) **float64 { return &k.PagesSleepHours }},
	{Key: KPIPagesPerShift, Label: "Pages per shift", Short: "Pages / shift", Prose: "Pages per shift",
		Unit: UnitRate, Better: DirectionMax, N: []string{"pages"}, Record: UnitCount,
		Sample: Noun{"page", "pages"},
		Doc:    "pages-per-shift--pages_per_shift", field: func(k *KPIs) **float64 { return &k.PagesPerShift }},
	{Key: KPIAlertNoiseRatio, Label: "Alert noise", Short: "Alert noise", Prose: "Alert noise",
		Unit: UnitRatio, Better: DirectionMax, Target: true, N: []string{"pages"}, Record: UnitCount,
		Sample: Noun{"page", "pages"}, Num: "noise_pages", MinSample: 5,
		Doc: "alert-noise-ratio--alert_noise_ratio", field: func(k *KPIs) **float64 { return &k.AlertNoiseRatio }},
	{Key: KPIMTTAPagesMinutes, Label: "MTTA (pages)", Short: "Page MTTA", Prose: "MTTA of pages",
		Unit: UnitMinutes, Better: DirectionMax, N: []string{"pages_with_ack"}, Record: UnitMinutes,
		Sample: Noun{"acknowledged page", "acknowledged pages"}, MinSample: 5,
		Doc: "page-mtta--mtta_pages_minutes", field: func(k *KPIs) **float64 { return &k.MTTAPagesMinutes }},
	{Key: KPIOnCallLoadGini, Label: "On-call load Gini", Short: "Load Gini", Prose: "The Gini coefficient of on-call load",
		Unit: UnitRate, Better: DirectionMax, N: []string{"responders"}, Record: UnitCount,
		Doc: "on-call-load-fairness--oncall_load_gini-oncall_load_max_median", field: func(k *KPIs) **float64 { return &k.OnCallLoadGini }},
	{Key: KPIOnCallLoadMaxToMedian, Label: "On-call load max ÷ median", Short: "Load max/median", Prose: "The most-paged responder's load over the median's",
		Unit: UnitRate, Better: DirectionMax, N: []string{"responders"}, Record: UnitCount,
		Doc: "on-call-load-fairness--oncall_load_gini-oncall_load_max_median", field: func(k *KPIs) **float64 { return &k.OnCallLoadMaxToMedian }},
	{Key: KPISleepInterruptedResponders, Label: "Sleep-interrupted responders", Short: "Sleep-interrupted", Prose: "The number of responders interrupted in their sleep beyond the threshold",
		Unit: UnitCount, Better: DirectionMax, N: []string{"responders_sleep_interrupted"}, Record: UnitCount,
		Doc: "sleep-interrupted-responders--sleep_interrupted_responders", field: func(k *KPIs) **float64 { return &k.SleepInterruptedResponders }},
	{Key: KPIOnCallHealthIndex, Label: "On-call health index", Short: "On-call health", Prose: "The on-call health index",
		Unit: UnitRate, Better: DirectionMin, N: []string{"pages_with_responder"}, Record: UnitCount,
		Doc: "on-call-health-index--oncall_health_index", field: func(k *KPIs) **float64 { return &k.OnCallHealthIndex }},
	{Key: KPIToilRatio, Label: "Toil", Short: "Toil", Prose: "Toil",
		Unit: UnitRatio, Better: DirectionMax, Target: true, N: []string{"toil_weeks"}, Record: UnitWorkHours,
		Sample: Noun{"toil week", "toil weeks"}, MinSample: 1, Team: true,
		Doc: "toil-ratio--toil_ratio", field: func(k *KPIs) **float64 { return &k.ToilRatio }},

	// Learning
	{Key: KPIPostmortemOnTimeRate, Label: "Postmortems on time", Short: "Postmortems on time", Prose: "The share of postmortems on time",
		Unit: UnitRatio, Better: DirectionMin, Target: true, N: []string{"postmortems_due"}, Record: UnitCount,
		Sample: Noun{"postmortem due", "postmortems due"}, Num: "postmortems_on_time", MinSample: 5,
		Coverage: &Coverage{Input: "postmortem data", Have: "postmortems_with_data", Of: "postmortems_required", Records: "Sev1/Sev2 incidents"},
		Doc:      "postmortem-on-time-rate--postmortem_on_time_rate", field: func(k *KPIs) **float64 { return &k.PostmortemOnTimeRate }},
	{Key: KPIActionItemOnTimeRate, Label: "Action items on time", Short: "Action items on time",
		Prose: "The share of action items closed on time",
		Unit:  UnitRatio, Better: DirectionMin, Target: true, N: []string{"action_items_due"}, Record: UnitCount,
		Sample: Noun{"action item due", "action items due"}, Num: "action_items_on_time", MinSample: 5,
		Doc: "action-item-on-time-rate--action_item_on_time_rate", field: func(k *KPIs) **float64 { return &k.ActionItemOnTimeRate }},
	{Key: KPIActionItemsOverdue, Label: "Overdue action items", Short: "Overdue items", Prose: "The number of overdue action items",
		Unit: UnitCount, Better: DirectionMax, Target: true, N: []string{"action_items_overdue"}, Record: UnitHours,
		Sample: Noun{"overdue action item", "overdue action items"},
		Doc:    "overdue-action-items--action_items_overdue", field: func(k *KPIs) **float64 { return &k.ActionItemsOverdue }},

	// Service levels
	{Key: KPIAvailability, Label: "Availability", Short: "Availability", Prose: "Availability",
		Unit: UnitNines, Better: DirectionMin, Target: true, N: []string{"total_events"}, Record: UnitNines,
		Sample: Noun{"event", "events"}, MinSample: 5,
		Doc: "availability--availability", field: func(k *KPIs) **float64 { return &k.Availability }},
	{Key: KPISLOAttainment, Label: "SLO attainment", Short: "SLO attainment", Prose: "SLO attainment",
		Unit: UnitRatio, Better: DirectionMin, Target: true, N: []string{"slo_days"}, Record: UnitNines,
		Sample: Noun{"SLO-day", "SLO-days"}, Num: "slo_days_met", MinSample: 5,
		Doc: "slo-attainment--slo_attainment", field: func(k *KPIs) **float64 { return &k.SLOAttainment }},
	{Key: KPIErrorBudgetRemaining, Label: "Error budget left", Short: "Budget left", Prose: "Error budget remaining",
		Unit: UnitBudget, Better: DirectionMin, N: []string{"total_events"}, Record: UnitCount,
		Sample: Noun{"event", "events"}, MinSample: 5,
		Doc:   "error-budget-remaining--error_budget_remaining-burn-rate--burn_rate",
		field: func(k *KPIs) **float64 { return &k.ErrorBudgetRemaining }},
	{Key: KPIBurnRate, Label: "Burn rate", Short: "Burn rate", Prose: "Burn rate",
		Unit: UnitRate, Better: DirectionMax, N: []string{"total_events"}, Record: UnitCount,
		Sample: Noun{"event", "events"}, MinSample: 5,
		Doc:   "error-budget-remaining--error_budget_remaining-burn-rate--burn_rate",
		field: func(k *KPIs) **float64 { return &k.BurnRate }},

	// Reliability program (program.go), entered or imported on /program.
	{Key: KPIReliabilityAdoptionRate, Label: "Reliability adoption", Short: "Adoption", Prose: "Reliability adoption",
		Unit: UnitRatio, Better: DirectionMin, Target: true, N: []string{"readiness_services"}, Record: UnitCount,
		Sample: Noun{"service", "services"}, Num: "adopting_services", MinSample: 1, Group: KPIGroupProgram,
		Doc: "reliability-adoption-rate--reliability_adoption_rate", field: func(k *KPIs) **float64 { return &k.ReliabilityAdoptionRate }},
	{Key: KPIRunbookCoverage, Label: "Runbook coverage (tier 0/1)", Short: "Runbooks", Prose: "Runbook coverage of tier 0 and 1 services",
		Unit: UnitRatio, Better: DirectionMin, Target: true, N: []string{"critical_services"}, Record: UnitCount,
		Sample: Noun{"tier 0/1 service", "tier 0/1 services"}, Num: "critical_with_runbook", MinSample: 1, Group: KPIGroupProgram,
		Doc: "runbook-coverage--runbook_coverage", field: func(k *KPIs) **float64 { return &k.RunbookCoverage }},
	{Key: KPIPRRCoverage, Label: "Production-readiness reviews", Short: "PRR coverage", Prose: "Production-readiness review coverage",
		Unit: UnitRatio, Better: DirectionMin, N: []string{"readiness_services"}, Record: UnitCount,
		Sample: Noun{"service", "services"}, Num: "prr_passed", MinSample: 1, Group: KPIGroupProgram,
		Doc: "prr-coverage--prr_coverage", field: func(k *KPIs) **float64 { return &k.PRRCoverage }},
	{Key: KPIDRTestSuccessRate, Label: "DR test success", Short: "DR success", Prose: "The DR test success rate",
		Unit: UnitRatio, Better: DirectionMin, N: []string{"dr_tests"}, Record: UnitCount,
		Sample: Noun{"DR test", "DR tests"}, Num: "dr_tests_passed", MinSample: 3, Group: KPIGroupProgram,
		Doc: "dr-test-success-rate--dr_test_success_rate", field: func(k *KPIs) **float64 { return &k.DRTestSuccessRate }},
	{Key: KPIDRTestedServicesRate, Label: "DR-tested services (tier 0/1)", Short: "DR tested", Prose: "The share of tier 0 and 1 services with a passing DR test in the last year",
		Unit: UnitRatio, Better: DirectionMin, Target: true, N: []string{"critical_services"}, Record: UnitCount,
		Sample: Noun{"tier 0/1 service", "tier 0/1 services"}, Num: "critical_dr_tested", MinSample: 1, Group: KPIGroupProgram,
		Doc: "dr-tested-services-rate--dr_tested_services_rate", field: func(k *KPIs) **float64 { return &k.DRTestedServicesRate }},
	{Key: KPIBackupRestoreVerifiedRate, Label: "Backup restore verified", Short: "Restore verified", Prose: "The share of services with data whose restore was verified in the last year",
		Unit: UnitRatio, Better: DirectionMin, Target: true, N: []string{"data_services"}, Record: UnitCount,
		Sample: Noun{"service with an RPO target", "services with an RPO target"}, Num: "data_services_verified", MinSample: 1, Group: KPIGroupProgram,
		Doc: "backup-restore-verified-rate--backup_restore_verified_rate", field: func(k *KPIs) **float64 { return &k.BackupRestoreVerifiedRate }},
	{Key: KPIAutomationCoverage, Label: "Automation coverage", Short: "Automated", Prose: "Automation coverage of the toil inventory",
		Unit: UnitRatio, Better: DirectionMin, N: []string{"toil_tasks"}, Record: UnitWorkHours,
		Sample: Noun{"toil task", "toil tasks"}, MinSample: 1, Team: true, Group: KPIGroupProgram,
		Doc: "automation-coverage--automation_coverage-toil_hours_saved_per_week", field: func(k *KPIs) **float64 { return &k.AutomationCoverage }},
	{Key: KPIToilHoursSavedPerWeek, Label: "Toil hours saved per week", Short: "Toil saved / week", Prose: "Toil hours saved per week",
		Unit: UnitWorkHours, Better: DirectionMin, N: []string{"toil_tasks_automated"}, Record: UnitWorkHours,
		Sample: Noun{"automated task", "automated tasks"}, Team: true, Group: KPIGroupProgram,
		Doc: "automation-coverage--automation_coverage-toil_hours_saved_per_week", field: func(k *KPIs) **float64 { return &k.ToilHoursSavedPerWeek }},
	{Key: KPICapacityHeadroomMin, Label: "Least capacity headroom", Short: "Headroom", Prose: "The least capacity headroom",
		Unit: UnitRatio, Better: DirectionMin, Target: true, N: []string{"capacity_samples"}, Record: UnitRatio,
		Sample: Noun{"capacity sample", "capacity samples"}, MinSample: 1, Group: KPIGroupProgram,
		Doc: "capacity-headroom--capacity_headroom_min", field: func(k *KPIs) **float64 { return &k.CapacityHeadroomMin }},
	{Key: KPIUnitCost, Label: "Unit cost", Short: "Unit cost", Prose: "Unit cost",
		Unit: UnitRate, Better: DirectionMax, N: []string{"cost_unit_months"}, Record: UnitRate,
		Sample: Noun{"service-month with units", "service-months with units"}, MinSample: 1, Group: KPIGroupProgram,
		Doc: "unit-cost--unit_cost", field: func(k *KPIs) **float64 { return &k.UnitCost }},
	{Key: KPIObservabilityCostShare, Label: "Observability cost share", Short: "Observability cost", Prose: "The observability share of cost",
		Unit: UnitRatio, Better: DirectionMax, N: []string{"cost_entries"}, Record: UnitRate,
		Sample: Noun{"cost entry", "cost entries"}, MinSample: 1, Team: true, Group: KPIGroupProgram,
		Doc: "observability-cost-share--observability_cost_share", field: func(k *KPIs) **float64 { return &k.ObservabilityCostShare }},
	{Key: KPIStakeholderScore, Label: "Stakeholder satisfaction", Short: "Satisfaction", Prose: "Stakeholder satisfaction",
		Unit: UnitRate, Better: DirectionMin, N: []string{"stakeholder_responses"}, Record: UnitRate,
		Sample: Noun{"survey response", "survey responses"}, MinSample: 10, Org: true, Group: KPIGroupProgram,
		Doc: "stakeholder-satisfaction--stakeholder_score", field: func(k *KPIs) **float64 { return &k.StakeholderScore }},
}

// KPINames lists every KPI key in display (and JSON) order.
var KPINames = func() []string {
	out := make([]string, len(kpiDefs))
	for i, d := range kpiDefs {
		out[i] = d.Key
	}
	return out
}()

// kpiIndex maps a KPI name to its position in kpiDefs.
var kpiIndex = func() map[string]int {
	m := make(map[string]int, len(kpiDefs))
	for i, d := range kpiDefs {
		m[d.Key] = i
	}
	return m
}()

// KPIDefs returns every KPI's definition in display (and JSON) order.
func KPIDefs() []KPIDef { return slices.Clone(kpiDefs) }

// KPIDefOf returns the definition of the KPI named by its JSON key, and
// false for an unknown name.
func KPIDefOf(key string) (KPIDef, bool) {
	i, ok := kpiIndex[key]
	if !ok {
		return KPIDef{}, false
	}
	return kpiDefs[i], true
}

// KPIDefsInGroup returns the definitions of one family (KPIDef.Group),
// in display order; none for "" (the core KPIs are no family).
func KPIDefsInGroup(group string) []KPIDef {
	var out []KPIDef
	for _, d := range kpiDefs {
		if group != "" && d.Group == group {
			out = append(out, d)
		}
	}
	return out
}

// IsRatioKPI reports whether kpi is a fraction in [0, 1].
func IsRatioKPI(kpi string) bool {
	d, ok := KPIDefOf(kpi)
	return ok && d.Unit.Fraction()
}

// fields returns a pointer to each KPI field, in KPINames order.
func (k *KPIs) fields() []**float64 {
	out := make([]**float64, len(kpiDefs))
	for i, d := range kpiDefs {
		out[i] = d.field(k)
	}
	return out
}

// Get returns the KPI named by its JSON key, or nil for no data or an unknown name.
func (k KPIs) Get(name string) *float64 { return k.Value(name) }

// Value is Get on k itself: Get's copy of k escapes to the heap (the
// field accessors are called indirectly), one allocation per call, which a
// caller reading every KPI of many results (a scorecard) spares itself.
func (k *KPIs) Value(name string) *float64 {
	i, ok := kpiIndex[name]
	if !ok {
		return nil
	}
	return *kpiDefs[i].field(k)
}

// Map returns every KPI keyed by its JSON key.
func (k KPIs) Map() map[string]*float64 {
	m := make(map[string]*float64, len(kpiDefs))
	for _, d := range kpiDefs {
		m[d.Key] = *d.field(&k)
	}
	return m
}

// countIndex maps a Counts JSON key to its field index.
var countIndex = func() map[string]int {
	t := reflect.TypeFor[Counts]()
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		m[t.Field(i).Tag.Get("json")] = i
	}
	return m
}()

// Get returns the count named by its JSON key ("resolved_incidents") as a
// number, and false for an unknown name.
func (c Counts) Get(key string) (float64, bool) {
	i, ok := countIndex[key]
	if !ok {
		return 0, false
	}
	switch v := reflect.ValueOf(c).Field(i); v.Kind() {
	case reflect.Int, reflect.Int64:
		return float64(v.Int()), true
	case reflect.Float64:
		return v.Float(), true
	}
	return 0, false
}
