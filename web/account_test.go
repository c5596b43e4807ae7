package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

// sessionCookie returns the client's session cookie for srvURL.
func sessionCookie(t *testing.T, c *http.Client, srvURL string) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(srvURL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == web.SessionCookie {
			return ck
		}
	}
	t.Fatal("no session cookie")
	return nil
}

// clientWithCookie is a fresh client holding only ck.
func clientWithCookie(t *testing.T, srvURL string, ck *http.Cookie) *http.Client {
	t.Helper()
	c := newJarClient(t, false)
	u, _ := url.Parse(srvURL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}})
	return c
}

// newAPIToken creates a token for email straight in the store.
func newAPIToken(t *testing.T, st *store.Store, email, scope string) string {
	t.Helper()
	_, secret, err := st.CreateAPIToken(context.Background(), mustUser(t, st, email).ID, "script", scope, testutil.Now(), store.Audit{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// apiStatus calls a read API route with a bearer token.
func apiStatus(t *testing.T, srvURL, token string) int {
	t.Helper()
	status, _, _ := getWith(t, &http.Client{}, srvURL+"/api/v1/scorecard?period=2026-10", "Authorization", "Bearer "+token)
	return status
}

func TestPasswordChangeRotatesSessionAndRevokesTokens(t *testing.T) {
	s := newAuthServer(t, nil)
	pw := testutil.CreateUser(t, s.st, "ann@example.com", store.RoleEditor)
	laptop := loginClient(t, s.URL, "ann@example.com", pw, false)
	old := sessionCookie(t, laptop, s.URL)
	token := newAPIToken(t, s.st, "ann@example.com", store.ScopeRead)
	if st := apiStatus(t, s.URL, token); st != http.StatusOK {
		t.Fatalf("token before the change: %d", st)
	}

	// With live tokens the form offers to revoke them, ticked.
	_, body, _ := getWith(t, laptop, s.URL+"/account")
	if !regexp.MustCompile(`<input type="checkbox" name="revoke_tokens" value="on" checked data-testid="revoke-tokens">`).MatchString(body) {
		t.Fatalf("revoke-tokens box missing or not ticked: %s", regexp.MustCompile(`(?s)<form[^>]*password-form.*?</form>`).FindString(body))
	}
	// A failed change keeps the user's choice.
	_, body, _ = postWith(t, laptop, s.URL+"/account/password", url.Values{"current": {"nope"}, "new": {"a-long-new-password"}, "confirm": {"a-long-new-password"}}, true)
	if !strings.Contains(body, `name="revoke_tokens" value="on" data-testid`) {
		t.Error("unticked box came back ticked after a failed change")
	}

	newPW := "correct horse battery staple"
	status, _, hdr := postWith(t, laptop, s.URL+"/account/password", url.Values{"current": {pw}, "new": {newPW}, "confirm": {newPW}, "revoke_tokens": {"on"}}, true)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/account?done=password-tokens" {
		t.Fatalf("change: %d %s", status, hdr.Get("Location"))
	}
	// The browser that changed it stays signed in under a new session id;
	// the old id is dead.
	if !signedInAt(t, laptop, s.URL) {
		t.Fatal("the changing browser was signed out")
	}
	if now := sessionCookie(t, laptop, s.URL); now.Value == old.Value {
		t.Fatal("session id not rotated on password change")
	}
	if signedInAt(t, clientWithCookie(t, s.URL, old), s.URL) {
		t.Fatal("the old session id still works after the password change")
	}
	if st := apiStatus(t, s.URL, token); st != http.StatusUnauthorized {
		t.Fatalf("token after a change with revoke: %d", st)
	}
	rows, err := s.st.AuditEntries(context.Background(), store.AuditFilter{Entity: "api_tokens"})
	if err != nil || len(rows) == 0 || rows[0].Action != "revoke_all" || !strings.Contains(rows[0].After, "password changed") {
		t.Fatalf("token revocation not audited: %+v %v", rows, err)
	}

	// Unticked, tokens survive the change (the session still rotates).
	token2 := newAPIToken(t, s.st, "ann@example.com", store.ScopeRead)
	before := sessionCookie(t, laptop, s.URL)
	status, _, hdr = postWith(t, laptop, s.URL+"/account/password", url.Values{"current": {newPW}, "new": {pw}, "confirm": {pw}}, true)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/account?done=password" {
		t.Fatalf("second change: %d %s", status, hdr.Get("Location"))
	}
	if st := apiStatus(t, s.URL, token2); st != http.StatusOK {
		t.Fatalf("token after a change without revoke: %d", st)
	}
	if sessionCookie(t, laptop, s.URL).Value == before.Value || signedInAt(t, clientWithCookie(t, s.URL, before), s.URL) {
		t.Fatal("session not rotated on the second change")
	}
}

func TestDisableRevokesTokensForGood(t *testing.T) {
	s := newAuthServer(t, nil)
	adminPW := testutil.CreateUser(t, s.st, "root@example.com", store.RoleAdmin)
	admin := loginClient(t, s.URL, "root@example.com", adminPW, false)
	testutil.CreateUser(t, s.st, "bot@example.com", store.RoleEditor)
	token := newAPIToken(t, s.st, "bot@example.com", store.ScopeWrite)
	if st := apiStatus(t, s.URL, token); st != http.StatusOK {
		t.Fatalf("token: %d", st)
	}
	id := itoa(mustUser(t, s.st, "bot@example.com").ID)
	for _, action := range []string{"disable", "enable"} {
		if status, _, _ := postForm2(t, admin, s.URL+"/admin/users/"+id, url.Values{"action": {action}}); status != http.StatusSeeOther {
			t.Fatalf("%s: %d", action, status)
		}
		if st := apiStatus(t, s.URL, token); st != http.StatusUnauthorized {
			t.Fatalf("token after %s: %d", action, st)
		}
	}
	toks, err := s.st.APITokens(context.Background(), mustUser(t, s.st, "bot@example.com").ID)
	if err != nil || len(toks) != 1 || toks[0].RevokedAt == nil {
		t.Fatalf("token not marked revoked: %+v %v", toks, err)
	}
}

func TestAccountTokenScopes(t *testing.T) {
	s := newAuthServer(t, nil)
	vpw := testutil.CreateUser(t, s.st, "vic@example.com", store.RoleViewer)
	epw := testutil.CreateUser(t, s.st, "ed@example.com", store.RoleEditor)
	viewer := loginClient(t, s.URL, "vic@example.com", vpw, false)
	editor := loginClient(t, s.URL, "ed@example.com", epw, false)
	scopeSelect := regexp.MustCompile(`(?s)<select name="scope" data-testid="token-scope">(.*?)</select>`)

	// A viewer is offered read only and cannot get write by posting it.
	_, body, _ := getWith(t, viewer, s.URL+"/account")
	if m := scopeSelect.FindStringSubmatch(body); m == nil || strings.Contains(m[1], `value="write"`) || !strings.Contains(m[1], `value="read"`) {
		t.Fatalf("viewer's scope choice: %v", m)
	}
	status, body, _ := postWith(t, viewer, s.URL+"/account/tokens", url.Values{"name": {"ci"}, "scope": {"write"}}, true)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "write scope needs the editor or admin role") || newTokenRE.MatchString(body) {
		t.Fatalf("viewer asking for write: %d", status)
	}
	if toks, _ := s.st.APITokens(context.Background(), mustUser(t, s.st, "vic@example.com").ID); len(toks) != 0 {
		t.Fatalf("viewer got tokens %+v", toks)
	}
	// An unknown scope is refused for anyone.
	if status, _, _ := postWith(t, editor, s.URL+"/account/tokens", url.Values{"name": {"ci"}, "scope": {"admin"}}, true); status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown scope: %d", status)
	}

	// An editor chooses write; the list shows each token's scope.
	_, body, _ = getWith(t, editor, s.URL+"/account")
	if m := scopeSelect.FindStringSubmatch(body); m == nil || !strings.Contains(m[1], `value="write"`) {
		t.Fatalf("editor's scope choice: %v", m)
	}
	status, body, _ = postWith(t, editor, s.URL+"/account/tokens", url.Values{"name": {"deploy step"}, "scope": {"write"}}, true)
	if status != http.StatusOK || !newTokenRE.MatchString(body) || !strings.Contains(body, "“deploy step” (write) created") {
		t.Fatalf("editor write token: %d", status)
	}
	postWith(t, editor, s.URL+"/account/tokens", url.Values{"name": {"report"}}, true) // no scope: read
	toks, err := s.st.APITokens(context.Background(), mustUser(t, s.st, "ed@example.com").ID)
	if err != nil || len(toks) != 2 || toks[0].Scope != store.ScopeRead || toks[1].Scope != store.ScopeWrite {
		t.Fatalf("tokens %+v %v", toks, err)
	}
	_, body, _ = getWith(t, editor, s.URL+"/account")
	row := regexp.MustCompile(`(?s)<tr data-testid="token-` + itoa(toks[1].ID) + `">(.*?)</tr>`).FindStringSubmatch(body)
	if row == nil || !strings.Contains(row[1], "<td>write</td>") {
		t.Fatalf("token list lacks the scope: %v", row)
	}
}
