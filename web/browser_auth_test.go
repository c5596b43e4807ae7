package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sreport/analytics/store"
	"sreport/testutil"
)

// browserLogin signs Chromium in through the login form.
func browserLogin(t *testing.T, ctx context.Context, srvURL, email, password string) {
	t.Helper()
	if err := testutil.Do(ctx, chromedp.Navigate(srvURL+"/login")); err != nil {
		t.Fatal(err)
	}
	fillLogin(t, ctx, email, password)
}

// fillLogin submits the login form already on screen.
func fillLogin(t *testing.T, ctx context.Context, email, password string) {
	t.Helper()
	if err := testutil.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`[data-testid="login-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="whoami"]`)),
	); err != nil {
		t.Fatalf("browser login %s: %v", email, err)
	}
}

// browserSignIn signs Chromium in as the account newDemoServer made for srvURL.
func browserSignIn(t *testing.T, ctx context.Context, srvURL string) {
	t.Helper()
	s, ok := logins.Load(srvURL)
	if !ok {
		t.Fatalf("no account for %s", srvURL)
	}
	browserLogin(t, ctx, srvURL, s.(signedIn).email, s.(signedIn).password)
}

// browserLogout clicks "Sign out" in the top bar.
func browserLogout(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := testutil.Do(ctx,
		chromedp.Click(chromedp.CSS(`.whoami button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
	); err != nil {
		t.Fatalf("sign out: %v", err)
	}
}

func count(t *testing.T, ctx context.Context, css string) int {
	t.Helper()
	n, err := testutil.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+"`"+css+"`"+`).length`))
	if err != nil {
		t.Fatalf("count %s: %v", css, err)
	}
	return n
}

// TestBrowserRoles signs in as viewer, editor and admin in turn and checks
// what each sees: only admins get the Admin entry and the users page.
func TestBrowserRoles(t *testing.T) {
	ctx := testutil.Browser(t)
	srv := newDemoServer(t)
	pws := map[string]string{}
	for _, role := range []string{store.RoleViewer, store.RoleEditor, store.RoleAdmin} {
		pws[role] = testutil.CreateUser(t, srvStore(t, srv.URL), role+"@roles.example", role)
	}

	// Anonymous: any page leads to the login form.
	if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+"/services"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`))); err != nil {
		t.Fatal(err)
	}
	if loc, _ := testutil.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/login?next=%2Fservices") {
		t.Fatalf("anonymous landed on %s", loc)
	}

	for _, role := range []string{store.RoleViewer, store.RoleEditor} {
		if role == store.RoleViewer {
			fillLogin(t, ctx, role+"@roles.example", pws[role]) // on the form /services sent us to
		} else {
			browserLogin(t, ctx, srv.URL, role+"@roles.example", pws[role])
		}
		who, _ := testutil.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="whoami"]`)))
		if !strings.Contains(who, role) {
			t.Fatalf("%s: whoami %q", role, who)
		}
		// Back on the page asked for before signing in.
		if loc, _ := testutil.Run(ctx, chromedp.Location()); role == store.RoleViewer && !strings.HasSuffix(loc, "/services") {
			t.Errorf("after login: %s", loc)
		}
		if n := count(t, ctx, `.mainnav a[href="/admin/users"]`); n != 0 {
			t.Errorf("%s sees the Admin nav", role)
		}
		if role == store.RoleViewer {
			// Edit and import controls, where pages have them, are hidden from viewers.
			for _, p := range []string{"/", "/incidents/1"} {
				if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+p), chromedp.WaitVisible(chromedp.CSS(`main`))); err != nil {
					t.Fatal(err)
				}
				if n := count(t, ctx, `[data-testid="editor-controls"]`); n != 0 {
					t.Errorf("viewer sees editor controls on %s", p)
				}
			}
		} else {
			// The editor gets the incident's edit forms and the risk register's buttons.
			if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+"/incidents/1"), chromedp.WaitVisible(chromedp.CSS(`main`))); err != nil {
				t.Fatal(err)
			}
			if n := count(t, ctx, `[data-testid="editor-controls"]`); n == 0 {
				t.Errorf("editor sees no edit controls on /incidents/1")
			}
			if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+"/risks"), chromedp.WaitVisible(chromedp.CSS(`main`))); err != nil {
				t.Fatal(err)
			}
			if n := count(t, ctx, `a[href="/risks/new"]`); n == 0 {
				t.Errorf("editor sees no New risk button")
			}
		}
		if err := testutil.Do(ctx, chromedp.Navigate(srv.URL+"/admin/users"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="error"]`))); err != nil {
			t.Fatal(err)
		}
		if code, _ := testutil.Run(ctx, chromedp.Text(chromedp.CSS(`.status-code`))); code != "403" {
			t.Errorf("%s on /admin/users: %q", role, code)
		}
		browserLogout(t, ctx)
	}

	browserLogin(t, ctx, srv.URL, "admin@roles.example", pws[store.RoleAdmin])
	if err := testutil.Do(ctx,
		chromedp.Click(chromedp.CSS(`.mainnav a[href="/admin/users"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="users"]`)),
	); err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{store.RoleViewer, store.RoleEditor, store.RoleAdmin} {
		if n := count(t, ctx, `[data-testid="user-`+role+`@roles.example"]`); n != 1 {
			t.Errorf("users page lacks %s", role)
		}
	}
	shot, err := testutil.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	testutil.SaveArtifact(t, "admin-users.png", shot)
	// The audit log shows the sign-ins just made.
	if err := testutil.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="admin-tabs"] a[href="/admin/audit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="audit"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if n := count(t, ctx, `[data-testid="audit"] tbody tr`); n < 3 {
		t.Errorf("audit rows = %d", n)
	}
}
