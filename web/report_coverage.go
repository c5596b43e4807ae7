package web

import (
	"fmt"
	"strconv"
	"strings"

	"sreport/analytics"
	"sreport/analytics/report"
	"sreport/views"
)

// coverageTable states each source's data coverage: its records in the
// period and, for every KPI input that can be missing, how many of them
// carry it, so an export without a field shows as that source's gap.
func coverageTable(srcs []analytics.SourceCounts) views.Table {
	t := views.Table{TestID: "coverage", Empty: "No incident, deploy, page or action item in this period.",
		Columns: []views.Column{{Label: "Source"}, {Label: "Records"}}}
	var defs []analytics.KPIDef
	for _, d := range analytics.KPIDefs() {
		if d.Coverage != nil {
			defs = append(defs, d)
			t.Columns = append(t.Columns, views.Column{Label: report.Capitalize(d.Coverage.Input), Numeric: true})
		}
	}
	for _, s := range srcs {
		c := s.Counts
		var recs []string
		for _, r := range []struct {
			n    int
			noun report.Noun
		}{
			{c.Incidents, report.Noun{One: "incident", Many: "incidents"}},
			{c.Deployments, report.Noun{One: "deployment", Many: "deployments"}},
			{c.Pages, report.Noun{One: "page", Many: "pages"}},
			{c.ActionItemsDue + c.ActionItemsPending, report.Noun{One: "action item due", Many: "action items due"}},
		} {
			if r.n > 0 {
				recs = append(recs, report.Plural(r.n, r.noun))
			}
		}
		row := []views.Cell{{Text: s.Source, TestID: "coverage-" + s.Source}, {Text: strings.Join(recs, ", ")}}
		for _, d := range defs {
			cell := views.Cell{Text: "—", Class: "num"}
			if have, of, _ := d.CoverageOf(c); of > 0 {
				cell.Text = fmt.Sprintf("%d of %d", have, of)
				cell.Title = d.CoverageText(c)
			}
			row = append(row, cell)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// causeTable lists the period's incidents by category with the root cause
// most of them give.
func causeTable(cs []report.Cause) views.Table {
	t := views.Table{TestID: "causes", Empty: "No incident in this period.",
		Columns: []views.Column{{Label: "Category"}, {Label: "Incidents", Numeric: true}, {Label: "Sev1/2", Numeric: true},
			{Label: "Most common root cause"}, {Label: "Services"}}}
	for _, c := range cs {
		cat := c.Category
		if cat == "" {
			cat = "no category"
		}
		rc := "—"
		if c.RootCause != "" {
			rc = fmt.Sprintf("%s (%d of %d)", c.RootCause, c.RootCauseCount, c.Count)
		}
		t.Rows = append(t.Rows, []views.Cell{{Text: cat}, {Text: strconv.Itoa(c.Count), Class: "num"},
			{Text: strconv.Itoa(c.Sev12), Class: "num"}, {Text: rc}, {Text: strings.Join(c.Services, ", ")}})
	}
	return t
}
