package web

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/views"
)

// listRoadmap shows the initiatives per quarter, the current quarter marked.
// The roadmap pages sit under "Risks" in the navigation, linked from the
// register: initiatives are the register's mitigations, and the main bar
// has no room for another entry at 1440 px (browser_layout_test.go).
func (h *Handler) listRoadmap(c echo.Context) error {
	ctx := c.Request().Context()
	ins, err := h.store.Initiatives(ctx)
	if err != nil {
		return err
	}
	cur := analytics.QuarterOf(h.cfg.Now(), h.location(c)).Label
	v := views.Roadmap{Layout: h.layout(c, "Reliability roadmap", views.NavRoadmap), CanEdit: canEdit(c), Current: cur}
	for _, qp := range analytics.RoadmapByQuarter(ins) {
		q := views.RoadmapQuarter{Quarter: qp.Quarter, Current: qp.Quarter == cur}
		for _, in := range qp.Initiatives {
			q.Rows = append(q.Rows, initiativeRow(in))
		}
		v.Quarters = append(v.Quarters, q)
	}
	if n, err := strconv.Atoi(c.QueryParam("imported")); err == nil {
		v.Flash = "Imported: " + strconv.Itoa(n) + " initiatives added or changed."
		if u, err := strconv.Atoi(c.QueryParam("unchanged")); err == nil && u > 0 {
			v.Flash += " " + strconv.Itoa(u) + " unchanged."
		}
	}
	return ok(c, views.RoadmapPage(v))
}
