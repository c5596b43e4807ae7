package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"sreport/analytics/store"
)

func init() {
	register(command{name: "token", summary: "manage API tokens: create, list, revoke", run: runToken})
}

const tokenUsage = `Usage: sreport token <create|list|revoke> [flags]

  create --email E --name N [--scope read|write]   prints the srp_… token once; write needs an editor or admin
  list   --email E
  revoke --email E --id N`

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, tokenUsage)
		if len(args) == 0 {
			return errors.New("token: missing subcommand")
		}
		return nil
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "create", "list", "revoke":
	default:
		fmt.Fprintln(stderr, tokenUsage)
		return fmt.Errorf("token: unknown subcommand %q", sub)
	}
	fs := newFlags("token "+sub, tokenUsage, stderr)
	db := dbFlag(fs)
	email := fs.String("email", "", "the token owner's email")
	name := fs.String("name", "", "create: what the token is for, e.g. \"deploy step in CI\"")
	scope := fs.String("scope", store.ScopeRead, "create: read (GET the API) or write (also the write API)")
	id := fs.Int64("id", 0, "revoke: the token's id, from token list")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("token %s: --email is required", sub)
	}
	if sub == "revoke" && *id <= 0 {
		return errors.New("token revoke: --id is required")
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("token %s: %w", sub, err)
	}
	now := time.Now()
	audit := store.Audit{Actor: "cli", At: now}
	switch sub {
	case "create":
		t, secret, err := st.CreateAPIToken(ctx, u.ID, *name, *scope, now, audit)
		if err != nil {
			return fmt.Errorf("token create: %w", err)
		}
		fmt.Fprintf(stderr, "created token %d %q (%s) for %s; it is shown only now:\n", t.ID, t.Name, t.Scope, u.Email)
		fmt.Fprintln(stdout, secret)
	case "list":
		tokens, err := st.APITokens(ctx, u.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSCOPE\tCREATED\tSTATUS")
		for _, t := range tokens {
			status := "active"
			if t.RevokedAt != nil {
				status = "revoked " + t.RevokedAt.UTC().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, strconv.Quote(t.Name), t.Scope, t.CreatedAt.UTC().Format("2006-01-02 15:04"), status)
		}
		return tw.Flush()
	case "revoke":
		if err := st.RevokeAPIToken(ctx, u.ID, *id, now, audit); err != nil {
			return fmt.Errorf("token revoke: %w", err)
		}
		fmt.Fprintf(stdout, "token %d of %s revoked\n", *id, u.Email)
	}
	return nil
}
