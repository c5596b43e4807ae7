package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"sreport/accounts"
	"sreport/analytics/store"
	"sreport/views"
)

// showAccount renders the signed-in user's page.
func (h *Handler) showAccount(c echo.Context) error {
	v, err := h.accountView(c)
	if err != nil {
		return err
	}
	switch c.QueryParam("done") {
	case "password":
		v.Layout.Flash = "Password changed. Your other sessions were signed out."
	case "revoked":
		v.Layout.Flash = "Token revoked."
	}
	return ok(c, views.AccountPage(v))
}

func (h *Handler) accountView(c echo.Context) (views.AccountView, error) {
	u := currentUser(c)
	tokens, err := h.store.APITokens(c.Request().Context(), u.ID)
	if err != nil {
		return views.AccountView{}, err
	}
	v := views.AccountView{Layout: h.layout(c, "Your account", views.NavAccount), Email: u.Email, Role: u.Role}
	for _, t := range tokens {
		row := views.TokenRow{ID: strconv.FormatInt(t.ID, 10), Name: t.Name, Created: t.CreatedAt.UTC().Format("2006-01-02 15:04 UTC")}
		if t.RevokedAt != nil {
			row.Revoked = t.RevokedAt.UTC().Format("2006-01-02 15:04 UTC")
		}
		v.Tokens = append(v.Tokens, row)
	}
	return v, nil
}

// changePassword checks the current password, stores the new one and ends
// the user's other sessions.
func (h *Handler) changePassword(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	current, next, confirm := c.FormValue("current"), c.FormValue("new"), c.FormValue("confirm")
	errs := map[string]string{}
	if !store.CheckPassword(u.PasswordHash, current) {
		errs["current"] = "This is not your current password."
	}
	if p := accounts.PasswordProblem(next); p != "" {
		errs["new"] = p
	} else if next != confirm {
		errs["confirm"] = "The two new passwords differ."
	}
	if len(errs) > 0 {
		v, err := h.accountView(c)
		if err != nil {
			return err
		}
		v.PasswordErrors = errs
		return render(c, http.StatusUnprocessableEntity, views.AccountPage(v))
	}
	hash, err := store.HashPassword(next)
	if err != nil {
		return err
	}
	keep, _ := c.Get(ctxSessionToken).(string)
	a := h.Audit(c)
	a.Action = "change_password"
	if _, err := h.store.SetUserPassword(ctx, u.ID, hash, keep, a); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account?done=password")
}

// createToken makes a personal API token and shows its secret once.
func (h *Handler) createToken(c echo.Context) error {
	u := currentUser(c)
	name := strings.TrimSpace(c.FormValue("name"))
	v, err := h.accountView(c)
	if err != nil {
		return err
	}
	if name == "" || utf8.RuneCountInString(name) > 100 {
		v.TokenName, v.TokenError = name, "Give the token a name of at most 100 characters."
		return render(c, http.StatusUnprocessableEntity, views.AccountPage(v))
	}
	_, secret, err := h.store.CreateAPIToken(c.Request().Context(), u.ID, name, h.cfg.Now(), h.Audit(c))
	if err != nil {
		return err
	}
	// Rendered directly rather than redirected: the secret must not travel
	// in a URL or be stored anywhere to survive a redirect.
	if v, err = h.accountView(c); err != nil {
		return err
	}
	v.NewToken, v.NewTokenName = secret, name
	c.Response().Header().Set("Cache-Control", "no-store")
	return ok(c, views.AccountPage(v))
}

// revokeToken revokes one of the user's own tokens.
func (h *Handler) revokeToken(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return notFound("token")
	}
	err = h.store.RevokeAPIToken(c.Request().Context(), currentUser(c).ID, id, h.cfg.Now(), h.Audit(c))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("token")
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account?done=revoked")
}
