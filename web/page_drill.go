package web

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/scorecard"
)

// untitledAlert is the ?alert= value of pages whose title normalises to
// nothing; NormalizeTitle keeps letters and spaces only, so no real
// normalised title can read like it.
const untitledAlert = "(untitled)"

// weekdayKeys are the ?weekday= values, Monday first (analytics.WeekdayIndex).
var weekdayKeys = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// weekdayNames are the plural names of weekdayKeys, for sentences.
var weekdayNames = []string{"Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays"}

// pageDrill is the noise page's drill-down into the pages list: rules SQL
// cannot state, applied as the rows are read (store.PagesWhere).
type pageDrill struct {
	alert   string // normalised title, untitledAlert for ""
	weekday int    // analytics.WeekdayIndex, -1 = any
	hour    int    // local hour, -1 = any
	noise   string // "noise", "actionable" or ""
	loc     *time.Location
	// settingsAt returns the settings that judge a page's noise: those of
	// the listed period, else of the page's month, as the KPI does.
	settingsAt func(time.Time) analytics.Settings
}

// parsePageDrill reads ?alert=, ?weekday=, ?hour= and ?noise=; period is the
// list's period ("" for none) in the reporting timezone loc.
func parsePageDrill(c echo.Context, loc *time.Location, period string) (pageDrill, error) {
	d := pageDrill{alert: c.QueryParam("alert"), weekday: -1, hour: -1, noise: c.QueryParam("noise"), loc: loc}
	if w := c.QueryParam("weekday"); w != "" {
		d.weekday = slices.Index(weekdayKeys, strings.ToLower(w))
		if d.weekday < 0 {
			return d, badRequest("weekday must be mon, tue, wed, thu, fri, sat or sun")
		}
	}
	if h := c.QueryParam("hour"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n < 0 || n > 23 {
			return d, badRequest("hour must be 0 to 23")
		}
		d.hour = n
	}
	switch d.noise {
	case "", "noise", "actionable":
	default:
		return d, badRequest(`noise must be "noise" or "actionable"`)
	}
	if period != "" {
		if _, err := analytics.ParsePeriod(period, loc); err != nil {
			return d, badRequest(err.Error())
		}
	}
	return d, nil
}

// active reports whether any drill-down rule is set.
func (d pageDrill) active() bool {
	return d.alert != "" || d.weekday >= 0 || d.hour >= 0 || d.noise != ""
}

// withSettings sets how the noise rule finds its settings: the period's
// when the list has one (a quarter is judged by its own rules, as its KPI
// is), else each page's month's.
func (d *pageDrill) withSettings(env scorecard.Env, period string) {
	if p, err := analytics.ParsePeriod(period, d.loc); period != "" && err == nil {
		s := env.SettingsFor(p)
		d.settingsAt = func(time.Time) analytics.Settings { return s }
		return
	}
	d.settingsAt = func(t time.Time) analytics.Settings { return env.SettingsFor(analytics.MonthOf(t, d.loc)) }
}

// keep is the predicate for store.PagesWhere.
func (d pageDrill) keep(p analytics.Page) bool {
	if d.alert != "" {
		norm := analytics.NormalizeTitle(p.Title)
		if norm != d.alert && (d.alert != untitledAlert || norm != "") {
			return false
		}
	}
	lt := p.TriggeredAt.In(d.loc)
	if d.weekday >= 0 && analytics.WeekdayIndex(lt) != d.weekday {
		return false
	}
	if d.hour >= 0 && lt.Hour() != d.hour {
		return false
	}
	if d.noise != "" {
		if analytics.ClassifyPage(p, d.settingsAt(p.TriggeredAt)).Noise() != (d.noise == "noise") {
			return false
		}
	}
	return true
}

// params are the rules as query parameters, to keep them in the list's links.
func (d pageDrill) params() map[string]string {
	m := map[string]string{}
	if d.alert != "" {
		m["alert"] = d.alert
	}
	if d.weekday >= 0 {
		m["weekday"] = weekdayKeys[d.weekday]
	}
	if d.hour >= 0 {
		m["hour"] = strconv.Itoa(d.hour)
	}
	if d.noise != "" {
		m["noise"] = d.noise
	}
	return m
}

// summary says in words which pages the list holds.
func (d pageDrill) summary() string {
	var parts []string
	switch d.alert {
	case "":
	case untitledAlert:
		parts = append(parts, "pages without a title")
	default:
		parts = append(parts, fmt.Sprintf("the alert %q (titles normalised as for repeat incidents)", d.alert))
	}
	switch {
	case d.weekday >= 0 && d.hour >= 0:
		parts = append(parts, fmt.Sprintf("%s %02d:00–%02d:59", weekdayNames[d.weekday], d.hour, d.hour))
	case d.weekday >= 0:
		parts = append(parts, weekdayNames[d.weekday])
	case d.hour >= 0:
		parts = append(parts, fmt.Sprintf("%02d:00–%02d:59", d.hour, d.hour))
	}
	if d.weekday >= 0 || d.hour >= 0 {
		parts[len(parts)-1] += " " + d.loc.String()
	}
	switch d.noise {
	case "noise":
		parts = append(parts, "noise only")
	case "actionable":
		parts = append(parts, "actionable only")
	}
	return "From the alert noise analysis: " + strings.Join(parts, " · ") + "."
}
