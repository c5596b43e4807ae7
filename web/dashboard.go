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

// monthLabels are the x axis of the 12-month charts.
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

// trendCharts builds the five standard charts over months. tier selects the
// target lines (nil: none, as for the organisation); each month's target
// is the one in force in it.
func trendCharts(ctx context.Context, idPrefix string, ms []analytics.Period, rs []analytics.Result, env scorecard.Env, tier *int) []views.Chart {
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
	specs := []chartSpec{
		{id: id("incidents"), title: "Incidents by severity", xs: xs, axes: []string{"incidents"}, series: []series{
			{name: "Sev1", stack: "sev", color: "#b42318", values: pick(rs, analytics.KPISev1Count)},
			{name: "Sev2", stack: "sev", color: "#dc8a00", values: pick(rs, analytics.KPISev2Count)},
			{name: "Sev3/4", stack: "sev", color: "#9aa4b2", values: other},
		}},
		{id: id("mttr"), title: "MTTR and MTTD (minutes)", xs: xs, axes: []string{"minutes"}, series: []series{
			{name: "MTTR", line: true, unit: kpiUnit(analytics.KPIMTTRMinutes), color: "#1f5fbf", values: pick(rs, analytics.KPIMTTRMinutes)},
			{name: "MTTD", line: true, unit: kpiUnit(analytics.KPIMTTDMinutes), color: "#7a3fb8", values: pick(rs, analytics.KPIMTTDMinutes)},
			{name: "MTTR target", line: true, dashed: true, unit: kpiUnit(analytics.KPIMTTRMinutes), color: "#1f5fbf", values: target(analytics.KPIMTTRMinutes)},
			{name: "MTTD target", line: true, dashed: true, unit: kpiUnit(analytics.KPIMTTDMinutes), color: "#7a3fb8", values: target(analytics.KPIMTTDMinutes)},
		}},
		{id: id("deploys"), title: "Deployments and change failure rate", xs: xs, axes: []string{"deployments", "% failed"}, series: []series{
			{name: "Deployments", values: pick(rs, analytics.KPIDeployments)},
			{name: "Change failure rate", line: true, axis: 1, color: "#b42318", unit: kpiUnit(analytics.KPIChangeFailureRate), values: pick(rs, analytics.KPIChangeFailureRate)},
			{name: "CFR target", line: true, dashed: true, axis: 1, unit: kpiUnit(analytics.KPIChangeFailureRate), color: "#b42318", values: target(analytics.KPIChangeFailureRate)},
		}},
		{id: id("pages"), title: "Pages and after-hours share", xs: xs, axes: []string{"pages", "% after hours"}, series: []series{
			{name: "Pages", values: pick(rs, analytics.KPIPagesTotal)},
			{name: "After-hours share", line: true, axis: 1, unit: analytics.UnitRatio, values: afterShare},
		}},
		{id: id("slo"), title: "Availability and error budget remaining", xs: xs, axes: []string{"% available", "% budget left"}, scale: true, series: []series{
			{name: "Availability", line: true, unit: kpiUnit(analytics.KPIAvailability), color: "#1f5fbf", values: pick(rs, analytics.KPIAvailability)},
			{name: "Availability target", line: true, dashed: true, unit: kpiUnit(analytics.KPIAvailability), color: "#1f5fbf", values: target(analytics.KPIAvailability)},
			{name: "Error budget remaining", axis: 1, unit: kpiUnit(analytics.KPIErrorBudgetRemaining), values: pick(rs, analytics.KPIErrorBudgetRemaining)},
		}},
	}
	out := make([]views.Chart, len(specs))
	for i, s := range specs {
		out[i] = buildChart(ctx, s)
	}
	return out
}
