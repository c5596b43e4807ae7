package web

import (
	"math"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/kpifmt"
	"sreport/views"
)

// initiativeEditHref links to an initiative's edit form.
func initiativeEditHref(code string) string { return "/roadmap/" + url.PathEscape(code) + "/edit" }

// initiativeTargetText writes an initiative's target as people read it: "to 45 min",
// "by −5 pp" (a change of a percentage is in points), "by +2".
func initiativeTargetText(in analytics.Initiative) string {
	d, ok := analytics.KPIDefOf(in.KPI)
	if !ok {
		return ""
	}
	if in.TargetKind == analytics.TargetValue {
		return "to " + kpifmt.Exact(d.Unit, in.Target)
	}
	return "by " + signedAmount(d.Unit, in.Target)
}

// signedAmount writes a change of unit u with its sign, percentages in
// points: "−5 pp", "+30 min".
func signedAmount(u analytics.Unit, x float64) string {
	sign := "+"
	if x < 0 {
		sign = "−"
	}
	s := kpifmt.Exact(u, math.Abs(x))
	if u.Percent() {
		s = strings.TrimSuffix(s, " %") + " pp"
	}
	return sign + s
}

// targetInput writes a stored target back as the form and the CSV take
// it: "45 min", "-5 %", "99.9 %".
func targetInput(in analytics.Initiative) string {
	d, ok := analytics.KPIDefOf(in.KPI)
	if !ok {
		return ""
	}
	s := kpifmt.Exact(d.Unit, math.Abs(in.Target))
	if in.Target < 0 {
		s = "-" + s
	}
	return s
}

// parseTargetInput reads a target as typed in the KPI's display unit, with
// an optional sign for a change ("-5 %", "−15 min", "+0.1 %").
func parseTargetInput(kpi, text string) (float64, string) {
	d, ok := analytics.KPIDefOf(kpi)
	if !ok {
		return 0, "" // the KPI's own message says it
	}
	s := strings.TrimSpace(text)
	neg := false
	for _, p := range []string{"-", "−", "+"} {
		if rest, cut := strings.CutPrefix(s, p); cut {
			neg, s = p != "+", strings.TrimSpace(rest)
			break
		}
	}
	if s == "" {
		return 0, "Give the amount the KPI should reach or move by."
	}
	v, err := kpifmt.ParseTarget(d.Unit, s)
	if err != nil {
		return 0, err.Error()
	}
	if neg {
		v = -v
	}
	return v, ""
}

// initiativeRow builds a list row.
func initiativeRow(in analytics.Initiative) views.InitiativeRow {
	r := views.InitiativeRow{Code: in.Code, Title: in.Title, Owner: in.Owner, Status: in.Status,
		StatusLabel: analytics.InitiativeStatusLabel(in.Status), Target: initiativeTargetText(in), EditHref: initiativeEditHref(in.Code)}
	r.Quarters = in.StartQuarter
	if in.EndQuarter != in.StartQuarter {
		r.Quarters += " – " + in.EndQuarter
	}
	if d, ok := analytics.KPIDefOf(in.KPI); ok {
		r.KPI = d.Label
	} else {
		r.KPI = in.KPI
	}
	for _, s := range in.Services {
		r.Services = append(r.Services, views.Link{Text: s, Href: serviceHref(s)})
	}
	for _, c := range in.Risks {
		r.Risks = append(r.Risks, views.Link{Text: c, Href: riskHref(c)})
	}
	return r
}

// riskInitiatives lists the initiatives mitigating the risk with code.
func (h *Handler) riskInitiatives(c echo.Context, code string) (views.RiskInitiatives, error) {
	ins, err := h.store.InitiativesForRisk(c.Request().Context(), code)
	if err != nil {
		return views.RiskInitiatives{}, err
	}
	v := views.RiskInitiatives{CanEdit: canEdit(c), NewHref: "/roadmap/new?risk=" + url.QueryEscape(code)}
	for _, in := range ins {
		v.Rows = append(v.Rows, initiativeRow(in))
	}
	return v, nil
}
