package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
	"sreport/views"
)

// canSeePeople reports whether the signed-in user may see per-person
// on-call load: editors and admins always, viewers when a setting allows.
func canSeePeople(c echo.Context, st analytics.Settings) bool {
	u := currentUser(c)
	if u == nil {
		return false
	}
	return store.RoleRank(u.Role) >= store.RoleRank(RoleEditor) || st.OnCallPeopleForViewers
}

// showOnCall shows on-call health for a period: one row per team (or the
// team in ?team=) and, for those who may see them, each person's load.
func (h *Handler) showOnCall(c echo.Context) error {
	health, env, p, team, err := h.onCallHealth(c)
	if err != nil {
		return err
	}

	title := "On-call health"
	if team != "" {
		title += " — " + team
	}
	v := views.OnCallView{Layout: h.layout(c, title, views.NavOnCall), Team: team,
		ShowPeople: canSeePeople(c, env.Settings), Threshold: env.SettingsFor(p).SleepInterruptThreshold}
	v.Layout.Period = h.picker(c, p)
	if u := currentUser(c); u != nil && store.RoleRank(u.Role) >= store.RoleRank(RoleEditor) {
		v.PeopleHref = "/oncall/people"
	}
	if team != "" {
		v.AllHref = "/oncall?period=" + url.QueryEscape(p.Label)
	}
	v.Teams = views.Table{TestID: "oncall-teams", Empty: "No pages in this period.", Columns: cols(
		"Team", "Interruptions #", "Business #", "Off hours #", "Sleep hours #", "No responder #", "People #",
		"Load Gini #", "Max ÷ median #", "Sleep-interrupted #", "Health index #",
		"Sleep #", "Off hours ok #", "Fairness #", "Rested #")}
	for _, l := range health.Teams {
		name := l.Team
		if name == "" {
			name = "(no team)"
		}
		href := "/oncall?" + url.Values{"team": {l.Team}, "period": {p.Label}}.Encode()
		if l.Team == "" || team != "" {
			href = ""
		}
		v.Teams.Rows = append(v.Teams.Rows, teamLoadRow(name, href, l))
		if v.ShowPeople {
			v.People = append(v.People, views.Section{Title: name, Table: peopleTable(l)})
		}
	}
	if team == "" && len(health.Teams) > 1 {
		v.Teams.Rows = append(v.Teams.Rows, teamLoadRow("Everyone", "", health.All))
	}
	return ok(c, views.OnCallPage(v))
}

// onCallHealth computes on-call health for ?period= and ?team=.
func (h *Handler) onCallHealth(c echo.Context) (analytics.OnCallHealth, scorecard.Env, analytics.Period, string, error) {
	ctx := c.Request().Context()
	var health analytics.OnCallHealth
	env, err := h.env(ctx)
	if err != nil {
		return health, env, analytics.Period{}, "", err
	}
	p, err := h.periodFromQuery(c, env.Settings)
	if err != nil {
		return health, env, p, "", err
	}
	team := c.QueryParam("team")
	services, err := env.Filter(scorecard.Scope{Team: team})
	if errors.Is(err, analytics.ErrNotFound) {
		return health, env, p, team, notFound("team " + strconv.Quote(team))
	}
	if err != nil {
		return health, env, p, team, err
	}
	in, err := scorecard.Load(ctx, h.store, env, services, p)
	if err != nil {
		return health, env, p, team, err
	}
	// The threshold in force in the period, like every other setting.
	return analytics.ComputeOnCallHealth(in, p, env.SettingsFor(p)), env, p, team, nil
}

// onCallResponse is the JSON of GET /api/v1/oncall.
type onCallResponse struct {
	Period    string                 `json:"period"`
	Team      string                 `json:"team,omitempty"`
	Threshold int                    `json:"sleep_interrupt_threshold"`
	People    bool                   `json:"people_shown"` // false: per-person rows left out for this caller
	Teams     []analytics.OnCallLoad `json:"teams"`
	All       analytics.OnCallLoad   `json:"all"`
}

// apiOnCall returns on-call health per team; per-person rows only to those
// who may see them on the page.
func (h *Handler) apiOnCall(c echo.Context) error {
	health, env, p, team, err := h.onCallHealth(c)
	if err != nil {
		return err
	}
	r := onCallResponse{Period: p.Label, Team: team, Threshold: env.SettingsFor(p).SleepInterruptThreshold,
		People: canSeePeople(c, env.Settings), Teams: health.Teams, All: health.All}
	if r.Teams == nil {
		r.Teams = []analytics.OnCallLoad{}
	}
	if !r.People {
		for i := range r.Teams {
			r.Teams[i].People = nil
		}
		r.All.People = nil
	}
	return c.JSON(http.StatusOK, r)
}

// cols builds plain columns; a label ending in " #" is numeric.
func cols(labels ...string) []views.Column {
	out := make([]views.Column, len(labels))
	for i, l := range labels {
		if n := len(l); n > 2 && l[n-2:] == " #" {
			out[i] = views.Column{Label: l[:n-2], Numeric: true}
		} else {
			out[i] = views.Column{Label: l}
		}
	}
	return out
}

func intCell(n int) views.Cell { return views.Cell{Text: strconv.Itoa(n), Class: "num"} }

func ratioCell(v *float64) views.Cell {
	if v == nil {
		return views.Cell{Text: "no data", Class: "num"}
	}
	return views.Cell{Text: fmtUnit(analytics.UnitRatio, *v), Class: "num"}
}

func oncallKPICell(k string, v *float64) views.Cell {
	return views.Cell{Text: fmtKPI(k, v), Class: "num"}
}

func scoreCell(v *float64) views.Cell {
	if v == nil {
		return views.Cell{Text: "no data", Class: "num"}
	}
	return views.Cell{Text: fmt.Sprintf("%.0f", *v), Class: "num"}
}

func teamLoadRow(name, href string, l analytics.OnCallLoad) []views.Cell {
	idx := scoreCell(l.Health.Value)
	idx.TestID = "health-" + name
	return []views.Cell{
		{Text: name, Href: href},
		intCell(l.Interruptions), intCell(l.Business), intCell(l.Off), intCell(l.Sleep), intCell(l.Unattributed), intCell(l.Responders),
		oncallKPICell(analytics.KPIOnCallLoadGini, l.Gini), oncallKPICell(analytics.KPIOnCallLoadMaxToMedian, l.MaxToMedian),
		intCell(l.SleepInterrupted), idx,
		scoreCell(l.Health.SleepOK), scoreCell(l.Health.OffOK), scoreCell(l.Health.Fairness), scoreCell(l.Health.Rested),
	}
}

func peopleTable(l analytics.OnCallLoad) views.Table {
	t := views.Table{TestID: "oncall-people", Empty: "No page in this period names a responder.", Columns: cols(
		"Person", "Interruptions #", "Business #", "Off hours #", "Sleep hours #", "Nights interrupted #",
		"Longest run of nights #", "Shifts paged #", "Pages per shift #", "Share of team #")}
	for _, r := range l.People {
		person := views.Cell{Text: r.Person}
		if r.SleepInterrupted {
			person.Class, person.Title = "st-missed", "above the sleep-hours threshold"
		}
		t.Rows = append(t.Rows, []views.Cell{person, intCell(r.Interruptions), intCell(r.Business), intCell(r.Off), intCell(r.Sleep),
			intCell(r.Nights), intCell(r.LongestRun), intCell(r.Shifts), oncallKPICell(analytics.KPIPagesPerShift, r.PagesPerShift),
			ratioCell(r.Share)})
	}
	return t
}
