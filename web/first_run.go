package web

import (
	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/views"
)

// firstRun returns the first-run panel while the database holds no
// services, nil once it does. What it offers follows the user's role, so a
// viewer is not shown a button that ends in 403.
func (h *Handler) firstRun(c echo.Context) (*views.FirstRun, error) {
	n, err := h.store.ServiceCount(c.Request().Context())
	if err != nil || n > 0 {
		return nil, err
	}
	f := &views.FirstRun{}
	if tok, ok := c.Get("csrf").(string); ok {
		f.CSRF = tok
	}
	if u := currentUser(c); u != nil {
		f.CanImport = store.RoleRank(u.Role) >= store.RoleRank(RoleEditor)
		f.CanAdmin = store.RoleRank(u.Role) >= store.RoleRank(RoleAdmin)
	}
	return f, nil
}

// noData is the notice that replaces tiles and charts when the months shown
// hold no record of the scope, with a way to import for those who may.
func (h *Handler) noData(c echo.Context, message string) *views.NoData {
	return &views.NoData{Message: message, ImportHref: importHref(c)}
}

// importHref is where the signed-in user imports data, or "" when their
// role may not (a link that ends in 403 is no way forward).
func importHref(c echo.Context) string {
	if u := currentUser(c); u != nil && store.RoleRank(u.Role) >= store.RoleRank(RoleEditor) {
		return "/imports/new"
	}
	return ""
}

// noRecords says that a scope's loaded months hold nothing to chart: every
// KPI would read zero or "no data", which looks like a result but is not one.
func noRecords(in analytics.Input) bool {
	return len(in.Incidents) == 0 && len(in.Deploys) == 0 && len(in.Pages) == 0 && len(in.SLIDays) == 0 &&
		len(in.Toil) == 0 && len(in.ActionItems) == 0
}
