package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/views"
)

// columnsCookie is the cookie that remembers a user's scorecard columns;
// it carries the user's id so a shared browser keeps each user's choice.
func columnsCookie(c echo.Context) string {
	if u := currentUser(c); u != nil {
		return "sreport_cols_" + strconv.FormatInt(u.ID, 10)
	}
	return "sreport_cols"
}

// optionalColumns are the columns the chooser offers beyond the default
// headlines: the reliability program's KPIs (analytics.KPIGroupProgram),
// read on the Program page first and added here by those who want them
// beside the services' figures.
var optionalColumns = func() []string {
	var out []string
	for _, d := range analytics.KPIDefsInGroup(analytics.KPIGroupProgram) {
		out = append(out, d.Key)
	}
	return out
}()

// allColumns are every column the chooser offers, in the scorecard's order.
var allColumns = slices.Concat(headlines, optionalColumns)

// chosenColumns are the KPI columns this user chose to see, in the
// scorecard's order; the headlines until they choose. Unknown keys (a
// column since removed) are dropped, and a choice of none shows the
// headlines.
func chosenColumns(c echo.Context) []string {
	ck, err := c.Cookie(columnsCookie(c))
	if err != nil || ck.Value == "" {
		return headlines
	}
	keep := strings.Split(ck.Value, ".")
	var out []string
	for _, k := range allColumns {
		if slices.Contains(keep, k) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return headlines
	}
	return out
}

// columnChoices lists every scorecard column with whether it is shown.
func columnChoices(shown []string) []views.Option {
	out := make([]views.Option, 0, len(allColumns))
	for _, k := range allColumns {
		d, _ := kpiDef(k)
		out = append(out, views.Option{Value: k, Text: d.Label, Selected: slices.Contains(shown, k)})
	}
	return out
}

// saveScorecardColumns remembers the columns a user ticked. It is a POST
// behind the CSRF check, so another site cannot rearrange anyone's
// scorecard, and it returns only to a scorecard address.
func (h *Handler) saveScorecardColumns(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return badRequest("unreadable form")
	}
	var keep []string
	for _, k := range allColumns {
		if slices.Contains(form["col"], k) {
			keep = append(keep, k)
		}
	}
	ck := &http.Cookie{Name: columnsCookie(c), Value: strings.Join(keep, "."), Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: c.IsTLS(), Expires: h.cfg.Now().Add(365 * 24 * time.Hour)}
	if len(keep) == 0 || slices.Equal(keep, headlines) {
		ck.Value, ck.MaxAge, ck.Expires = "", -1, time.Time{} // the default columns: forget the choice
	}
	c.SetCookie(ck)
	back := form.Get("back")
	if !strings.HasPrefix(back, "/scorecards") || strings.HasPrefix(back, "//") {
		back = "/scorecards"
	}
	return c.Redirect(http.StatusSeeOther, back)
}
