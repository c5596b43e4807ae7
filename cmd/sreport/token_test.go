package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"sreport/analytics/store"
)

func TestTokenCommands(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "t.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for email, role := range map[string]string{"ed@example.com": store.RoleEditor, "vic@example.com": store.RoleViewer} {
		if _, err := st.CreateUser(ctx, email, role, "", store.Audit{Actor: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	tokenCmd := func(args ...string) (stdout, stderr string, err error) {
		var out, errb bytes.Buffer
		err = run(ctx, append(append([]string{"token"}, args...), "--db", db), &out, &errb)
		return out.String(), errb.String(), err
	}
	secretRE := regexp.MustCompile(`^srp_[A-Za-z0-9_-]{43}\n$`)

	// create prints only the secret on stdout, so CI=$(sreport token create …) works.
	out, info, err := tokenCmd("create", "--email", "ed@example.com", "--name", "deploy step", "--scope", "write")
	if err != nil || !secretRE.MatchString(out) || !strings.Contains(info, `"deploy step" (write) for ed@example.com`) {
		t.Fatalf("create write: %v %q %q", err, out, info)
	}
	writeSecret := strings.TrimSpace(out)
	u, tok, err := st.UserByAPIToken(ctx, writeSecret)
	if err != nil || u.Email != "ed@example.com" || tok.Scope != store.ScopeWrite {
		t.Fatalf("created token: %+v %+v %v", u, tok, err)
	}
	out, _, err = tokenCmd("create", "--email", "vic@example.com", "--name", "report")
	if err != nil || !secretRE.MatchString(out) {
		t.Fatalf("create read (default scope): %v %q", err, out)
	}
	_, vicTok, err := st.UserByAPIToken(ctx, strings.TrimSpace(out))
	if err != nil || vicTok.Scope != store.ScopeRead {
		t.Fatalf("default scope %q %v", vicTok.Scope, err)
	}

	for _, tc := range []struct {
		name string
		args []string
	}{
		{"write for a viewer", []string{"create", "--email", "vic@example.com", "--name", "x", "--scope", "write"}},
		{"unknown scope", []string{"create", "--email", "ed@example.com", "--name", "x", "--scope", "admin"}},
		{"no name", []string{"create", "--email", "ed@example.com"}},
		{"unknown user", []string{"create", "--email", "nobody@example.com", "--name", "x"}},
		{"no email", []string{"list"}},
		{"revoke without id", []string{"revoke", "--email", "ed@example.com"}},
		{"unknown subcommand", []string{"rotate", "--email", "ed@example.com"}},
	} {
		if out, _, err := tokenCmd(tc.args...); err == nil || strings.Contains(out, "srp_") {
			t.Errorf("%s: accepted (%q)", tc.name, out)
		}
	}
	if _, _, err := tokenCmd("create", "--email", "vic@example.com", "--name", "x", "--scope", "write"); !errors.Is(err, store.ErrInvalidToken) {
		t.Errorf("write for a viewer: %v, want ErrInvalidToken", err)
	}

	out, _, err = tokenCmd("list", "--email", "ed@example.com")
	if err != nil || !regexp.MustCompile(`(?m)^`+strconv.FormatInt(tok.ID, 10)+`\s+"deploy step"\s+write\s+\S+ \S+\s+active$`).MatchString(out) || strings.Contains(out, "srp_") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if out, _, err = tokenCmd("revoke", "--email", "ed@example.com", "--id", strconv.FormatInt(vicTok.ID, 10)); err == nil {
		t.Fatalf("revoking another user's token: %s", out)
	}
	if out, _, err = tokenCmd("revoke", "--email", "ed@example.com", "--id", strconv.FormatInt(tok.ID, 10)); err != nil || !strings.Contains(out, "of ed@example.com revoked") {
		t.Fatalf("revoke: %v %s", err, out)
	}
	if _, _, err := st.UserByAPIToken(ctx, writeSecret); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoked token still works: %v", err)
	}
	if out, _, _ = tokenCmd("list", "--email", "ed@example.com"); !strings.Contains(out, "revoked ") {
		t.Fatalf("list after revoke:\n%s", out)
	}
}

// TestResetPasswordRevokesTokens: a reset from the command line revokes the
// user's API tokens unless --keep-tokens.
func TestResetPasswordRevokesTokens(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "r.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.CreateUser(ctx, "ann@example.com", store.RoleEditor, "", store.Audit{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	for _, tc := range []struct {
		flags   []string
		revoked bool
	}{{[]string{"--keep-tokens"}, false}, {nil, true}} {
		_, secret, err := st.CreateAPIToken(ctx, u.ID, "ci", store.ScopeRead, u.CreatedAt, store.Audit{Actor: "test"})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		args := append([]string{"reset-password", "--email", "ann@example.com", "--db", db}, tc.flags...)
		if err := runUserWith(ctx, args, devNull, &out, &out); err != nil {
			t.Fatalf("reset %v: %v %s", tc.flags, err, out.String())
		}
		_, _, err = st.UserByAPIToken(ctx, secret)
		if revoked := errors.Is(err, store.ErrNotFound); revoked != tc.revoked {
			t.Errorf("reset %v: token revoked = %v (%v); output %s", tc.flags, revoked, err, out.String())
		}
	}
}
