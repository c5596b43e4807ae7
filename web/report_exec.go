package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"sreport/analytics"
	"sreport/analytics/report"
	"sreport/analytics/reporting"
	"sreport/analytics/scorecard"
	"sreport/views"
)

// execView builds the report's first page from an assembled report.
func execView(rep *reporting.Report) views.ReportExec {
	d, r := rep.Data, rep.Content
	var v views.ReportExec
	for _, t := range r.Tiers {
		v.Tiers = append(v.Tiers, views.ReportTierStatus{Tier: "Tier " + strconv.Itoa(t.Tier), Services: t.Services,
			Met: t.Met, AtRisk: t.AtRisk, Missed: t.Missed, NoData: t.NoData, TestID: "exec-tier-" + strconv.Itoa(t.Tier)})
	}
	for _, k := range report.ExecKPIs {
		v.KPIs = append(v.KPIs, execKPI(k, r.Scope, d.Card.Tiers, rep))
	}
	for i, tr := range r.TopRisks {
		if i == report.ExecListLen {
			break
		}
		rk := tr.Risk
		er := views.ReportExecRisk{Code: rk.Code, Title: rk.Title, Score: fmt.Sprintf("%d %s", rk.Score(), rk.Rating()),
			Status: rk.Status, Owner: rk.Owner, TestID: "exec-risk-" + rk.Code}
		switch {
		case tr.PastTarget:
			er.Late = "✗ past its target date"
		case tr.ReviewOverdue:
			er.Late = "! review overdue"
		}
		v.Risks = append(v.Risks, er)
	}
	v.RisksEmpty = "No open, mitigating or accepted risk in this scope."
	v.Worse = execMoves(r.Worst)
	v.WorseEmpty = "No service got worse on a KPI now off its tier target."
	v.Better = execMoves(r.Best)
	v.BetterEmpty = "No service improved on a KPI that was off its tier target."
	return v
}

// execKPI formats one headline KPI: value and status, target (the scope's,
// or each tier's for a scope spanning tiers), the change and twelve months.
func execKPI(k string, scope scorecard.Row, tiers []scorecard.Row, rep *reporting.Report) views.ReportExecKPI {
	c := scope.KPIs[k]
	// One format for the row: value, target, change and the months.
	vals := []*float64{c.Value, c.Previous}
	for _, res := range rep.Trend {
		vals = append(vals, res.KPIs.Get(k))
	}
	f := kpiFormat(k, vals...)
	e := views.ReportExecKPI{Label: kpiLabel(k), Value: reportValue(k, c, scope.Counts, f, "exec-"+k), TestID: "exec-kpi-" + k}
	if c.Target != nil {
		e.Target = targetText(c, f)
	} else {
		var ts []string
		met, judged := 0, 0
		for _, t := range tiers {
			tc := t.KPIs[k]
			if tc.Target == nil {
				continue
			}
			ts = append(ts, "T"+strconv.Itoa(*t.Tier)+" "+targetText(tc, f))
			if report.Judged(tc.Status) {
				judged++
				if tc.Status == analytics.StatusMet {
					met++
				}
			}
		}
		e.Target = "no target"
		if len(ts) > 0 {
			e.Target = strings.Join(ts, " · ")
		}
		if judged > 0 {
			e.TiersMet = fmt.Sprintf("%d of %d tiers on target", met, judged)
		}
	}
	if c.Change != nil {
		text, sign := f.Change(*c.Change)
		e.Change, e.ChangeClass = arrow(text, sign)+" vs "+rep.Data.PrevTitle(), trendClass(k, c.Direction, float64(sign))
		if c.Status == analytics.StatusLowSample || c.PreviousStatus == analytics.StatusLowSample {
			e.ChangeClass = "flat" // a move from or to too few records is no verdict
		}
	} else {
		e.Change, e.ChangeClass = "no comparison", "flat"
	}
	months := make([]*float64, len(rep.Trend))
	labels := make([]string, len(rep.Trend))
	for i, res := range rep.Trend {
		months[i] = res.KPIs.Get(k)
		labels[i] = rep.Months[i].From.Format("Jan") + " " + f.Text(months[i], "no data")
	}
	e.Spark = sparkline(months, c.Target, 96, 24)
	e.Spark.Label = kpiLabel(k) + ", twelve months: " + strings.Join(labels, ", ")
	return e
}

// sparkline draws vals (oldest first) in a w×h box with 2 units of padding,
// scaled to their own range (and the target's, when it is close enough to
// show: a target far outside would flatten the line).
func sparkline(vals []*float64, target *float64, w, h float64) views.Sparkline {
	s := views.Sparkline{Width: w, Height: h}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if v != nil {
			lo, hi = math.Min(lo, *v), math.Max(hi, *v)
		}
	}
	if math.IsInf(lo, 1) {
		return s
	}
	if target != nil {
		span := math.Max(hi-lo, math.Abs(hi)*0.01)
		if *target >= lo-span && *target <= hi+span {
			lo, hi = math.Min(lo, *target), math.Max(hi, *target)
			s.HasTarget = true
		}
	}
	const pad = 2.0
	y := func(v float64) float64 {
		if hi == lo {
			return h / 2
		}
		return pad + (hi-v)/(hi-lo)*(h-2*pad)
	}
	step := (w - 2*pad) / math.Max(1, float64(len(vals)-1))
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			s.Lines = append(s.Lines, strings.Join(cur, " "))
			cur = nil
		}
	}
	for i, v := range vals {
		if v == nil {
			flush()
			continue
		}
		x := pad + float64(i)*step
		cur = append(cur, fmt.Sprintf("%.1f,%.1f", x, y(*v)))
		s.DotX, s.DotY, s.HasDot = x, y(*v), true
	}
	flush()
	if s.HasTarget {
		s.TargetY = y(*target)
	}
	return s
}

// execMoves formats the first ExecListLen worsenings or improvements.
func execMoves(ws []report.Worsening) []views.ReportMove {
	var out []views.ReportMove
	for i, w := range ws {
		if i == report.ExecListLen {
			break
		}
		f := kpiFormat(w.KPI, w.Cell.Previous, w.Cell.Value)
		out = append(out, views.ReportMove{Service: fmt.Sprintf("%s (tier %d)", w.Service, w.Tier), KPI: kpiLabel(w.KPI),
			From: f.Text(w.Cell.Previous, "no data"), To: f.Text(w.Cell.Value, "no data"), Target: targetText(w.Cell, f),
			Status: reportValue(w.KPI, w.Cell, w.Counts, f, "exec-move-"+w.Service)})
	}
	return out
}
