package web

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"sreport/analytics"
	"sreport/analytics/kpifmt"
	"sreport/analytics/report"
	"sreport/views"
)

// incidentTable lists the top incidents with duration and postmortem status.
func incidentTable(top []report.IncidentRow, loc *time.Location) views.Table {
	t := views.Table{TestID: "top-incidents", Empty: "No Sev1 or Sev2 incident in this period.",
		Columns: []views.Column{{Label: "Incident"}, {Label: "Service"}, {Label: "Sev"}, {Label: "Detected"},
			{Label: "Duration", Numeric: true}, {Label: "Customer impact"}, {Label: "Postmortem"}}}
	// One unit for the duration column.
	var mins []*float64
	for _, ir := range top {
		if ir.Duration != nil {
			m := ir.Duration.Minutes()
			mins = append(mins, &m)
		}
	}
	durFmt := kpifmt.ForUnit(analytics.UnitMinutes, mins...)
	for _, ir := range top {
		inc := ir.Incident
		dur := "open"
		if ir.Duration != nil {
			dur = durFmt.Value(ir.Duration.Minutes())
		}
		impact := "no"
		if inc.CustomerImpacting {
			impact = "yes"
		}
		t.Rows = append(t.Rows, []views.Cell{
			{Text: fmt.Sprintf("#%d %s", inc.ID, inc.Title)}, {Text: inc.Service},
			{Text: "Sev" + strconv.Itoa(inc.Severity), Class: "sev" + strconv.Itoa(inc.Severity)},
			{Text: inc.DetectedAt.In(loc).Format("2 Jan 15:04")}, {Text: dur, Class: "num"}, {Text: impact},
			{Text: postmortemText(ir, loc), Class: "pm-" + ir.Postmortem},
		})
	}
	return t
}

// postmortemText says where an incident's postmortem stands.
func postmortemText(ir report.IncidentRow, loc *time.Location) string {
	due := ir.Deadline.In(loc).Format("2 Jan")
	switch ir.Postmortem {
	case report.PMOnTime:
		return "✓ on time"
	case report.PMLate:
		return "! published late (due " + due + ")"
	case report.PMOverdue:
		return "✗ missing, overdue since " + due
	case report.PMDue:
		return "due " + due
	case report.PMOpen:
		return "after resolution"
	case report.PMUnknown:
		return "no postmortem data"
	case report.PMUndated:
		return "linked, no publication date"
	}
	return "not required"
}

// themeTable lists the repeat-incident themes.
func themeTable(themes []report.Theme) views.Table {
	t := views.Table{TestID: "themes", Empty: "No theme recurred in this period.",
		Columns: []views.Column{{Label: "Theme"}, {Label: "Incidents", Numeric: true}, {Label: "Sev1/2", Numeric: true}, {Label: "Services"}}}
	for _, th := range themes {
		t.Rows = append(t.Rows, []views.Cell{{Text: th.Label, Title: th.Key}, {Text: strconv.Itoa(th.Count), Class: "num"},
			{Text: strconv.Itoa(th.Sev12), Class: "num"}, {Text: strings.Join(th.Services, ", ")}})
	}
	return t
}

// topRiskTable lists the top risks, marking past targets and overdue reviews.
func topRiskTable(top []report.RiskRow) views.Table {
	t := views.Table{TestID: "top-risks", Empty: "No open, mitigating or accepted risk in this scope.",
		Columns: []views.Column{{Label: "Risk"}, {Label: "Score", Numeric: true}, {Label: "Status"}, {Label: "Owner"},
			{Label: "Target date"}, {Label: "Next review"}, {Label: "Services"}}}
	for _, tr := range top {
		rk := tr.Risk
		target, review := views.Cell{Text: "—"}, views.Cell{Text: "—"}
		if rk.TargetDate != nil {
			target.Text = rk.TargetDate.Format("2 Jan 2006")
		}
		if tr.PastTarget {
			target = views.Cell{Text: "✗ " + target.Text + " · past target", Class: "risk-late", TestID: "past-target-" + rk.Code}
		}
		if rk.NextReviewDate != nil {
			review.Text = rk.NextReviewDate.Format("2 Jan 2006")
		}
		if tr.ReviewOverdue {
			review = views.Cell{Text: "! " + review.Text + " · overdue", Class: "risk-late", TestID: "review-overdue-" + rk.Code}
		}
		t.Rows = append(t.Rows, []views.Cell{{Text: rk.Code + " " + rk.Title, TestID: "risk-" + rk.Code},
			{Text: fmt.Sprintf("%d %s", rk.Score(), rk.Rating()), Class: "num", TestID: "risk-score-" + rk.Code},
			{Text: rk.Status, TestID: "risk-status-" + rk.Code}, {Text: rk.Owner}, target, review, {Text: strings.Join(rk.Services, ", ")}})
	}
	return t
}

// riskMoveTable lists the risks opened, closed or changing status.
func riskMoveTable(moves []report.RiskMove, loc *time.Location) views.Table {
	t := views.Table{TestID: "risk-moves", Empty: "No risk was opened, closed or changed status in this period.",
		Columns: []views.Column{{Label: "Date"}, {Label: "Risk"}, {Label: "Movement"}, {Label: "Score", Numeric: true}, {Label: "By"}}}
	for _, m := range moves {
		move := m.From + " → " + m.To
		switch m.Kind {
		case report.MoveNew:
			move = "new (" + m.To + ")"
		case report.MoveClosed:
			move = "closed (was " + m.From + ")"
		}
		t.Rows = append(t.Rows, []views.Cell{{Text: m.At.In(loc).Format("2 Jan 2006")}, {Text: m.Code + " " + m.Title},
			{Text: move}, {Text: strconv.Itoa(m.Score), Class: "num"}, {Text: m.Actor}})
	}
	return t
}

// trendTables lists the worst- and best-trending services of p against prev.
func trendTables(r report.Report, prev, p analytics.Period) (worst, best views.Table) {
	worst = views.Table{TestID: "worst", Empty: "No service worsened on a KPI that is now off its tier target.",
		Columns: []views.Column{{Label: "Service"}, {Label: "KPI"}, {Label: report.Title(prev), Numeric: true},
			{Label: report.Title(p), Numeric: true}, {Label: "Target"}, {Label: "Status"}}}
	worst.Rows = trendRows(r.Worst)
	best = views.Table{TestID: "best", Empty: "No service improved on a KPI that was off its tier target.",
		Columns: slices.Clone(worst.Columns)}
	best.Rows = trendRows(r.Best)
	return worst, best
}

// trendRows formats worst- or best-trending services: service, KPI, the
// previous and current value, the target and the status now.
func trendRows(ws []report.Worsening) [][]views.Cell {
	var rows [][]views.Cell
	for _, w := range ws {
		icon, word := statusIcon(w.Cell.Status)
		f := kpiFormat(w.KPI, w.Cell.Value, w.Cell.Previous) // one unit for the row
		rows = append(rows, []views.Cell{{Text: fmt.Sprintf("%s (tier %d)", w.Service, w.Tier)}, {Text: kpiLabel(w.KPI)},
			{Text: f.Text(w.Cell.Previous, "no data"), Class: "num"}, {Text: f.Text(w.Cell.Value, "no data"), Class: "num"},
			{Text: targetText(w.Cell, f)}, {Text: icon + " " + word, Class: "st st-" + w.Cell.Status}})
	}
	return rows
}
