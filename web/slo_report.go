package web

import (
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/views"
)

// sloMonths and sloQuarters are how many calendar periods an SLO's report shows.
const (
	sloMonths   = 12
	sloQuarters = 4
)

// listSLOs shows every SLO with its rolling window, the current calendar
// month and quarter: attainment, budget remaining and burn rate.
func (h *Handler) listSLOs(c echo.Context) error {
	ctx := c.Request().Context()
	slos, err := h.store.SLOList(ctx)
	if err != nil {
		return err
	}
	now := h.cfg.Now()
	t := views.Table{TestID: "slos", Empty: "No SLOs yet: import OpenSLO or Sloth definitions, or an SLI CSV, on the import page.",
		Columns: []views.Column{{Label: "Service"}, {Label: "SLO"}, {Label: "Objective", Numeric: true}, {Label: "Window"},
			{Label: "Rolling SLI", Numeric: true}, {Label: "Rolling budget left", Numeric: true},
			{Label: "This month SLI", Numeric: true}, {Label: "Month budget left", Numeric: true}, {Label: "Month burn rate", Numeric: true},
			{Label: "This quarter SLI", Numeric: true}, {Label: "Quarter budget left", Numeric: true}, {Label: "Queries"}, {Label: "Last day"}}}
	for _, s := range slos {
		from := analytics.QuarterOf(now, time.UTC).From.AddDate(0, 0, -max(s.WindowDays, 1))
		days, err := h.store.SLIDaysOfSLO(ctx, s.ID, from, now.AddDate(0, 0, 1))
		if err != nil {
			return err
		}
		r := analytics.BuildSLOReport(days, s.Objective, s.WindowDays, now, 1, 1)
		m, q := r.Months[0], r.Quarters[0]
		src := s.QueryType
		if src == "" {
			src = "none (SLI days imported)"
		}
		last := "—"
		if !s.LastDay.IsZero() {
			last = s.LastDay.Format(time.DateOnly)
		}
		href := "/slos/" + strconv.FormatInt(s.ID, 10)
		t.Rows = append(t.Rows, []views.Cell{{Text: s.Service, Href: serviceHref(s.Service)}, {Text: s.Name, Href: href, TestID: "slo-" + s.Name},
			{Text: fmtRatio(&s.Objective, 3), Class: "num"}, {Text: sloWindow(s.WindowDays, s.Calendar)},
			{Text: fmtRatio(r.Rolling.SLI, 3), Class: "num"}, budgetCell(r.Rolling.BudgetRemaining),
			{Text: fmtRatio(m.SLI, 3), Class: "num"}, budgetCell(m.BudgetRemaining), {Text: fmtBurn(m.BurnRate), Class: "num"},
			{Text: fmtRatio(q.SLI, 3), Class: "num"}, budgetCell(q.BudgetRemaining), {Text: src}, {Text: last}})
	}
	v := views.RecordList{Layout: h.layout(c, "SLOs", views.NavSLOs), Table: t, Pager: views.Pager{Shown: len(slos)},
		Summary: "Periods are UTC calendar days, the days SLI counts are kept by; the current month and quarter cover the days so far."}
	return ok(c, views.RecordListPage(v))
}

// showSLO is one SLO's report: the rolling window, the last twelve
// calendar months and four quarters.
func (h *Handler) showSLO(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(404, "no such SLO")
	}
	s, err := h.store.SLOByID(ctx, id)
	if err != nil {
		return notFoundOr(err, "SLO")
	}
	now := h.cfg.Now()
	first := analytics.QuarterOf(now, time.UTC)
	for i := 1; i < sloQuarters; i++ {
		first = first.Prev()
	}
	from := first.From
	if m := analytics.MonthOf(now, time.UTC).From.AddDate(0, -(sloMonths - 1), 0); m.Before(from) {
		from = m
	}
	if w := now.AddDate(0, 0, -s.WindowDays); w.Before(from) {
		from = w
	}
	days, err := h.store.SLIDaysOfSLO(ctx, s.ID, from, now.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	r := analytics.BuildSLOReport(days, s.Objective, s.WindowDays, now, sloMonths, sloQuarters)
	last := "none yet"
	if !s.LastDay.IsZero() {
		last = s.LastDay.Format(time.DateOnly)
	}
	v := views.SLOReport{Layout: h.layout(c, s.Service+" · "+s.Name, views.NavSLOs),
		Facts: []views.Fact{{Label: "Service", Value: s.Service, Href: serviceHref(s.Service)},
			{Label: "Objective", Value: fmtRatio(&s.Objective, 3), TestID: "slo-objective"},
			{Label: "Window", Value: sloWindow(s.WindowDays, s.Calendar), TestID: "slo-window"},
			{Label: "SLI days stored", Value: strconv.Itoa(s.Days)}, {Label: "Last day", Value: last}},
		Note: "SLI = good ÷ total events; attainment = share of days meeting the objective; burn rate = bad events ÷ error budget, " +
			"the budget being (1 − objective) × total events; budget left = 1 − burn rate. A period in progress covers its days so far.",
		Rolling:  sloPeriodTable("slo-rolling", []analytics.SLOFigures{r.Rolling}, false),
		Months:   sloPeriodTable("slo-months", r.Months, true),
		Quarters: sloPeriodTable("slo-quarters", r.Quarters, true)}
	return ok(c, views.SLOReportPage(v))
}

func sloPeriodTable(id string, fs []analytics.SLOFigures, calendar bool) views.Table {
	t := views.Table{TestID: id, Columns: []views.Column{{Label: "Period"}, {Label: "Days with data", Numeric: true},
		{Label: "Good", Numeric: true}, {Label: "Total", Numeric: true}, {Label: "SLI", Numeric: true}, {Label: "Objective met"},
		{Label: "Attainment (days)", Numeric: true}, {Label: "Budget left", Numeric: true}, {Label: "Burn rate", Numeric: true}}}
	for _, f := range fs {
		label := f.Label
		if f.InProgress && calendar {
			label += " (so far)"
		}
		met := "—"
		if f.SLI != nil {
			met = map[bool]string{true: "met", false: "missed"}[f.Met]
		}
		t.Rows = append(t.Rows, []views.Cell{{Text: label, TestID: "period"},
			{Text: strconv.Itoa(f.DaysWithData) + " of " + strconv.Itoa(f.Elapsed), Class: "num"},
			{Text: strconv.FormatInt(f.Good, 10), Class: "num"}, {Text: strconv.FormatInt(f.Total, 10), Class: "num"},
			{Text: fmtRatio(f.SLI, 3), Class: "num", TestID: "sli"}, {Text: met, TestID: "met"},
			{Text: fmtRatio(f.Attainment, 1), Class: "num"}, budgetCell(f.BudgetRemaining),
			{Text: fmtBurn(f.BurnRate), Class: "num", TestID: "burn"}})
	}
	return t
}

// fmtRatio shows a ratio as a percentage with up to digits decimals.
func fmtRatio(v *float64, digits int) string {
	if v == nil {
		return "—"
	}
	return trimZero(strconv.FormatFloat(*v*100, 'f', digits, 64)) + " %"
}

func fmtBurn(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v, 'f', 2, 64) + "×"
}

func budgetCell(v *float64) views.Cell {
	c := views.Cell{Text: fmtRatio(v, 1), Class: "num", TestID: "budget"}
	if v != nil && *v < 0 {
		c.Class += " bad"
		c.Title = "budget overspent"
	}
	return c
}

func sloWindow(days int, calendar string) string {
	if calendar != "" {
		return "calendar " + calendar
	}
	return strconv.Itoa(days) + "-day rolling"
}
