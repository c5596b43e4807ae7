package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// apiKPIs returns one scope's KPIs: the same JSON as `sreport kpi --json`.
func (h *Handler) apiKPIs(c echo.Context) error {
	ctx := c.Request().Context()
	env, err := h.env(ctx)
	if err != nil {
		return err
	}
	p, err := h.periodFromQuery(c, env.Settings)
	if err != nil {
		return err
	}
	sc, err := scopeFromQuery(c)
	if err != nil {
		return err
	}
	if sc.Service != "" && sc.Tier != nil {
		return badRequest("give service or tier, not both")
	}
	res, err := h.kpis(ctx, env, p, sc)
	if err != nil {
		return unwrapNotFound(err)
	}
	return c.JSON(http.StatusOK, res)
}

// apiScorecard returns every service's KPIs with target, status and previous value.
func (h *Handler) apiScorecard(c echo.Context) error {
	st, err := h.store.Settings(c.Request().Context())
	if err != nil {
		return err
	}
	q, err := h.parseScorecardQuery(c, st)
	if err != nil {
		return err
	}
	card, _, err := h.buildCard(c, &q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, card)
}
