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
	return ok(c, views.RiskFormPage(f))
}

// saveRisk saves an edit made on the version the form carries. A newer
// stored version refuses the save (409) and shows the other person's
// values beside the editor's, whose input stays in the form.
func (h *Handler) saveRisk(c echo.Context) error {
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
	status, formVersion := http.StatusUnprocessableEntity, version
	var conflict *views.RiskConflict
	if len(errs) == 0 {
		saved, _, err := h.store.UpdateRisk(c.Request().Context(), cur.Code, version, r, v.Comment, h.Audit(c))
		var ce *store.RiskConflictError
		switch {
		case err == nil:
			return c.Redirect(http.StatusSeeOther, riskHref(saved.Code))
		case errors.As(err, &ce):
			conflict, status, formVersion = h.riskConflict(c, ce.Current, r), http.StatusConflict, ce.Current.Version
		case unknownServiceError(err, errs):
		default:
			return err
		}
	}
	f, err := h.riskForm(c, "Edit "+cur.Code, riskHref(cur.Code), cur.Code, formVersion, v, services, errs)
	if err != nil {
		return err
	}
	f.Conflict = conflict
	return renderRiskForm(c, status, f)
}

// riskConflict lists where the stored risk (theirs) and the editor's input differ.
func (h *Handler) riskConflict(c echo.Context, theirs, yours analytics.Risk) *views.RiskConflict {
	loc := h.location(c)
	rc := &views.RiskConflict{By: theirs.UpdatedBy, At: fmtTime(theirs.UpdatedAt, loc)}
	if rc.By == "" {
		rc.By = "someone"
	}
	for _, ch := range analytics.DiffRisks(theirs, yours) {
		rc.Rows = append(rc.Rows, views.RiskConflictRow{Field: analytics.RiskFieldLabel(ch.Field), Theirs: ch.Old, Yours: ch.New})
	}
	return rc
}

// location is the reporting timezone, UTC when settings cannot be read.
func (h *Handler) location(c echo.Context) *time.Location {
	st, err := h.store.Settings(c.Request().Context())
	if err != nil {
		return time.UTC
	}
	return st.Location()
}
