package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/reporting"
	"sreport/analytics/store"
	"sreport/views"
)

// commentaryView shows the latest notes (versions newest first) with who
// saved them and when, and the earlier versions.
func commentaryView(vs []analytics.Commentary, loc *time.Location) views.ReportCommentary {
	var v views.ReportCommentary
	if len(vs) == 0 {
		return v
	}
	cur := vs[0]
	v.Highlights, v.Lowlights, v.Asks, v.Byline = cur.Highlights, cur.Lowlights, cur.Asks, commentaryByline(cur, loc)
	for _, e := range vs[1:] {
		v.Earlier = append(v.Earlier, views.ReportCommentaryVersion{Byline: commentaryByline(e, loc),
			Highlights: e.Highlights, Lowlights: e.Lowlights, Asks: e.Asks})
	}
	return v
}

// commentaryByline is "Version 3, saved by ana@example.com on 2026-10-02 14:05 UTC".
func commentaryByline(c analytics.Commentary, loc *time.Location) string {
	by := c.Author
	if by == "" {
		by = "an editor"
	}
	return "Version " + strconv.Itoa(c.Version) + ", saved by " + by + " on " + fmtTime(c.SavedAt, loc) + "."
}

// commentaryForm is the editor's form on the web report, filled with the
// latest notes (or what the editor typed, on a failed save).
func commentaryForm(c echo.Context, req reportRequest, label string, cur *analytics.Commentary) *views.CommentaryForm {
	f := &views.CommentaryForm{Action: req.href(label+"/commentary", ""), Errors: map[string]string{}}
	if tok, ok := c.Get("csrf").(string); ok {
		f.CSRF = tok
	}
	if cur != nil {
		f.Base, f.Highlights, f.Lowlights, f.Asks = cur.Version, cur.Highlights, cur.Lowlights, cur.Asks
	}
	return f
}

// saveCommentary stores a new version of the editors' notes on a report,
// unless another editor saved one since the form was loaded: then the
// page comes back with their version shown and this editor's text kept.
func (h *Handler) saveCommentary(c echo.Context) error {
	req, ext, err := parseReportRequest(c)
	if err != nil {
		return err
	}
	if ext != "" {
		return userError{http.StatusNotFound, "no such report"}
	}
	ctx := c.Request().Context()
	env, err := h.env(ctx)
	if err != nil {
		return err
	}
	now := h.cfg.Now()
	// Assembling validates the period (started, well-formed) and the scope.
	rep, err := reporting.Assemble(ctx, h.store, env, req.Request, now)
	if err != nil {
		return reportError(c, err)
	}
	base, _ := strconv.Atoi(c.FormValue("base"))
	cm := analytics.Commentary{Period: rep.Period.Label, Team: req.Team, Tier: req.Tier, SavedAt: now,
		Highlights: cleanNote(c.FormValue("highlights")), Lowlights: cleanNote(c.FormValue("lowlights")), Asks: cleanNote(c.FormValue("asks"))}
	if u := currentUser(c); u != nil {
		cm.Author = u.Email
	}
	form := commentaryForm(c, req, rep.Period.Label, nil)
	form.Base, form.Highlights, form.Lowlights, form.Asks = base, cm.Highlights, cm.Lowlights, cm.Asks
	if errs := cm.Validate(); len(errs) > 0 {
		form.Errors = errs
		return h.renderReport(c, rep, req, form, http.StatusUnprocessableEntity)
	}
	if _, err := h.store.SaveCommentary(ctx, cm, base, h.Audit(c)); err != nil {
		var conflict *store.CommentaryConflictError
		if !errors.As(err, &conflict) {
			return err
		}
		// Show the other editor's version above the form; the next save
		// starts from it, with this editor's text still in the fields.
		if rep.Commentaries, err = h.store.CommentaryVersions(ctx, rep.Period.Label, req.Team, req.Tier); err != nil {
			return err
		}
		form.Base = conflict.Current.Version
		form.Conflict = "Another editor saved version " + strconv.Itoa(conflict.Current.Version) +
			" while you were writing; it is shown above. Your text is below, not yet saved: merge what you need and save again."
		return h.renderReport(c, rep, req, form, http.StatusConflict)
	}
	return c.Redirect(http.StatusSeeOther, req.href(rep.Period.Label, "")+"#commentary")
}

// cleanNote trims a note and normalises its line ends.
func cleanNote(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}
