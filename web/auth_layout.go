package web

import (
	"github.com/labstack/echo/v4"

	"sreport/analytics/store"
	"sreport/views"
)

// adminNav is the navigation entry only admins see.
var adminNav = views.NavItem{Key: views.NavAdmin, Label: "Admin", Href: "/admin/users"}

// addUser puts the signed-in user into the layout and shows navigation by
// role: anonymous visitors (the sign-in and error pages) get none, admins
// get the Admin entry.
func (h *Handler) addUser(c echo.Context, l *views.Layout) {
	u := currentUser(c)
	if u == nil {
		l.Nav = nil
		return
	}
	l.User = &views.User{Email: u.Email, Role: u.Role}
	if store.RoleRank(u.Role) >= store.RoleRank(store.RoleAdmin) {
		nav := make([]views.NavItem, 0, len(l.Nav)+1)
		l.Nav = append(append(nav, l.Nav...), adminNav)
	}
}
