package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"

	"sreport/accounts"
	"sreport/analytics/store"
)

func init() {
	register(command{name: "user", summary: "manage accounts: add, list, set-role, reset-password", run: runUser})
}

const userUsage = `Usage: sreport user <add|list|set-role|reset-password> [flags]

  add            --email E --role viewer|editor|admin   (password from stdin when piped, else generated and printed once)
  list
  set-role       --email E --role R
  reset-password --email E [--keep-tokens]             (password from stdin when piped, else generated; ends the user's
                                                       sessions and revokes their API tokens unless --keep-tokens)`

func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runUserWith(ctx, args, os.Stdin, stdout, stderr)
}

// runUserWith is runUser with its standard input given, for tests.
func runUserWith(ctx context.Context, args []string, stdin *os.File, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, userUsage)
		if len(args) == 0 {
			return errors.New("user: missing subcommand")
		}
		return nil
	}
	sub, args := args[0], args[1:]
	fs := newFlags("user "+sub, userUsage, stderr)
	db := dbFlag(fs)
	email := fs.String("email", "", "the account's email")
	role := fs.String("role", "", "viewer, editor or admin")
	keepTokens := fs.Bool("keep-tokens", false, "reset-password: keep the user's API tokens working")
	if err := fs.Parse(args); err != nil {
		return err
	}
	needEmail := sub != "list"
	if needEmail && *email == "" {
		return fmt.Errorf("user %s: --email is required", sub)
	}
	if (sub == "add" || sub == "set-role") && store.RoleRank(*role) == 0 {
		return fmt.Errorf("user %s: --role must be viewer, editor or admin", sub)
	}
	switch sub {
	case "add", "list", "set-role", "reset-password":
	default:
		fmt.Fprintln(stderr, userUsage)
		return fmt.Errorf("user: unknown subcommand %q", sub)
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	audit := store.Audit{Actor: "cli"}
	switch sub {
	case "add":
		password, generated, err := passwordInput(stdin)
		if err != nil {
			return err
		}
		hash, err := store.HashPassword(password)
		if err != nil {
			return err
		}
		u, err := st.CreateUser(ctx, *email, *role, hash, audit)
		if err != nil {
			return fmt.Errorf("user add: %w", err)
		}
		fmt.Fprintf(stdout, "created %s (%s)\n", u.Email, u.Role)
		if generated {
			fmt.Fprintf(stdout, "password: %s\n", password)
		}
	case "list":
		users, err := st.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tROLE\tSTATUS\tCREATED")
		for _, u := range users {
			status := "active"
			if u.Disabled {
				status = "disabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Email, u.Role, status, u.CreatedAt.UTC().Format("2006-01-02"))
		}
		return tw.Flush()
	case "set-role":
		u, err := st.UserByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("user set-role: %w", err)
		}
		if u, err = st.SetUserRole(ctx, u.ID, *role, audit); err != nil {
			return fmt.Errorf("user set-role: %w", err)
		}
		fmt.Fprintf(stdout, "%s is now %s\n", u.Email, u.Role)
	case "reset-password":
		u, err := st.UserByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("user reset-password: %w", err)
		}
		password, generated, err := passwordInput(stdin)
		if err != nil {
			return err
		}
		hash, err := store.HashPassword(password)
		if err != nil {
			return err
		}
		audit.Action = "reset_password"
		_, revoked, err := st.ChangePassword(ctx, u.ID, hash, store.PasswordChange{RevokeTokens: !*keepTokens}, audit)
		if err != nil {
			return fmt.Errorf("user reset-password: %w", err)
		}
		fmt.Fprintf(stdout, "password of %s reset; its sessions were ended", u.Email)
		if !*keepTokens {
			fmt.Fprintf(stdout, "; API tokens revoked: %d", revoked)
		}
		fmt.Fprintln(stdout)
		if generated {
			fmt.Fprintf(stdout, "password: %s\n", password)
		}
	}
	return nil
}

// passwordInput reads a password from stdin when it is piped or redirected
// (first line), else generates one; generated reports which.
func passwordInput(stdin *os.File) (password string, generated bool, err error) {
	pw, err := pipedLine(stdin, "password")
	if err != nil {
		return "", false, err
	}
	if pw != "" {
		if p := accounts.PasswordProblem(pw); p != "" {
			return "", false, fmt.Errorf("password from stdin: %s", p)
		}
		return pw, false, nil
	}
	return accounts.GeneratePassword(), true, nil
}

// pipedLine returns the first line of stdin when it is piped or
// redirected, "" when it is a terminal or empty.
func pipedLine(stdin *os.File, what string) (string, error) {
	if stdin == nil {
		return "", nil
	}
	if fi, err := stdin.Stat(); err != nil || fi.Mode()&os.ModeCharDevice != 0 {
		return "", nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read %s from stdin: %w", what, err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// demoUsers are created by serve --demo, one per role.
var demoUsers = []struct{ email, role string }{
	{"viewer@example.com", store.RoleViewer},
	{"editor@example.com", store.RoleEditor},
	{"admin@example.com", store.RoleAdmin},
}

// ensureDemoUsers creates the demo accounts that do not exist yet and logs
// their random passwords once.
func ensureDemoUsers(ctx context.Context, st *store.Store, logger *slog.Logger) error {
	for _, d := range demoUsers {
		if _, err := st.UserByEmail(ctx, d.email); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		password := accounts.GeneratePassword()
		hash, err := store.HashPassword(password)
		if err != nil {
			return err
		}
		if _, err := st.CreateUser(ctx, d.email, d.role, hash, store.Audit{Actor: "demo"}); err != nil {
			return fmt.Errorf("demo user %s: %w", d.email, err)
		}
		logger.Info("demo: created user (password shown once)", "email", d.email, "role", d.role, "password", password)
	}
	return nil
}

// firstAdminEmail is the account created on the first start.
const firstAdminEmail = "admin@localhost"

// ensureFirstAdmin creates an admin with a random password when the
// database has no users at all, and logs the password once. There is never
// a fixed default password.
func ensureFirstAdmin(ctx context.Context, st *store.Store, logger *slog.Logger) error {
	n, err := st.UserCount(ctx)
	if err != nil || n > 0 {
		return err
	}
	password := accounts.GeneratePassword()
	hash, err := store.HashPassword(password)
	if err != nil {
		return err
	}
	if _, err := st.CreateUser(ctx, firstAdminEmail, store.RoleAdmin, hash, store.Audit{Actor: "first-start"}); err != nil {
		return fmt.Errorf("first admin: %w", err)
	}
	logger.Warn("first start: created an admin account; sign in and change its password on /account (shown once)",
		"email", firstAdminEmail, "password", password)
	return nil
}
