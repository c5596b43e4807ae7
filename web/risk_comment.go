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

// addRiskComment appends a comment to the risk's history.
func (h *Handler) addRiskComment(c echo.Context) error {
	cur, err := h.loadRisk(c)
	if err != nil {
		return err
	}
	comment := strings.TrimSpace(c.FormValue("comment"))
	if comment == "" || len(comment) > 4000 {
		return h.renderRiskPage(c, http.StatusUnprocessableEntity, cur, func(v *views.RiskDetail) {
			v.Comment, v.CommentError = comment, "Write a comment (up to 4000 characters)."
		})
	}
	if err := h.store.AddRiskComment(c.Request().Context(), cur.Code, comment, h.Audit(c)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, riskHref(cur.Code))
}

// linkRiskIncident links an incident (by id, "#123" allowed) as evidence.
func (h *Handler) linkRiskIncident(c echo.Context) error {
	cur, err := h.loadRisk(c)
	if err != nil {
		return err
	}
	ref := strings.TrimSpace(c.FormValue("incident"))
	id, perr := strconv.ParseInt(strings.TrimPrefix(ref, "#"), 10, 64)
	if perr == nil && id > 0 {
		err = h.store.LinkRiskIncident(c.Request().Context(), cur.Code, id, h.Audit(c))
		if err == nil {
			return c.Redirect(http.StatusSeeOther, riskHref(cur.Code))
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	msg := "Give an incident id, e.g. 1234."
	if perr == nil && id > 0 {
		msg = "There is no incident #" + itoa64(id) + "."
	}
	return h.renderRiskPage(c, http.StatusUnprocessableEntity, cur, func(v *views.RiskDetail) {
		v.IncidentRef, v.IncidentError = ref, msg
	})
}

// unlinkRiskIncident removes a linked incident.
func (h *Handler) unlinkRiskIncident(c echo.Context) error {
	cur, err := h.loadRisk(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return notFound("incident")
	}
	if err := h.store.UnlinkRiskIncident(c.Request().Context(), cur.Code, id, h.Audit(c)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, riskHref(cur.Code))
}
