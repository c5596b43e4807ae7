package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"sreport/analytics/store"
)

// TestImportSLODefinitionsAndPrometheusConnector: sreport import reads a
// Sloth file and says what it does to each SLO (a re-import: unchanged); a
// Prometheus connector is added with its token sealed, never in clear, or
// with no credential at all; `prometheus sync --name N`, the alias of
// `connector sync --name N`, runs it and records the failed run.
func TestImportSLODefinitionsAndPrometheusConnector(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	runCmd := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, append(args[:1:1], append([]string{"--db", db}, args[1:]...)...), &out, &errb)
		return out.String() + errb.String(), err
	}
	// A Prometheus that refuses every query, and checks the token.
	var auth atomic.Value
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"status":"error","errorType":"bad_data","error":"1:1: parse error: unexpected end of input"}`)
	}))
	defer prom.Close()
	file := "../../testdata/real/sloth/getting-started.yml"
	out, err := runCmd("import", "--create-services", file)
	if err != nil || !strings.Contains(out, "SLO myservice/requests-availability: create (objective 99.9%; window 30-day rolling; prometheus queries)") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, err = runCmd("import", file)
	if err != nil || !strings.Contains(out, "SLO myservice/requests-availability: unchanged") || !strings.Contains(out, "unchanged 1") {
		t.Fatalf("re-import: %v\n%s", err, out)
	}

	stdin := func(text string) *os.File {
		p := filepath.Join(dir, "stdin")
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	connector := func(in *os.File, args ...string) (string, error) {
		var o, e bytes.Buffer
		err := runConnectorWith(ctx, append(args, "--db", db), in, &o, &e)
		return o.String() + e.String(), err
	}
	out, err = connector(stdin("s3cret-token\n"), "add", "--kind", "prometheus", "--name", "prod", "--base-url", prom.URL,
		"--since", "2026-01-01", "--every", "1h")
	if err != nil || !strings.Contains(out, "added connector prod (prometheus, "+prom.URL+"), back-fill from 2026-01-01, every 1h0m0s") {
		t.Fatalf("add: %v\n%s", err, out)
	}
	out, err = connector(stdin(""), "add", "--kind", "prometheus", "--name", "open", "--base-url", "http://127.0.0.1:1")
	if err != nil || !strings.Contains(out, "no credential: its requests go without authentication") {
		t.Fatalf("add without a credential: %v\n%s", err, out)
	}
	if _, err := connector(stdin(""), "add", "--kind", "argocd", "--name", "argo", "--base-url", "http://127.0.0.1:1"); err == nil {
		t.Error("an Argo CD connector without a credential was added")
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.ConnectorByName(ctx, "prod")
	if err != nil || c.Credential == "" || strings.Contains(c.Credential, "s3cret") {
		t.Fatalf("connector %+v %v", c, err)
	}
	if raw, _ := os.ReadFile(db); bytes.Contains(raw, []byte("s3cret-token")) {
		t.Error("the token is in the database file in clear")
	}

	// A sync whose queries Prometheus refuses fails, says why and is
	// recorded.
	var o, e bytes.Buffer
	err = runPrometheusWith(ctx, []string{"sync", "--db", db, "--name", "prod"}, nil, &o, &e)
	if err == nil || !strings.Contains(o.String(), "prod: failed") || !strings.Contains(o.String(), "requests-availability") ||
		!strings.Contains(o.String(), "refused (HTTP 400, bad_data): 1:1: parse error") {
		t.Fatalf("sync: %v\n%s\n%s", err, o.String(), e.String())
	}
	if got := auth.Load(); got != "Bearer s3cret-token" {
		t.Errorf("Authorization %q", got)
	}
	runs, err := st.ConnectorRuns(ctx, c.ID, 1)
	if err != nil || len(runs) != 1 || runs[0].Status != store.RunFailed || runs[0].Trigger != "cli" || runs[0].Error == "" {
		t.Errorf("run not recorded: %+v %v", runs, err)
	}
	if err := runPrometheusWith(ctx, []string{"sync", "--db", db}, nil, &o, &e); err == nil ||
		!strings.Contains(err.Error(), "--name is required") {
		t.Errorf("alias without --name: %v", err)
	}
	if err := runPrometheusWith(ctx, []string{"sync", "--db", db, "--name", "nope"}, nil, &o, &e); err == nil ||
		!strings.Contains(err.Error(), `no connector named "nope"`) {
		t.Errorf("unknown connector: %v", err)
	}
}
