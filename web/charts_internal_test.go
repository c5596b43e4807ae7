package web

import (
	"context"
	"strings"
	"testing"

	"sreport/analytics"
)

func fp(v float64) *float64 { return &v }

// TestBuildChart checks the chart rules of issue 21 on the option JSON
// go-echarts writes: axes from zero in the unit the table uses, a duration
// axis named by its scale, percent labels with their sign, every month
// labelled, the reference line kept in sight, and a "no data yet" card
// instead of an empty drawing.
func TestBuildChart(t *testing.T) {
	xs := []string{"Sep 26", "Oct 26", "Nov 26"}
	cases := []struct {
		name      string
		spec      chartSpec
		want      []string // in the script
		notWant   []string
		empty     bool
		tableCell string // the first series' cell of the first month
	}{
		{
			name: "durations of hours read in hours on the axis and in the table",
			spec: chartSpec{id: "t_mttr", title: "MTTR", xs: xs, axes: []string{"minutes"}, series: []series{
				{name: "MTTR", line: true, unit: analytics.UnitMinutes, values: []*float64{fp(90), fp(300), fp(600)}}, // median 300 min → hours
			}},
			want:      []string{`"name":"hours"`, `"data":[{"value":1.5},{"value":5},{"value":10}]`, `"interval":"0"`, `"containLabel":true`},
			notWant:   []string{`"scale":true`, `"name":"minutes"`},
			tableCell: "1.5 h",
		},
		{
			name: "a percent axis labels its sign and plots percent",
			spec: chartSpec{id: "t_cfr", title: "CFR", xs: xs, axes: []string{"% failed"}, series: []series{
				{name: "CFR", line: true, unit: analytics.UnitRatio, values: []*float64{fp(0.05), nil, fp(0.125)}},
			}},
			want:      []string{`"formatter":"{value} %"`, `{"value":5}`, `{"value":"-"}`, `{"value":12.5}`},
			tableCell: "5.0 %",
		},
		{
			name: "the reference line stays in sight and table-only series are not drawn",
			spec: chartSpec{id: "t_slo", title: "Budget", xs: xs, axes: []string{"% of budget"}, ref: &refLine{name: "whole budget", value: 100}, series: []series{
				{name: "Error budget consumed", unit: analytics.UnitRatio, values: []*float64{fp(0.4), fp(0.2), fp(1.3)}},
				{name: "Availability", tableOnly: true, unit: analytics.UnitNines, values: []*float64{fp(0.9991), fp(0.9995), fp(0.998)}},
			}},
			want:      []string{`"name":"whole budget"`, `"yAxis":100`, `return Math.max(v.max, 100);`},
			notWant:   []string{`"name":"Availability"`, `99.91`},
			tableCell: "40.0 %",
		},
		{
			name: "no value in any month: a no-data card, not an empty axis",
			spec: chartSpec{id: "t_empty", title: "MTTD", xs: xs, axes: []string{"minutes"}, empty: "No incident in these months.", importHref: "/imports/new", series: []series{
				{name: "MTTD", line: true, unit: analytics.UnitMinutes, values: []*float64{nil, nil, nil}},
				{name: "MTTD target", line: true, dashed: true, unit: analytics.UnitMinutes, values: []*float64{fp(30), fp(30), fp(30)}}, // a target alone is no data
			}},
			empty:     true,
			tableCell: "—",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ch := buildChart(context.Background(), c.spec)
			if c.empty {
				if ch.Empty != c.spec.empty || ch.ImportHref != "/imports/new" || ch.Script != "" {
					t.Fatalf("empty chart: Empty %q ImportHref %q Script %d bytes", ch.Empty, ch.ImportHref, len(ch.Script))
				}
			} else if ch.Empty != "" || !strings.Contains(ch.Script, "echarts.init") {
				t.Fatalf("chart not drawn: Empty %q", ch.Empty)
			}
			js := strings.ReplaceAll(ch.Script, " ", "")
			for _, w := range c.want {
				if !strings.Contains(js, strings.ReplaceAll(w, " ", "")) {
					t.Errorf("script lacks %s:\n%s", w, ch.Script)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(js, strings.ReplaceAll(w, " ", "")) {
					t.Errorf("script has %s", w)
				}
			}
			if len(ch.Table.Rows) != len(xs) || ch.Table.Rows[0][1].Text != c.tableCell {
				t.Errorf("table rows %d, first cell %q; want %d, %q", len(ch.Table.Rows), ch.Table.Rows[0][1].Text, len(xs), c.tableCell)
			}
		})
	}
}
