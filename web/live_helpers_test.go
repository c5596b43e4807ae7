package web_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"sreport/analytics/store"
	"sreport/secrets"
	"sreport/testutil"
	"sreport/web"
)

// liveEnv is a real server on a real SQLite file with a secret key, the
// services the vendor examples name, and API tokens of each scope.
type liveEnv struct {
	srv         *httptest.Server
	st          *store.Store
	box         *secrets.Box
	write, read string // an editor's write and read tokens
	viewer      string // a viewer's (read) token
	router      routers.Router
}

func newLive(t *testing.T) *liveEnv {
	t.Helper()
	st := testutil.NewStore(t)
	key := make([]byte, secrets.KeySize)
	_, _ = rand.Read(key)
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	app := web.New(st, web.Config{Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Secrets: box})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	ctx := context.Background()
	for _, name := range []string{"checkout", "payments", "Hello-World", "octo-repo", "test-deployment-webhooks", "Gitlab Test", "API Service"} {
		if _, err := st.CreateService(ctx, store.ServiceInput{Name: name, Tier: 1, Team: "core"}, store.Audit{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	env := &liveEnv{srv: srv, st: st, box: box}
	env.write = apiToken(t, st, "ed-w@example.com", store.RoleEditor, store.ScopeWrite)
	env.read = apiToken(t, st, "ed-r@example.com", store.RoleEditor, store.ScopeRead)
	env.viewer = apiToken(t, st, "vi@example.com", store.RoleViewer, store.ScopeRead)
	doc, err := openapi3.NewLoader().LoadFromData(web.OpenAPI)
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	if env.router, err = gorillamux.NewRouter(doc); err != nil {
		t.Fatal(err)
	}
	return env
}

func apiToken(t *testing.T, st *store.Store, email, role, scope string) string {
	t.Helper()
	testutil.CreateUser(t, st, email, role)
	u, err := st.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := st.CreateAPIToken(context.Background(), u.ID, "ci", scope, testutil.Now(), store.Audit{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// api calls the API with a bearer token and checks the answer against the
// OpenAPI document: its status must be documented for the route and its
// body must match the documented schema.
func (e *liveEnv) api(t *testing.T, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	e.validate(t, req, body, res, raw)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %s", method, path, res.StatusCode, raw)
	}
	return res.StatusCode, out
}

// validate checks one API exchange against openapi.json.
func (e *liveEnv) validate(t *testing.T, req *http.Request, reqBody string, res *http.Response, body []byte) {
	t.Helper()
	vreq := req.Clone(context.Background())
	vreq.URL.Scheme, vreq.URL.Host, vreq.Host = "", "", ""
	vreq.Body = io.NopCloser(strings.NewReader(reqBody))
	route, params, err := e.router.FindRoute(vreq)
	if err != nil {
		t.Fatalf("%s %s is not in openapi.json: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, ExcludeRequestBody: true}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Fatalf("%s %s: answer %d does not match openapi.json: %v\n%s", req.Method, req.URL.Path, res.StatusCode, err, body)
	}
}

// count runs a COUNT query on the server's database.
func (e *liveEnv) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.st.Writer().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// str runs a one-value query.
func (e *liveEnv) str(t *testing.T, q string, args ...any) string {
	t.Helper()
	var s *string
	if err := e.st.Writer().QueryRow(q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if s == nil {
		return "<nil>"
	}
	return *s
}

// realPayload reads a vendor-documented example from testdata/real.
func realPayload(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "real", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// receiver adds a webhook receiver with a known secret.
func (e *liveEnv) receiver(t *testing.T, name, source, workflow, secret string) store.WebhookReceiver {
	t.Helper()
	r, err := e.st.CreateWebhookReceiver(context.Background(), name, source, workflow, []byte(secret), e.box, testutil.Now(), store.Audit{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// deliver posts a webhook delivery with the given headers.
func (e *liveEnv) deliver(t *testing.T, r store.WebhookReceiver, body []byte, hdr map[string]string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+r.Path(), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("delivery answer %d is not JSON: %s", res.StatusCode, raw)
	}
	return res.StatusCode, out
}

// hmacHex is the hex HMAC-SHA256 of body under secret, as GitHub and
// PagerDuty sign.
func hmacHex(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// edit changes fields of a JSON document (dotted paths) for a variant of
// a documented example, and returns the new bytes.
func edit(t *testing.T, doc []byte, set map[string]any) []byte {
	t.Helper()
	// Numbers stay as written: nanosecond timestamps do not survive float64.
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	for path, v := range set {
		parts := strings.Split(path, ".")
		cur := m
		for _, p := range parts[:len(parts)-1] {
			next, ok := cur[p].(map[string]any)
			if !ok {
				t.Fatalf("edit %s: no object %s", path, p)
			}
			cur = next
		}
		if v == nil {
			delete(cur, parts[len(parts)-1])
		} else {
			cur[parts[len(parts)-1]] = v
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
