package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/views"
)

// navItems is the main navigation, in display order. The sections a
// reader opens weekly stay at the top level; the operational record and the
// reliability program are groups, so the bar has room to grow without
// shrinking its type.
var navItems = []views.NavItem{
	{Key: views.NavScorecards, Label: "Scorecards", Href: "/scorecards"},
	{Key: views.NavTrends, Label: "Trends", Href: "/trends"},
	{Key: views.NavReports, Label: "Reports", Href: "/reports"},
	{Key: views.NavServices, Label: "Services", Href: "/services"},
	{Key: views.NavSLOs, Label: "SLOs", Href: "/slos"},
	{Key: views.NavGroupOperations, Label: "Operations", Children: []views.NavItem{
		{Key: views.NavIncidents, Label: "Incidents", Href: "/incidents"},
		{Key: views.NavDeploys, Label: "Deploys", Href: "/deploys"},
		{Key: views.NavPages, Label: "Pages", Href: "/pages"},
		{Key: views.NavNoise, Label: "Noise", Href: "/noise"},
		{Key: views.NavOnCall, Label: "On-call", Href: "/oncall"},
		{Key: views.NavActionItems, Label: "Action items", Href: "/action-items"},
	}},
	{Key: views.NavGroupProgram, Label: "Program", Children: []views.NavItem{
		{Key: views.NavProgram, Label: "Reliability program", Href: "/program"},
		{Key: views.NavRoadmap, Label: "Roadmap", Href: "/roadmap"},
		{Key: views.NavRisks, Label: "Risks", Href: "/risks"},
	}},
	{Key: views.NavImports, Label: "Imports", Href: "/imports"},
	{Key: views.NavSettings, Label: "Settings", Href: "/settings"},
}

// layout builds the frame every page shares.
func (h *Handler) layout(c echo.Context, title string, active views.Nav) views.Layout {
	l := views.Layout{Title: title, Active: active, Nav: h.navFor(c), Version: h.cfg.Version}
	if tok, ok := c.Get("csrf").(string); ok {
		l.CSRF = tok
	}
	h.addUser(c, &l)
	l.Stale = staleNotice(c)
	return l
}

// navFor keeps the navigation entries the signed-in user may open, judged
// by the same route table that enforces access, so a viewer is never shown
// a link that ends in 403; a group with no link left disappears.
func (h *Handler) navFor(c echo.Context) []views.NavItem {
	rank := -1
	if u := currentUser(c); u != nil {
		rank = store.RoleRank(u.Role)
	}
	var out []views.NavItem
	for _, n := range navItems {
		if len(n.Children) == 0 {
			if h.mayOpen(n.Href, rank) {
				out = append(out, n)
			}
			continue
		}
		g := n
		g.Children = nil
		for _, ch := range n.Children {
			if h.mayOpen(ch.Href, rank) {
				g.Children = append(g.Children, ch)
			}
		}
		if len(g.Children) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// mayOpen reports whether a user of role rank (-1: signed out) may GET href.
func (h *Handler) mayOpen(href string, rank int) bool {
	for _, r := range h.table {
		if r.Method == http.MethodGet && r.Path == href && (r.Role == RolePublic || (rank >= 0 && rank >= store.RoleRank(r.Role))) {
			return true
		}
	}
	return false
}

// periodFromQuery reads ?period= (YYYY-MM or YYYY-QN) in the reporting
// timezone; without one it picks the last complete month, which is what a
// monthly review looks at.
func (h *Handler) periodFromQuery(c echo.Context, st analytics.Settings) (analytics.Period, error) {
	loc := st.Location()
	if v := c.QueryParam("period"); v != "" {
		p, err := analytics.ParsePeriod(v, loc)
		if err != nil {
			return p, badRequest(err.Error())
		}
		if p.From.After(h.cfg.Now()) {
			return p, notFound("period " + p.Label + " has not started yet; data for it")
		}
		return p, nil
	}
	return analytics.MonthOf(h.cfg.Now(), loc).Prev(), nil
}

// picker builds the period picker whose links keep the other query
// parameters; a period that has not ended yet is marked as in progress, so
// nobody compares a half month with a whole one unawares.
func (h *Handler) picker(c echo.Context, p analytics.Period) *views.PeriodPicker {
	pp := picker(c, p)
	now := h.cfg.Now()
	if p.To.After(now) {
		pp.Label += " (in progress)"
	}
	if p.Next().From.After(now) {
		pp.NextHref = "" // the future has no data yet
	}
	return pp
}

func picker(c echo.Context, p analytics.Period) *views.PeriodPicker {
	link := func(q analytics.Period) string {
		v := url.Values{}
		for k, vs := range c.QueryParams() {
			if k != "period" && k != "after" {
				v[k] = vs
			}
		}
		v.Set("period", q.Label)
		return c.Request().URL.Path + "?" + v.Encode()
	}
	pp := &views.PeriodPicker{Label: periodTitle(p), Value: p.Label, PrevHref: link(p.Prev()), NextHref: link(p.Next()),
		IsQuarter: p.Kind == analytics.Quarter}
	if p.Kind == analytics.Quarter {
		pp.ToggleHref, pp.ToggleText = link(p.Months()[2]), "Month view"
	} else {
		pp.ToggleHref, pp.ToggleText = link(analytics.QuarterOf(p.From, p.Loc)), "Quarter view"
	}
	return pp
}

// periodTitle is the human label of a period: "October 2026" or "Q3 2026".
func periodTitle(p analytics.Period) string {
	if p.Kind == analytics.Quarter {
		return "Q" + string(rune('0'+p.Num)) + " " + p.From.Format("2006")
	}
	return p.From.Format("January 2006")
}

// fmtTime shows a UTC instant in the reporting timezone.
func fmtTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

func fmtTimePtr(t *time.Time, loc *time.Location) string {
	if t == nil {
		return "—"
	}
	return fmtTime(*t, loc)
}
