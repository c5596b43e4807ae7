package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"

	"sreport/analytics/store"
	"sreport/testutil"
)

// TestTokenWriteScope runs the real authentication and authorization
// middleware in front of a write API route that exists only in this test:
// a read token gets 403 and the handler never runs.
func TestTokenWriteScope(t *testing.T) {
	st := testutil.NewStore(t)
	h := &Handler{store: st, cfg: Config{Now: testutil.Now}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	e := echo.New()
	e.HTTPErrorHandler = h.handleError
	h.setupAuth(e)
	var writes atomic.Int32
	add := func(method, path string, fn echo.HandlerFunc, role string) {
		h.table = append(h.table, Route{Method: method, Path: path, Role: role})
		e.Add(method, path, fn)
	}
	add(http.MethodPost, "/api/v1/test-writes", func(c echo.Context) error {
		writes.Add(1)
		return c.JSON(http.StatusCreated, map[string]string{"ok": "written"})
	}, RoleEditor)
	add(http.MethodGet, "/api/v1/test-reads", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]int32{"writes": writes.Load()}) }, RoleViewer)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)

	ctx := context.Background()
	token := func(email, role, scope string) (string, store.User) {
		testutil.CreateUser(t, st, email, role)
		u, err := st.UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := st.CreateAPIToken(ctx, u.ID, "t", scope, testutil.Now(), store.Audit{Actor: "test"})
		if err != nil {
			t.Fatalf("token %s %s: %v", email, scope, err)
		}
		return secret, u
	}
	call := func(method, path, secret string) int {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set("Authorization", "Bearer "+secret)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	editorRead, _ := token("er@example.com", store.RoleEditor, store.ScopeRead)
	editorWrite, editor := token("ew@example.com", store.RoleEditor, store.ScopeWrite)
	adminWrite, _ := token("aw@example.com", store.RoleAdmin, store.ScopeWrite)
	viewerRead, _ := token("vr@example.com", store.RoleViewer, store.ScopeRead)

	for _, tc := range []struct {
		name, method, path, token string
		want                      int
		wrote                     bool
	}{
		{"read token reads", http.MethodGet, "/api/v1/test-reads", editorRead, http.StatusOK, false},
		{"write token reads", http.MethodGet, "/api/v1/test-reads", editorWrite, http.StatusOK, false},
		{"read token of an editor writes", http.MethodPost, "/api/v1/test-writes", editorRead, http.StatusForbidden, false},
		{"read token of a viewer writes", http.MethodPost, "/api/v1/test-writes", viewerRead, http.StatusForbidden, false},
		{"no token writes", http.MethodPost, "/api/v1/test-writes", "", http.StatusUnauthorized, false},
		{"made-up token writes", http.MethodPost, "/api/v1/test-writes", "srp_made-up", http.StatusUnauthorized, false},
		{"write token of an editor writes", http.MethodPost, "/api/v1/test-writes", editorWrite, http.StatusCreated, true},
		{"write token of an admin writes", http.MethodPost, "/api/v1/test-writes", adminWrite, http.StatusCreated, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := writes.Load()
			if got := call(tc.method, tc.path, tc.token); got != tc.want {
				t.Errorf("status %d, want %d", got, tc.want)
			}
			if wrote := writes.Load() != before; wrote != tc.wrote {
				t.Errorf("handler ran = %v, want %v", wrote, tc.wrote)
			}
		})
	}

	// A viewer cannot be given a write token, and an editor demoted to
	// viewer loses the write scope for good.
	vic, _ := st.UserByEmail(ctx, "vr@example.com")
	if _, _, err := st.CreateAPIToken(ctx, vic.ID, "w", store.ScopeWrite, testutil.Now(), store.Audit{}); err == nil {
		t.Error("a viewer got a write token")
	}
	for _, role := range []string{store.RoleViewer, store.RoleEditor} {
		if _, err := st.SetUserRole(ctx, editor.ID, role, store.Audit{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		before := writes.Load()
		if got := call(http.MethodPost, "/api/v1/test-writes", editorWrite); got != http.StatusForbidden || writes.Load() != before {
			t.Errorf("write token after demotion (now %s): %d", role, got)
		}
	}
	if got := call(http.MethodGet, "/api/v1/test-reads", editorWrite); got != http.StatusOK {
		t.Errorf("downgraded token reads: %d", got)
	}
}
