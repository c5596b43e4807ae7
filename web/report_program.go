package web

import (
	"fmt"
	"strconv"
	"strings"

	"sreport/analytics"
	"sreport/analytics/kpifmt"
	"sreport/analytics/report"
	"sreport/analytics/reporting"
	"sreport/views"
)

// programView fills the report's "On-call health by team" table and its
// "Reliability program" section: the program KPIs of the scope and, in a
// quarterly report, the roadmap delivered in the quarter (KPI before and
// after) and planned for the next.
func programView(v *views.Report, rep *reporting.Report) {
	prog := rep.Program
	v.OnCallTeams = onCallTeamTable(prog.OnCall)
	v.OnCallTeamsNote = "Per team of the paged services, from the pages that name a responder (people merged across sources). " +
		"Interruptions split business / off / sleep hours in the service's on-call time zone. The health index is the mean of its four " +
		"components, each 0–100 where 100 is healthy. Per-person figures are on the on-call page, for editors."

	var keys []string
	for _, d := range analytics.KPIDefsInGroup(analytics.KPIGroupProgram) {
		keys = append(keys, d.Key)
	}
	// An organisation figure (stakeholder satisfaction) is not on a tier's
	// row: every scope reads the organisation's value, as the engine does.
	for _, k := range keys {
		row := rep.Content.Scope
		if d, _ := analytics.KPIDefOf(k); d.Org && rep.Data.Card != nil {
			row = rep.Data.Card.Org
		}
		v.Program = append(v.Program, reportKPIs(row, []string{k}, nil, "program-")...)
	}
	var notes []string
	for _, k := range keys {
		d, _ := analytics.KPIDefOf(k)
		if t := d.CoverageText(rep.Content.Scope.Counts); t != "" {
			notes = append(notes, d.Label+": "+t+".")
		}
	}
	v.ProgramNote = strings.Join(notes, " ")

	v.Roadmap = prog.Quarterly
	if !prog.Quarterly {
		return
	}
	v.DeliveredTitle = "Delivered in " + report.Title(rep.Period)
	v.PlannedTitle = "Planned for " + report.Title(prog.Next)
	v.DeliveredNote = "Each KPI over the initiative's services (every service when it names none): before is the quarter before it started, " +
		"after its quarter of delivery, each with its sample. A target on too few records is not judged."
	v.Delivered = deliveredTable(prog.Delivered)
	v.Planned = plannedTable(prog.Planned)
}

// onCallTeamTable lists each team's on-call aggregates.
func onCallTeamTable(h analytics.OnCallHealth) views.Table {
	t := views.Table{TestID: "oncall-teams", Empty: "No pages in this period.",
		Columns: []views.Column{{Label: "Team"}, {Label: "Responders", Numeric: true},
			{Label: "Interruptions (business / off / sleep)", Numeric: true}, {Label: "Load Gini", Numeric: true},
			{Label: "Max ÷ median", Numeric: true}, {Label: "Sleep-interrupted", Numeric: true},
			{Label: "Health index", Numeric: true}, {Label: "Components: sleep · off-hours · fairness · rested"}}}
	rate := kpifmt.ForUnit(analytics.UnitRate)
	for _, l := range h.Teams {
		if l.Interruptions == 0 && l.Unattributed == 0 {
			continue
		}
		name := l.Team
		if name == "" {
			name = "(no team)"
		}
		inter := fmt.Sprintf("%d (%d / %d / %d)", l.Interruptions, l.Business, l.Off, l.Sleep)
		if l.Unattributed > 0 {
			inter += fmt.Sprintf("; %d without a responder", l.Unattributed)
		}
		hx := l.Health
		comps := "—"
		if hx.Value != nil {
			comps = strings.Join([]string{rate.Text(hx.SleepOK, "–"), rate.Text(hx.OffOK, "–"), rate.Text(hx.Fairness, "–"), rate.Text(hx.Rested, "–")}, " · ")
		}
		tid := "oncall-team-" + safeName(name)
		t.Rows = append(t.Rows, []views.Cell{{Text: name, TestID: tid}, {Text: strconv.Itoa(l.Responders), Class: "num"},
			{Text: inter, Class: "num"}, {Text: rate.Text(l.Gini, "no data"), Class: "num", TestID: tid + "-gini"},
			{Text: rate.Text(l.MaxToMedian, "no data"), Class: "num"}, {Text: strconv.Itoa(l.SleepInterrupted), Class: "num"},
			{Text: rate.Text(hx.Value, "no data"), Class: "num", TestID: tid + "-health"}, {Text: comps}})
	}
	return t
}

// deliveredTable lists the delivered initiatives with their KPI before and after.
func deliveredTable(ds []reporting.Delivered) views.Table {
	t := views.Table{TestID: "roadmap-delivered", Empty: "No initiative was delivered in this quarter.",
		Columns: []views.Column{{Label: "Initiative"}, {Label: "Owner"}, {Label: "KPI and target"}, {Label: "Before", Numeric: true},
			{Label: "After", Numeric: true}, {Label: "Change", Numeric: true}, {Label: "Result"}}}
	for _, d := range ds {
		in, o := d.Initiative, d.Outcome
		def, _ := analytics.KPIDefOf(in.KPI)
		f := kpiFormat(in.KPI, o.Before, o.After)
		side := func(p analytics.Period, v *float64, c analytics.Counts) string {
			s := report.Title(p) + ": " + f.Text(v, "no data")
			if v != nil {
				short, _ := kpifmt.Sample(def, c)
				s += " (" + short + ")"
			}
			return s
		}
		change := "—"
		if o.Change != nil {
			text, sign := f.Change(*o.Change)
			change = arrow(text, sign)
		}
		result, class := "– no data", "st-no_data"
		switch {
		case d.LowSample:
			result, class = "≈ too few to judge", "st-low_sample"
		case o.Met != nil && *o.Met:
			result, class = "✓ target met", "st-met"
		case o.Met != nil:
			result, class = "✗ target missed", "st-missed"
		}
		tid := "delivered-" + in.Code
		t.Rows = append(t.Rows, []views.Cell{{Text: in.Code + " " + in.Title, TestID: tid}, {Text: in.Owner},
			{Text: def.Label + " " + initiativeTargetText(in)},
			{Text: side(d.Before, o.Before, d.BeforeCounts), Class: "num", TestID: tid + "-before"},
			{Text: side(d.After, o.After, d.AfterCounts), Class: "num", TestID: tid + "-after"},
			{Text: change, Class: "num"}, {Text: result, Class: class, TestID: tid + "-result"}})
	}
	return t
}

// plannedTable lists the initiatives planned for the next quarter.
func plannedTable(ins []analytics.Initiative) views.Table {
	t := views.Table{TestID: "roadmap-planned", Empty: "No initiative is planned for the next quarter.",
		Columns: []views.Column{{Label: "Initiative"}, {Label: "Owner"}, {Label: "Quarters"}, {Label: "Status"},
			{Label: "KPI and target"}, {Label: "Services"}, {Label: "Mitigates"}}}
	for _, in := range ins {
		r := initiativeRow(in)
		var svcs []string
		for _, s := range r.Services {
			svcs = append(svcs, s.Text)
		}
		t.Rows = append(t.Rows, []views.Cell{{Text: in.Code + " " + in.Title, TestID: "planned-" + in.Code}, {Text: in.Owner},
			{Text: r.Quarters}, {Text: r.StatusLabel}, {Text: r.KPI + " " + r.Target}, {Text: orDash(strings.Join(svcs, ", "))},
			{Text: orDash(strings.Join(in.Risks, ", "))}})
	}
	return t
}

// orDash is s, or "—" for nothing.
func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
