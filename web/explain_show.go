package web

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/kpifmt"
	"sreport/analytics/program"
	"sreport/docs"
	"sreport/views"
)

// evidenceRows returns the records behind k; the scorecard's derived
// Sev1+2 column is explained by both severities' incidents.
func evidenceRows(r analytics.Result, k string) []analytics.EvidenceRow {
	if k == sev12 {
		return append(append([]analytics.EvidenceRow{}, r.Evidence.For(analytics.KPISev1Count)...), r.Evidence.For(analytics.KPISev2Count)...)
	}
	return r.Evidence.For(k)
}

// kpiValue returns k's value, computing the derived Sev1+2 count.
func kpiValue(r analytics.Result, k string) *float64 {
	if k == sev12 {
		a, b := r.KPIs.Get(analytics.KPISev1Count), r.KPIs.Get(analytics.KPISev2Count)
		if a == nil || b == nil {
			return nil
		}
		s := *a + *b
		return &s
	}
	return r.KPIs.Get(k)
}

// showExplain lists the records behind one KPI value, so a lead can defend
// the number: which records counted, each one's own value, and why.
func (h *Handler) showExplain(c echo.Context) error {
	ctx := acceptStale(c) // an interactive page: labelled when its figures are from before the latest change
	k := c.QueryParam("kpi")
	def, known := kpiDef(k)
	if !known {
		return badRequest("unknown KPI " + strconv.Quote(k))
	}
	env, err := h.env(ctx)
	if err != nil {
		return err
	}
	p, err := h.periodFromQuery(c, env.Settings)
	if err != nil {
		return err
	}
	sc, err := scopeFromQuery(c)
	if err != nil {
		return err
	}
	res, err := h.detail(ctx, env, p, sc)
	if err != nil {
		return unwrapNotFound(err)
	}
	loc := env.Settings.Location()
	rows := evidenceRows(res, k)
	if !canSeePeople(c, env.Settings) {
		rows = anonymiseResponders(rows)
	}
	t := views.Table{TestID: "evidence", Empty: "No records lie behind this number for this period.",
		Columns: []views.Column{{Label: "Record"}, {Label: "When"}, {Label: "Value", Numeric: true}, {Label: "Counts"}, {Label: "Note"}}}
	counted := 0
	for _, r := range rows {
		val := "—"
		if r.Value != nil {
			val = fmtUnit(def.Record, *r.Value)
		}
		if r.Included {
			counted++
		}
		t.Rows = append(t.Rows, []views.Cell{
			{Text: r.Label, Href: evidenceHref(r)},
			{Text: fmtTime(r.At, loc)},
			{Text: val, Class: "num"},
			{Text: yesNo(r.Included)},
			{Text: r.Note},
		})
	}
	scope := "Organisation"
	switch {
	case sc.Service != "":
		scope = sc.Service
	case sc.Tier != nil:
		scope = "Tier " + strconv.Itoa(*sc.Tier)
	}
	if sc.Team != "" {
		scope += " (team " + sc.Team + ")"
	}
	// Back to where the number was shown.
	scopeHref := "/scorecards?period=" + p.Label
	if sc.Service != "" {
		scopeHref = serviceHref(sc.Service) + "?period=" + p.Label
	}
	l := h.layout(c, def.Label+" — "+scope, views.NavScorecards)
	l.Period = h.picker(c, p)
	facts := []views.Fact{
		{Label: def.Label, Value: fmtKPI(k, kpiValue(res, k))},
		{Label: "Scope", Value: scope, Href: scopeHref},
		{Label: "Records listed", Value: strconv.Itoa(len(rows)), Note: strconv.Itoa(counted) + " of them count (marked yes below)"},
	}
	if f, ok := sampleFact(def, res.Counts, env.RulesFor(p).Settings.MinSampleOf(k)); ok {
		facts = append(facts, f)
	}
	if cov := def.CoverageText(res.Counts); cov != "" {
		facts = append(facts, views.Fact{Label: "Data coverage", Value: cov, TestID: "coverage",
			Note: "records without it are left out: unknown, never counted as misses"})
	}
	v := views.Detail{Layout: l,
		Facts:      facts,
		Sections:   []views.Section{{Title: "Records behind the number", Table: t}},
		Definition: docs.PlainSection(def.Doc),
	}
	return ok(c, views.DetailPage(v))
}

// sampleFact is the KPI's sample as the scorecard counts it ("3 of 6
// postmortems due", "1 resolved incident") and, below the minimum sample in
// force for the period, that the value is shown but not judged, so the page
// never leaves a reader to judge a ratio of one record. ok is false for a
// definition that names no sample counts (every registry KPI names some:
// TestRegistryComplete).
func sampleFact(def analytics.KPIDef, c analytics.Counts, minSample int) (views.Fact, bool) {
	if len(def.N) == 0 {
		return views.Fact{}, false
	}
	_, long := kpifmt.Sample(def, c)
	f := views.Fact{Label: "Sample", Value: long, TestID: "sample"}
	if n := def.SampleSize(c); minSample > 0 && n < float64(minSample) {
		f.Note = "below the minimum sample of " + strconv.Itoa(minSample) + ": shown, never judged met or missed (low_sample)"
	}
	return f, true
}

// anonymiseResponders replaces the names in responder rows by their rank
// ("Responder 2: 14 interruptions …"), for users who see team figures only.
func anonymiseResponders(rows []analytics.EvidenceRow) []analytics.EvidenceRow {
	out := make([]analytics.EvidenceRow, len(rows))
	for i, r := range rows {
		if r.Kind == analytics.KindResponder {
			rest := ""
			if j := strings.LastIndex(r.Label, ": "); j >= 0 {
				rest = r.Label[j:]
			}
			r.Label = "Responder " + strconv.FormatInt(r.ID, 10) + rest
		}
		out[i] = r
	}
	return out
}

func evidenceHref(r analytics.EvidenceRow) string {
	switch r.Kind {
	case analytics.KindIncident:
		return idHref("/incidents/", r.ID)
	case analytics.KindDeploy:
		return idHref("/deploys/", r.ID)
	case analytics.KindPage:
		return idHref("/pages/", r.ID)
	case analytics.KindReadiness:
		return "/program/" + program.Readiness
	case analytics.KindDRTest:
		return "/program/" + program.DRTests
	case analytics.KindToilTask:
		return "/program/" + program.ToilTasks
	case analytics.KindCapacity:
		return "/program/" + program.Capacity
	case analytics.KindCost, analytics.KindCostMonth:
		return "/program/" + program.Costs
	case analytics.KindStakeholder:
		return "/program/" + program.Stakeholder
	}
	return ""
}
