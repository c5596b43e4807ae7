package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"sreport/analytics/store"
)

// Session and cookie policy.
const (
	// SessionCookie holds the opaque session token; the database keeps only its SHA-256.
	SessionCookie = "sreport_session"
	// CSRFCookie holds the CSRF token echo's middleware checks forms against.
	CSRFCookie = "sreport_csrf"
	// SessionIdle ends a session nobody used for this long.
	SessionIdle = 12 * time.Hour
	// SessionMax ends every session this long after sign-in, used or not.
	SessionMax = 7 * 24 * time.Hour
	// sessionTouch limits last-seen writes to one a minute per session.
	sessionTouch = time.Minute
	// touchPause is how long session renewals wait after one found the
	// database busy.
	touchPause = 5 * time.Second
)

// Context keys set by authenticate.
const (
	ctxUser         = "user"
	ctxAuthMethod   = "auth_method"
	ctxSessionToken = "session_token"
	// ctxTokenScope is the scope of the request's API token, capped by the
	// owner's role (store.ScopeAllowed).
	ctxTokenScope = "token_scope"
)

// How a request was authenticated.
const (
	authSession = "session"
	authToken   = "token"
	authProxy   = "proxy"
)

// currentUser returns the signed-in user, or nil for anonymous requests.
func currentUser(c echo.Context) *store.User {
	u, _ := c.Get(ctxUser).(*store.User)
	return u
}

func authMethod(c echo.Context) string {
	m, _ := c.Get(ctxAuthMethod).(string)
	return m
}

// tokenScope is the request's API token scope, "" without a token.
func tokenScope(c echo.Context) string {
	s, _ := c.Get(ctxTokenScope).(string)
	return s
}

// auditFor describes who makes a change in this request, for store.Audit.
func auditFor(c echo.Context, now time.Time) store.Audit {
	a := store.Audit{ClientAddr: c.RealIP(), At: now}
	if u := currentUser(c); u != nil {
		a.UserID, a.Actor = u.ID, u.Email
	}
	return a
}

// Audit returns the audit record skeleton (user, actor, client address and
// time) for a change made in this request; features fill in Action, Entity,
// EntityID, Before and After and pass it to store.WithAudit.
func (h *Handler) Audit(c echo.Context) store.Audit { return auditFor(c, h.cfg.Now()) }

// ParseTrustedProxies reads a comma-separated list of CIDRs or bare
// addresses ("10.0.0.0/8,127.0.0.1").
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", part, err)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", part, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// setupAuth installs authentication, CSRF protection and the role check
// keyed on the route table, and makes c.RealIP() trust forwarding headers
// only from the configured proxies.
func (h *Handler) setupAuth(e *echo.Echo) {
	e.IPExtractor = h.ipExtractor()
	e.Use(h.authenticate, h.csrf(), h.authorize(e))
}

// ipExtractor believes X-Forwarded-For only from trusted proxies; without
// any, the client address is the TCP peer, so nobody can dodge the
// per-address login throttle by sending the header.
func (h *Handler) ipExtractor() echo.IPExtractor {
	if len(h.cfg.TrustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range h.cfg.TrustedProxies {
		opts = append(opts, echo.TrustIPRange(&net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// fromTrustedProxy reports whether the TCP peer is a configured proxy.
func (h *Handler) fromTrustedProxy(r *http.Request) bool {
	if len(h.cfg.TrustedProxies) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a := ap.Addr().Unmap()
	for _, p := range h.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// secureRequest reports whether the browser reached us over HTTPS, directly
// or through a trusted proxy; cookies are then marked Secure.
func (h *Handler) secureRequest(c echo.Context) bool {
	r := c.Request()
	return r.TLS != nil || (h.fromTrustedProxy(r) && strings.EqualFold(r.Header.Get(echo.HeaderXForwardedProto), "https"))
}

// authenticate finds the request's user: an API token on /api/, the
// trusted proxy's header, or the session cookie. It never rejects a
// request by itself except for a bad API token; authorize decides.
func (h *Handler) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if tok, ok := bearerToken(req); ok && strings.HasPrefix(req.URL.Path, "/api/") {
			u, t, err := h.store.UserByAPIToken(req.Context(), tok)
			if errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled) {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="sreport"`)
				return userError{http.StatusUnauthorized, "invalid or revoked API token"}
			}
			if err != nil {
				return err
			}
			scope := t.Scope
			if !store.ScopeAllowed(u.Role, scope) {
				scope = store.ScopeRead // the owner lost the role the scope needs
			}
			c.Set(ctxUser, &u)
			c.Set(ctxAuthMethod, authToken)
			c.Set(ctxTokenScope, scope)
			return next(c)
		}
		if h.cfg.AuthProxyHeader != "" && h.fromTrustedProxy(req) {
			if email := strings.TrimSpace(req.Header.Get(h.cfg.AuthProxyHeader)); email != "" {
				u, err := h.proxyUser(c, email)
				if err != nil {
					return err
				}
				if u != nil {
					c.Set(ctxUser, u)
					c.Set(ctxAuthMethod, authProxy)
				}
				// The proxy vouches for this request; a session cookie of
				// some other account does not override it.
				return next(c)
			}
		}
		if ck, err := c.Cookie(SessionCookie); err == nil && ck.Value != "" {
			if err := h.sessionUser(c, ck.Value); err != nil {
				return err
			}
		}
		return next(c)
	}
}

func bearerToken(r *http.Request) (string, bool) {
	v := r.Header.Get(echo.HeaderAuthorization)
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		return strings.TrimSpace(v[7:]), true
	}
	return "", false
}

// proxyUser returns the account the trusted proxy names, creating it as a
// viewer on first sight. Disabled accounts and malformed emails yield nil.
func (h *Handler) proxyUser(c echo.Context, email string) (*store.User, error) {
	ctx := c.Request().Context()
	email, err := store.NormalizeEmail(email)
	if err != nil {
		h.log.Warn("auth proxy: ignoring malformed email header", "remote", c.Request().RemoteAddr)
		return nil, nil
	}
	u, err := h.store.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		a := store.Audit{Actor: "auth-proxy", ClientAddr: c.RealIP(), At: h.cfg.Now()}
		u, err = h.store.CreateUser(ctx, email, store.RoleViewer, "", a)
		if errors.Is(err, store.ErrEmailTaken) { // a concurrent request created it
			u, err = h.store.UserByEmail(ctx, email)
		}
		if err == nil {
			h.log.Info("auth proxy: created user", "email", email, "role", u.Role)
		}
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, nil
	}
	return &u, nil
}

// sessionUser resolves a session cookie, ending sessions past their idle or
// absolute expiry and those of disabled users.
func (h *Handler) sessionUser(c echo.Context, token string) error {
	ctx := c.Request().Context()
	ss, u, err := h.store.SessionByToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		h.clearSessionCookie(c)
		return nil
	}
	if err != nil {
		return err
	}
	now := h.cfg.Now()
	if u.Disabled || !now.Before(ss.ExpiresAt) || now.Sub(ss.LastSeenAt) >= SessionIdle {
		if err := h.store.DeleteSession(ctx, token); err != nil {
			return err
		}
		h.clearSessionCookie(c)
		return nil
	}
	if now.Sub(ss.LastSeenAt) >= sessionTouch && time.Now().UnixNano() >= h.touchPause.Load() {
		// Renewal is bookkeeping: while another writer (an import) holds the
		// database it is skipped, and a later request renews; a page is
		// never refused for it. After a busy failure renewals pause a few
		// seconds, so requests do not each wait for the lock in turn.
		if err := h.store.TouchSession(ctx, token, now); err != nil {
			if !store.IsBusy(err) && !errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			h.touchPause.Store(time.Now().Add(touchPause).UnixNano())
			h.log.Warn("session not renewed: the database is busy with another writer", "error", err)
		}
	}
	c.Set(ctxUser, &u)
	c.Set(ctxAuthMethod, authSession)
	c.Set(ctxSessionToken, token)
	return nil
}

func (h *Handler) setSessionCookie(c echo.Context, token string, expires time.Time) {
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: token, Path: "/", Expires: expires,
		MaxAge: int(expires.Sub(h.cfg.Now()).Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secureRequest(c)})
}

func (h *Handler) clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secureRequest(c)})
}

// csrf checks the token of every state-changing request, except API
// requests authenticated by a bearer token or by nothing at all: neither
// carries ambient credentials a forged request could ride on, and the
// anonymous one gets authorize's 401 rather than a form error.
func (h *Handler) csrf() echo.MiddlewareFunc {
	skip := func(c echo.Context) bool {
		// Webhook receivers authenticate each delivery by its signature
		// and ignore any session, so no forged request can ride one.
		return authMethod(c) == authToken || (currentUser(c) == nil && strings.HasPrefix(c.Request().URL.Path, "/api/")) ||
			strings.HasPrefix(c.Request().URL.Path, "/webhooks/")
	}
	mk := func(secure bool) echo.MiddlewareFunc {
		return middleware.CSRFWithConfig(middleware.CSRFConfig{
			Skipper:        skip,
			TokenLookup:    "form:_csrf,header:X-CSRF-Token",
			ContextKey:     "csrf", // read by h.layout
			CookieName:     CSRFCookie,
			CookiePath:     "/",
			CookieHTTPOnly: true,
			// Lax, not Strict: with Strict a link from elsewhere arrives
			// without the cookie, a new token is minted and open forms break.
			CookieSameSite: http.SameSiteLaxMode,
			CookieSecure:   secure,
			ErrorHandler: func(err error, c echo.Context) error {
				// The form could not be read because the body hit its cap
				// (a chunked upload says its size only by sending it): that
				// is a 413, not a missing token.
				if tooLarge := bodyTooLarge(c); tooLarge != nil {
					return tooLarge
				}
				return userError{http.StatusForbidden, "This form has expired or did not come from sreport. Reload the page and try again."}
			},
		})
	}
	plain, secure := mk(false), mk(true)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		p, s := plain(next), secure(next)
		return func(c echo.Context) error {
			if h.secureRequest(c) {
				return s(c)
			}
			return p(c)
		}
	}
}

// authorize enforces each route's role from the route table. A route that
// reached echo without going through add (so without a rule) is refused
// to everyone; unmatched paths (404/405) need a signed-in user, so
// anonymous visitors learn nothing about what exists. An API token may
// call a route that changes anything (any method but GET, HEAD and
// OPTIONS) only with the write scope, on top of the route's role: this is
// the check every write API route relies on.
func (h *Handler) authorize(e *echo.Echo) echo.MiddlewareFunc {
	var once sync.Once
	var rules map[string]string
	var registered map[string]bool
	load := func() {
		rules = make(map[string]string, len(h.table))
		for _, r := range h.table {
			rules[r.Method+" "+r.Path] = r.Role
		}
		registered = map[string]bool{}
		for _, r := range e.Routes() {
			registered[r.Method+" "+r.Path] = true
		}
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			once.Do(load)
			key := c.Request().Method + " " + c.Path()
			role, ok := rules[key]
			if !ok {
				if registered[key] {
					h.log.Error("route has no role rule; register it with add in routes.go", "route", key)
					return userError{http.StatusForbidden, "This page is not available."}
				}
				role = RoleViewer
			}
			if role == RolePublic {
				return next(c)
			}
			u := currentUser(c)
			if u == nil {
				return h.signInRequired(c)
			}
			if store.RoleRank(u.Role) < store.RoleRank(role) {
				return userError{http.StatusForbidden, fmt.Sprintf("This needs the %s role; you are signed in as %s. Ask an admin for access.", role, u.Role)}
			}
			if u.MustChangePassword && authMethod(c) == authSession && !passwordChangeRoutes[key] {
				// A temporary password an admin set opens only the page
				// that replaces it.
				if safeMethod(c.Request().Method) {
					return c.Redirect(http.StatusSeeOther, "/account?change=required")
				}
				return userError{http.StatusForbidden, "Choose a new password on your account page first: yours was reset by an admin."}
			}
			if authMethod(c) == authToken && !safeMethod(c.Request().Method) && tokenScope(c) != store.ScopeWrite {
				return userError{http.StatusForbidden, "This API token has the read scope; writing needs a token with the write scope (create one on /account)."}
			}
			return next(c)
		}
	}
}

// passwordChangeRoutes are what a browser signed in with a temporary
// password may reach (besides public routes such as sign-out).
var passwordChangeRoutes = map[string]bool{"GET /account": true, "POST /account/password": true}

// safeMethod reports whether an HTTP method only reads (RFC 9110 §9.2.1).
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// signInRequired answers an anonymous request: 401 JSON on the API, a
// redirect to the login page that comes back here afterwards elsewhere.
func (h *Handler) signInRequired(c echo.Context) error {
	req := c.Request()
	if strings.HasPrefix(req.URL.Path, "/api/") {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="sreport"`)
		return userError{http.StatusUnauthorized, "sign in or send an API token (Authorization: Bearer …)"}
	}
	next := "/"
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		next = req.URL.RequestURI()
	}
	return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(next))
}

// safeNext keeps a post-login redirect on this site: a local absolute path,
// never "//host" or "/\host" (which browsers treat as another origin).
func safeNext(next string) string {
	if localPath(next) == "" {
		return "/"
	}
	if strings.HasPrefix(next, "/login") || strings.HasPrefix(next, "/logout") {
		return "/"
	}
	return next
}

// mustKnowRole stops start-up when a route names a role that does not
// exist, so a typo cannot silently lock a page or open it.
func mustKnowRole(method, path, role string) {
	if role != RolePublic && store.RoleRank(role) == 0 {
		panic(fmt.Sprintf("route %s %s: unknown role %q", method, path, role))
	}
}
