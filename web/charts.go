package web

import (
	"context"
	"slices"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"sreport/analytics"
	"sreport/analytics/kpifmt"
	"sreport/views"
)

// series is one line or bar of a chart; nil values are gaps.
type series struct {
	name   string
	line   bool
	stack  string
	axis   int // 0 left, 1 right
	unit   analytics.Unit
	color  string
	dashed bool // target lines
	values []*float64
}

// chartSpec describes a chart over months; web builds it, views embeds it.
type chartSpec struct {
	id     string
	title  string
	xs     []string
	axes   []string // y axis names; a second entry adds a right-hand axis
	scale  bool     // left axis fits the data instead of starting at zero (availability)
	series []series
}

// chartValue scales ratios to percent so axes read naturally.
func chartValue(s series, v *float64) any {
	if v == nil {
		return "-"
	}
	x := *v
	if s.unit.Percent() {
		x *= 100
	}
	return x
}

// buildChart renders a go-echarts snippet (SVG renderer, fixed ID) and a
// table with the same numbers for print and screen readers. Only the
// snippet's script is used: the container is ours, sized by CSS, because the
// snippet's element carries an inline style the CSP forbids.
func buildChart(ctx context.Context, spec chartSpec) views.Chart {
	// A series with no value at all (a target line where the scope has no
	// target) would only add an empty legend entry and table column.
	kept := spec.series[:0:0]
	for _, s := range spec.series {
		if slices.ContainsFunc(s.values, func(v *float64) bool { return v != nil }) || !s.dashed {
			kept = append(kept, s)
		}
	}
	spec.series = kept
	init := opts.Initialization{ChartID: spec.id, Renderer: "svg", Width: "100%", Height: "320px", AssetsHost: "/static/vendor/"}
	global := []charts.GlobalOpts{
		charts.WithInitializationOpts(init),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
		charts.WithAnimation(false),
		charts.WithYAxisOpts(opts.YAxis{Name: spec.axes[0], Type: "value", Scale: opts.Bool(spec.scale)}),
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(global...)
	if len(spec.axes) > 1 {
		bar.ExtendYAxis(opts.YAxis{Name: spec.axes[1], Type: "value", Position: "right"})
	}
	bar.SetXAxis(spec.xs)
	line := charts.NewLine()
	line.SetXAxis(spec.xs)
	hasLine := false
	for _, s := range spec.series {
		if s.line {
			hasLine = true
			data := make([]opts.LineData, len(s.values))
			for i, v := range s.values {
				data[i] = opts.LineData{Value: chartValue(s, v)}
			}
			so := []charts.SeriesOpts{charts.WithLineChartOpts(opts.LineChart{YAxisIndex: s.axis, ConnectNulls: opts.Bool(false), ShowSymbol: opts.Bool(!s.dashed)})}
			if s.dashed {
				so = append(so, charts.WithLineStyleOpts(opts.LineStyle{Type: "dashed", Color: s.color}))
			}
			if s.color != "" {
				so = append(so, charts.WithItemStyleOpts(opts.ItemStyle{Color: s.color}))
			}
			line.AddSeries(s.name, data, so...)
			continue
		}
		data := make([]opts.BarData, len(s.values))
		for i, v := range s.values {
			data[i] = opts.BarData{Value: chartValue(s, v)}
		}
		so := []charts.SeriesOpts{charts.WithBarChartOpts(opts.BarChart{Stack: s.stack, YAxisIndex: s.axis})}
		if s.color != "" {
			so = append(so, charts.WithItemStyleOpts(opts.ItemStyle{Color: s.color}))
		}
		bar.AddSeries(s.name, data, so...)
	}
	if hasLine {
		bar.Overlap(line)
	}
	snip := bar.RenderSnippet()
	script := strings.Replace(snip.Script, `<script type="text/javascript">`, `<script nonce="`+nonce(ctx)+`">`, 1)

	t := views.Table{Caption: spec.title, Columns: []views.Column{{Label: "Month"}}}
	for _, s := range spec.series {
		t.Columns = append(t.Columns, views.Column{Label: s.name, Numeric: true})
	}
	// One unit per axis: the series sharing an axis and unit (MTTR, MTTD
	// and their targets) read in one scale, chosen from all their values.
	type axisUnit struct {
		axis int
		unit analytics.Unit
	}
	formats := map[axisUnit]kpifmt.Format{}
	for _, s := range spec.series {
		k := axisUnit{s.axis, s.unit}
		if _, ok := formats[k]; ok {
			continue
		}
		var all []*float64
		for _, o := range spec.series {
			if (axisUnit{o.axis, o.unit}) == k {
				all = append(all, o.values...)
			}
		}
		formats[k] = kpifmt.ForUnit(s.unit, all...)
	}
	for i, x := range spec.xs {
		row := []views.Cell{{Text: x}}
		for _, s := range spec.series {
			txt := formats[axisUnit{s.axis, s.unit}].Text(s.values[i], "—")
			row = append(row, views.Cell{Text: txt, Class: "num"})
		}
		t.Rows = append(t.Rows, row)
	}
	return views.Chart{ID: spec.id, Title: spec.title, Script: script, Table: t}
}
