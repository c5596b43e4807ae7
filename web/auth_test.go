package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

// clock is a settable clock for web.Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// authServer is an app on an empty database with a settable clock.
type authServer struct {
	*httptest.Server
	st    *store.Store
	clock *clock
}

func newAuthServer(t *testing.T, mod func(*web.Config)) authServer {
	t.Helper()
	st := testutil.NewStore(t)
	clk := &clock{t: testutil.Now()}
	cfg := web.Config{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if mod != nil {
		mod(&cfg)
	}
	srv := httptest.NewServer(web.New(st, cfg))
	t.Cleanup(srv.Close)
	return authServer{Server: srv, st: st, clock: clk}
}

// signedInAt reports whether c is signed in: /account answers 200 rather
// than a redirect to the login page.
func signedInAt(t *testing.T, c *http.Client, srvURL string) bool {
	t.Helper()
	status, _, hdr := getWith(t, c, srvURL+"/account")
	switch {
	case status == http.StatusOK:
		return true
	case isLoginRedirect(status, hdr):
		return false
	}
	t.Fatalf("/account: unexpected status %d", status)
	return false
}

func TestLoginAndLogout(t *testing.T) {
	s := newAuthServer(t, nil)
	pw := testutil.CreateUser(t, s.st, "ann@example.com", store.RoleEditor)

	// Anonymous: the login page, with the way back kept.
	c := newJarClient(t, false)
	status, _, hdr := getWith(t, c, s.URL+"/incidents?severity=sev1")
	if !isLoginRedirect(status, hdr) || hdr.Get("Location") != "/login?next=%2Fincidents%3Fseverity%3Dsev1" {
		t.Fatalf("anonymous: %d %s", status, hdr.Get("Location"))
	}

	// The session cookie's attributes.
	if _, err := c.Get(s.URL + "/login"); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"email": {"Ann@Example.com "}, "password": {pw}, "_csrf": {csrfToken(t, c, s.URL)}, "next": {"/incidents?severity=sev1"}}
	res, err := c.PostForm(s.URL+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/incidents?severity=sev1" {
		t.Fatalf("login: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == web.SessionCookie && ck.Value != "" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure || session.Path != "/" {
		t.Fatalf("session cookie %+v", session)
	}
	// Only the token's hash is stored.
	if _, _, err := s.st.SessionByToken(context.Background(), session.Value); err != nil {
		t.Fatalf("session not stored: %v", err)
	}
	if !signedInAt(t, c, s.URL) {
		t.Fatal("not signed in after login")
	}
	_, body, _ := getWith(t, c, s.URL+"/account")
	if !strings.Contains(body, `data-testid="whoami"`) || !strings.Contains(body, "ann@example.com · editor") {
		t.Error("layout does not show the user")
	}
	if strings.Contains(body, `href="/admin/users"`) {
		t.Error("editor sees the Admin nav")
	}

	// An open redirect through next is refused.
	c2 := newJarClient(t, false)
	c2.Get(s.URL + "/login")
	res, _ = c2.PostForm(s.URL+"/login", url.Values{"email": {"ann@example.com"}, "password": {pw}, "_csrf": {csrfToken(t, c2, s.URL)}, "next": {"//evil.example/x"}})
	res.Body.Close()
	if res.Header.Get("Location") != "/" {
		t.Errorf("next=//evil: Location %s", res.Header.Get("Location"))
	}

	// Logout ends the session server-side.
	status, _, hdr = postWith(t, c, s.URL+"/logout", nil, true)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/login" {
		t.Fatalf("logout: %d %s", status, hdr.Get("Location"))
	}
	if _, _, err := s.st.SessionByToken(context.Background(), session.Value); err == nil {
		t.Fatal("session still stored after logout")
	}
	// Replaying the old cookie does not work either.
	c3 := newJarClient(t, false)
	u, _ := url.Parse(s.URL)
	c3.Jar.SetCookies(u, []*http.Cookie{session})
	if signedInAt(t, c3, s.URL) {
		t.Fatal("old session cookie still works")
	}
}

func TestSecureCookiesBehindTLSProxy(t *testing.T) {
	s := newAuthServer(t, func(c *web.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/login", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var csrf *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == web.CSRFCookie {
			csrf = ck
		}
	}
	if csrf == nil || !csrf.Secure || !csrf.HttpOnly || csrf.SameSite != http.SameSiteLaxMode {
		t.Fatalf("csrf cookie behind TLS proxy: %+v", csrf)
	}
}

func TestCSRFRequired(t *testing.T) {
	s := newAuthServer(t, nil)
	pw := testutil.CreateUser(t, s.st, "ann@example.com", store.RoleViewer)
	c := loginClient(t, s.URL, "ann@example.com", pw, false)

	for _, tc := range []struct {
		name  string
		token string
	}{{"missing", ""}, {"wrong", "not-the-token"}} {
		form := url.Values{"name": {"script"}}
		if tc.token != "" {
			form.Set("_csrf", tc.token)
		}
		status, body, _ := postWith(t, c, s.URL+"/account/tokens", form, false)
		if status != http.StatusForbidden || strings.Contains(body, "srp_") {
			t.Errorf("%s token: status %d", tc.name, status)
		}
	}
	// A cross-site form post is refused even with the token.
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/account/tokens", strings.NewReader(url.Values{"name": {"x"}, "_csrf": {csrfToken(t, c, s.URL)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post: %d", res.StatusCode)
	}
	// The login form itself needs the token (login CSRF).
	c2 := newJarClient(t, false)
	c2.Get(s.URL + "/login")
	status, _, _ := postWith(t, c2, s.URL+"/login", url.Values{"email": {"ann@example.com"}, "password": {pw}}, false)
	if status != http.StatusForbidden {
		t.Errorf("login without token: %d", status)
	}
	// With the token it works.
	status, body, _ := postWith(t, c, s.URL+"/account/tokens", url.Values{"name": {"script"}}, true)
	if status != http.StatusOK || !strings.Contains(body, "srp_") {
		t.Errorf("with token: %d", status)
	}
}

func TestSessionIdleExpiry(t *testing.T) {
	s := newAuthServer(t, nil)
	pw := testutil.CreateUser(t, s.st, "ann@example.com", store.RoleViewer)
	c := loginClient(t, s.URL, "ann@example.com", pw, false)

	s.clock.Advance(11 * time.Hour)
	if !signedInAt(t, c, s.URL) {
		t.Fatal("signed out after 11 h idle")
	}
	// Activity moved the idle expiry: another 11 h is fine.
	s.clock.Advance(11 * time.Hour)
	if !signedInAt(t, c, s.URL) {
		t.Fatal("signed out 11 h after the last request")
	}
	s.clock.Advance(web.SessionIdle)
	if signedInAt(t, c, s.URL) {
		t.Fatal("still signed in after 12 h idle")
	}
}

func TestSessionAbsoluteExpiry(t *testing.T) {
	s := newAuthServer(t, nil)
	pw := testutil.CreateUser(t, s.st, "ann@example.com", store.RoleViewer)
	c := loginClient(t, s.URL, "ann@example.com", pw, false)
	// Busy every 6 hours, the session still ends after 7 days.
	for elapsed := time.Duration(0); elapsed+6*time.Hour < web.SessionMax; elapsed += 6 * time.Hour {
		s.clock.Advance(6 * time.Hour)
		if !signedInAt(t, c, s.URL) {
			t.Fatalf("signed out after %s of activity", elapsed+6*time.Hour)
		}
	}
	s.clock.Advance(6 * time.Hour)
	if signedInAt(t, c, s.URL) {
		t.Fatal("session outlived its absolute expiry")
	}
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	s := newAuthServer(t, nil)
	pw := testutil.CreateUser(t, s.st, "ann@example.com", store.RoleViewer)
	laptop := loginClient(t, s.URL, "ann@example.com", pw, false)
	phone := loginClient(t, s.URL, "ann@example.com", pw, false)

	// Validation: wrong current password, too short, mismatch → 422.
	for _, f := range []url.Values{
		{"current": {"nope"}, "new": {"a-long-new-password"}, "confirm": {"a-long-new-password"}},
		{"current": {pw}, "new": {"short"}, "confirm": {"short"}},
		{"current": {pw}, "new": {"a-long-new-password"}, "confirm": {"another-long-password"}},
	} {
		if status, _, _ := postWith(t, laptop, s.URL+"/account/password", f, true); status != http.StatusUnprocessableEntity {
			t.Errorf("invalid change %v: %d", f, status)
		}
	}
	newPW := "correct horse battery staple"
	status, _, hdr := postWith(t, laptop, s.URL+"/account/password", url.Values{"current": {pw}, "new": {newPW}, "confirm": {newPW}}, true)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/account?done=password" {
		t.Fatalf("change: %d %s", status, hdr.Get("Location"))
	}
	if !signedInAt(t, laptop, s.URL) {
		t.Error("the session that changed the password was ended")
	}
	if signedInAt(t, phone, s.URL) {
		t.Error("other session survived the password change")
	}
	if res := doLogin(t, newJarClient(t, false), s.URL, "ann@example.com", pw); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("old password: %d", res.StatusCode)
	}
	loginClient(t, s.URL, "ann@example.com", newPW, false)
	// Audited, without the hash.
	rows, err := s.st.AuditEntries(context.Background(), store.AuditFilter{Entity: "users"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || rows[0].Action != "change_password" || rows[0].Actor != "ann@example.com" || strings.Contains(rows[0].After, "$2a$") {
		t.Fatalf("audit rows %+v", rows)
	}
}

func TestLoginThrottling(t *testing.T) {
	t.Run("per account", func(t *testing.T) {
		s := newAuthServer(t, nil)
		pw := testutil.CreateUser(t, s.st, "ann@example.com", store.RoleViewer)
		testutil.CreateUser(t, s.st, "off@example.com", store.RoleViewer)
		off, _ := s.st.UserByEmail(context.Background(), "off@example.com")
		if _, err := s.st.SetUserDisabled(context.Background(), off.ID, true, store.Audit{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		c := newJarClient(t, false)
		// No enumeration: unknown, wrong password and disabled read the same.
		msgs := map[string]bool{}
		for _, cred := range [][2]string{{"nobody@example.com", "x"}, {"ann@example.com", "wrong"}, {"off@example.com", "whatever"}} {
			status, body := loginBody(t, c, s.URL, cred[0], cred[1])
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: %d", cred[0], status)
			}
			msgs[loginError(body)] = true
		}
		if len(msgs) != 1 {
			t.Errorf("failure messages differ: %v", msgs)
		}
		for range 4 {
			if status, _ := loginBody(t, c, s.URL, "ann@example.com", "wrong"); status != http.StatusUnprocessableEntity {
				t.Fatalf("failure: %d", status)
			}
		}
		// Five failures: even the right password is refused for a while.
		status, body := loginBody(t, c, s.URL, "ann@example.com", pw)
		if status != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed sign-in attempts") {
			t.Fatalf("after 5 failures: %d %s", status, loginError(body))
		}
		s.clock.Advance(16 * time.Minute)
		if status, _ := loginBody(t, c, s.URL, "ann@example.com", pw); status != http.StatusSeeOther {
			t.Fatalf("after the window: %d", status)
		}
	})
	t.Run("per address", func(t *testing.T) {
		s := newAuthServer(t, nil)
		pw := testutil.CreateUser(t, s.st, "ann@example.com", store.RoleViewer)
		c := newJarClient(t, false)
		for i := range 20 {
			loginBody(t, c, s.URL, "guess"+string(rune('a'+i))+"@example.com", "x")
		}
		if status, _ := loginBody(t, c, s.URL, "ann@example.com", pw); status != http.StatusTooManyRequests {
			t.Fatalf("21st attempt from one address: %d", status)
		}
	})
}

var loginErrorRE = regexp.MustCompile(`data-testid="login-error">([^<]*)<`)

func loginError(body string) string {
	if m := loginErrorRE.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// loginBody posts the login form and returns status and body.
func loginBody(t *testing.T, c *http.Client, srvURL, email, password string) (int, string) {
	t.Helper()
	status, body, _ := postWith(t, c, srvURL+"/login", url.Values{"email": {email}, "password": {password}}, true)
	return status, body
}

func TestProxyHeaderOnlyFromTrustedProxies(t *testing.T) {
	trusted := func(cidr string) func(*web.Config) {
		return func(c *web.Config) {
			c.AuthProxyHeader = "X-Forwarded-Email"
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix(cidr)}
		}
	}
	t.Run("trusted", func(t *testing.T) {
		s := newAuthServer(t, trusted("127.0.0.1/32"))
		c := newJarClient(t, false)
		status, body, _ := getWith(t, c, s.URL+"/account", "X-Forwarded-Email", "Proxy.User@Example.com")
		if status != http.StatusOK || !strings.Contains(body, "proxy.user@example.com · viewer") {
			t.Fatalf("trusted proxy: %d", status)
		}
		u, err := s.st.UserByEmail(context.Background(), "proxy.user@example.com")
		if err != nil || u.Role != store.RoleViewer {
			t.Fatalf("auto-created user: %+v %v", u, err)
		}
		// A disabled account is not signed in by the proxy either.
		if _, err := s.st.SetUserDisabled(context.Background(), u.ID, true, store.Audit{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		if status, _, hdr := getWith(t, c, s.URL+"/account", "X-Forwarded-Email", "proxy.user@example.com"); !isLoginRedirect(status, hdr) {
			t.Fatalf("disabled proxy user: %d", status)
		}
	})
	t.Run("untrusted", func(t *testing.T) {
		s := newAuthServer(t, trusted("10.0.0.0/8"))
		c := newJarClient(t, false)
		status, _, hdr := getWith(t, c, s.URL+"/account", "X-Forwarded-Email", "mallory@example.com", "X-Forwarded-For", "10.0.0.1")
		if !isLoginRedirect(status, hdr) {
			t.Fatalf("header from an untrusted address was believed: %d", status)
		}
		if _, err := s.st.UserByEmail(context.Background(), "mallory@example.com"); err == nil {
			t.Fatal("user created from an untrusted header")
		}
	})
	t.Run("disabled without config", func(t *testing.T) {
		s := newAuthServer(t, nil)
		status, _, hdr := getWith(t, newJarClient(t, false), s.URL+"/account", "X-Forwarded-Email", "mallory@example.com")
		if !isLoginRedirect(status, hdr) {
			t.Fatalf("header believed without proxy config: %d", status)
		}
	})
}

var newTokenRE = regexp.MustCompile(`<code class="secret">(srp_[A-Za-z0-9_-]+)</code>`)

func TestAPIToken(t *testing.T) {
	s := newAuthServer(t, nil)
	pw := testutil.CreateUser(t, s.st, "bot@example.com", store.RoleViewer)
	c := loginClient(t, s.URL, "bot@example.com", pw, false)
	status, body, _ := postWith(t, c, s.URL+"/account/tokens", url.Values{"name": {"monthly report"}}, true)
	m := newTokenRE.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		t.Fatalf("create token: %d", status)
	}
	token := m[1]
	// Shown once: the account page lists it without the secret.
	if _, body, _ := getWith(t, c, s.URL+"/account"); strings.Contains(body, token) || !strings.Contains(body, "monthly report") {
		t.Fatal("token secret shown again or token not listed")
	}

	api := &http.Client{}
	status, body, _ = getWith(t, api, s.URL+"/api/v1/scorecard?period=2026-10", "Authorization", "Bearer "+token)
	if status != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(body), "{") {
		t.Fatalf("bearer token: %d %.200s", status, body)
	}
	status, body, hdr := getWith(t, api, s.URL+"/api/v1/scorecard?period=2026-10", "Authorization", "Bearer srp_made-up")
	if status != http.StatusUnauthorized || !strings.Contains(body, `"error"`) || hdr.Get("WWW-Authenticate") == "" {
		t.Fatalf("bad token: %d %s", status, body)
	}
	// The token does not open HTML pages.
	if status, _, hdr := getWith(t, newJarClient(t, false), s.URL+"/account", "Authorization", "Bearer "+token); !isLoginRedirect(status, hdr) {
		t.Fatalf("token on HTML page: %d", status)
	}

	toks, err := s.st.APITokens(context.Background(), mustUser(t, s.st, "bot@example.com").ID)
	if err != nil || len(toks) != 1 {
		t.Fatalf("tokens %v %v", toks, err)
	}
	status, _, _ = postWith(t, c, s.URL+"/account/tokens/"+itoa(toks[0].ID)+"/revoke", nil, true)
	if status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", status)
	}
	if status, _, _ := getWith(t, api, s.URL+"/api/v1/scorecard?period=2026-10", "Authorization", "Bearer "+token); status != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", status)
	}
	// Someone else cannot revoke (or learn about) another user's token.
	pw2 := testutil.CreateUser(t, s.st, "eve@example.com", store.RoleAdmin)
	eve := loginClient(t, s.URL, "eve@example.com", pw2, false)
	if status, _, _ := postWith(t, eve, s.URL+"/account/tokens/"+itoa(toks[0].ID)+"/revoke", nil, true); status != http.StatusNotFound {
		t.Fatalf("revoking another user's token: %d", status)
	}
}

func TestAdminUsers(t *testing.T) {
	s := newAuthServer(t, nil)
	adminPW := testutil.CreateUser(t, s.st, "root@example.com", store.RoleAdmin)
	admin := loginClient(t, s.URL, "root@example.com", adminPW, false)

	status, body, _ := getWith(t, admin, s.URL+"/admin/users")
	if status != http.StatusOK || !strings.Contains(body, `href="/admin/users"`) || !strings.Contains(body, `data-testid="users"`) {
		t.Fatalf("users page: %d", status)
	}
	status, body, _ = postForm2(t, admin, s.URL+"/admin/users", url.Values{"email": {"new@example.com"}, "role": {"editor"}})
	m := regexp.MustCompile(`<code class="secret">([^<]+)</code>`).FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		t.Fatalf("create user: %d", status)
	}
	if status, _, _ := postForm2(t, admin, s.URL+"/admin/users", url.Values{"email": {"new@example.com"}, "role": {"editor"}}); status != http.StatusUnprocessableEntity {
		t.Fatalf("duplicate email: %d", status)
	}
	newbie := loginClient(t, s.URL, "new@example.com", m[1], false)
	id := itoa(mustUser(t, s.st, "new@example.com").ID)

	if status, _, _ := postForm2(t, admin, s.URL+"/admin/users/"+id, url.Values{"action": {"role"}, "role": {"admin"}}); status != http.StatusSeeOther {
		t.Fatalf("set role: %d", status)
	}
	if u := mustUser(t, s.st, "new@example.com"); u.Role != store.RoleAdmin {
		t.Fatalf("role = %s", u.Role)
	}
	// Disabling ends the user's sessions and blocks sign-in.
	if status, _, _ := postForm2(t, admin, s.URL+"/admin/users/"+id, url.Values{"action": {"disable"}}); status != http.StatusSeeOther {
		t.Fatalf("disable: %d", status)
	}
	if signedInAt(t, newbie, s.URL) {
		t.Fatal("disabled user still signed in")
	}
	if res := doLogin(t, newJarClient(t, false), s.URL, "new@example.com", m[1]); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("disabled user login: %d", res.StatusCode)
	}
	// Admins cannot lock themselves out.
	if status, _, _ := postForm2(t, admin, s.URL+"/admin/users/"+itoa(mustUser(t, s.st, "root@example.com").ID), url.Values{"action": {"disable"}}); status != http.StatusBadRequest {
		t.Fatalf("self-disable: %d", status)
	}

	// Every change is in the audit log, filterable by entity and user.
	status, body, _ = getWith(t, admin, s.URL+"/admin/audit?entity=users&user=root@example.com")
	if status != http.StatusOK {
		t.Fatalf("audit page: %d", status)
	}
	for _, action := range []string{"create", "changed role", "disable"} {
		if !strings.Contains(body, "<td>"+action+"</td>") {
			t.Errorf("audit page lacks %s", action)
		}
	}
	if strings.Contains(body, "<td>signed in</td>") {
		t.Error("entity filter leaked session rows")
	}
	if status, _, _ := getWith(t, admin, s.URL+"/admin/audit?from=yesterday"); status != http.StatusBadRequest {
		t.Errorf("bad date: %d", status)
	}
	// A viewer gets 403 on the admin pages.
	vpw := testutil.CreateUser(t, s.st, "vic@example.com", store.RoleViewer)
	viewer := loginClient(t, s.URL, "vic@example.com", vpw, false)
	if status, _, _ := getWith(t, viewer, s.URL+"/admin/users"); status != http.StatusForbidden {
		t.Fatalf("viewer on /admin/users: %d", status)
	}
}

func postForm2(t *testing.T, c *http.Client, rawURL string, form url.Values) (int, string, http.Header) {
	t.Helper()
	return postWith(t, c, rawURL, form, true)
}

func mustUser(t *testing.T, st *store.Store, email string) store.User {
	t.Helper()
	u, err := st.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
