package web

import (
	"fmt"
	"math"
	"strings"

	"sreport/analytics"
)

// kpiDef returns the definition of a KPI the pages show: the engine's,
// from the analytics registry, or the scorecard's derived Sev1+2 column.
func kpiDef(k string) (analytics.KPIDef, bool) {
	if k == sev12 {
		return sev12Def, true
	}
	return analytics.KPIDefOf(k)
}

// kpiLabel is a KPI's name on pages; an unknown key is shown as itself.
func kpiLabel(k string) string {
	if d, ok := kpiDef(k); ok {
		return d.Label
	}
	return k
}

// kpiUnit is a KPI's unit; an unknown key is a plain number.
func kpiUnit(k string) analytics.Unit {
	d, _ := kpiDef(k)
	return d.Unit
}

// fmtKPI renders a KPI value in its unit; nil is "no data".
func fmtKPI(k string, v *float64) string {
	if v == nil {
		return "no data"
	}
	return fmtUnit(kpiUnit(k), *v)
}

// fmtUnit renders x in unit u: ratios as percentages (availability with
// three decimals), durations in minutes, hours or days, rates with two
// decimals, counts as whole numbers where they are.
func fmtUnit(u analytics.Unit, x float64) string {
	switch u {
	case analytics.UnitRatio, analytics.UnitBudget:
		return trimZero(fmt.Sprintf("%.1f", x*100)) + " %"
	case analytics.UnitNines:
		return trimZero(fmt.Sprintf("%.3f", x*100)) + " %"
	case analytics.UnitMinutes:
		return fmtMinutes(x)
	case analytics.UnitHours:
		if x < 48 {
			return trimZero(fmt.Sprintf("%.1f", x)) + " h"
		}
		return trimZero(fmt.Sprintf("%.1f", x/24)) + " d"
	case analytics.UnitWorkHours:
		return trimZero(fmt.Sprintf("%.1f", x)) + " h"
	case analytics.UnitRate:
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
	u := kpiUnit(k)
	var s string
	switch {
	case u.Percent():
		prec := "%.1f"
		if u == analytics.UnitNines {
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
