package web

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"sreport/analytics"
	"sreport/analytics/kpifmt"
	"sreport/analytics/report"
	"sreport/analytics/reporting"
	"sreport/analytics/scorecard"
	"sreport/views"
)

// reportView formats an assembled report as its view model: the cover,
// the headline and section KPIs with their notes, DORA bands, the tier
// table, SLOs, the lists (see report_tables.go) and the trend charts.
// now dates the copy and marks a period still in progress; charts, when
// set, draws the trend charts once per cached report.
func reportView(ctx context.Context, rep *reporting.Report, now time.Time, version string, charts *chartMemo) views.Report {
	d, r, p := rep.Data, rep.Content, rep.Period
	heading := rep.Request.Heading()
	loc := p.Loc
	v := views.Report{
		Title: "Reliability report", PeriodTitle: inProgress(report.Title(p), p, now), PeriodLabel: p.Label, Scope: heading,
		Range:     fmt.Sprintf("%s – %s (%s)", p.From.Format("2 Jan 2006"), p.To.Add(-time.Nanosecond).In(loc).Format("2 Jan 2006"), loc),
		Generated: fmtTime(now, loc), DataAsOf: fmtTime(d.AsOf, loc), Version: version, Previous: d.PrevTitle(),
		Summary: r.Summary, Exec: execView(rep), Contents: reportContents(p), Commentary: commentaryView(rep.Commentaries, loc),
	}
	for _, m := range d.Months {
		v.MonthHeads = append(v.MonthHeads, m.From.Format("Jan"))
	}
	if d.ToDate {
		v.Previous += " (to date)"
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
	programView(&v, rep)

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
	tierRows := slices.Concat(d.Card.Tiers, d.Card.Services, []scorecard.Row{d.Card.Org})
	tierCols := rowFormats(tierRows, report.TierKPIs)
	// The scope's total first: the row a reader looks for, never left
	// alone at the top of a page after the last tier.
	if rep.Request.Tier == nil {
		v.Tiers = append(v.Tiers, reportRow(heading, "", true, "org", d.Card.Org, report.TierKPIs, tierCols))
	}
	for _, t := range d.Card.Tiers {
		tid := "tier-" + strconv.Itoa(*t.Tier)
		v.Tiers = append(v.Tiers, reportRow("All tier "+strconv.Itoa(*t.Tier), "", true, tid, t, report.TierKPIs, tierCols))
		for _, s := range d.Card.Services {
			if *s.Tier == *t.Tier {
				v.Tiers = append(v.Tiers, reportRow(s.Name, s.Team, false, "svc-"+s.Name, s, report.TierKPIs, tierCols))
			}
		}
	}
	v.SLOHeads = append([]string{"Service"}, labels(report.SLOKPIs)...)
	sloCols := rowFormats(r.SLOs, report.SLOKPIs)
	for _, s := range r.SLOs {
		v.SLOs = append(v.SLOs, reportRow(s.Name, fmt.Sprintf("tier %d · %s", *s.Tier, s.Team), false, "slo-"+s.Name, s, report.SLOKPIs, sloCols))
	}

	v.Incidents = incidentTable(r.TopIncidents, loc)
	v.Themes = themeTable(r.Themes)
	v.Causes = causeTable(r.Causes)
	v.Risks = topRiskTable(r.TopRisks)
	v.RisksNote = fmt.Sprintf("The register as it stood at the end of %s, judged on %s: ✗ marks a risk still open or being mitigated past its target date, ! a review overdue.",
		report.Title(p), d.RiskAt().Format("2 Jan 2006"))
	v.RiskMoves = riskMoveTable(r.RiskMoves, loc)
	v.Worst, v.Best = trendTables(r, d.Prev, p)

	v.TrendCharts = charts.trendCharts(ctx, "rpt", rep.Months, rep.Trend, rep.Env, rep.Request.Tier, "")
	v.Charts = true
	return v
}

// reportKPIs formats KPI rows of the scope row; hs adds months and tier
// counts. Each row reads in one unit: value, months, previous value,
// change and target.
func reportKPIs(row scorecard.Row, keys []string, hs []report.Headline, prefix string) []views.ReportKPI {
	out := make([]views.ReportKPI, 0, len(keys))
	for i, k := range keys {
		c := row.KPIs[k]
		vals := []*float64{c.Value}
		if hs != nil {
			vals = append(vals, hs[i].Months...)
		}
		if c.Value == nil {
			vals = append(vals, c.Previous)
		}
		f := kpiFormat(k, vals...)
		kr := views.ReportKPI{Label: kpiLabel(k), Value: reportValue(k, c, row.Counts, f, prefix+k), Previous: f.Text(c.Previous, "no data"),
			Target: targetText(c, f)}
		if c.Change != nil {
			text, sign := f.Change(*c.Change)
			kr.Change, kr.ChangeClass = arrow(text, sign), trendClass(k, c.Direction, float64(sign))
			if c.Status == analytics.StatusLowSample || c.PreviousStatus == analytics.StatusLowSample {
				kr.ChangeClass = "flat" // a move from or to too few records is no verdict
			}
		}
		if hs != nil {
			h := hs[i]
			for j, m := range h.Months {
				kr.Months = append(kr.Months, views.ReportValue{Text: f.Text(m, "no data"), Raw: rawValue(m), TestID: fmt.Sprintf("%s%s-m%d", prefix, k, j+1)})
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

// rowFormats gives each column of a table of rows one format.
func rowFormats(rows []scorecard.Row, keys []string) map[string]kpifmt.Format {
	out := map[string]kpifmt.Format{}
	for _, k := range keys {
		var vs []*float64
		for _, r := range rows {
			vs = append(vs, r.KPIs[k].Value)
		}
		out[k] = kpiFormat(k, vs...)
	}
	return out
}

// reportRow formats one scorecard row's cells for keys, each column in its format.
func reportRow(name, note string, rollup bool, testID string, r scorecard.Row, keys []string, cols map[string]kpifmt.Format) views.ReportRow {
	row := views.ReportRow{Name: name, Note: note, Rollup: rollup, TestID: testID}
	for _, k := range keys {
		row.Cells = append(row.Cells, reportValue(k, r.KPIs[k], r.Counts, cols[k], testID+"-"+k))
	}
	return row
}

// reportValue formats one cell with its sample, status icon and word.
func reportValue(k string, c scorecard.Cell, counts analytics.Counts, f kpifmt.Format, testID string) views.ReportValue {
	v := views.ReportValue{Text: f.Text(c.Value, "no data"), Raw: rawValue(c.Value), Status: c.Status, TestID: testID}
	if def, _ := kpiDef(k); def.Sampled() && c.Value != nil {
		v.Sample, _ = kpifmt.Sample(def, counts)
	}
	if v.Status == "" {
		v.Status = analytics.StatusNoData
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

// targetText is "≤ 30.0 min" in the row's format, or "—" without a target.
func targetText(c scorecard.Cell, f kpifmt.Format) string {
	if c.Target == nil {
		return "—"
	}
	return targetOp(c.Direction) + " " + f.Value(*c.Target)
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

// reportContents lists the sections after the first page, in order. Each
// title is unique: the PDF's outline is matched back to them by title to
// print the page numbers.
func reportContents(p analytics.Period) []views.ReportTOCEntry {
	return []views.ReportTOCEntry{
		{ID: "findings", Title: "Findings"},
		{ID: "headlines", Title: "Headline KPIs in detail"},
		{ID: "dora", Title: "DORA bands"},
		{ID: "tiers", Title: "Tier-by-tier scorecard"},
		{ID: "slo", Title: "SLOs and error budgets: tier-0 and tier-1 services"},
		{ID: "incidents", Title: "Top incidents (Sev1 and Sev2)"},
		{ID: "themes", Title: "Repeat-incident themes"},
		{ID: "causes", Title: "Top causes"},
		{ID: "change", Title: "Change safety"},
		{ID: "oncall", Title: "On-call health"},
		{ID: "oncall-teams", Title: "On-call health by team"},
		{ID: "discipline", Title: "Postmortem and action-item discipline"},
		{ID: "program", Title: "Reliability program"},
		{ID: "risks", Title: "Risk register"},
		{ID: "moves", Title: "Risk movements in " + report.Title(p)},
		{ID: "worst", Title: "Worst-trending services"},
		{ID: "best", Title: "Most improved services"},
		{ID: "trends", Title: "Twelve-month trends"},
		{ID: "about", Title: "About this report: sources, coverage, definitions"},
	}
}
