package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sreport/analytics/store"
	"sreport/secrets"
)

func TestWebhookCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	t.Setenv("SREPORT_SECRET_KEY", "")
	t.Setenv("SREPORT_SECRET_KEY_FILE", "")
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	run := func(stdin *os.File, args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		err := runWebhookWith(ctx, append(args, "--db", db), stdin, &out, &errb)
		return out.String(), errb.String(), err
	}
	piped := func(s string) *os.File {
		r, w, _ := os.Pipe()
		w.WriteString(s)
		w.Close()
		t.Cleanup(func() { r.Close() })
		return r
	}

	// The secret from stdin; stdout is the receiver path alone.
	const secret = "the PagerDuty signing secret, pasted"
	out, errOut, err := run(piped(secret+"\n"), "add", "--source", "pagerduty", "--name", "pd")
	if err != nil {
		t.Fatalf("add: %v %s", err, errOut)
	}
	path := strings.TrimSpace(out)
	if !strings.HasPrefix(path, "/webhooks/pagerduty/") || strings.Contains(out+errOut, secret) {
		t.Fatalf("add printed %q / %q", out, errOut)
	}
	// No key configured: one was created beside the database, 0600, and
	// the log says where (never the key).
	keyFile := db + ".key"
	fi, err := os.Stat(keyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	key, _ := os.ReadFile(keyFile)
	if !strings.Contains(errOut, "created "+keyFile) || strings.Contains(errOut, strings.TrimSpace(string(key))) {
		t.Fatalf("key log line: %s", errOut)
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.WebhookReceiverByName(ctx, "pd")
	st.Close()
	if err != nil || r.Path() != path || strings.Contains(r.Secret, secret) {
		t.Fatalf("stored receiver: %+v %v", r, err)
	}
	box, _, err := secrets.Load("", keyFile, db, false)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := box.Open(r.Secret, store.WebhookSecretAAD(r.PathKey)); err != nil || string(plain) != secret {
		t.Fatalf("sealed secret opens to %q, %v", plain, err)
	}

	// Without piped input a secret is generated and printed once.
	out, _, err = run(devNull, "add", "--source", "github", "--name", "gh", "--workflow", "deploy.yml")
	lines := strings.Fields(out)
	if err != nil || len(lines) != 2 || !strings.HasPrefix(lines[0], "/webhooks/github/") || len(lines[1]) < 32 {
		t.Fatalf("add generated: %v %q", err, out)
	}
	if _, _, err := run(piped("short\n"), "add", "--source", "gitlab", "--name", "gl"); err == nil {
		t.Fatal("a short secret was accepted")
	}
	if _, _, err := run(devNull, "add", "--source", "jenkins", "--name", "j"); err == nil {
		t.Fatal("unknown source accepted")
	}
	if _, _, err := run(piped(secret+"\n"), "add", "--source", "github", "--name", "gh"); err == nil {
		t.Fatal("duplicate name accepted")
	}
	out, _, err = run(devNull, "list")
	if err != nil || !strings.Contains(out, "gh ") || !strings.Contains(out, "deploy.yml") || !strings.Contains(out, path) {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if _, _, err := run(piped("a new secret that is long enough\n"), "rotate", "--name", "pd"); err != nil {
		t.Fatalf("rotate: %v", err)
	}
	if _, _, err := run(devNull, "delete", "--name", "pd"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	out, _, _ = run(devNull, "list")
	if strings.Contains(out, path) {
		t.Fatalf("deleted receiver listed: %s", out)
	}
}
