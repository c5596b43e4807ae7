package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics/store"
	"sreport/views"
)

// changeRiskStatus moves a risk to another status from its page. Accepting
// needs a rationale and the accepting person; a stale version is refused.
func (h *Handler) changeRiskStatus(c echo.Context) error {
	cur, err := h.loadRisk(c)
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(c.FormValue("version"))
	if err != nil {
		return badRequest("the form lacks its version; reload the risk and try again")
	}
	r := cur
	r.Status = strings.TrimSpace(c.FormValue("status"))
	r.AcceptanceRationale = strings.TrimSpace(c.FormValue("acceptance_rationale"))
	r.AcceptedBy = strings.TrimSpace(c.FormValue("accepted_by"))
	comment := strings.TrimSpace(c.FormValue("comment"))
	keep := func(v *views.RiskDetail, errs map[string]string) {
		v.StatusForm.Statuses = statusOptions(r.Status)
		v.StatusForm.Rationale, v.StatusForm.AcceptedBy, v.StatusForm.Comment = r.AcceptanceRationale, r.AcceptedBy, comment
		v.StatusForm.Errors = errs
	}
	errs := map[string]string{}
	for _, k := range []string{"status", "acceptance_rationale", "accepted_by"} {
		if msg, bad := r.Validate()[k]; bad {
			errs[k] = msg
		}
	}
	if len(errs) > 0 {
		return h.renderRiskPage(c, http.StatusUnprocessableEntity, cur, func(v *views.RiskDetail) { keep(v, errs) })
	}
	_, _, err = h.store.UpdateRisk(c.Request().Context(), cur.Code, version, r, comment, h.Audit(c))
	var ce *store.RiskConflictError
	if errors.As(err, &ce) {
		now := ce.Current
		msg := "Not saved: " + orSomeone(now.UpdatedBy) + " changed this risk at " + fmtTime(now.UpdatedAt, h.location(c)) +
			" (status is now " + now.Status + "). Check their change below, then submit again."
		return h.renderRiskPage(c, http.StatusConflict, now, func(v *views.RiskDetail) {
			keep(v, map[string]string{"version": msg})
		})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, riskHref(cur.Code))
}

func orSomeone(s string) string {
	if s == "" {
		return "someone"
	}
	return s
}
