package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"sreport/analytics/store"
	"sreport/prometheus"
)

func init() {
	register(command{name: "prometheus", summary: "Prometheus sources of SLI days: add, sync", run: runPrometheus})
}

const prometheusUsage = `Usage: sreport prometheus <add|sync> [flags]

  add  --name N --url http://prometheus:9090 [--auth none|bearer|basic] [--username U] [--backfill-days 90]
       bearer token or basic-auth password from stdin (first line), stored encrypted
  sync --name N
       reads the daily good/total counts of every SLO whose definition has Prometheus queries
       (imported from OpenSLO or Sloth files): complete UTC days after the last stored one,
       back-filling --backfill-days on the first run`

func runPrometheus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runPrometheusWith(ctx, args, os.Stdin, stdout, stderr, time.Now)
}

func runPrometheusWith(ctx context.Context, args []string, stdin *os.File, stdout, stderr io.Writer, now func() time.Time) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, prometheusUsage)
		if len(args) == 0 {
			return errors.New("prometheus: missing subcommand")
		}
		return nil
	}
	sub, args := args[0], args[1:]
	if sub != "add" && sub != "sync" {
		fmt.Fprintln(stderr, prometheusUsage)
		return fmt.Errorf("prometheus: unknown subcommand %q", sub)
	}
	fs := newFlags("prometheus "+sub, prometheusUsage, stderr)
	db := dbFlag(fs)
	name := fs.String("name", "", "the source's name")
	base := fs.String("url", "", "add: the server's base URL")
	auth := fs.String("auth", "none", "add: none, bearer or basic")
	user := fs.String("username", "", "add: basic-auth user")
	backfill := fs.Int("backfill-days", 90, "add: days read on the first sync")
	loadKey := secretBox(fs, db)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if strings.TrimSpace(*name) == "" {
		return fmt.Errorf("prometheus %s: --name is required", sub)
	}
	box, _, err := loadKey()
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	audit := store.Audit{Actor: "cli"}
	if sub == "add" {
		u, err := url.Parse(*base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("prometheus add: --url must be an http(s) URL, got %q", *base)
		}
		if *auth != "none" && *auth != "bearer" && *auth != "basic" {
			return fmt.Errorf("prometheus add: --auth must be none, bearer or basic")
		}
		if *auth == "basic" && *user == "" {
			return errors.New("prometheus add: --auth basic needs --username")
		}
		if *backfill <= 0 {
			return errors.New("prometheus add: --backfill-days must be positive")
		}
		secret := ""
		if *auth != "none" {
			if secret, err = pipedLine(stdin, "credential"); err != nil {
				return err
			}
			if secret == "" {
				return fmt.Errorf("prometheus add: --auth %s: pipe the credential on stdin", *auth)
			}
		}
		id, err := st.CreatePrometheusSource(ctx, store.PrometheusSource{Name: *name, BaseURL: strings.TrimRight(*base, "/"), Auth: *auth,
			Username: *user, BackfillDays: *backfill}, func(id int64) (string, error) {
			if secret == "" {
				return "", nil
			}
			return box.Seal([]byte(secret), store.PrometheusSecretAAD(id))
		}, audit)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Prometheus source %q added (id %d)\n", *name, id)
		return nil
	}
	src, err := st.PrometheusSourceByName(ctx, *name)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("prometheus sync: no source named %q (add it with sreport prometheus add)", *name)
	} else if err != nil {
		return err
	}
	c := &prometheus.Client{BaseURL: src.BaseURL, Auth: src.Auth, Username: src.Username}
	if src.SecretSealed != "" {
		plain, err := box.Open(src.SecretSealed, store.PrometheusSecretAAD(src.ID))
		if err != nil {
			return fmt.Errorf("prometheus sync: open the stored credential (wrong secret key?): %w", err)
		}
		c.Secret = string(plain)
	}
	at := now()
	rs, err := prometheus.Sync(ctx, st, src, c, at, audit)
	var failed []string
	for _, r := range rs {
		if r.Err != "" {
			failed = append(failed, r.Service+"/"+r.SLO+": "+r.Err)
		}
	}
	runErr := strings.Join(failed, "; ")
	if err != nil {
		runErr = err.Error()
	}
	if rerr := st.SetPrometheusRun(ctx, src.ID, at, runErr); rerr != nil {
		return rerr
	}
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tSLO\tDAYS READ\tINSERTED\tUPDATED\tUNCHANGED\tERROR")
	for _, r := range rs {
		read := "up to date"
		if !r.From.IsZero() {
			read = r.From.Format(time.DateOnly) + " … " + r.To.Format(time.DateOnly)
			if r.To.IsZero() {
				read = r.From.Format(time.DateOnly) + " … (failed)"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", r.Service, r.SLO, read, r.Inserted, r.Updated, r.Unchanged, r.Err)
	}
	if len(rs) == 0 {
		fmt.Fprintln(tw, "(no SLO has Prometheus queries: import OpenSLO or Sloth definitions first)")
	}
	tw.Flush()
	if len(failed) > 0 {
		return fmt.Errorf("prometheus sync: %d of %d SLOs failed", len(failed), len(rs))
	}
	return nil
}
