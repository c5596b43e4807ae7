package web

import (
	"fmt"
	"math"
	"strings"

	"sreport/analytics"
)

// kpiUnit says how a KPI's number is shown.
type kpiUnit int

const (
	unitCount kpiUnit = iota
	unitRatio
	unitAvail // ratio shown with more decimals: 99.95 %
	unitMinutes
	unitHours
	unitRate // per week, per shift
)

var kpiUnits = map[string]kpiUnit{
	analytics.KPIMTTDMinutes: unitMinutes, analytics.KPIMTTAMinutes: unitMinutes, analytics.KPIMTTRMinutes: unitMinutes,
	analytics.KPIMTTRMedianMinutes: unitMinutes, analytics.KPIMTTRP90Minutes: unitMinutes, analytics.KPITTMMinutes: unitMinutes,
	analytics.KPIFailedDeployRecoveryMedianMinutes: unitMinutes, analytics.KPIMTTAPagesMinutes: unitMinutes,
	analytics.KPILeadTimeMedianHours: unitHours,
	analytics.KPIDeploysPerWeek:      unitRate, analytics.KPIPagesPerShift: unitRate, analytics.KPIBurnRate: unitRate,
	analytics.KPIRepeatIncidentRate: unitRatio, analytics.KPIChangeFailureRate: unitRatio, analytics.KPIRollbackRate: unitRatio,
	analytics.KPIAlertNoiseRatio: unitRatio, analytics.KPIToilRatio: unitRatio, analytics.KPIPostmortemOnTimeRate: unitRatio,
	analytics.KPIActionItemOnTimeRate: unitRatio, analytics.KPISLOAttainment: unitRatio, analytics.KPIErrorBudgetRemaining: unitRatio,
	analytics.KPIAvailability: unitAvail,
}

// kpiLabels are the human names of the KPIs.
var kpiLabels = map[string]string{
	analytics.KPIIncidentsTotal: "Incidents", analytics.KPISev1Count: "Sev1 incidents", analytics.KPISev2Count: "Sev2 incidents",
	analytics.KPICustomerImpactingIncidents: "Customer-impacting incidents", analytics.KPIMTTDMinutes: "MTTD",
	analytics.KPIMTTAMinutes: "MTTA (incidents)", analytics.KPIMTTRMinutes: "MTTR", analytics.KPIMTTRMedianMinutes: "MTTR median",
	analytics.KPIMTTRP90Minutes: "MTTR p90", analytics.KPITTMMinutes: "Time to mitigate",
	analytics.KPIRepeatIncidentRate: "Repeat incidents", analytics.KPIDeployments: "Deployments",
	analytics.KPIDeploysPerWeek: "Deploys per week", analytics.KPIChangeFailureRate: "Change failure rate",
	analytics.KPIRollbackRate: "Rollback rate", analytics.KPILeadTimeMedianHours: "Lead time (median)",
	analytics.KPIFailedDeployRecoveryMedianMinutes: "Failed deploy recovery", analytics.KPIPagesTotal: "Pages",
	analytics.KPIPagesAfterHours: "After-hours pages", analytics.KPIPagesSleepHours: "Sleep-hours pages",
	analytics.KPIPagesPerShift: "Pages per shift", analytics.KPIAlertNoiseRatio: "Alert noise",
	analytics.KPIMTTAPagesMinutes: "MTTA (pages)", analytics.KPIToilRatio: "Toil",
	analytics.KPIPostmortemOnTimeRate: "Postmortems on time", analytics.KPIActionItemOnTimeRate: "Action items on time",
	analytics.KPIAvailability: "Availability", analytics.KPISLOAttainment: "SLO attainment",
	analytics.KPIErrorBudgetRemaining: "Error budget left", analytics.KPIBurnRate: "Burn rate",
	sev12: "Sev1 + Sev2 incidents",
}

// higherIsBetter says which way a KPI should move when no target says so.
var higherIsBetter = map[string]bool{
	analytics.KPIDeployments: true, analytics.KPIDeploysPerWeek: true, analytics.KPIPostmortemOnTimeRate: true,
	analytics.KPIActionItemOnTimeRate: true, analytics.KPIAvailability: true, analytics.KPISLOAttainment: true,
	analytics.KPIErrorBudgetRemaining: true,
}

func kpiLabel(k string) string {
	if l, ok := kpiLabels[k]; ok {
		return l
	}
	return k
}

// fmtKPI renders a KPI value in its unit; nil is "no data".
func fmtKPI(k string, v *float64) string {
	if v == nil {
		return "no data"
	}
	return fmtUnit(kpiUnits[k], *v)
}

func fmtUnit(u kpiUnit, x float64) string {
	switch u {
	case unitRatio:
		return trimZero(fmt.Sprintf("%.1f", x*100)) + " %"
	case unitAvail:
		return trimZero(fmt.Sprintf("%.3f", x*100)) + " %"
	case unitMinutes:
		return fmtMinutes(x)
	case unitHours:
		if x < 48 {
			return trimZero(fmt.Sprintf("%.1f", x)) + " h"
		}
		return trimZero(fmt.Sprintf("%.1f", x/24)) + " d"
	case unitRate:
		return trimZero(fmt.Sprintf("%.2f", x))
	}
	if x == math.Trunc(x) {
		return fmt.Sprintf("%.0f", x)
	}
	return trimZero(fmt.Sprintf("%.2f", x))
}

// fmtMinutes shows minutes as minutes below two hours, then hours, then days.
func fmtMinutes(m float64) string {
	switch {
	case math.Abs(m) < 120:
		return trimZero(fmt.Sprintf("%.1f", m)) + " min"
	case math.Abs(m) < 48*60:
		return trimZero(fmt.Sprintf("%.1f", m/60)) + " h"
	}
	return trimZero(fmt.Sprintf("%.1f", m/1440)) + " d"
}

// fmtChange renders a difference between two periods in the KPI's unit.
func fmtChange(k string, d float64) string {
	u := kpiUnits[k]
	var s string
	switch u {
	case unitRatio, unitAvail:
		prec := "%.1f"
		if u == unitAvail {
			prec = "%.3f"
		}
		s = trimZero(fmt.Sprintf(prec, math.Abs(d)*100)) + " pp"
	default:
		s = strings.TrimPrefix(fmtUnit(u, math.Abs(d)), "-")
	}
	// A change that rounds to zero at the shown precision is no change.
	if zero := strings.TrimLeft(s, "0.,"); zero == "" || zero[0] == ' ' {
		d = 0
	}
	switch {
	case d > 0:
		return "▲ " + s
	case d < 0:
		return "▼ " + s
	}
	return "= no change"
}

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// statusIcon returns the icon and words for a status.
func statusIcon(st string) (string, string) {
	switch st {
	case analytics.StatusMet:
		return "✓", "met"
	case analytics.StatusAtRisk:
		return "!", "at risk"
	case analytics.StatusMissed:
		return "✗", "missed"
	case analytics.StatusNoData:
		return "–", "no data"
	}
	return "", "no target"
}
