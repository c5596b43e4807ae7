package web

import (
	"context"
	"strings"

	"sreport/analytics"
	"sreport/analytics/scorecard"
	"sreport/views"
)

// tileKPIs are the headline KPIs shown as tiles on service and trends pages.
var tileKPIs = []string{
	analytics.KPIAvailability, analytics.KPIErrorBudgetRemaining, analytics.KPIMTTRMinutes, analytics.KPIMTTDMinutes,
	analytics.KPIMTTAMinutes, analytics.KPIIncidentsTotal, analytics.KPIChangeFailureRate, analytics.KPIDeploysPerWeek,
	analytics.KPIRepeatIncidentRate, analytics.KPIAlertNoiseRatio, analytics.KPIPagesAfterHours,
	analytics.KPIPostmortemOnTimeRate, analytics.KPIActionItemOnTimeRate, analytics.KPIToilRatio,
}

// tiles turns a scorecard row into KPI tiles linking to their evidence.
// A team figure missing from a service row (toil) is taken from teamRow,
// the service's team, and says so.
func tiles(r scorecard.Row, teamRow *scorecard.Row, p analytics.Period, sc scorecard.Scope) []views.Tile {
	var out []views.Tile
	for _, k := range tileKPIs {
		label := kpiLabel(k)
		row := r
		if _, ok := r.KPIs[k]; !ok && teamRow != nil {
			if _, ok := teamRow.KPIs[k]; ok {
				row, label = *teamRow, kpiLabel(k)+" (team "+teamRow.Name+")"
				sc = scorecard.Scope{Team: teamRow.Name}
			}
		}
		cell := row.KPIs[k]
		c := kpiCell(k, cell, row.Counts, cellFormat(k, cell), p, sc)
		t := views.Tile{Label: label, Value: c.Text, Sample: c.Sample, Status: c.Status, Icon: c.Icon, StatusLabel: c.StatusLabel,
			Trend: c.Trend, TrendClass: c.TrendClass, Href: c.Href, TestID: "tile-" + k, Target: "no target"}
		if cell.Target != nil {
			t.Target = "target " + targetOp(cell.Direction) + " " + cellFormat(k, cell).Value(*cell.Target)
		}
		out = append(out, t)
	}
	return out
}

// targetOp is "≤" for a maximum, "≥" for a minimum.
func targetOp(direction string) string {
	if direction == analytics.DirectionMin {
		return "≥"
	}
	return "≤"
}

// monthLabels are the x axis of the month charts.
func monthLabels(ms []analytics.Period) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.From.Format("Jan 06")
	}
	return out
}

// pick extracts one KPI across months.
func pick(rs []analytics.Result, k string) []*float64 {
	out := make([]*float64, len(rs))
	for i, r := range rs {
		out[i] = r.KPIs.Get(k)
	}
	return out
}

// trendCharts builds the six standard charts over months. tier selects the
// target lines (nil: none, as for the organisation); each month's target
// is the one in force in it. importHref is where a chart without data
// points the user ("" when they may not import).
func trendCharts(ctx context.Context, idPrefix string, ms []analytics.Period, rs []analytics.Result, env scorecard.Env, tier *int, importHref string) []views.Chart {
	xs := monthLabels(ms)
	n := len(ms)
	target := func(k string) []*float64 {
		out := make([]*float64, n)
		if tier == nil {
			return out
		}
		for i, m := range ms {
			if t, ok := env.RulesFor(m).Targets.Get(*tier, k); ok {
				v := t.Target
				out[i] = &v
			}
		}
		return out
	}
	other := make([]*float64, n)
	afterShare := make([]*float64, n)
	for i, r := range rs {
		k := r.KPIs
		if k.IncidentsTotal != nil && k.Sev1Count != nil && k.Sev2Count != nil {
			v := *k.IncidentsTotal - *k.Sev1Count - *k.Sev2Count
			other[i] = &v
		}
		if r.Counts.Pages > 0 {
			v := float64(r.Counts.PagesAfterHours) / float64(r.Counts.Pages)
			afterShare[i] = &v
		}
	}
	// go-echarts turns the ID into a JavaScript identifier: letters, digits, underscores only.
	id := func(s string) string { return strings.ReplaceAll(idPrefix+"_"+s, "-", "_") }
	// MTTR and MTTD differ tenfold or more: on one axis MTTD is a flat
	// line, so each has its own chart and scale.
	duration := func(name, title, kpi, empty, color string) chartSpec {
		return chartSpec{id: id(name), title: title, xs: xs, axes: []string{"minutes"}, empty: empty, series: []series{
			{name: kpiLabel(kpi), line: true, unit: kpiUnit(kpi), color: color, values: pick(rs, kpi)},
			{name: kpiLabel(kpi) + " target", line: true, dashed: true, unit: kpiUnit(kpi), color: color, values: target(kpi)},
		}}
	}
	specs := []chartSpec{
		{id: id("incidents"), title: "Incidents by severity", xs: xs, axes: []string{"incidents"}, empty: "No incidents in these months.", series: []series{
			{name: "Sev1", stack: "sev", color: "#b42318", values: pick(rs, analytics.KPISev1Count)},
			{name: "Sev2", stack: "sev", color: "#dc8a00", values: pick(rs, analytics.KPISev2Count)},
			{name: "Sev3/4", stack: "sev", color: "#9aa4b2", values: other},
		}},
		duration("mttr", "Time to recover (MTTR)", analytics.KPIMTTRMinutes, "No resolved incident in these months.", "#1f5fbf"),
		duration("mttd", "Time to detect (MTTD)", analytics.KPIMTTDMinutes, "No incident with a recorded start in these months.", "#7a3fb8"),
		{id: id("deploys"), title: "Deployments and change failure rate", xs: xs, axes: []string{"deployments", "% failed"}, empty: "No deploys in these months.", series: []series{
			{name: "Deployments", values: pick(rs, analytics.KPIDeployments)},
			{name: "Change failure rate", line: true, axis: 1, color: "#b42318", unit: kpiUnit(analytics.KPIChangeFailureRate), values: pick(rs, analytics.KPIChangeFailureRate)},
			{name: "CFR target", line: true, dashed: true, axis: 1, unit: kpiUnit(analytics.KPIChangeFailureRate), color: "#b42318", values: target(analytics.KPIChangeFailureRate)},
		}},
		{id: id("pages"), title: "Pages and after-hours share", xs: xs, axes: []string{"pages", "% after hours"}, empty: "No pages in these months.", series: []series{
			{name: "Pages", values: pick(rs, analytics.KPIPagesTotal)},
			{name: "After-hours share", line: true, axis: 1, unit: analytics.UnitRatio, values: afterShare},
		}},
		// Availability moves in its third decimal: drawn on a truncated
		// axis a 0.01 pp dip looks like an outage, on a whole one it is a
		// flat line. The error budget it consumed (the burn rate, docs/
		// metrics.md) shows the same months on an axis from zero, where
		// 100 % is the whole budget; availability stays in the table.
		{id: id("slo"), title: "SLO error budget consumed", xs: xs, axes: []string{"% of budget"}, empty: "No SLO measurement in these months.",
			ref: &refLine{name: "whole budget", value: 100}, series: []series{
				{name: "Error budget consumed", unit: analytics.UnitRatio, color: "#1f5fbf", values: pick(rs, analytics.KPIBurnRate)},
				{name: "Availability", tableOnly: true, unit: kpiUnit(analytics.KPIAvailability), values: pick(rs, analytics.KPIAvailability)},
				{name: "Availability target", tableOnly: true, dashed: true, unit: kpiUnit(analytics.KPIAvailability), values: target(analytics.KPIAvailability)},
			}},
	}
	out := make([]views.Chart, len(specs))
	for i, s := range specs {
		s.importHref = importHref
		out[i] = buildChart(ctx, s)
	}
	return out
}
