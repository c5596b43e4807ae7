package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"sreport/analytics/store"
	"sreport/web"
)

func init() {
	register(command{name: "webhook", summary: "manage webhook receivers: add, list, rotate, delete", run: runWebhook})
}

const webhookUsage = `Usage: sreport webhook <add|list|rotate|delete> [flags]

  add    --source github|gitlab|pagerduty|opsgenie --name N [--workflow W]
         reads the shared secret from stdin (first line; PagerDuty: the subscription's signing secret),
         or generates one when stdin is a terminal; prints the receiver path (and a generated secret) on stdout
  list
  rotate --name N       new secret from stdin, or generated and printed once
  delete --name N       removes the receiver and its delivery log (imported records stay)`

func runWebhook(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runWebhookWith(ctx, args, os.Stdin, stdout, stderr)
}

func runWebhookWith(ctx context.Context, args []string, stdin *os.File, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, webhookUsage)
		if len(args) == 0 {
			return errors.New("webhook: missing subcommand")
		}
		return nil
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "add", "list", "rotate", "delete":
	default:
		fmt.Fprintln(stderr, webhookUsage)
		return fmt.Errorf("webhook: unknown subcommand %q", sub)
	}
	fs := newFlags("webhook "+sub, webhookUsage, stderr)
	db := dbFlag(fs)
	source := fs.String("source", "", "add: github, gitlab, pagerduty or opsgenie")
	name := fs.String("name", "", "the receiver's name")
	workflow := fs.String("workflow", "", "add: GitHub workflow (name, path, file or id) or GitLab pipeline name that deploys; empty = every one")
	loadKey := secretBox(fs, db)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if sub != "list" && strings.TrimSpace(*name) == "" {
		return fmt.Errorf("webhook %s: --name is required", sub)
	}
	if sub == "add" && !store.ValidWebhookSource(*source) {
		return fmt.Errorf("webhook add: --source must be one of %s", strings.Join(store.WebhookSources, ", "))
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	audit := store.Audit{Actor: "cli", At: now}
	switch sub {
	case "list":
		rs, err := st.WebhookReceivers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSOURCE\tPATH\tWORKFLOW\tDELIVERIES\tLAST")
		for _, r := range rs {
			last := ""
			if r.LastDelivery != nil {
				last = r.LastDelivery.UTC().Format(time.RFC3339) + " " + r.LastOutcome
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", r.Name, r.Source, r.Path(), r.Workflow, r.Deliveries, last)
		}
		return tw.Flush()
	case "delete":
		r, err := st.WebhookReceiverByName(ctx, *name)
		if err != nil {
			return fmt.Errorf("webhook delete %q: %w", *name, err)
		}
		if err := st.DeleteWebhookReceiver(ctx, r.ID, audit); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "deleted webhook receiver %q (%s)\n", r.Name, r.Path())
		return nil
	}
	box, keyFrom, err := loadKey()
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, "secret key "+keyFrom)
	secret, generated, err := secretInput(stdin)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		r, err := st.CreateWebhookReceiver(ctx, *name, *source, *workflow, []byte(secret), box, now, audit)
		if err != nil {
			return fmt.Errorf("webhook add: %w", err)
		}
		fmt.Fprintf(stderr, "added %s webhook receiver %q; point the vendor at https://<your sreport host>%s\n", r.Source, r.Name, r.Path())
		for _, line := range web.WebhookSetup(r.Source) {
			fmt.Fprintln(stderr, "  "+line)
		}
		fmt.Fprintln(stdout, r.Path())
	case "rotate":
		r, err := st.WebhookReceiverByName(ctx, *name)
		if err != nil {
			return fmt.Errorf("webhook rotate %q: %w", *name, err)
		}
		if err := st.RotateWebhookSecret(ctx, r.ID, []byte(secret), box, now, audit); err != nil {
			return fmt.Errorf("webhook rotate: %w", err)
		}
		fmt.Fprintf(stderr, "replaced the secret of %q; set the new one at the vendor now\n", r.Name)
	}
	if generated {
		fmt.Fprintln(stderr, "generated secret (shown only now):")
		fmt.Fprintln(stdout, secret)
	}
	return nil
}

// secretInput reads a secret from stdin when it is piped or redirected
// (first line), else generates one; generated reports which.
func secretInput(stdin *os.File) (secret string, generated bool, err error) {
	s, err := pipedLine(stdin, "secret")
	if err != nil || s != "" {
		return s, false, err
	}
	return web.NewWebhookSecret(), true, nil
}
