package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics/scorecard"
)

// apiFreshness is what the KPI answers of the API add to their figures:
// whether they are from before the latest change to the data (answered at
// once while one background computation brings them up to date, as the
// pages do) and when their computation started. A client that must have
// the current figures asks again shortly when stale is true.
type apiFreshness struct {
	Stale bool `json:"stale"`
	// ComputedAt is set when Stale is: RFC 3339, UTC.
	ComputedAt string `json:"computed_at,omitempty"`
}

// freshness reads what acceptStale recorded for this request.
func freshness(c echo.Context) apiFreshness {
	from, stale := staleSince(c)
	if !stale {
		return apiFreshness{}
	}
	return apiFreshness{Stale: true, ComputedAt: from.UTC().Format(time.RFC3339)}
}

// apiKPIs returns one scope's KPIs: the JSON of `sreport kpi --json` with
// the answer's freshness (apiFreshness).
func (h *Handler) apiKPIs(c echo.Context) error {
	ctx := acceptStale(c) // labelled in the answer
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
	return c.JSON(http.StatusOK, struct {
		scorecard.KPIResponse
		apiFreshness
	}{res, freshness(c)})
}

// apiScorecard returns every service's KPIs with target, status and
// previous value, and the answer's freshness (apiFreshness).
func (h *Handler) apiScorecard(c echo.Context) error {
	st, err := h.store.Settings(acceptStale(c))
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
	return c.JSON(http.StatusOK, struct {
		*scorecard.Card
		apiFreshness
	}{card, freshness(c)})
}
