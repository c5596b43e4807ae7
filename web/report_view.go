package web

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"sreport/analytics"
	"sreport/analytics/report"
	"sreport/analytics/reporting"
	"sreport/analytics/scorecard"
	"sreport/views"
)

// reportView formats an assembled report as its view model: the cover,
// the headline and section KPIs with their notes, DORA bands, the tier
// table, SLOs, the lists (see report_tables.go) and the trend charts.
// now dates the copy and marks a period still in progress.
func reportView(ctx context.Context, rep *reporting.Report, now time.Time, version string) views.Report {
	d, r, p := rep.Data, rep.Content, rep.Period
	heading := rep.Request.Heading()
	loc := p.Loc
	v := views.Report{
		Title: "Reliability report", PeriodTitle: inProgress(report.Title(p), p, now), PeriodLabel: p.Label, Scope: heading,
		Range:     fmt.Sprintf("%s – %s (%s)", p.From.Format("2 Jan 2006"), p.To.Add(-time.Nanosecond).In(loc).Format("2 Jan 2006"), loc),
		Generated: fmtTime(now, loc), DataAsOf: fmtTime(d.AsOf, loc), Version: version, Previous: report.Title(d.Prev),
		Summary: r.Summary,
	}
	for _, m := range d.Months {
		v.MonthHeads = append(v.MonthHeads, m.From.Format("Jan"))
	}
	v.Headlines = reportKPIs(r.Scope, report.HeadlineKPIs, r.Headlines, "kpi-")
	v.Change = reportKPIs(r.Scope, report.ChangeKPIs, nil, "change-")
	v.OnCall = reportKPIs(r.Scope, report.OnCallKPIs, nil, "oncall-")
	v.Discipline = reportKPIs(r.Scope, report.DisciplineKPIs, nil, "disc-")
	n := r.Scope.Counts
	v.ChangeNote = fmt.Sprintf("%s failed of %s; %s and %s to production.",
		report.Plural(n.FailedChanges, report.Noun{One: "change", Many: "changes"}),
		report.Plural(n.Deployments, report.Noun{One: "deployment", Many: "deployments"}),
		report.Plural(n.Rollbacks, report.Noun{One: "rollback", Many: "rollbacks"}),
		report.Plural(n.Hotfixes, report.Noun{One: "hotfix", Many: "hotfixes"}))
	v.OnCallNote = fmt.Sprintf("%s in total: %d after hours, %d during sleep hours, %d noise; %s hours of toil of %s hours recorded.",
		report.Plural(n.Pages, report.Noun{One: "page", Many: "pages"}), n.PagesAfterHours, n.PagesSleepHours, n.NoisePages,
		trimZero(fmt.Sprintf("%.1f", n.ToilHours)), trimZero(fmt.Sprintf("%.1f", n.TotalHours)))
	v.DiscNote = fmt.Sprintf("%d of %s due were published on time (%d still within their deadline); %d of %s due were closed on time (%d not yet due); %s open past their due date at the end of the period.",
		n.PostmortemsOnTime, report.Plural(n.PostmortemsDue, report.Noun{One: "postmortem", Many: "postmortems"}), n.PostmortemsPending,
		n.ActionItemsOnTime, report.Plural(n.ActionItemsDue, report.Noun{One: "action item", Many: "action items"}), n.ActionItemsPending,
		report.Plural(n.ActionItemsOverdue, report.Noun{One: "action item", Many: "action items"}))
	if def, _ := analytics.KPIDefOf(analytics.KPIPostmortemOnTimeRate); n.PostmortemsRequired > n.PostmortemsWithData {
		v.DiscNote += fmt.Sprintf(" Postmortems are judged on the incidents with postmortem data: %s; the other %d are unknown, not late.",
			def.CoverageText(n), n.PostmortemsRequired-n.PostmortemsWithData)
	}
	v.Coverage = coverageTable(d.Sources)

	for _, m := range report.DoraMetrics {
		row := views.ReportDora{Metric: doraLabel(m), TestID: "dora-" + m}
		for _, dr := range r.Dora {
			if dr.Metric == m {
				row.Band, row.PrevBand, row.Class, row.PrevClass = bandText(dr.Band), bandText(dr.PrevBand), "band-"+dr.Band, "band-"+dr.PrevBand
			}
		}
		v.Dora = append(v.Dora, row)
	}

	v.TierHeads = append([]string{"Tier / service"}, labels(report.TierKPIs)...)
	for _, t := range d.Card.Tiers {
		tid := "tier-" + strconv.Itoa(*t.Tier)
		v.Tiers = append(v.Tiers, reportRow("All tier "+strconv.Itoa(*t.Tier), "", true, tid, t, report.TierKPIs))
		for _, s := range d.Card.Services {
			if *s.Tier == *t.Tier {
				v.Tiers = append(v.Tiers, reportRow(s.Name, s.Team, false, "svc-"+s.Name, s, report.TierKPIs))
			}
		}
	}
	if rep.Request.Tier == nil {
		v.Tiers = append(v.Tiers, reportRow(heading, "", true, "org", d.Card.Org, report.TierKPIs))
	}
	v.SLOHeads = append([]string{"Service"}, labels(report.SLOKPIs)...)
	for _, s := range r.SLOs {
		v.SLOs = append(v.SLOs, reportRow(s.Name, fmt.Sprintf("tier %d · %s", *s.Tier, s.Team), false, "slo-"+s.Name, s, report.SLOKPIs))
	}

	v.Incidents = incidentTable(r.TopIncidents, loc)
	v.Themes = themeTable(r.Themes)
	v.Causes = causeTable(r.Causes)
	v.Risks = topRiskTable(r.TopRisks)
	v.RisksNote = fmt.Sprintf("The register as it stood at the end of %s, judged on %s: ✗ marks a risk still open or being mitigated past its target date, ! a review overdue.",
		report.Title(p), d.RiskAt().Format("2 Jan 2006"))
	v.RiskMoves = riskMoveTable(r.RiskMoves, loc)
	v.Worst, v.Best = trendTables(r, d.Prev, p)

	v.TrendCharts = trendCharts(ctx, "rpt", rep.Months, rep.Trend, rep.Env, rep.Request.Tier)
	v.Charts = true
	return v
}

// reportKPIs formats KPI rows of the scope row; hs adds months and tier counts.
func reportKPIs(row scorecard.Row, keys []string, hs []report.Headline, prefix string) []views.ReportKPI {
	out := make([]views.ReportKPI, 0, len(keys))
	for i, k := range keys {
		c := row.KPIs[k]
		kr := views.ReportKPI{Label: kpiLabel(k), Value: reportValue(k, c, prefix+k), Previous: fmtKPI(k, c.Previous),
			Target: targetText(k, c)}
		if c.Change != nil {
			kr.Change, kr.ChangeClass = fmtChange(k, *c.Change), trendClass(k, c.Direction, *c.Change)
		}
		if hs != nil {
			h := hs[i]
			for j, m := range h.Months {
				kr.Months = append(kr.Months, views.ReportValue{Text: fmtKPI(k, m), Raw: rawValue(m), TestID: fmt.Sprintf("%s%s-m%d", prefix, k, j+1)})
			}
			if h.TiersJudged > 0 {
				kr.TiersMet = fmt.Sprintf("%d of %d", h.TiersMet, h.TiersJudged)
			} else {
				kr.TiersMet = "—"
			}
		}
		out = append(out, kr)
	}
	return out
}

// reportRow formats one scorecard row's cells for keys.
func reportRow(name, note string, rollup bool, testID string, r scorecard.Row, keys []string) views.ReportRow {
	row := views.ReportRow{Name: name, Note: note, Rollup: rollup, TestID: testID}
	for _, k := range keys {
		row.Cells = append(row.Cells, reportValue(k, r.KPIs[k], testID+"-"+k))
	}
	return row
}

// reportValue formats one cell with its status icon and word.
func reportValue(k string, c scorecard.Cell, testID string) views.ReportValue {
	v := views.ReportValue{Text: fmtKPI(k, c.Value), Raw: rawValue(c.Value), Status: c.Status, TestID: testID}
	if c.Target == nil {
		v.Status = "none"
	}
	v.Icon, v.StatusLabel = statusIcon(v.Status)
	return v
}

// rawValue is the engine's value as text, exactly, for tests.
func rawValue(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

// targetText is "≤ 30 min" or "no target".
func targetText(k string, c scorecard.Cell) string {
	if c.Target == nil {
		return "—"
	}
	op := "≤ "
	if c.Direction == analytics.DirectionMin {
		op = "≥ "
	}
	return op + fmtKPI(k, c.Target)
}

// labels are the KPIs' column labels.
func labels(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = kpiLabel(k)
	}
	return out
}

// inProgress marks the title of a period that has not ended at now, so a
// reader never compares half a month with a whole one unawares.
func inProgress(title string, p analytics.Period, now time.Time) string {
	if p.To.After(now) {
		return title + " (in progress)"
	}
	return title
}

// doraLabel names a DORA metric.
func doraLabel(m string) string {
	switch m {
	case analytics.DoraDeployFrequency:
		return "Deployment frequency"
	case analytics.DoraLeadTimeHours:
		return "Lead time for changes"
	case analytics.DoraChangeFailureRate:
		return "Change failure rate"
	case analytics.DoraRecoveryHours:
		return "Failed deployment recovery time"
	}
	return m
}

// bandText is a DORA band, or "no data" without one.
func bandText(b string) string {
	if b == "" {
		return "no data"
	}
	return b
}
