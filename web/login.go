package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics/store"
	"sreport/views"
)

// Login throttling (OWASP ASVS 2.2.1): failures count per account and
// client together and per client within a sliding window. Failures of an
// account from everywhere only tighten the budget of clients that have
// already failed on it, so a guesser cannot lock the real user out.
var loginLimits = store.LoginLimits{
	Window:               15 * time.Minute,
	PerAccountClient:     5,
	PerClient:            20,
	AccountBusy:          20,
	BusyPerAccountClient: 2,
}

const (
	msgLoginFailed      = "Email or password is wrong, or the account is disabled."
	msgLoginThrottled   = "Too many failed sign-in attempts from here. Wait 15 minutes, then try again."
	statusLoginFailed   = http.StatusUnprocessableEntity
	statusLoginThrottle = http.StatusTooManyRequests
)

// showLogin renders the sign-in form; signed-in users go straight on.
func (h *Handler) showLogin(c echo.Context) error {
	next := safeNext(c.QueryParam("next"))
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, next)
	}
	return ok(c, views.LoginPage(h.loginView(c, "", next, "")))
}

func (h *Handler) loginView(c echo.Context, email, next, msg string) views.LoginView {
	l := h.layout(c, "Sign in", "")
	l.Nav = nil
	return views.LoginView{Layout: l, Email: email, Next: next, Error: msg}
}

// submitLogin checks the credentials, throttles guessing and starts a
// session. Every failure shows the same message so the form does not tell
// which accounts exist.
func (h *Handler) submitLogin(c echo.Context) error {
	ctx := c.Request().Context()
	email := strings.ToLower(strings.TrimSpace(c.FormValue("email")))
	password := c.FormValue("password")
	next := safeNext(c.FormValue("next"))
	addr := c.RealIP()
	now := h.cfg.Now()

	// Count first: the attempt is recorded as a failure before the password
	// is checked, so parallel guesses cannot all reach bcrypt.
	attempt := store.LoginAttempt{Email: email, ClientAddr: addr}
	refused, err := h.store.ReserveLoginAttempt(ctx, attempt, now, loginLimits)
	if err != nil {
		return err
	}
	if refused != "" {
		h.log.Warn("login throttled", "email", email[:min(len(email), 254)], "remote", addr, "why", refused)
		return render(c, statusLoginThrottle, views.LoginPage(h.loginView(c, email, next, msgLoginThrottled)))
	}
	u, err := h.store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	// CheckPassword with an empty hash still spends a bcrypt comparison, so
	// unknown accounts answer as slowly as known ones. A failure keeps the
	// reservation as its record.
	if !store.CheckPassword(u.PasswordHash, password) || u.Disabled || u.ID == 0 {
		return render(c, statusLoginFailed, views.LoginPage(h.loginView(c, email, next, msgLoginFailed)))
	}
	if err := h.store.ClearLoginFailures(ctx, attempt); err != nil {
		return err
	}
	a := store.Audit{UserID: u.ID, Actor: u.Email, ClientAddr: addr, At: now}
	expires := now.Add(SessionMax)
	token, err := h.store.CreateSession(ctx, u.ID, now, expires, a)
	if err != nil {
		return err
	}
	h.setSessionCookie(c, token, expires)
	// A fresh CSRF token for the signed-in session: the pre-login one may
	// have been planted (login CSRF).
	c.SetCookie(&http.Cookie{Name: CSRFCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: h.secureRequest(c)})
	return c.Redirect(http.StatusSeeOther, next)
}

// logout ends the session and returns to the sign-in page.
func (h *Handler) logout(c echo.Context) error {
	if tok, ok := c.Get(ctxSessionToken).(string); ok {
		if err := h.store.EndSession(c.Request().Context(), tok, h.Audit(c)); err != nil {
			return err
		}
	}
	h.clearSessionCookie(c)
	return c.Redirect(http.StatusSeeOther, "/login")
}
