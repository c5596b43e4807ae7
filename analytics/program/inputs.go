package program

import "sreport/analytics"

// The field keys other code reads (the store's KPI loaders, the seed).
const (
	Readiness   = "service_readiness"
	DRTests     = "dr_tests"
	ToilTasks   = "toil_tasks"
	Capacity    = "capacity_samples"
	Costs       = "cost_entries"
	Stakeholder = "stakeholder_scores"
)

// Cost categories; CostObservability is the one observability_cost_share counts.
var costCategories = []string{"compute", "storage", "network", "database", analytics.CostObservability, "licences", "other"}

var inputs = []Input{
	{
		Key: Readiness, Title: "Service readiness", Singular: "readiness record",
		About: "One record per service: where its dashboard, runbook and DR plan are, its on-call rotation, its " +
			"production-readiness review and its RTO/RPO targets. “SLO defined” is not entered: a service has one when an SLO is recorded for it.",
		Fields: []Field{
			{Key: "service", Label: "Service", Kind: Service, Required: true},
			{Key: "dashboard_url", Label: "Dashboard URL", Kind: URL},
			{Key: "runbook_url", Label: "Runbook URL", Kind: URL},
			{Key: "oncall_rotation", Label: "On-call rotation", Kind: Text, Help: "The schedule or rotation that is paged, e.g. payments-primary."},
			{Key: "prr_date", Label: "PRR date", Kind: Date, Help: "When the production-readiness review was held."},
			{Key: "prr_result", Label: "PRR result", Kind: Choice, Choices: []string{analytics.PRRPass, analytics.PRRConditional, analytics.PRRFail}},
			{Key: "dr_plan_url", Label: "DR plan URL", Kind: URL},
			{Key: "rto_minutes", Label: "RTO target (min)", Kind: Number},
			{Key: "rpo_minutes", Label: "RPO target (min)", Kind: Number, Help: "Set for services that hold data: backup_restore_verified_rate counts them."},
		},
		Natural: []string{"service"},
		KPIs:    []string{analytics.KPIReliabilityAdoptionRate, analytics.KPIRunbookCoverage, analytics.KPIPRRCoverage, analytics.KPIBackupRestoreVerifiedRate},
		OrderBy: "service",
		check: func(v Values) map[string]string {
			switch {
			case v["prr_date"] != "" && v["prr_result"] == "":
				return map[string]string{"prr_result": "Enter the review's result."}
			case v["prr_date"] == "" && v["prr_result"] != "":
				return map[string]string{"prr_date": "Enter the review's date."}
			}
			return nil
		},
	},
	{
		Key: DRTests, Title: "DR and backup tests", Singular: "DR test",
		About: "One record per test: a failover, a restore or a backup verification of a service, with its RTO/RPO target and what it achieved.",
		Fields: []Field{
			{Key: "tested_on", Label: "Date", Kind: Date, Required: true},
			{Key: "service", Label: "Service", Kind: Service, Required: true},
			{Key: "kind", Label: "Kind", Kind: Choice, Required: true, Choices: []string{analytics.DRFailover, analytics.DRRestore, analytics.DRBackupVerify}},
			{Key: "rto_target_minutes", Label: "RTO target (min)", Kind: Number},
			{Key: "rto_achieved_minutes", Label: "RTO achieved (min)", Kind: Number},
			{Key: "rpo_target_minutes", Label: "RPO target (min)", Kind: Number},
			{Key: "rpo_achieved_minutes", Label: "RPO achieved (min)", Kind: Number},
			{Key: "result", Label: "Result", Kind: Choice, Required: true, Choices: []string{"pass", "fail"}},
			{Key: "evidence_url", Label: "Evidence URL", Kind: URL},
		},
		Natural: []string{"service", "tested_on", "kind"},
		KPIs:    []string{analytics.KPIDRTestSuccessRate, analytics.KPIDRTestedServicesRate, analytics.KPIBackupRestoreVerifiedRate},
		OrderBy: "tested_on DESC, service",
	},
	{
		Key: ToilTasks, Title: "Toil inventory", Singular: "toil task",
		About: "One record per recurring manual task of a team, with how often it runs and how long each run takes by hand. " +
			"Keep automated tasks and set the date: their hours are the toil saved.",
		Fields: []Field{
			{Key: "team", Label: "Team", Kind: Team, Required: true},
			{Key: "task", Label: "Task", Kind: Text, Required: true},
			{Key: "runs_per_week", Label: "Runs per week", Kind: Number, Required: true, Min: 0.001},
			{Key: "minutes_per_run", Label: "Minutes per run", Kind: Number, Required: true, Min: 0.001},
			{Key: "automated_since", Label: "Automated since", Kind: Date, Help: "Empty while the task is done by hand."},
		},
		Natural: []string{"team", "task"},
		KPIs:    []string{analytics.KPIAutomationCoverage, analytics.KPIToilHoursSavedPerWeek},
		OrderBy: "team, task",
	},
	{
		Key: Capacity, Title: "Capacity", Singular: "capacity sample",
		About: "One record per service, month and resource: the month's peak utilisation and the utilisation its owners consider safe.",
		Fields: []Field{
			{Key: "service", Label: "Service", Kind: Service, Required: true},
			{Key: "month", Label: "Month", Kind: Month, Required: true},
			{Key: "resource", Label: "Resource", Kind: Text, Required: true, Help: "cpu, memory, storage, connections…"},
			{Key: "peak_pct", Label: "Peak utilisation (%)", Kind: Number, Required: true, Max: 100},
			{Key: "safe_pct", Label: "Safe threshold (%)", Kind: Number, Required: true, Max: 100},
		},
		Natural: []string{"service", "month", "resource"},
		KPIs:    []string{analytics.KPICapacityHeadroomMin},
		OrderBy: "month DESC, service, resource",
	},
	{
		Key: Costs, Title: "Cost", Singular: "cost entry",
		About: "One record per service (or team, for cost not split by service), month and category. Record the service-month's " +
			"units of demand (requests, tenants) on one of its rows: unit cost is the service-month's cost over them.",
		Fields: []Field{
			{Key: "service", Label: "Service", Kind: Service, Help: "Or leave empty and name a team."},
			{Key: "team", Label: "Team", Kind: Team},
			{Key: "month", Label: "Month", Kind: Month, Required: true},
			{Key: "category", Label: "Category", Kind: Choice, Required: true, Choices: costCategories},
			{Key: "cost", Label: "Cost", Kind: Number, Required: true},
			{Key: "units", Label: "Units", Kind: Number, Min: 0.000001},
			{Key: "unit_name", Label: "Unit name", Kind: Text, Help: "What the units count, e.g. 1M requests."},
		},
		Natural: []string{"service", "team", "month", "category"},
		KPIs:    []string{analytics.KPIUnitCost, analytics.KPIObservabilityCostShare},
		OrderBy: "month DESC, service, team, category",
		check: func(v Values) map[string]string {
			switch {
			case (v["service"] == "") == (v["team"] == ""):
				return map[string]string{"service": "Name a service or a team, not both."}
			case v["units"] != "" && v["service"] == "":
				return map[string]string{"units": "Units belong to a service's demand: leave them empty on a team's cost."}
			case v["units"] != "" && v["unit_name"] == "":
				return map[string]string{"unit_name": "Say what the units count."}
			}
			return nil
		},
	},
	{
		Key: Stakeholder, Title: "Stakeholder satisfaction", Singular: "survey result",
		About: "One record per quarter and stakeholder group: the mean score (1–5) of the survey and how many responded.",
		Fields: []Field{
			{Key: "quarter", Label: "Quarter", Kind: Quarter, Required: true},
			{Key: "group_name", Label: "Group", Kind: Text, Required: true},
			{Key: "score", Label: "Score (1–5)", Kind: Number, Required: true, Min: 1, Max: 5},
			{Key: "responses", Label: "Responses", Kind: Integer, Required: true, Min: 1},
		},
		Natural: []string{"quarter", "group_name"},
		KPIs:    []string{analytics.KPIStakeholderScore},
		OrderBy: "quarter DESC, group_name",
	},
}
