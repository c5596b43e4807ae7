package web

import (
	"context"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/program"
	"sreport/analytics/scorecard"
	"sreport/views"
)

// showProgram renders the Program page: every program input with its
// record count and the KPIs computed from it, organisation-wide and by
// tier, for a period (by default the last complete quarter, the program's
// review cadence), and the capacity samples past their safe threshold.
func (h *Handler) showProgram(c echo.Context) error {
	ctx := acceptStale(c) // an interactive page: labelled when its figures are from before the latest change
	env, err := h.env(ctx)
	if err != nil {
		return err
	}
	p := analytics.QuarterOf(h.cfg.Now(), env.Settings.Location()).Prev()
	if c.QueryParam("period") != "" {
		if p, err = h.periodFromQuery(c, env.Settings); err != nil {
			return err
		}
	}
	card, err := h.card(ctx, env, p, scorecard.Scope{})
	if err != nil {
		return err
	}
	trend, err := h.programTrend(ctx, env, p)
	if err != nil {
		return err
	}
	// The layout after every cached figure is in hand: it says whether any was stale.
	v := views.ProgramView{Layout: h.layout(c, "Reliability program", views.NavProgram)}
	v.Layout.Period = h.picker(c, p)
	rows := append(slices.Clone(card.Tiers), card.Org)
	for _, in := range program.Inputs() {
		recs, err := h.store.ProgramRecords(ctx, in)
		if err != nil {
			return err
		}
		sum := views.ProgramInputSummary{Key: in.Key, Title: in.Title, About: in.About, Href: programHref(in), Records: len(recs)}
		sum.KPIs = views.Table{TestID: "program-kpis-" + in.Key, Columns: []views.Column{{Label: "KPI"}}}
		for _, r := range rows {
			sum.KPIs.Columns = append(sum.KPIs.Columns, views.Column{Label: r.Name, Numeric: true})
		}
		for _, tp := range trend {
			sum.KPIs.Columns = append(sum.KPIs.Columns, views.Column{Label: "Org " + periodTitle(tp.p), Numeric: true})
		}
		for _, k := range in.KPIs {
			d, _ := analytics.KPIDefOf(k)
			row := []views.Cell{{Text: d.Label, Title: "docs/metrics.md#" + d.Doc}}
			for _, r := range rows {
				row = append(row, programCell(k, r, p))
			}
			for _, tp := range trend {
				v := tp.kpis.Get(k)
				row = append(row, views.Cell{Text: kpiFormat(k, v).Text(v, "no data"), Class: "num", Title: "organisation, " + tp.p.Label})
			}
			sum.KPIs.Rows = append(sum.KPIs.Rows, row)
		}
		v.Inputs = append(v.Inputs, sum)
		if in.Key == program.Capacity {
			v.OverThreshold = overThreshold(recs, p)
		}
	}
	return ok(c, views.ProgramPage(v))
}

// programPeriod is one earlier period's organisation KPIs.
type programPeriod struct {
	p    analytics.Period
	kpis analytics.KPIs
}

// programTrend returns the organisation's KPIs of the three periods of
// p's kind before it, newest first: the program's trend, read from the
// current figures backwards (once per data version).
func (h *Handler) programTrend(ctx context.Context, env scorecard.Env, p analytics.Period) ([]programPeriod, error) {
	return scorecard.Do(ctx, h.cache, h.store, cacheKey("program-trend", env, p, scorecard.Scope{}), func(ctx context.Context) ([]programPeriod, error) {
		out := make([]programPeriod, 3)
		q := p
		for i := range out {
			q = q.Prev()
			res, err := scorecard.KPIs(ctx, h.store, env, q, scorecard.Scope{})
			if err != nil {
				return nil, err
			}
			out[i] = programPeriod{p: q, kpis: res.KPIs}
		}
		return out, nil
	})
}

// programCell is one KPI of one scorecard row: its value with the status
// against the row's target, linked to the records behind it.
func programCell(k string, r scorecard.Row, p analytics.Period) views.Cell {
	cell, found := r.KPIs[k]
	if !found {
		return views.Cell{Text: "—", Class: "num", Title: "shown on the organisation's row"}
	}
	d, _ := analytics.KPIDefOf(k)
	out := views.Cell{Text: cellFormat(k, cell).Text(cell.Value, "no data"), Class: "num st-" + cell.Status,
		Title: "n = " + strconv.FormatFloat(cell.N, 'f', -1, 64) + " " + d.Sample.Word(cell.N) + "; " + cell.Status}
	sc := scorecard.Scope{}
	if r.Kind == scorecard.KindTier {
		sc.Tier = r.Tier
	}
	if cell.Value != nil {
		out.Href = explainHref(k, p, sc)
	}
	return out
}

// overThreshold lists the capacity samples of p's months whose peak
// exceeds the safe threshold.
func overThreshold(recs []program.Record, p analytics.Period) views.Table {
	t := views.Table{TestID: "capacity-over", Empty: "No resource was used past its safe threshold in this period.",
		Columns: cols("Service", "Month", "Resource", "Peak % #", "Safe % #")}
	var months []string
	for _, m := range p.Months() {
		months = append(months, m.From.Format("2006-01"))
	}
	for _, r := range recs {
		v := r.Values
		peak, _ := strconv.ParseFloat(v["peak_pct"], 64)
		safe, _ := strconv.ParseFloat(v["safe_pct"], 64)
		if !slices.Contains(months, v["month"]) || peak <= safe {
			continue
		}
		t.Rows = append(t.Rows, []views.Cell{{Text: v["service"], Href: serviceHref(v["service"])}, {Text: v["month"]},
			{Text: v["resource"]}, {Text: v["peak_pct"], Class: "num st-missed"}, {Text: v["safe_pct"], Class: "num"}})
	}
	return t
}
