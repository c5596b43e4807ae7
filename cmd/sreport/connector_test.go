package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stdinWith is a file holding s, standing in for piped stdin.
func stdinWith(t *testing.T, s string) *os.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), "stdin")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestConnectorCommand: add (credential from stdin, key file created beside
// the database with 0600), list, sync, runs, set-credential and remove; the
// credential is in no output and not in clear in the database file.
func TestConnectorCommand(t *testing.T) {
	const secret = "argo-cli-token-5f1c"
	apps, err := os.ReadFile("../../testdata/real/argocd/applications.json")
	if err != nil {
		t.Fatal(err)
	}
	argo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+secret {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"invalid session","code":16}`))
			return
		}
		w.Write(apps)
	}))
	defer argo.Close()
	t.Setenv("SREPORT_SECRET_KEY", "")
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "cli.db")
	var out, errb bytes.Buffer
	cmd := func(stdin *os.File, args ...string) error {
		out.Reset()
		errb.Reset()
		return runConnectorWith(ctx, append(args, "--db", db), stdin, &out, &errb)
	}
	if err := cmd(stdinWith(t, ""), "add", "--kind", "argocd", "--name", "argo", "--base-url", argo.URL, "--since", "2024-01-01"); err == nil ||
		!strings.Contains(err.Error(), "credential is empty") {
		t.Fatalf("add without a credential: %v", err)
	}
	if err := cmd(stdinWith(t, secret+"\n"), "add", "--kind", "argocd", "--name", "argo", "--base-url", argo.URL, "--since", "2024-01-01",
		"--every", "1h", "--create-services", "--tier", "1"); err != nil {
		t.Fatalf("add: %v\n%s%s", err, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "added connector argo (argocd") || !strings.Contains(out.String(), "secret key created") {
		t.Errorf("add output:\n%s", out.String())
	}
	fi, err := os.Stat(db + ".key")
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	if err := cmd(nil, "add", "--kind", "github", "--name", "gh", "--repos", "not-a-repo"); err == nil || !strings.Contains(err.Error(), "owner/name") {
		t.Errorf("add with a bad repository: %v", err)
	}
	if err := cmd(nil, "sync", "--name", "argo"); err != nil {
		t.Fatalf("sync: %v\n%s%s", err, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "argo: ok — 1 pages, 2 read, inserted 10, updated 0, unchanged 0, rejected 0") {
		t.Errorf("sync output:\n%s", out.String())
	}
	if err := cmd(nil, "sync"); err != nil || !strings.Contains(out.String(), "inserted 0, updated 0, unchanged 10") {
		t.Errorf("second sync of all: %v\n%s", err, out.String())
	}
	if err := cmd(nil, "list"); err != nil || !strings.Contains(out.String(), "argo  ") || !strings.Contains(out.String(), " ok ") {
		t.Errorf("list: %v\n%s", err, out.String())
	}
	if err := cmd(nil, "runs", "--name", "argo"); err != nil || strings.Count(out.String(), "\n") != 3 {
		t.Errorf("runs: %v\n%s", err, out.String())
	}
	if err := cmd(stdinWith(t, "wrong"), "set-credential", "--name", "argo"); err != nil {
		t.Fatal(err)
	}
	if err := cmd(nil, "sync", "--name", "argo"); err == nil || !strings.Contains(out.String(), "stopped") || !strings.Contains(out.String(), "HTTP 401") {
		t.Errorf("sync with a refused credential: %v\n%s", err, out.String())
	}
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(db + "-wal")
	if bytes.Contains(raw, []byte(secret)) || bytes.Contains(wal, []byte(secret)) {
		t.Error("the credential is stored in clear")
	}
	if err := cmd(nil, "remove", "--name", "argo"); err != nil || !strings.Contains(out.String(), "removed connector argo") {
		t.Errorf("remove: %v %s", err, out.String())
	}
	if err := cmd(nil, "runs", "--name", "argo"); err == nil {
		t.Error("runs of a removed connector")
	}
}
