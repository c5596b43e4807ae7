package testutil

import (
	"context"
	"testing"
	"time"

	"sreport/analytics/store"
)

// CreateUser adds an account with the given role and a random password,
// which it returns.
func CreateUser(t testing.TB, st *store.Store, email, role string) (password string) {
	t.Helper()
	password = "pw-" + store.NewToken()[:20]
	hash, err := store.HashPassword(password)
	if err != nil {
		t.Fatalf("hash password: %v", err)
	}
	if _, err := st.CreateUser(context.Background(), email, role, hash, store.Audit{Actor: "test"}); err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return password
}

// SessionToken signs a user in directly through the store, skipping the
// password check (and bcrypt's cost), for tests that need many sessions;
// send the token in web.SessionCookie. The session starts at now.
func SessionToken(t testing.TB, st *store.Store, email string, now time.Time) string {
	t.Helper()
	ctx := context.Background()
	u, err := st.UserByEmail(ctx, email)
	if err != nil {
		t.Fatalf("session for %s: %v", email, err)
	}
	tok, err := st.CreateSession(ctx, u.ID, now, now.Add(7*24*time.Hour), store.Audit{UserID: u.ID, Actor: u.Email, At: now})
	if err != nil {
		t.Fatalf("session for %s: %v", email, err)
	}
	return tok
}
