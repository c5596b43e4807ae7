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
)

// TestAdminResetPassword: an admin resets another user's password. The
// temporary password is shown once (never in a URL, not cached), the
// user's sessions end and their API tokens are revoked; the temporary
// password signs in to the account page only, which demands a new one;
// after the change everything opens again. The users page shows the last
// sign-in, and the audit log shows the reset as changed fields and the
// sign-ins as "signed in". Viewers, editors and requests without the CSRF
// token are refused, and an admin cannot reset their own password here.
func TestAdminResetPassword(t *testing.T) {
	s := newAuthServer(t, nil)
	ctx := context.Background()
	adminPW := testutil.CreateUser(t, s.st, "root@example.com", store.RoleAdmin)
	admin := loginClient(t, s.URL, "root@example.com", adminPW, false)
	annPW := testutil.CreateUser(t, s.st, "ann@example.com", store.RoleEditor)
	ann := loginClient(t, s.URL, "ann@example.com", annPW, false)
	ann0 := mustUser(t, s.st, "ann@example.com")
	if ann0.LastSignInAt == nil || !ann0.LastSignInAt.Equal(testutil.Now()) {
		t.Fatalf("last sign-in after login = %v, want %v", ann0.LastSignInAt, testutil.Now())
	}
	_, secret, err := s.st.CreateAPIToken(ctx, ann0.ID, "ci", store.ScopeRead, testutil.Now(), store.Audit{Actor: "ann@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	id := itoa(ann0.ID)
	_, body, _ := getWith(t, admin, s.URL+"/admin/users")
	if !strings.Contains(body, "<th scope=\"col\">Last sign-in</th>") || !strings.Contains(body, `<td data-testid="last-sign-in">2026-11-15 13:00 UTC</td>`) {
		t.Error("users page lacks the last sign-in column or Ann's sign-in")
	}
	if !strings.Contains(body, `action="/admin/users/`+id+`/password"`) {
		t.Error("users page lacks the reset-password form")
	}

	// Refused: no CSRF token, a non-admin, the admin's own account.
	reset := s.URL + "/admin/users/" + id + "/password"
	if status, _, _ := postWith(t, admin, reset, url.Values{"revoke_tokens": {"on"}}, false); status != http.StatusForbidden {
		t.Errorf("reset without CSRF token: %d", status)
	}
	if status, _, _ := postWith(t, ann, s.URL+"/admin/users/"+itoa(mustUser(t, s.st, "root@example.com").ID)+"/password", nil, true); status != http.StatusForbidden {
		t.Errorf("editor resetting the admin: %d", status)
	}
	if status, _, _ := postWith(t, admin, s.URL+"/admin/users/"+itoa(mustUser(t, s.st, "root@example.com").ID)+"/password", nil, true); status != http.StatusBadRequest {
		t.Errorf("admin resetting own password here: %d", status)
	}
	if u := mustUser(t, s.st, "ann@example.com"); u.MustChangePassword || u.PasswordHash != ann0.PasswordHash {
		t.Fatal("a refused reset changed the account")
	}

	status, body, hdr := postWith(t, admin, reset, url.Values{"revoke_tokens": {"on"}}, true)
	m := regexp.MustCompile(`<code class="secret">([^<]+)</code>`).FindStringSubmatch(body)
	if status != http.StatusOK || m == nil || hdr.Get("Cache-Control") != "no-store" || !strings.Contains(body, `data-testid="reset-user"`) {
		t.Fatalf("reset: %d, cache %q", status, hdr.Get("Cache-Control"))
	}
	temp := m[1]
	if signedInAt(t, ann, s.URL) {
		t.Error("Ann's session survived the reset")
	}
	if _, _, err := s.st.UserByAPIToken(ctx, secret); err == nil {
		t.Error("Ann's API token survived the reset")
	}
	if res := doLogin(t, newJarClient(t, false), s.URL, "ann@example.com", annPW); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("old password after reset: %d", res.StatusCode)
	}

	// The temporary password opens the account page only.
	ann = loginClient(t, s.URL, "ann@example.com", temp, false)
	for _, path := range []string{"/", "/risks", "/incidents"} {
		status, _, hdr := getWith(t, ann, s.URL+path)
		if status != http.StatusSeeOther || hdr.Get("Location") != "/account?change=required" {
			t.Errorf("GET %s with a temporary password: %d %s, want 303 to the account page", path, status, hdr.Get("Location"))
		}
	}
	if status, _, _ := postWith(t, ann, s.URL+"/risks", url.Values{"title": {"x"}}, true); status != http.StatusForbidden {
		t.Errorf("POST with a temporary password: %d, want 403", status)
	}
	status, body, _ = getWith(t, ann, s.URL+"/account")
	if status != http.StatusOK || !strings.Contains(body, `data-testid="must-change-password"`) {
		t.Fatalf("account page with a temporary password: %d", status)
	}
	status, body, _ = postWith(t, ann, s.URL+"/account/password", url.Values{"current": {temp}, "new": {temp}, "confirm": {temp}}, true)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "not the temporary one") || !strings.Contains(body, `href="#pw-new"`) {
		t.Errorf("keeping the temporary password: %d", status)
	}
	own := "a-password-of-my-own-42"
	if status, _, _ := postWith(t, ann, s.URL+"/account/password", url.Values{"current": {temp}, "new": {own}, "confirm": {own}}, true); status != http.StatusSeeOther {
		t.Fatalf("choosing a new password: %d", status)
	}
	if status, _, _ := getWith(t, ann, s.URL+"/risks"); status != http.StatusOK {
		t.Errorf("after the change /risks answers %d", status)
	}
	if u := mustUser(t, s.st, "ann@example.com"); u.MustChangePassword {
		t.Error("the temporary mark survived the change")
	}

	// The audit log: the reset as changed fields, sign-ins in words.
	_, body, _ = getWith(t, admin, s.URL+"/admin/audit?entity=users")
	if !strings.Contains(body, "<td>reset password</td>") || !strings.Contains(body, "<th scope=\"row\">must change password</th><td><del>no</del></td><td aria-hidden=\"true\">→</td><td><ins>yes</ins></td>") {
		t.Errorf("audit page does not show the reset as a field change")
	}
	if strings.Contains(body, "password_hash") {
		t.Error("the audit page shows a password hash field")
	}
	_, body, _ = getWith(t, admin, s.URL+"/admin/audit?entity=sessions")
	if !strings.Contains(body, "<td>signed in</td>") || !strings.Contains(body, "<td>user #"+id+"</td>") || strings.Contains(body, "sessions #") {
		t.Error("sign-ins do not read as \"signed in\" by \"user #N\"")
	}
}
