package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/views"
)

// newRisk shows an empty risk form.
func (h *Handler) newRisk(c echo.Context) error {
	v := views.RiskValues{Category: "other", Likelihood: "3", Impact: "3", Status: analytics.RiskOpen}
	var services []string
	if s := c.QueryParam("service"); s != "" {
		services = []string{s}
	}
	f, err := h.riskForm(c, "New risk", "/risks", "", 0, v, services, nil)
	if err != nil {
		return err
	}
	return ok(c, views.RiskFormPage(f))
}

// createRisk stores a new risk and redirects to it; invalid input
// re-renders the form with the messages (422).
func (h *Handler) createRisk(c echo.Context) error {
	r, v, services, errs, err := parseRiskForm(c)
	if err != nil {
		return err
	}
	checkRiskDates(r, nil, time.Time{}, h.cfg.Now(), h.location(c), errs)
	if len(errs) == 0 {
		a := h.Audit(c)
		created, err := h.store.CreateRisk(c.Request().Context(), r, a)
		if err == nil {
			return c.Redirect(http.StatusSeeOther, riskHref(created.Code))
		}
		if !unknownServiceError(err, errs) {
			return err
		}
	}
	f, err := h.riskForm(c, "New risk", "/risks", "", 0, v, services, errs)
	if err != nil {
		return err
	}
	return renderRiskForm(c, http.StatusUnprocessableEntity, f)
}

// editRisk shows the risk form filled with the stored values and version.
func (h *Handler) editRisk(c echo.Context) error {
	r, err := h.loadRisk(c)
	if err != nil {
		return err
	}
	f, err := h.riskForm(c, "Edit "+r.Code, riskHref(r.Code), r.Code, r.Version, riskValues(r), r.Services, nil)
	if err != nil {
		return err
	}
	f.Was = wasOptions(analytics.RiskBaseValues(r))
	return ok(c, views.RiskFormPage(f))
}

// saveRisk saves an edit. The form carries the version it was loaded at
// and the values it showed (was_*): only the fields the editor changed
// from those are applied, on top of the stored risk, so a save from an
// older version never reverts someone else's change to a field the editor
// did not touch. Where both changed the same field differently nothing is
// saved (409): the form shows their other changes merged in and a table of
// just those fields; saving again applies the editor's values.
func (h *Handler) saveRisk(c echo.Context) error {
	ctx := c.Request().Context()
	cur, err := h.loadRisk(c)
	if err != nil {
		return err
	}
	r, v, services, errs, err := parseRiskForm(c)
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(c.FormValue("version"))
	if err != nil {
		return badRequest("the form lacks its version; reload the risk and edit again")
	}
	base := riskBase(c)
	loc := h.location(c)
	checkRiskDates(r, base, cur.CreatedAt, h.cfg.Now(), loc, errs)
	status, formVersion, was := http.StatusUnprocessableEntity, version, base
	var conflict *views.RiskConflict
	if len(errs) == 0 {
		toSave, saveVersion := r, version
		if base != nil {
			merged, conflicts := analytics.MergeRiskEdit(cur, r, base)
			if len(conflicts) > 0 && version != cur.Version {
				conflict = h.riskMergeConflict(cur, r, base, conflicts, loc)
				status, formVersion, was = http.StatusConflict, cur.Version, analytics.RiskBaseValues(cur)
				comment := v.Comment
				v, services = riskValues(merged), merged.Services
				v.Comment = comment
			} else {
				toSave, saveVersion = merged, cur.Version
				for k, msg := range merged.Validate() {
					errs[k] = msg
				}
			}
		}
		if conflict == nil && len(errs) == 0 {
			saved, _, err := h.store.UpdateRisk(ctx, cur.Code, saveVersion, toSave, v.Comment, h.Audit(c))
			var ce *store.RiskConflictError
			switch {
			case err == nil:
				return c.Redirect(http.StatusSeeOther, riskHref(saved.Code))
			case errors.As(err, &ce):
				conflict, status, formVersion = h.riskConflict(ce.Current, r, loc), http.StatusConflict, ce.Current.Version
				if base != nil {
					was = analytics.RiskBaseValues(ce.Current)
				}
			case unknownServiceError(err, errs):
			default:
				return err
			}
		}
	}
	f, err := h.riskForm(c, "Edit "+cur.Code, riskHref(cur.Code), cur.Code, formVersion, v, services, errs)
	if err != nil {
		return err
	}
	f.Conflict = conflict
	f.Was = wasOptions(was)
	return renderRiskForm(c, status, f)
}

// riskBase reads the values the edit form was loaded with, nil for a form
// without them (then the version alone guards the save).
func riskBase(c echo.Context) map[string]string {
	if c.FormValue("was") == "" {
		return nil
	}
	form, err := c.FormParams()
	if err != nil {
		return nil
	}
	base := make(map[string]string, len(analytics.RiskFields))
	for _, f := range analytics.RiskFields {
		base[f] = form.Get("was_" + f)
	}
	return base
}

// wasOptions lists base in RiskFields order for the form's hidden fields.
func wasOptions(base map[string]string) []views.Option {
	if base == nil {
		return nil
	}
	out := make([]views.Option, 0, len(analytics.RiskFields))
	for _, f := range analytics.RiskFields {
		out = append(out, views.Option{Value: f, Text: base[f]})
	}
	return out
}

// riskConflict lists where the stored risk (theirs) and the editor's input
// differ: a save refused by the version alone.
func (h *Handler) riskConflict(theirs, yours analytics.Risk, loc *time.Location) *views.RiskConflict {
	rc := &views.RiskConflict{By: theirs.UpdatedBy, At: fmtTime(theirs.UpdatedAt, loc)}
	if rc.By == "" {
		rc.By = "someone"
	}
	for _, ch := range analytics.DiffRisks(theirs, yours) {
		rc.Rows = append(rc.Rows, views.RiskConflictRow{Field: analytics.RiskFieldTitle(ch.Field), Theirs: ch.Old, Yours: ch.New})
	}
	return rc
}

// riskMergeConflict lists the fields both editors changed differently.
func (h *Handler) riskMergeConflict(theirs, yours analytics.Risk, base map[string]string, fields []string, loc *time.Location) *views.RiskConflict {
	rc := &views.RiskConflict{By: theirs.UpdatedBy, At: fmtTime(theirs.UpdatedAt, loc), Merged: true}
	if rc.By == "" {
		rc.By = "someone"
	}
	none := func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	}
	for _, f := range fields {
		rc.Rows = append(rc.Rows, views.RiskConflictRow{Field: analytics.RiskFieldTitle(f), Was: none(base[f]),
			Theirs: none(theirs.FieldValue(f)), Yours: none(yours.FieldValue(f))})
	}
	return rc
}

// Risk dates are civil dates. A target or next review date must lie on or
// after the day the risk was recorded (in the reporting timezone; for a new
// risk, today): a review or a target before the risk existed is a typo
// ("2019" for "2029"). It must also lie within maxRiskHorizon of today, so
// "2206" is caught too. Only dates the editor changed are checked, so an
// imported register's older dates never block an edit of other fields.
const maxRiskHorizonYears = 10

func checkRiskDates(r analytics.Risk, base map[string]string, created, now time.Time, loc *time.Location, errs map[string]string) {
	if created.IsZero() {
		created = now
	}
	day := func(t time.Time) time.Time {
		l := t.In(loc)
		return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
	}
	from, until := day(created), day(now).AddDate(maxRiskHorizonYears, 0, 0)
	for _, f := range []struct {
		field string
		d     *time.Time
	}{{"target_date", r.TargetDate}, {"next_review_date", r.NextReviewDate}} {
		if f.d == nil || errs[f.field] != "" || (base != nil && base[f.field] == r.FieldValue(f.field)) {
			continue
		}
		label := analytics.RiskFieldTitle(f.field)
		switch {
		case f.d.Before(from):
			errs[f.field] = label + " cannot be before the risk was recorded (" + from.Format(time.DateOnly) + ")."
		case f.d.After(until):
			errs[f.field] = label + " must be within " + strconv.Itoa(maxRiskHorizonYears) + " years (by " + until.Format(time.DateOnly) + ")."
		}
	}
}

// location is the reporting timezone, UTC when settings cannot be read.
func (h *Handler) location(c echo.Context) *time.Location {
	st, err := h.store.Settings(c.Request().Context())
	if err != nil {
		return time.UTC
	}
	return st.Location()
}
