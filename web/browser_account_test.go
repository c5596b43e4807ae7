package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sreport/analytics/store"
	"sreport/testutil"
)

// TestBrowserAccountTokensAndPassword: an editor creates a write token on
// /account, then changes the password with "also revoke my tokens" left
// ticked; the browser stays signed in and the token stops working.
func TestBrowserAccountTokensAndPassword(t *testing.T) {
	ctx := testutil.Browser(t)
	s := newAuthServer(t, nil)
	pw := testutil.CreateUser(t, s.st, "ed@example.com", store.RoleEditor)
	browserLogin(t, ctx, s.URL, "ed@example.com", pw)

	if err := testutil.Do(ctx,
		chromedp.Navigate(s.URL+"/account"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="token-form"] input[name="name"]`), "deploy step"),
		chromedp.SetValue(chromedp.CSS(`[data-testid="token-scope"]`), "write"),
		chromedp.Click(chromedp.CSS(`[data-testid="token-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="new-token"]`)),
	); err != nil {
		t.Fatal(err)
	}
	secret, err := testutil.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="new-token"] code.secret`)))
	if err != nil || !strings.HasPrefix(secret, store.APITokenPrefix) {
		t.Fatalf("token secret %q: %v", secret, err)
	}
	if _, tok, err := s.st.UserByAPIToken(context.Background(), secret); err != nil || tok.Scope != store.ScopeWrite {
		t.Fatalf("created token: %+v %v", tok, err)
	}
	png, err := testutil.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		testutil.SaveArtifact(t, "account-token.png", png)
	}

	newPW := "correct horse battery staple"
	if err := testutil.Do(ctx,
		chromedp.Navigate(s.URL+"/account"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="revoke-tokens"]:checked`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="password-form"] input[name="current"]`), pw),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="password-form"] input[name="new"]`), newPW),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="password-form"] input[name="confirm"]`), newPW),
		chromedp.Click(chromedp.CSS(`[data-testid="password-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="account"]`)),
	); err != nil {
		t.Fatal(err)
	}
	flash, err := testutil.Run(ctx, chromedp.Text(chromedp.CSS(`.flash`)))
	if err != nil || !strings.Contains(flash, "API tokens revoked") {
		t.Fatalf("flash after the change: %q %v", flash, err)
	}
	if st := apiStatus(t, s.URL, secret); st != http.StatusUnauthorized {
		t.Fatalf("token after the password change: %d", st)
	}
}
