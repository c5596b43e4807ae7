package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

var pathParam = regexp.MustCompile(`:[A-Za-z_]+`)

// concretePath fills a route pattern's parameters with plausible values;
// the matrix only checks who may reach the handler, not what it finds.
func concretePath(p string) string {
	// The matrix's own accounts must survive it: a password reset of user 1
	// (the matrix viewer) would lock that viewer out of later requests.
	if strings.HasPrefix(p, "/admin/users/:id") {
		p = strings.Replace(p, ":id", "999999", 1)
	}
	p = strings.ReplaceAll(p, ":name", "checkout")
	p = pathParam.ReplaceAllString(p, "1")
	if strings.HasSuffix(p, "/*") {
		p = strings.TrimSuffix(p, "*") + "css/app.css"
	}
	return strings.ReplaceAll(p, "*", "x")
}

// TestRouteRoleMatrix walks every registered route as anonymous, viewer,
// editor and admin and checks each is allowed exactly when its role rule
// says so. A route added without a rule fails here.
func TestRouteRoleMatrix(t *testing.T) {
	st := testutil.DemoStore(t)
	e, table := web.NewWithRoutes(st, web.Config{Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})

	ruled := map[string]string{}
	for _, r := range table {
		key := r.Method + " " + r.Path
		if _, dup := ruled[key]; dup {
			t.Errorf("route %s registered twice", key)
		}
		switch r.Role {
		case web.RolePublic, web.RoleViewer, web.RoleEditor, web.RoleAdmin:
		default:
			t.Errorf("route %s: unknown role %q", key, r.Role)
		}
		ruled[key] = r.Role
	}
	for _, r := range e.Routes() {
		if _, ok := ruled[r.Method+" "+r.Path]; !ok {
			t.Errorf("route %s %s is registered on echo directly, without a role rule; use add in routes.go", r.Method, r.Path)
		}
	}
	if len(table) < 20 {
		t.Fatalf("route table has only %d routes", len(table))
	}

	for _, role := range []string{store.RoleViewer, store.RoleEditor, store.RoleAdmin} {
		testutil.CreateUser(t, st, role+"@matrix.example", role)
	}
	const csrf = "matrix-csrf-token"
	rank := map[string]int{"": 0, web.RolePublic: 0, web.RoleViewer: 1, web.RoleEditor: 2, web.RoleAdmin: 3}
	for _, r := range table {
		for _, who := range []string{"", store.RoleViewer, store.RoleEditor, store.RoleAdmin} {
			name := r.Method + " " + r.Path + " as " + map[bool]string{true: "anonymous", false: who}[who == ""]
			t.Run(name, func(t *testing.T) {
				path := concretePath(r.Path)
				req := httptest.NewRequest(r.Method, path, strings.NewReader("_csrf="+csrf))
				req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
				req.Header.Set("X-CSRF-Token", csrf)
				req.AddCookie(&http.Cookie{Name: web.CSRFCookie, Value: csrf})
				if who != "" {
					// A fresh session per request: POST /logout ends it.
					tok := testutil.SessionToken(t, st, who+"@matrix.example", testutil.Now())
					req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: tok})
				}
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, req)
				status, hdr := rec.Code, rec.Header()
				allowed := r.Role == web.RolePublic || (who != "" && rank[who] >= rank[r.Role])
				switch {
				case allowed:
					if status == http.StatusUnauthorized || status == http.StatusForbidden || isLoginRedirect(status, hdr) {
						t.Fatalf("allowed request refused: %d %s %.200s", status, hdr.Get("Location"), rec.Body.String())
					}
				case who == "" && strings.HasPrefix(r.Path, "/api/"):
					if status != http.StatusUnauthorized || !strings.HasPrefix(hdr.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) ||
						!strings.Contains(rec.Body.String(), `"error"`) {
						t.Fatalf("anonymous API: %d %s %s", status, hdr.Get(echo.HeaderContentType), rec.Body.String())
					}
				case who == "":
					if !isLoginRedirect(status, hdr) {
						t.Fatalf("anonymous: %d %q, want 303 to /login?next=", status, hdr.Get("Location"))
					}
					if r.Method == http.MethodGet && hdr.Get("Location") != "/login?next="+strings.ReplaceAll(path, "/", "%2F") {
						t.Errorf("next = %q", hdr.Get("Location"))
					}
				default:
					if status != http.StatusForbidden {
						t.Fatalf("%s on a %s route: %d, want 403", who, r.Role, status)
					}
				}
			})
		}
	}
}

// TestRouteWithoutRuleRefused registers a route on echo directly, past the
// table, and checks that nobody (not even an admin) reaches it.
func TestRouteWithoutRuleRefused(t *testing.T) {
	st := testutil.NewStore(t)
	e, _ := web.NewWithRoutes(st, web.Config{Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	e.GET("/sneaky", func(c echo.Context) error { return c.String(http.StatusOK, "secret") })
	testutil.CreateUser(t, st, "root@example.com", store.RoleAdmin)
	req := httptest.NewRequest(http.MethodGet, "/sneaky", nil)
	req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: testutil.SessionToken(t, st, "root@example.com", testutil.Now())})
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), "secret") {
		t.Fatalf("unruled route: %d %s", rec.Code, rec.Body.String())
	}
}
