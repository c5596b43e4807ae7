package web

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"sreport/analytics/store"
	"sreport/views"
)

// listActionItems shows action items across services, open ones by default,
// filtered by service, owner and state (open, overdue, closed, all).
func (h *Handler) listActionItems(c echo.Context) error {
	ctx := c.Request().Context()
	st, err := h.store.Settings(ctx)
	if err != nil {
		return err
	}
	service, owner, state := c.QueryParam("service"), c.QueryParam("owner"), c.QueryParam("state")
	switch state {
	case "", "open", "overdue", "closed", "all":
	default:
		return badRequest("state must be open, overdue, closed or all")
	}
	now := h.cfg.Now()
	f := store.ActionItemFilter{Owner: owner, State: state, Now: now}
	if service != "" {
		sv, err := h.store.ServiceByName(ctx, service)
		if err != nil {
			return notFoundOr(err, "service "+strconv.Quote(service))
		}
		f.ServiceID = sv.ID
	}
	items, err := h.store.ActionItems(ctx, f)
	if err != nil {
		return err
	}
	services, err := h.store.Services(ctx)
	if err != nil {
		return err
	}
	owners, err := h.store.ActionItemOwners(ctx)
	if err != nil {
		return err
	}
	svcOpts := []views.Option{{Value: "", Text: "All services", Selected: service == ""}}
	for _, s := range services {
		svcOpts = append(svcOpts, views.Option{Value: s.Name, Text: s.Name, Selected: s.Name == service})
	}
	ownerOpts := []views.Option{{Value: "", Text: "Anyone", Selected: owner == ""}}
	for _, o := range owners {
		ownerOpts = append(ownerOpts, views.Option{Value: o, Text: o, Selected: o == owner})
	}
	loc := st.Location()
	edit := canEdit(c)
	back := c.Request().URL.RequestURI()
	v := views.ActionItemList{
		Layout: h.layout(c, "Action items", views.NavActionItems),
		Filters: []views.Filter{
			{Name: "service", Label: "Service", Options: svcOpts},
			{Name: "owner", Label: "Owner", Options: ownerOpts},
			{Name: "state", Label: "State", Options: options(state, "", "Open", "overdue", "Overdue", "closed", "Closed", "all", "All")},
		},
	}
	v.CSRF = v.Layout.CSRF
	overdue := 0
	for _, a := range items {
		r := actionItemRow(a, loc, now, edit, back)
		if r.State == "overdue" {
			overdue++
		}
		v.Rows = append(v.Rows, r)
	}
	v.Summary = strconv.Itoa(len(items)) + " shown, " + strconv.Itoa(overdue) + " overdue."
	return ok(c, views.ActionItemListPage(v))
}
