package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/report"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
	"sreport/chromium"
	"sreport/views"
)

// ReportRequest names one executive report: a period ("2026-10" or
// "2026-Q3") and optionally a team or tier; Paper is "a4" (default) or
// "letter" for the PDF.
type ReportRequest struct {
	Period string
	Team   string
	Tier   *int
	Paper  string
}

// scope is the request's scorecard scope.
func (r ReportRequest) scope() scorecard.Scope { return scorecard.Scope{Team: r.Team, Tier: r.Tier} }

// query is the request's scope as URL parameters.
func (r ReportRequest) query() url.Values {
	v := url.Values{}
	if r.Team != "" {
		v.Set("team", r.Team)
	}
	if r.Tier != nil {
		v.Set("tier", strconv.Itoa(*r.Tier))
	}
	return v
}

// href links to the report in format ("", ".pdf" or ".html").
func (r ReportRequest) href(label, ext string) string {
	u := "/reports/" + label + ext
	if q := r.query().Encode(); q != "" {
		u += "?" + q
	}
	return u
}

// scopeNames returns the scope as a heading ("Team payments") and as the
// subject of a sentence ("team payments", "payments' tier-0 services").
func (r ReportRequest) scopeNames() (heading, subject string) {
	subject = report.ScopeSubject(r.Team, r.Tier)
	switch {
	case r.Team != "" && r.Tier != nil:
		return fmt.Sprintf("Team %s, tier %d", r.Team, *r.Tier), subject
	case r.Team != "":
		return "Team " + r.Team, subject
	case r.Tier != nil:
		return fmt.Sprintf("Tier %d", *r.Tier), subject
	}
	return "Organisation", subject
}

// parseReportRequest reads the period from the path (with an optional
// .pdf or .html suffix) and the scope from ?team= and ?tier=.
func parseReportRequest(c echo.Context) (ReportRequest, string, error) {
	label, ext := c.Param("period"), ""
	for _, e := range []string{".pdf", ".html"} {
		if strings.HasSuffix(label, e) {
			label, ext = strings.TrimSuffix(label, e), e
		}
	}
	r := ReportRequest{Period: label, Team: c.QueryParam("team"), Paper: c.QueryParam("paper")}
	if t := c.QueryParam("tier"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 || n > 3 {
			return r, ext, badRequest("tier must be 0, 1, 2 or 3")
		}
		r.Tier = &n
	}
	if r.Paper != "" && r.Paper != "a4" && r.Paper != "letter" {
		return r, ext, badRequest("paper must be a4 or letter")
	}
	return r, ext, nil
}

// showReport renders the printable report, or downloads it as PDF or HTML.
func (h *Handler) showReport(c echo.Context) error {
	req, ext, err := parseReportRequest(c)
	if err != nil {
		return err
	}
	// Like the PDF path: a few at a time, and a clear "try again" beyond.
	select {
	case h.reportSlots <- struct{}{}:
		defer func() { <-h.reportSlots }()
	default:
		c.Response().Header().Set("Retry-After", "5")
		return userError{http.StatusTooManyRequests, "Other reports are being prepared right now; try again in a few seconds."}
	}
	// The request's context reaches every query and every engine run, so
	// a reader who leaves stops the work.
	ctx := c.Request().Context()
	env, err := h.env(ctx)
	if err != nil {
		return err
	}
	now := h.cfg.Now()
	switch ext {
	case ".pdf":
		return h.downloadReportPDF(c, env, req, now)
	case ".html":
		b, err := reportHTML(ctx, h.store, env, req, now, h.cfg.Version, true)
		if err != nil {
			return reportError(err)
		}
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+reportFileName(req, ".html")+`"`)
		return c.HTMLBlob(http.StatusOK, b)
	}
	v, err := buildReportView(ctx, h.store, env, req, now, h.cfg.Version)
	if err != nil {
		return reportError(err)
	}
	v.Toolbar = true
	v.BackHref = "/reports"
	if q := req.query().Encode(); q != "" {
		v.BackHref += "?" + q
	}
	v.HTMLHref = req.href(v.PeriodLabel, ".html")
	if _, ok := chromium.Path(); ok {
		v.PDFHref = req.href(v.PeriodLabel, ".pdf")
	} else {
		v.PDFNote = pdfMissingNote
	}
	return ok(c, views.ReportPage(v))
}

// reportError turns a bad period or unknown team into a user error.
func reportError(err error) error {
	var pe periodError
	if errors.As(err, &pe) {
		return badRequest(pe.Error())
	}
	return unwrapNotFound(err)
}

// periodError is a period label that does not parse.
type periodError struct{ err error }

func (e periodError) Error() string { return e.err.Error() }

// reportFileName is the download's name: sreport-2026-Q3[-team-payments][-tier-0].pdf.
func reportFileName(req ReportRequest, ext string) string {
	name := "sreport-" + req.Period
	if req.Team != "" {
		name += "-team-" + safeName(req.Team)
	}
	if req.Tier != nil {
		name += "-tier-" + strconv.Itoa(*req.Tier)
	}
	return name + ext
}

// safeName keeps letters, digits, dashes and underscores for a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, s)
}

// renderBytes renders a component to bytes, with ctx's CSP nonce.
func renderBytes(ctx context.Context, comp templ.Component) ([]byte, error) {
	var b strings.Builder
	if err := comp.Render(ctx, &b); err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	return []byte(b.String()), nil
}

// loadReportData loads and computes everything one report shows.
func loadReportData(ctx context.Context, st *store.Store, env scorecard.Env, p analytics.Period, req ReportRequest) (report.Data, error) {
	sc := req.scope()
	_, subject := req.scopeNames()
	d := report.Data{Period: p, Prev: p.Prev(), ScopeName: subject, Team: req.Team, Tier: req.Tier, Settings: env.Settings, AsOf: env.Settings.AsOf}
	if d.AsOf.IsZero() {
		d.AsOf = p.To
	}
	services, err := env.Filter(sc)
	if err != nil {
		return d, err
	}
	if d.Card, err = scorecard.Build(ctx, st, env, p, sc); err != nil {
		return d, err
	}
	// Target streaks ("for the sixth quarter in a row") need the periods
	// before the previous one, back to the first without data, at most
	// report.MaxHistory before this one. The window holds one period more,
	// as a probe: when it still has data the streaks may go back further.
	// One load covers the window, the previous period and this one (whose
	// months it contains).
	window := make([]analytics.Period, report.MaxHistory-1)
	e := d.Prev
	for i := len(window) - 1; i >= 0; i-- {
		e = e.Prev()
		window[i] = e
	}
	in, err := scorecard.Load(ctx, st, env, services, append(slices.Clone(window), d.Prev, p)...)
	if err != nil {
		return d, err
	}
	if err := computeReport(ctx, &d, in, env, services, window); err != nil {
		return d, err
	}
	if len(services) > 0 {
		ids := make([]int64, len(services))
		for i, s := range services {
			ids[i] = s.ID
		}
		if d.Incidents, err = st.IncidentsInRange(ctx, ids, store.TimeRange{From: p.From, To: p.To}); err != nil {
			return d, err
		}
	}
	// The register as it stood at the end of the period, so a past report
	// reads the same whatever happened to the risks since.
	risks, err := st.RisksAsOf(ctx, p.To)
	if err != nil {
		return d, err
	}
	inScope := map[string]bool{}
	for _, s := range services {
		inScope[s.Name] = true
	}
	byID := map[int64]analytics.Risk{}
	for _, r := range risks {
		if sc.Team == "" && sc.Tier == nil || slices.ContainsFunc(r.Services, func(n string) bool { return inScope[n] }) {
			d.Risks = append(d.Risks, r)
			byID[r.ID] = r
		}
	}
	changes, err := st.RiskChangesBetween(ctx, p.From, p.To)
	if err != nil {
		return d, err
	}
	d.MoveScores = map[int64]int{}
	for _, ev := range changes {
		r, ok := byID[ev.RiskID]
		if ev.Field != "status" || !ok {
			continue
		}
		d.RiskEvents = append(d.RiskEvents, ev)
		// The score right after the move: the changes made with it stand.
		d.MoveScores[ev.ID] = store.RewindRisk(r, changes, ev.At.Add(time.Nanosecond)).Score()
	}
	return d, nil
}

// computeReport runs the engine over a report's loaded records: the
// periods before the previous one (for target streaks), their tier
// roll-ups, a quarter's months, and the DORA bands. It checks ctx before
// every engine run and stops with its error once the reader has gone.
func computeReport(ctx context.Context, d *report.Data, in analytics.Input, env scorecard.Env, services []analytics.Service, window []analytics.Period) error {
	p := d.Period
	for i := len(window) - 1; i >= 0; i-- {
		if err := ctx.Err(); err != nil {
			return err
		}
		res := analytics.ComputeKPIs(in, window[i], env.Settings)
		if !hasData(res) {
			break
		}
		if i == 0 {
			d.EarlierCapped = true // the probe has data: older periods may too
			break
		}
		d.Earlier = append([]analytics.Period{window[i]}, d.Earlier...)
		d.EarlierScope = append([]analytics.KPIs{res.KPIs}, d.EarlierScope...)
	}
	parts := analytics.SplitByService(in)
	byTier := map[int][]analytics.Input{}
	for _, s := range services {
		part := parts[s.ID]
		part.Services = []analytics.Service{s}
		byTier[s.Tier] = append(byTier[s.Tier], part)
	}
	d.EarlierTiers = map[int][]analytics.KPIs{}
	for tier, ins := range byTier {
		merged := analytics.MergeInputs(ins...)
		for _, ep := range d.Earlier {
			if err := ctx.Err(); err != nil {
				return err
			}
			d.EarlierTiers[tier] = append(d.EarlierTiers[tier], analytics.ComputeKPIs(merged, ep, env.Settings).KPIs)
		}
	}
	if p.Kind == analytics.Quarter {
		d.Months = p.Months()
		for _, m := range d.Months {
			if err := ctx.Err(); err != nil {
				return err
			}
			d.MonthKPIs = append(d.MonthKPIs, analytics.ComputeKPIs(in, m, env.Settings).KPIs)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	cur := analytics.ComputeKPIs(in, p, env.Settings)
	prev := analytics.ComputeKPIs(in, d.Prev, env.Settings)
	d.Dora = analytics.DoraBands(cur, in, p, env.Settings, env.Bands)
	d.PrevDora = analytics.DoraBands(prev, in, d.Prev, env.Settings, env.Bands)
	return nil
}

// hasData reports whether a period holds any record of the scope: an
// incident, a deploy, a page, an SLI day or a toil entry.
func hasData(r analytics.Result) bool {
	c := r.Counts
	return c.Incidents > 0 || c.Deployments > 0 || c.Rollbacks > 0 || c.Pages > 0 || c.TotalHours > 0 || r.KPIs.Availability != nil
}

// buildReportView loads a report and turns it into its view model.
func buildReportView(ctx context.Context, st *store.Store, env scorecard.Env, req ReportRequest, now time.Time, version string) (views.Report, error) {
	p, err := analytics.ParsePeriod(req.Period, env.Settings.Location())
	if err != nil {
		return views.Report{}, periodError{err}
	}
	if p.From.After(now) {
		return views.Report{}, notFound("period " + p.Label + " has not started yet; a report for it")
	}
	d, err := loadReportData(ctx, st, env, p, req)
	if err != nil {
		return views.Report{}, err
	}
	if err := ctx.Err(); err != nil {
		return views.Report{}, err
	}
	r := report.Build(d)
	heading, _ := req.scopeNames()
	loc := p.Loc
	v := views.Report{
		Title: "Reliability report", PeriodTitle: inProgress(report.Title(p), p, now), PeriodLabel: p.Label, Scope: heading,
		Range:     fmt.Sprintf("%s – %s (%s)", p.From.Format("2 Jan 2006"), p.To.Add(-time.Nanosecond).In(loc).Format("2 Jan 2006"), loc),
		Generated: fmtTime(now, loc), DataAsOf: fmtTime(d.AsOf, loc), Version: version, Previous: report.Title(d.Prev),
		Summary: r.Summary,
	}
	for _, m := range d.Months {
		v.MonthHeads = append(v.MonthHeads, m.From.Format("Jan"))
	}
	v.Headlines = reportKPIs(r.Scope, report.HeadlineKPIs, r.Headlines, "kpi-")
	v.Change = reportKPIs(r.Scope, report.ChangeKPIs, nil, "change-")
	v.OnCall = reportKPIs(r.Scope, report.OnCallKPIs, nil, "oncall-")
	v.Discipline = reportKPIs(r.Scope, report.DisciplineKPIs, nil, "disc-")
	n := r.Scope.Counts
	v.ChangeNote = fmt.Sprintf("%s failed of %s; %s and %s to production.",
		report.Plural(n.FailedChanges, report.Noun{One: "change", Many: "changes"}),
		report.Plural(n.Deployments, report.Noun{One: "deployment", Many: "deployments"}),
		report.Plural(n.Rollbacks, report.Noun{One: "rollback", Many: "rollbacks"}),
		report.Plural(n.Hotfixes, report.Noun{One: "hotfix", Many: "hotfixes"}))
	v.OnCallNote = fmt.Sprintf("%s in total: %d after hours, %d during sleep hours, %d noise; %s hours of toil of %s hours recorded.",
		report.Plural(n.Pages, report.Noun{One: "page", Many: "pages"}), n.PagesAfterHours, n.PagesSleepHours, n.NoisePages,
		trimZero(fmt.Sprintf("%.1f", n.ToilHours)), trimZero(fmt.Sprintf("%.1f", n.TotalHours)))
	v.DiscNote = fmt.Sprintf("%d of %s due were published on time (%d still within their deadline); %d of %s due were closed on time (%d not yet due).",
		n.PostmortemsOnTime, report.Plural(n.PostmortemsDue, report.Noun{One: "postmortem", Many: "postmortems"}), n.PostmortemsPending,
		n.ActionItemsOnTime, report.Plural(n.ActionItemsDue, report.Noun{One: "action item", Many: "action items"}), n.ActionItemsPending)

	for _, m := range report.DoraMetrics {
		row := views.ReportDora{Metric: doraLabel(m), TestID: "dora-" + m}
		for _, dr := range r.Dora {
			if dr.Metric == m {
				row.Band, row.PrevBand, row.Class, row.PrevClass = bandText(dr.Band), bandText(dr.PrevBand), "band-"+dr.Band, "band-"+dr.PrevBand
			}
		}
		v.Dora = append(v.Dora, row)
	}

	v.TierHeads = append([]string{"Tier / service"}, labels(report.TierKPIs)...)
	for _, t := range d.Card.Tiers {
		tid := "tier-" + strconv.Itoa(*t.Tier)
		v.Tiers = append(v.Tiers, reportRow("All tier "+strconv.Itoa(*t.Tier), "", true, tid, t, report.TierKPIs))
		for _, s := range d.Card.Services {
			if *s.Tier == *t.Tier {
				v.Tiers = append(v.Tiers, reportRow(s.Name, s.Team, false, "svc-"+s.Name, s, report.TierKPIs))
			}
		}
	}
	if req.Tier == nil {
		v.Tiers = append(v.Tiers, reportRow(heading, "", true, "org", d.Card.Org, report.TierKPIs))
	}
	v.SLOHeads = append([]string{"Service"}, labels(report.SLOKPIs)...)
	for _, s := range r.SLOs {
		v.SLOs = append(v.SLOs, reportRow(s.Name, fmt.Sprintf("tier %d · %s", *s.Tier, s.Team), false, "slo-"+s.Name, s, report.SLOKPIs))
	}

	v.Incidents = views.Table{TestID: "top-incidents", Empty: "No Sev1 or Sev2 incident in this period.",
		Columns: []views.Column{{Label: "Incident"}, {Label: "Service"}, {Label: "Sev"}, {Label: "Detected"},
			{Label: "Duration", Numeric: true}, {Label: "Customer impact"}, {Label: "Postmortem"}}}
	for _, ir := range r.TopIncidents {
		inc := ir.Incident
		dur := "open"
		if ir.Duration != nil {
			dur = fmtMinutes(ir.Duration.Minutes())
		}
		impact := "no"
		if inc.CustomerImpacting {
			impact = "yes"
		}
		v.Incidents.Rows = append(v.Incidents.Rows, []views.Cell{
			{Text: fmt.Sprintf("#%d %s", inc.ID, inc.Title)}, {Text: inc.Service},
			{Text: "Sev" + strconv.Itoa(inc.Severity), Class: "sev" + strconv.Itoa(inc.Severity)},
			{Text: inc.DetectedAt.In(loc).Format("2 Jan 15:04")}, {Text: dur, Class: "num"}, {Text: impact},
			{Text: postmortemText(ir, loc), Class: "pm-" + ir.Postmortem},
		})
	}
	v.Themes = views.Table{TestID: "themes", Empty: "No theme recurred in this period.",
		Columns: []views.Column{{Label: "Theme"}, {Label: "Incidents", Numeric: true}, {Label: "Sev1/2", Numeric: true}, {Label: "Services"}}}
	for _, t := range r.Themes {
		v.Themes.Rows = append(v.Themes.Rows, []views.Cell{{Text: t.Label, Title: t.Key}, {Text: strconv.Itoa(t.Count), Class: "num"},
			{Text: strconv.Itoa(t.Sev12), Class: "num"}, {Text: strings.Join(t.Services, ", ")}})
	}
	v.Risks = views.Table{TestID: "top-risks", Empty: "No open, mitigating or accepted risk in this scope.",
		Columns: []views.Column{{Label: "Risk"}, {Label: "Score", Numeric: true}, {Label: "Status"}, {Label: "Owner"},
			{Label: "Target date"}, {Label: "Next review"}, {Label: "Services"}}}
	for _, tr := range r.TopRisks {
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
		v.Risks.Rows = append(v.Risks.Rows, []views.Cell{{Text: rk.Code + " " + rk.Title, TestID: "risk-" + rk.Code},
			{Text: fmt.Sprintf("%d %s", rk.Score(), rk.Rating()), Class: "num", TestID: "risk-score-" + rk.Code},
			{Text: rk.Status, TestID: "risk-status-" + rk.Code}, {Text: rk.Owner}, target, review, {Text: strings.Join(rk.Services, ", ")}})
	}
	v.RisksNote = fmt.Sprintf("The register as it stood at the end of %s, judged on %s: ✗ marks a risk still open or being mitigated past its target date, ! a review overdue.",
		report.Title(p), d.RiskAt().Format("2 Jan 2006"))
	v.RiskMoves = views.Table{TestID: "risk-moves", Empty: "No risk was opened, closed or changed status in this period.",
		Columns: []views.Column{{Label: "Date"}, {Label: "Risk"}, {Label: "Movement"}, {Label: "Score", Numeric: true}, {Label: "By"}}}
	for _, m := range r.RiskMoves {
		move := m.From + " → " + m.To
		switch m.Kind {
		case report.MoveNew:
			move = "new (" + m.To + ")"
		case report.MoveClosed:
			move = "closed (was " + m.From + ")"
		}
		v.RiskMoves.Rows = append(v.RiskMoves.Rows, []views.Cell{{Text: m.At.In(loc).Format("2 Jan 2006")}, {Text: m.Code + " " + m.Title},
			{Text: move}, {Text: strconv.Itoa(m.Score), Class: "num"}, {Text: m.Actor}})
	}
	v.Worst = views.Table{TestID: "worst", Empty: "No service worsened on a KPI that is now off its tier target.",
		Columns: []views.Column{{Label: "Service"}, {Label: "KPI"}, {Label: report.Title(d.Prev), Numeric: true},
			{Label: report.Title(p), Numeric: true}, {Label: "Target"}, {Label: "Status"}}}
	v.Worst.Rows = trendRows(r.Worst)
	v.Best = views.Table{TestID: "best", Empty: "No service improved on a KPI that was off its tier target.",
		Columns: slices.Clone(v.Worst.Columns)}
	v.Best.Rows = trendRows(r.Best)

	services, err := env.Filter(req.scope())
	if err != nil {
		return v, err
	}
	ms := scorecard.Months(p, 12)
	rs, _, err := scorecard.Series(ctx, st, env, ms, services)
	if err != nil {
		return v, err
	}
	v.TrendCharts = trendCharts(ctx, "rpt", ms, rs, env, req.Tier)
	v.Charts = true
	return v, nil
}

// trendRows formats worst- or best-trending services: service, KPI, the
// previous and current value, the target and the status now.
func trendRows(ws []report.Worsening) [][]views.Cell {
	var rows [][]views.Cell
	for _, w := range ws {
		icon, word := statusIcon(w.Cell.Status)
		rows = append(rows, []views.Cell{{Text: fmt.Sprintf("%s (tier %d)", w.Service, w.Tier)}, {Text: kpiLabel(w.KPI)},
			{Text: fmtKPI(w.KPI, w.Cell.Previous), Class: "num"}, {Text: fmtKPI(w.KPI, w.Cell.Value), Class: "num"},
			{Text: targetText(w.KPI, w.Cell)}, {Text: icon + " " + word, Class: "st st-" + w.Cell.Status}})
	}
	return rows
}

// reportKPIs formats KPI rows of the scope row; hs adds months and tier counts.
func reportKPIs(row scorecard.Row, keys []string, hs []report.Headline, prefix string) []views.ReportKPI {
	out := make([]views.ReportKPI, 0, len(keys))
	for i, k := range keys {
		c := row.KPIs[k]
		kr := views.ReportKPI{Label: kpiLabel(k), Value: reportValue(k, c, prefix+k), Previous: fmtKPI(k, c.Previous),
			Target: targetText(k, c)}
		if c.Change != nil {
			kr.Change, kr.ChangeClass = fmtChange(k, *c.Change), trendClass(k, c.Direction, *c.Change)
		}
		if hs != nil {
			h := hs[i]
			for j, m := range h.Months {
				kr.Months = append(kr.Months, views.ReportValue{Text: fmtKPI(k, m), Raw: rawValue(m), TestID: fmt.Sprintf("%s%s-m%d", prefix, k, j+1)})
			}
			if h.TiersJudged > 0 {
				kr.TiersMet = fmt.Sprintf("%d of %d", h.TiersMet, h.TiersJudged)
			} else {
				kr.TiersMet = "—"
			}
		}
		out = append(out, kr)
	}
	return out
}

// reportRow formats one scorecard row's cells for keys.
func reportRow(name, note string, rollup bool, testID string, r scorecard.Row, keys []string) views.ReportRow {
	row := views.ReportRow{Name: name, Note: note, Rollup: rollup, TestID: testID}
	for _, k := range keys {
		row.Cells = append(row.Cells, reportValue(k, r.KPIs[k], testID+"-"+k))
	}
	return row
}

// reportValue formats one cell with its status icon and word.
func reportValue(k string, c scorecard.Cell, testID string) views.ReportValue {
	v := views.ReportValue{Text: fmtKPI(k, c.Value), Raw: rawValue(c.Value), Status: c.Status, TestID: testID}
	if c.Target == nil {
		v.Status = "none"
	}
	v.Icon, v.StatusLabel = statusIcon(v.Status)
	return v
}

// rawValue is the engine's value as text, exactly, for tests.
func rawValue(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

// targetText is "≤ 30 min" or "no target".
func targetText(k string, c scorecard.Cell) string {
	if c.Target == nil {
		return "—"
	}
	op := "≤ "
	if c.Direction == analytics.DirectionMin {
		op = "≥ "
	}
	return op + fmtKPI(k, c.Target)
}

func labels(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = kpiLabel(k)
	}
	return out
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
	}
	return "not required"
}

// doraLabel names a DORA metric.
func doraLabel(m string) string {
	switch m {
	case analytics.DoraDeployFrequency:
		return "Deployment frequency"
	case analytics.DoraLeadTimeHours:
		return "Lead time for changes"
	case analytics.DoraChangeFailureRate:
		return "Change failure rate"
	case analytics.DoraRecoveryHours:
		return "Failed deployment recovery time"
	}
	return m
}

func bandText(b string) string {
	if b == "" {
		return "no data"
	}
	return b
}

// inProgress marks the title of a period that has not ended at now, so a
// reader never compares half a month with a whole one unawares.
func inProgress(title string, p analytics.Period, now time.Time) string {
	if p.To.After(now) {
		return title + " (in progress)"
	}
	return title
}
