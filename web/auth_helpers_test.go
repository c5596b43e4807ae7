package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"

	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

// signedIn remembers, per test server, the account get and postForm use.
type signedIn struct {
	client          *http.Client
	email, password string
	st              *store.Store
}

// logins maps a test server's URL to its signed-in client, so the page
// tests keep calling get(t, srv.URL+path) unchanged.
var logins sync.Map

// signIn creates an account with role on st, signs it in through the
// login form and makes it the client get and postForm use for srvURL.
func signIn(t *testing.T, st *store.Store, srvURL, role string) signedIn {
	t.Helper()
	email := role + "@test.example"
	pw := testutil.CreateUser(t, st, email, role)
	s := signedIn{client: loginClient(t, srvURL, email, pw, true), email: email, password: pw, st: st}
	logins.Store(srvURL, s)
	t.Cleanup(func() { logins.Delete(srvURL) })
	return s
}

// srvStore returns the database behind a server made by newDemoServer.
func srvStore(t *testing.T, srvURL string) *store.Store {
	t.Helper()
	s, ok := logins.Load(srvURL)
	if !ok {
		t.Fatalf("no store for %s", srvURL)
	}
	return s.(signedIn).st
}

// clientFor returns the signed-in client of the server rawURL points at.
func clientFor(rawURL string) *http.Client {
	u, err := url.Parse(rawURL)
	if err == nil {
		if s, ok := logins.Load(u.Scheme + "://" + u.Host); ok {
			return s.(signedIn).client
		}
	}
	return http.DefaultClient
}

// newJarClient is a client with a cookie jar; follow says whether it
// follows redirects.
func newJarClient(t *testing.T, follow bool) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar}
	if !follow {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c
}

// loginClient signs in through GET and POST /login, as a browser does,
// and returns the client holding the session and CSRF cookies.
func loginClient(t *testing.T, srvURL, email, password string, follow bool) *http.Client {
	t.Helper()
	c := newJarClient(t, follow)
	res := doLogin(t, c, srvURL, email, password)
	if res.StatusCode != http.StatusSeeOther && !(follow && res.StatusCode == http.StatusOK && res.Request.URL.Path != "/login") {
		t.Fatalf("login %s: status %d at %s", email, res.StatusCode, res.Request.URL)
	}
	return c
}

// doLogin posts the login form and returns the response (body read and closed).
func doLogin(t *testing.T, c *http.Client, srvURL, email, password string) *http.Response {
	t.Helper()
	if _, err := c.Get(srvURL + "/login"); err != nil {
		t.Fatalf("GET /login: %v", err)
	}
	form := url.Values{"email": {email}, "password": {password}, "_csrf": {csrfToken(t, c, srvURL)}}
	res, err := c.PostForm(srvURL+"/login", form)
	if err != nil {
		t.Fatalf("POST /login: %v", err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// csrfToken is the token the CSRF middleware expects: the cookie's value.
func csrfToken(t *testing.T, c *http.Client, srvURL string) string {
	t.Helper()
	u, _ := url.Parse(srvURL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == web.CSRFCookie {
			return ck.Value
		}
	}
	// No cookie yet: any GET sets one.
	res, err := c.Get(srvURL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == web.CSRFCookie {
			return ck.Value
		}
	}
	t.Fatal("no CSRF cookie")
	return ""
}

// postForm posts a form with the CSRF token through the server's signed-in client.
func postForm(t *testing.T, rawURL string, form url.Values) (int, string, http.Header) {
	t.Helper()
	return postWith(t, clientFor(rawURL), rawURL, form, true)
}

// postWith posts form through c, adding the CSRF token when withToken.
func postWith(t *testing.T, c *http.Client, rawURL string, form url.Values, withToken bool) (int, string, http.Header) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	if form == nil {
		form = url.Values{}
	}
	if withToken {
		form.Set("_csrf", csrfToken(t, c, u.Scheme+"://"+u.Host))
	}
	res, err := c.PostForm(rawURL, form)
	if err != nil {
		t.Fatalf("POST %s: %v", rawURL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// getWith GETs through c and returns status, body and headers.
func getWith(t *testing.T, c *http.Client, rawURL string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// isLoginRedirect reports whether a response sends the visitor to sign in.
func isLoginRedirect(status int, hdr http.Header) bool {
	return status == http.StatusSeeOther && strings.HasPrefix(hdr.Get("Location"), "/login?next=")
}
