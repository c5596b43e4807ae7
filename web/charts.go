package web

import (
	"context"
	"slices"
	"strconv"
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
	// tableOnly keeps the series out of the drawing but in the table
	// beside it: availability, whose differences live in the third
	// decimal, is drawn as the error budget it consumed instead.
	tableOnly bool
	values    []*float64
}

// refLine is a horizontal line across the left axis, in plotted units.
type refLine struct {
	name  string
	value float64
}

// chartSpec describes a chart over months; web builds it, views embeds it.
type chartSpec struct {
	id    string
	title string
	xs    []string
	// axes names the y axes; a second entry adds a right-hand axis. A
	// duration axis is named by the scale its values read in instead.
	axes   []string
	ref    *refLine
	series []series
	// empty says what is missing when no drawn series has a value, and
	// importHref where to import it ("" when the user may not).
	empty      string
	importHref string
}

// axisUnit keys one format: the series sharing an axis and a unit (MTTR
// and its target) read in one scale, chosen from all their values.
type axisUnit struct {
	axis int
	unit analytics.Unit
}

// formats returns the format of every axis and unit of the spec's series.
func (spec chartSpec) formats() map[axisUnit]kpifmt.Format {
	out := map[axisUnit]kpifmt.Format{}
	for _, s := range spec.series {
		k := axisUnit{s.axis, s.unit}
		if _, ok := out[k]; ok {
			continue
		}
		var all []*float64
		for _, o := range spec.series {
			if (axisUnit{o.axis, o.unit}) == k {
				all = append(all, o.values...)
			}
		}
		out[k] = kpifmt.ForUnit(s.unit, all...)
	}
	return out
}

// yAxis is axis i of the spec: it starts at zero (a truncated axis turns a
// small swing into a cliff), names its unit, and labels percentages "%".
func (spec chartSpec) yAxis(i int, formats map[axisUnit]kpifmt.Format) opts.YAxis {
	y := opts.YAxis{Name: spec.axes[i], Type: "value", AxisLabel: &opts.AxisLabel{}}
	if i == 1 {
		y.Position = "right"
	}
	if i == 0 && spec.ref != nil {
		// ECharts sizes an axis by its data alone; the reference line
		// (the whole error budget) must stay in sight when little is spent.
		y.Max = opts.FuncOpts("function (v) { return Math.max(v.max, " + strconv.FormatFloat(spec.ref.value, 'f', -1, 64) + "); }")
	}
	for _, s := range spec.series {
		if s.axis != i || s.tableOnly {
			continue
		}
		f := formats[axisUnit{s.axis, s.unit}]
		switch f.Suffix() {
		case "%":
			y.AxisLabel.Formatter = "{value} %"
		case "min":
			y.Name = "minutes"
		case "h":
			y.Name = "hours"
		case "d":
			y.Name = "days"
		}
		break
	}
	return y
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
	formats := spec.formats()
	out := views.Chart{ID: spec.id, Title: spec.title, Table: chartTable(spec, formats)}
	drawn := false
	for _, s := range spec.series {
		if !s.dashed && !s.tableOnly && slices.ContainsFunc(s.values, func(v *float64) bool { return v != nil }) {
			drawn = true
		}
	}
	if !drawn {
		out.Empty, out.ImportHref = spec.empty, spec.importHref
		return out
	}

	init := opts.Initialization{ChartID: spec.id, Renderer: "svg", Width: "100%", Height: "320px", AssetsHost: "/static/vendor/"}
	global := []charts.GlobalOpts{
		charts.WithInitializationOpts(init),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
		charts.WithAnimation(false),
		// containLabel keeps every axis label inside the drawing, so none is
		// clipped at the card's edge; the bottom leaves room for the legend.
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "8", Top: "36", Bottom: "32", ContainLabel: opts.Bool(true)}),
		// Every month is labelled (interval 0); static/js/app.js turns the
		// labels upright when the chart is too narrow for them side by side.
		charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{Interval: "0", HideOverlap: opts.Bool(false)}}),
		charts.WithYAxisOpts(spec.yAxis(0, formats)),
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(global...)
	if len(spec.axes) > 1 {
		bar.ExtendYAxis(spec.yAxis(1, formats))
	}
	bar.SetXAxis(spec.xs)
	line := charts.NewLine()
	line.SetXAxis(spec.xs)
	hasLine, refDrawn := false, false
	for _, s := range spec.series {
		if s.tableOnly {
			continue
		}
		f := formats[axisUnit{s.axis, s.unit}]
		plot := func(v *float64) any {
			if v == nil {
				return "-"
			}
			return f.Plot(*v)
		}
		if s.line {
			hasLine = true
			data := make([]opts.LineData, len(s.values))
			for i, v := range s.values {
				data[i] = opts.LineData{Value: plot(v)}
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
			data[i] = opts.BarData{Value: plot(v)}
		}
		so := []charts.SeriesOpts{charts.WithBarChartOpts(opts.BarChart{Stack: s.stack, YAxisIndex: s.axis})}
		if s.color != "" {
			so = append(so, charts.WithItemStyleOpts(opts.ItemStyle{Color: s.color}))
		}
		if spec.ref != nil && !refDrawn && s.axis == 0 {
			so = append(so, refLineOpts(*spec.ref)...)
			refDrawn = true
		}
		bar.AddSeries(s.name, data, so...)
	}
	if hasLine {
		bar.Overlap(line)
	}
	snip := bar.RenderSnippet()
	out.Script = strings.Replace(snip.Script, `<script type="text/javascript">`, `<script nonce="`+nonce(ctx)+`">`, 1)
	return out
}

// refLineOpts draws r as a dashed grey mark line labelled with its name
// inside the drawing (a label past the axis end would be clipped).
func refLineOpts(r refLine) []charts.SeriesOpts {
	return []charts.SeriesOpts{
		charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{Name: r.name, YAxis: r.value}),
		charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"},
			Label:     &opts.Label{Show: opts.Bool(true), Position: "insideEndTop", Formatter: "{b}"},
			LineStyle: &opts.LineStyle{Type: "dashed", Color: "#5b6470"}}),
	}
}

// chartTable is the chart's numbers as a table, each series in its
// column's format.
func chartTable(spec chartSpec, formats map[axisUnit]kpifmt.Format) views.Table {
	t := views.Table{Caption: spec.title, Columns: []views.Column{{Label: "Month"}}}
	for _, s := range spec.series {
		t.Columns = append(t.Columns, views.Column{Label: s.name, Numeric: true})
	}
	for i, x := range spec.xs {
		row := []views.Cell{{Text: x}}
		for _, s := range spec.series {
			txt := formats[axisUnit{s.axis, s.unit}].Text(s.values[i], "—")
			row = append(row, views.Cell{Text: txt, Class: "num"})
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}
