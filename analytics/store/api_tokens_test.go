package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"sreport/analytics/store"
	"sreport/migrations"
	"sreport/testutil"
)

// TestTokenScopeMigration: tokens made before scopes existed become read
// tokens, and those of accounts disabled back then are revoked so that
// re-enabling the account does not bring them back.
func TestTokenScopeMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 7); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO users (id, email, role, disabled) VALUES (1, 'ann@example.com', 'editor', 0), (2, 'gone@example.com', 'editor', 1)`,
		`INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES
			(1, 1, 'ci', 'h1', '2026-01-01T00:00:00Z'), (2, 2, 'ci', 'h2', '2026-01-01T00:00:00Z')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for id, wantRevoked := range map[int64]bool{1: false, 2: true} {
		toks, err := st.APITokens(ctx, id)
		if err != nil || len(toks) != 1 || toks[0].Scope != store.ScopeRead || (toks[0].RevokedAt != nil) != wantRevoked {
			t.Errorf("user %d tokens after migration: %+v %v", id, toks, err)
		}
	}
	if _, err := st.SetUserDisabled(ctx, 2, false, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if toks, _ := st.APITokens(ctx, 2); toks[0].RevokedAt == nil {
		t.Error("re-enabling brought an old token back")
	}
}

func TestChangePassword(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	testutil.CreateUser(t, st, "ann@example.com", store.RoleEditor)
	u, _ := st.UserByEmail(ctx, "ann@example.com")
	now := testutil.Now()
	old := testutil.SessionToken(t, st, "ann@example.com", now)
	_, secret, err := st.CreateAPIToken(ctx, u.ID, "ci", store.ScopeWrite, now, store.Audit{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	session, revoked, err := st.ChangePassword(ctx, u.ID, "hash", store.PasswordChange{RevokeTokens: true, SessionExpires: now.Add(time.Hour)},
		store.Audit{Actor: "ann@example.com", At: now})
	if err != nil || session == "" || revoked != 1 {
		t.Fatalf("change: %q %d %v", session, revoked, err)
	}
	if _, _, err := st.SessionByToken(ctx, old); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old session survived: %v", err)
	}
	if ss, su, err := st.SessionByToken(ctx, session); err != nil || su.ID != u.ID || !ss.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Errorf("new session: %+v %v", ss, err)
	}
	if _, _, err := st.UserByAPIToken(ctx, secret); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("token survived: %v", err)
	}
	// Without the options: sessions end, tokens stay, no new session.
	_, secret, _ = st.CreateAPIToken(ctx, u.ID, "ci2", store.ScopeRead, now, store.Audit{Actor: "test"})
	session2, revoked, err := st.ChangePassword(ctx, u.ID, "hash2", store.PasswordChange{}, store.Audit{Actor: "cli"})
	if err != nil || session2 != "" || revoked != 0 {
		t.Fatalf("plain change: %q %d %v", session2, revoked, err)
	}
	if n, _ := st.SessionCount(ctx, u.ID); n != 0 {
		t.Errorf("%d sessions after a plain change", n)
	}
	if _, _, err := st.UserByAPIToken(ctx, secret); err != nil {
		t.Errorf("token revoked without being asked: %v", err)
	}
}

// TestReserveLoginAttemptParallel: reservations are counted atomically, so
// of many parallel attempts exactly the limit's worth go on.
func TestReserveLoginAttemptParallel(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	lim := store.LoginLimits{Window: 15 * time.Minute, PerAccountClient: 5, PerClient: 20, AccountBusy: 20, BusyPerAccountClient: 2}
	at := store.LoginAttempt{Email: "ann@example.com", ClientAddr: "192.0.2.1"}
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			refused, err := st.ReserveLoginAttempt(ctx, at, testutil.Now(), lim)
			if err != nil {
				t.Error(err)
				return
			}
			if refused == "" {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if allowed != 5 {
		t.Fatalf("%d of 60 parallel attempts allowed, want 5", allowed)
	}
	// Success clears this client's failures only.
	other := store.LoginAttempt{Email: at.Email, ClientAddr: "192.0.2.2"}
	if refused, _ := st.ReserveLoginAttempt(ctx, other, testutil.Now(), lim); refused != "" {
		t.Fatalf("other client refused: %s", refused)
	}
	if err := st.ClearLoginFailures(ctx, at); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.LoginFailureCount(ctx, at.Email, testutil.Now().Add(-time.Hour)); n != 1 {
		t.Fatalf("failures after clearing one client: %d, want the other client's 1", n)
	}
}
