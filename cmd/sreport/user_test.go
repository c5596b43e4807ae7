package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sreport/analytics/store"
)

func TestUserCommands(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "u.db")
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	userCmd := func(stdin *os.File, args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := runUserWith(ctx, append(args, "--db", db), stdin, &out, &errb)
		return out.String() + errb.String(), err
	}

	// add without piped input: a generated password, printed once.
	out, err := userCmd(devNull, "add", "--email", "Ann@Example.com", "--role", "editor")
	if err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "created ann@example.com (editor)") {
		t.Fatalf("add output: %s", out)
	}
	generated := m[1]

	// add with the password piped in: nothing printed.
	r, w, _ := os.Pipe()
	w.WriteString("a piped password 123\n")
	w.Close()
	out, err = userCmd(r, "add", "--email", "bob@example.com", "--role", "viewer")
	r.Close()
	if err != nil || strings.Contains(out, "password:") {
		t.Fatalf("add piped: %v %s", err, out)
	}
	if _, err := userCmd(devNull, "add", "--email", "ann@example.com", "--role", "viewer"); err == nil {
		t.Fatal("duplicate add accepted")
	}
	if _, err := userCmd(devNull, "add", "--email", "c@example.com", "--role", "root"); err == nil {
		t.Fatal("unknown role accepted")
	}

	out, err = userCmd(devNull, "list")
	if err != nil || !regexp.MustCompile(`ann@example.com\s+editor\s+active`).MatchString(out) || !strings.Contains(out, "bob@example.com") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if out, err = userCmd(devNull, "set-role", "--email", "bob@example.com", "--role", "admin"); err != nil || !strings.Contains(out, "bob@example.com is now admin") {
		t.Fatalf("set-role: %v %s", err, out)
	}
	if _, err := userCmd(devNull, "set-role", "--email", "nobody@example.com", "--role", "admin"); err == nil {
		t.Fatal("set-role of an unknown user accepted")
	}

	// reset-password: new password works, old one does not, sessions end.
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.UserByEmail(ctx, "ann@example.com")
	if err != nil || !store.CheckPassword(u.PasswordHash, generated) {
		t.Fatalf("generated password does not match: %v", err)
	}
	if _, err := st.CreateSession(ctx, u.ID, u.CreatedAt, u.CreatedAt.Add(24*3600e9), store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	out, err = userCmd(devNull, "reset-password", "--email", "ann@example.com")
	m = regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("reset-password: %v %s", err, out)
	}
	st, err = store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, _ = st.UserByEmail(ctx, "ann@example.com")
	if !store.CheckPassword(u.PasswordHash, m[1]) || store.CheckPassword(u.PasswordHash, generated) {
		t.Fatal("reset did not replace the password")
	}
	if n, _ := st.SessionCount(ctx, u.ID); n != 0 {
		t.Fatalf("%d sessions survived the reset", n)
	}
	// Every CLI change is audited.
	rows, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "users", Actor: "cli"})
	if len(rows) != 4 { // two adds, set-role, reset
		t.Fatalf("cli audit rows = %d", len(rows))
	}
}

func TestFirstAdminAndDemoUsers(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "f.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logs bytes.Buffer
	logger := newTestLogger(&logs)
	if err := ensureFirstAdmin(ctx, st, logger); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`email=admin@localhost password=(\S+)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("log: %s", logs.String())
	}
	u, err := st.UserByEmail(ctx, "admin@localhost")
	if err != nil || u.Role != store.RoleAdmin || !store.CheckPassword(u.PasswordHash, m[1]) {
		t.Fatalf("first admin %+v %v", u, err)
	}
	// Second start: nothing new, no password logged.
	logs.Reset()
	if err := ensureFirstAdmin(ctx, st, logger); err != nil || logs.Len() != 0 {
		t.Fatalf("second start: %v %s", err, logs.String())
	}
	if err := ensureDemoUsers(ctx, st, logger); err != nil {
		t.Fatal(err)
	}
	for _, d := range demoUsers {
		re := regexp.MustCompile(`email=` + regexp.QuoteMeta(d.email) + ` role=` + d.role + ` password=(\S+)`)
		m := re.FindStringSubmatch(logs.String())
		u, err := st.UserByEmail(ctx, d.email)
		if m == nil || err != nil || !store.CheckPassword(u.PasswordHash, m[1]) {
			t.Fatalf("demo user %s: %v\n%s", d.email, err, logs.String())
		}
	}
	logs.Reset()
	if err := ensureDemoUsers(ctx, st, logger); err != nil || logs.Len() != 0 {
		t.Fatalf("demo users recreated: %v %s", err, logs.String())
	}
}

func newTestLogger(w *bytes.Buffer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
