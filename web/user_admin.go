package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"sreport/accounts"
	"sreport/analytics/store"
	"sreport/views"
)

// listUsers shows every account with role and status controls.
func (h *Handler) listUsers(c echo.Context) error {
	v, err := h.usersView(c, views.NewUserForm{Role: store.RoleViewer})
	if err != nil {
		return err
	}
	if c.QueryParam("done") == "saved" {
		v.Layout.Flash = "Saved."
	}
	return ok(c, views.UsersPage(v))
}

func (h *Handler) usersView(c echo.Context, form views.NewUserForm) (views.UsersView, error) {
	users, err := h.store.Users(c.Request().Context())
	if err != nil {
		return views.UsersView{}, err
	}
	me := currentUser(c)
	loc := h.location(c)
	v := views.UsersView{Layout: h.layout(c, "Users", views.NavAdmin), Roles: store.Roles, Form: form}
	for _, u := range users {
		last := "never"
		if u.LastSignInAt != nil {
			last = fmtTime(*u.LastSignInAt, loc)
		}
		v.Users = append(v.Users, views.UserRow{ID: strconv.FormatInt(u.ID, 10), Email: u.Email, Role: u.Role,
			Disabled: u.Disabled, Created: u.CreatedAt.UTC().Format("2006-01-02"), Self: me != nil && me.ID == u.ID,
			LastSignIn: last, MustChangePassword: u.MustChangePassword})
	}
	return v, nil
}

// createUser adds an account with a generated password shown once.
func (h *Handler) createUser(c echo.Context) error {
	form := views.NewUserForm{Email: c.FormValue("email"), Role: c.FormValue("role"), Errors: map[string]string{}}
	if store.RoleRank(form.Role) == 0 {
		form.Errors["role"] = "Choose viewer, editor or admin."
	}
	email, err := store.NormalizeEmail(form.Email)
	if err != nil {
		form.Errors["email"] = "Enter an email address."
	}
	var created *views.CreatedUser
	if len(form.Errors) == 0 {
		password := accounts.GeneratePassword()
		hash, err := store.HashPassword(password)
		if err != nil {
			return err
		}
		_, err = h.store.CreateUser(c.Request().Context(), email, form.Role, hash, h.Audit(c))
		switch {
		case errors.Is(err, store.ErrEmailTaken):
			form.Errors["email"] = "A user with this email exists."
		case err != nil:
			return err
		default:
			created = &views.CreatedUser{Email: email, Password: password}
			form = views.NewUserForm{Role: store.RoleViewer}
		}
	}
	v, err := h.usersView(c, form)
	if err != nil {
		return err
	}
	if created == nil {
		return render(c, http.StatusUnprocessableEntity, views.UsersPage(v))
	}
	// Rendered, not redirected: the password must not survive in a URL.
	v.Created = created
	c.Response().Header().Set("Cache-Control", "no-store")
	return ok(c, views.UsersPage(v))
}

// updateUser changes a user's role or disables/enables the account.
// Admins cannot demote or disable themselves, so at least one admin remains.
func (h *Handler) updateUser(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return notFound("user")
	}
	if me := currentUser(c); me.ID == id {
		return badRequest("You cannot change your own role or disable yourself; ask another admin.")
	}
	a := h.Audit(c)
	switch c.FormValue("action") {
	case "role":
		role := c.FormValue("role")
		if store.RoleRank(role) == 0 {
			return badRequest("Choose viewer, editor or admin.")
		}
		_, err = h.store.SetUserRole(ctx, id, role, a)
	case "disable":
		_, err = h.store.SetUserDisabled(ctx, id, true, a)
	case "enable":
		_, err = h.store.SetUserDisabled(ctx, id, false, a)
	default:
		return badRequest("Unknown action.")
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFound("user")
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/users?done=saved")
}

// resetUserPassword gives another user a generated temporary password,
// shown to the admin once, which the user must replace at the next
// sign-in. Every session of the user ends; their API tokens are revoked
// too unless the admin unticks the box (a reset because an account may be
// compromised should leave nothing of it working). Without e-mail this is
// the safest reset: no link can be intercepted, and the temporary password
// opens nothing but the page that replaces it.
func (h *Handler) resetUserPassword(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return notFound("user")
	}
	if me := currentUser(c); me.ID == id {
		return badRequest("Change your own password on your account page.")
	}
	u, err := h.store.UserByID(ctx, id)
	if err != nil {
		return notFoundOr(err, "user")
	}
	password := accounts.GeneratePassword()
	hash, err := store.HashPassword(password)
	if err != nil {
		return err
	}
	a := h.Audit(c)
	a.Action = "reset_password"
	revoke := c.FormValue("revoke_tokens") != ""
	if _, _, err := h.store.ChangePassword(ctx, id, hash, store.PasswordChange{RevokeTokens: revoke, Temporary: true}, a); err != nil {
		return notFoundOr(err, "user")
	}
	v, err := h.usersView(c, views.NewUserForm{Role: store.RoleViewer})
	if err != nil {
		return err
	}
	v.Reset = &views.CreatedUser{Email: u.Email, Password: password, TokensRevoked: revoke}
	// Rendered, not redirected: the password must not survive in a URL.
	c.Response().Header().Set("Cache-Control", "no-store")
	return ok(c, views.UsersPage(v))
}
