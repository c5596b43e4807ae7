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
		v.Layout.Flash = "Password changed. This browser was signed in again; your other sessions were signed out."
	case "password-tokens":
		v.Layout.Flash = "Password changed and your API tokens revoked. This browser was signed in again; your other sessions were signed out."
	case "revoked":
		v.Layout.Flash = "Token revoked."
	}
	return ok(c, views.AccountPage(v))
}

// accountView builds the page with the forms in their default state: the
// token form offers the scopes the user's role allows, and revoking tokens
// along with a password change is ticked.
func (h *Handler) accountView(c echo.Context) (views.AccountView, error) {
	u := currentUser(c)
	tokens, err := h.store.APITokens(c.Request().Context(), u.ID)
	if err != nil {
		return views.AccountView{}, err
	}
	v := views.AccountView{Layout: h.layout(c, "Your account", views.NavAccount), Email: u.Email, Role: u.Role,
		RevokeTokens: true, TokenScope: store.ScopeRead, MustChangePassword: u.MustChangePassword}
	for _, s := range store.Scopes {
		if store.ScopeAllowed(u.Role, s) {
			v.Scopes = append(v.Scopes, s)
		}
	}
	for _, t := range tokens {
		row := views.TokenRow{ID: strconv.FormatInt(t.ID, 10), Name: t.Name, Scope: t.Scope, Created: t.CreatedAt.UTC().Format("2006-01-02 15:04 UTC")}
		if t.RevokedAt != nil {
			row.Revoked = t.RevokedAt.UTC().Format("2006-01-02 15:04 UTC")
		} else {
			v.LiveTokens++
		}
		v.Tokens = append(v.Tokens, row)
	}
	return v, nil
}

// changePassword checks the current password, stores the new one, ends
// every session of the user and signs this browser in again under a new
// session id (an attacker holding the old cookie is out); the user's API
// tokens are revoked too unless they untick the box.
func (h *Handler) changePassword(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	current, next, confirm := c.FormValue("current"), c.FormValue("new"), c.FormValue("confirm")
	revoke := c.FormValue("revoke_tokens") != ""
	errs := map[string]string{}
	if !store.CheckPassword(u.PasswordHash, current) {
		errs["current"] = "This is not your current password."
	}
	if p := accounts.PasswordProblem(next); p != "" {
		errs["new"] = p
	} else if u.MustChangePassword && next == current {
		errs["new"] = "Choose a password of your own, not the temporary one."
	} else if next != confirm {
		errs["confirm"] = "The two new passwords differ."
	}
	if len(errs) > 0 {
		v, err := h.accountView(c)
		if err != nil {
			return err
		}
		v.PasswordErrors, v.RevokeTokens = errs, revoke
		return render(c, http.StatusUnprocessableEntity, views.AccountPage(v))
	}
	hash, err := store.HashPassword(next)
	if err != nil {
		return err
	}
	a := h.Audit(c)
	a.Action = "change_password"
	ch := store.PasswordChange{RevokeTokens: revoke}
	if authMethod(c) == authSession {
		ch.SessionExpires = a.At.Add(SessionMax)
	}
	session, _, err := h.store.ChangePassword(ctx, u.ID, hash, ch, a)
	if err != nil {
		return err
	}
	if session != "" {
		h.setSessionCookie(c, session, ch.SessionExpires)
	}
	done := "password"
	if revoke {
		done = "password-tokens"
	}
	return c.Redirect(http.StatusSeeOther, "/account?done="+done)
}

// createToken makes a personal API token and shows its secret once.
func (h *Handler) createToken(c echo.Context) error {
	u := currentUser(c)
	name := strings.TrimSpace(c.FormValue("name"))
	scope := c.FormValue("scope")
	if scope == "" {
		scope = store.ScopeRead
	}
	v, err := h.accountView(c)
	if err != nil {
		return err
	}
	v.TokenName, v.TokenScope = name, scope
	if name == "" || utf8.RuneCountInString(name) > store.MaxTokenNameRunes {
		v.TokenErrors = map[string]string{"name": "Give the token a name of at most 100 characters."}
	} else if !store.ScopeAllowed(u.Role, scope) {
		msg := "Choose read or write."
		if !store.ScopeAllowed(u.Role, store.ScopeWrite) {
			msg = "The write scope needs the editor or admin role; choose read."
		}
		v.TokenErrors = map[string]string{"scope": msg}
	}
	if len(v.TokenErrors) > 0 {
		return render(c, http.StatusUnprocessableEntity, views.AccountPage(v))
	}
	_, secret, err := h.store.CreateAPIToken(c.Request().Context(), u.ID, name, scope, h.cfg.Now(), h.Audit(c))
	if err != nil {
		return err
	}
	// Rendered directly rather than redirected: the secret must not travel
	// in a URL or be stored anywhere to survive a redirect.
	if v, err = h.accountView(c); err != nil {
		return err
	}
	v.NewToken, v.NewTokenName, v.NewTokenScope = secret, name, scope
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
