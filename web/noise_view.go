package web

import (
	"fmt"
	"strconv"
	"time"

	"sreport/analytics"
	"sreport/views"
)

// noiseAlertTable lists the noisiest alerts, grouped by normalised title.
func noiseAlertTable(a analytics.NoiseAnalysis, d noiseLinks, loc *time.Location) views.Section {
	t := views.Table{TestID: "noise-alerts",
		Caption: fmt.Sprintf("Alerts grouped by title with ids, hosts, timestamps and counts removed (the repeat-incident rule), most noise pages first; a share over fewer than %d pages is greyed.", a.MinSample),
		Columns: []views.Column{{Label: "Alert"}, {Label: "Latest title"}, {Label: "Pages", Numeric: true}, {Label: "Noise", Numeric: true},
			{Label: "Noise share", Numeric: true}, {Label: "Services", Numeric: true}, {Label: "Latest page"}}}
	for _, g := range top(a.Alerts) {
		key, name := g.Key, g.Key
		if key == "" {
			key, name = untitledAlert, "(no title)"
		}
		t.Rows = append(t.Rows, []views.Cell{
			{Text: name, Href: d.href("alert", key), TestID: "alert-" + key},
			{Text: g.Title},
			{Text: strconv.Itoa(g.Pages), Class: "num", Href: d.href("alert", key)},
			{Text: strconv.Itoa(g.Noise), Class: "num", Href: d.href("alert", key, "noise", "noise")},
			share(g.Noise, g.Pages, a.MinSample),
			{Text: strconv.Itoa(g.Services), Class: "num"},
			{Text: fmtTime(g.Last, loc)},
		})
	}
	return views.Section{Title: "Noisiest alerts" + shown(len(a.Alerts), "alerts"), Table: t}
}

// noiseServiceTable lists the services that page with the most noise.
func noiseServiceTable(a analytics.NoiseAnalysis, d noiseLinks, loc *time.Location) views.Section {
	t := views.Table{TestID: "noise-services", Caption: "Services by noise pages, then pages.",
		Columns: []views.Column{{Label: "Service"}, {Label: "Pages", Numeric: true}, {Label: "Noise", Numeric: true},
			{Label: "Noise share", Numeric: true}, {Label: "Latest page"}}}
	for _, g := range top(a.Services) {
		t.Rows = append(t.Rows, []views.Cell{
			{Text: g.Key, Href: d.href("service", g.Key), TestID: "service-" + g.Key},
			{Text: strconv.Itoa(g.Pages), Class: "num", Href: d.href("service", g.Key)},
			{Text: strconv.Itoa(g.Noise), Class: "num", Href: d.href("service", g.Key, "noise", "noise")},
			share(g.Noise, g.Pages, a.MinSample),
			{Text: fmtTime(g.Last, loc)},
		})
	}
	return views.Section{Title: "Noisiest services" + shown(len(a.Services), "services"), Table: t}
}

// top is the first noiseTop groups.
func top(gs []analytics.NoiseGroup) []analytics.NoiseGroup { return gs[:min(len(gs), noiseTop)] }

// shown says how many of n groups a table shows when it cannot show all.
func shown(n int, what string) string {
	if n <= noiseTop {
		return ""
	}
	return fmt.Sprintf(" (top %d of %d %s)", noiseTop, n, what)
}

// heatLevel is the shade of a cell of n pages when the busiest has max:
// quarters of max, 0 for none.
func heatLevel(n, max int) int {
	if n == 0 || max == 0 {
		return 0
	}
	return (4*n + max - 1) / max
}

// noiseHeat is the weekday × hour grid of pages in the reporting timezone.
func noiseHeat(a analytics.NoiseAnalysis, d noiseLinks, p analytics.Period) views.PageHeat {
	h := views.PageHeat{
		Caption: fmt.Sprintf("Pages of %s by weekday and hour in %s, the reporting timezone (daylight saving applied)", periodTitle(p), p.Loc),
		Note:    fmt.Sprintf("n = %d pages. Each cell links to its pages; its tooltip says how many were noise.", a.Pages),
	}
	for hr := range 24 {
		h.Hours = append(h.Hours, fmt.Sprintf("%02d", hr))
	}
	for wd, row := range a.Heat {
		r := views.PageHeatRow{Day: weekdayNames[wd][:3]}
		for hr, n := range row {
			c := views.PageHeatCell{Level: heatLevel(n.Pages, a.HeatMax),
				Title: fmt.Sprintf("%s %02d:00–%02d:59: %d pages, %d noise", weekdayNames[wd], hr, hr, n.Pages, n.Noise)}
			if n.Pages > 0 {
				c.Text = strconv.Itoa(n.Pages)
				c.Href = d.href("weekday", weekdayKeys[wd], "hour", strconv.Itoa(hr))
			}
			r.Cells = append(r.Cells, c)
		}
		h.Rows = append(h.Rows, r)
	}
	// Level k holds the counts n with max·(k−1)/4 < n ≤ max·k/4.
	for k := 1; k <= 4; k++ {
		lo, hi := a.HeatMax*(k-1)/4+1, a.HeatMax*k/4
		switch {
		case lo > hi:
			continue
		case lo == hi:
			h.Legend = append(h.Legend, views.PageHeatLevel{Level: k, Text: strconv.Itoa(lo)})
		default:
			h.Legend = append(h.Legend, views.PageHeatLevel{Level: k, Text: fmt.Sprintf("%d–%d", lo, hi)})
		}
	}
	return h
}
