package web

import (
	"strings"

	"sreport/analytics"
	"sreport/analytics/kpifmt"
	"sreport/analytics/scorecard"
)

// Numbers are formatted by analytics/kpifmt, shared with the CLI: the
// helpers here only add what pages need around it (no data, arrows).

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

// kpiFormat is the format of KPI k for values vs: one unit and scale.
func kpiFormat(k string, vs ...*float64) kpifmt.Format { return kpifmt.ForUnit(kpiUnit(k), vs...) }

// cellFormat is the format of one cell: its value, change and target read
// in the scale of the value (of the previous value without one).
func cellFormat(k string, c scorecard.Cell) kpifmt.Format {
	if c.Value != nil {
		return kpiFormat(k, c.Value)
	}
	return kpiFormat(k, c.Previous)
}

// fmtKPI renders a KPI value in its unit; nil is "no data".
func fmtKPI(k string, v *float64) string { return kpiFormat(k, v).Text(v, "no data") }

// fmtUnit renders x in unit u, in the scale that suits x itself.
func fmtUnit(u analytics.Unit, x float64) string { return kpifmt.ForUnit(u, &x).Value(x) }

// arrow puts the direction in front of a change: "▲ 1.5 h", "▼ 3.7 pp",
// "= no change" for one that rounds to nothing at the shown precision.
func arrow(text string, sign int) string {
	switch {
	case sign > 0:
		return "▲ " + text
	case sign < 0:
		return "▼ " + text
	}
	return "= no change"
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
	case analytics.StatusLowSample:
		return "≈", "too few to judge"
	case analytics.StatusNoData:
		return "–", "no data"
	}
	return "", "no target"
}

// trimZero drops trailing zeros of a decimal ("38.0" → "38").
func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}
