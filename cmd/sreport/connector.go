package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/connectors"
	"sreport/secrets"
)

func init() {
	register(command{name: "connector", summary: "add, list, sync and remove API connectors (PagerDuty, Opsgenie, GitHub, GitLab, Jira, ServiceNow, Jenkins, Argo CD, Prometheus)", run: runConnector})
}

const connectorUsage = `Usage: sreport connector <subcommand> [flags]

  add             --kind K --name N [--base-url URL | --eu] [--since YYYY-MM-DD] [--every 15m] [--create-services [--tier N]]
                  [kind filters]   the credential is read from stdin:
                  printf '%s' "$TOKEN" | sreport connector add --kind pagerduty --name pd-prod
  list            every connector with its status, last run and next run
  sync            [--name N] [--from-start]   runs now (all enabled connectors, or one)
  runs            --name N   the run history
  set-credential  --name N   replaces the credential (stdin); a stopped connector runs again
  remove          --name N   removes the connector and its run history (records and imports stay)

Kind filters: pagerduty --service-ids, --team-ids; opsgenie --records alerts,incidents, --query;
github --repos owner/name,… --records deployments|runs --environment --workflow;
gitlab --projects id-or-path,… --records deployments|pipelines --environment --ref;
jira --jql, --jira-api cloud|datacenter, --jira-service/--jira-severity/--jira-impact-start/--jira-mitigated/--jira-link HEADER;
servicenow --records incident,change_request --query; jenkins --jobs folder/job,…; argocd --projects, --selector;
prometheus: no filters (reads every SLO whose definition has Prometheus queries); credential empty (</dev/null) for
none, user:password for basic auth, else a bearer token.
All: --severity-map 'P1=1,…', --lookback 72h (github, jenkins).`

func runConnector(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runConnectorWith(ctx, args, os.Stdin, stdout, stderr)
}

func runConnectorWith(ctx context.Context, args []string, stdin *os.File, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		io.WriteString(stderr, connectorUsage+"\n")
		if len(args) == 0 {
			return errors.New("connector: no subcommand")
		}
		return flag.ErrHelp
	}
	sub, args := args[0], args[1:]
	fs := newFlags("connector "+sub, connectorUsage, stderr)
	db := dbFlag(fs)
	loadKey := secretBox(fs, db)
	name := fs.String("name", "", "connector name")
	switch sub {
	case "add":
		return connectorAdd(ctx, fs, db, loadKey, name, args, stdin, stdout)
	case "list", "sync", "runs", "set-credential", "remove":
	default:
		io.WriteString(stderr, connectorUsage+"\n")
		return fmt.Errorf("connector: unknown subcommand %q", sub)
	}
	fromStart := fs.Bool("from-start", false, "sync: read everything from since again (e.g. after mapping a service whose records were rejected)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if sub != "list" && !(sub == "sync" && *name == "") && *name == "" {
		return fmt.Errorf("connector %s: --name is required", sub)
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	audit := store.Audit{Actor: "cli:" + envOr("USER", "unknown")}
	var c store.Connector
	if *name != "" {
		if c, err = st.ConnectorByName(ctx, *name); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("connector %s: no connector named %q", sub, *name)
			}
			return err
		}
	}
	switch sub {
	case "list":
		return connectorList(ctx, st, stdout)
	case "runs":
		return connectorRuns(ctx, st, c, stdout)
	case "remove":
		if err := st.DeleteConnector(ctx, c.ID, audit); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed connector %s (its records and imports stay; roll the imports back to remove them)\n", c.Name)
		return nil
	case "set-credential":
		box, keyFrom, err := loadKey()
		if err != nil {
			return err
		}
		fmt.Fprintln(stderr, "secret key "+keyFrom)
		cred, err := readCredential(stdin)
		if err != nil {
			return err
		}
		if err := connectors.SetCredential(ctx, st, box, c.ID, cred, audit); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "credential of %s replaced\n", c.Name)
		return nil
	}
	box, keyFrom, err := loadKey()
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, "secret key "+keyFrom)
	return connectorSync(ctx, st, box, c, *fromStart, audit, stdout, stderr)
}

// listFlag is a comma-separated list flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

func connectorAdd(ctx context.Context, fs *flag.FlagSet, db *string, loadKey func() (*secrets.Box, string, error), name *string, args []string, stdin *os.File, stdout io.Writer) error {
	kind := fs.String("kind", "", "pagerduty, opsgenie, github, gitlab, jira, servicenow, jenkins, argocd or prometheus")
	base := fs.String("base-url", "", "the API's address (default: the vendor's; GitHub Enterprise https://HOST/api/v3; self-hosted GitLab, Jira, ServiceNow, Jenkins, Argo CD, Prometheus)")
	eu := fs.Bool("eu", false, "use the vendor's EU service region (PagerDuty, Opsgenie)")
	since := fs.String("since", "", "back-fill from this day, YYYY-MM-DD (default: 90 days ago)")
	every := fs.Duration("every", connectors.DefaultEvery, "how often serve runs it")
	create := fs.Bool("create-services", false, "create services sreport does not know")
	tier := fs.Int("tier", store.DefaultNewServiceTier, "tier (0-3) of created services")
	var s connectors.Settings
	fs.Var((*listFlag)(&s.Records), "records", "what to read: opsgenie alerts,incidents; github deployments|runs; gitlab deployments|pipelines; servicenow incident,change_request")
	fs.Var((*listFlag)(&s.ServiceIDs), "service-ids", "PagerDuty: only these service ids")
	fs.Var((*listFlag)(&s.TeamIDs), "team-ids", "PagerDuty: only these team ids")
	fs.StringVar(&s.Query, "query", "", "Opsgenie search query or ServiceNow encoded query that narrows the records")
	fs.Var((*listFlag)(&s.Repos), "repos", "GitHub: owner/name of each repository")
	fs.StringVar(&s.Environment, "environment", "", "GitHub/GitLab: only deployments to this environment")
	fs.StringVar(&s.Workflow, "workflow", "", "GitHub: the workflow that deploys (file name, name or id)")
	fs.Var((*listFlag)(&s.Projects), "projects", "GitLab: project ids or paths; Argo CD: projects")
	fs.StringVar(&s.Ref, "ref", "", "GitLab: the branch whose pipelines deploy (default: the default branch)")
	fs.StringVar(&s.Selector, "selector", "", "Argo CD: label selector of the applications")
	fs.StringVar(&s.JQL, "jql", "", "Jira: JQL that selects the incidents and action items (no ORDER BY)")
	fs.StringVar(&s.JiraAPI, "jira-api", "", "Jira: cloud or datacenter (default: cloud for *.atlassian.net)")
	fs.StringVar(&s.JiraFields.Service, "jira-service", "", "Jira: the field holding the service, as its export header, e.g. 'Custom field (Service)'")
	fs.StringVar(&s.JiraFields.Severity, "jira-severity", "", "Jira: the severity field (export header)")
	fs.StringVar(&s.JiraFields.ImpactStart, "jira-impact-start", "", "Jira: the impact start field (export header)")
	fs.StringVar(&s.JiraFields.MitigatedAt, "jira-mitigated", "", "Jira: the mitigated-at field (export header)")
	fs.StringVar(&s.JiraFields.ActionItemLink, "jira-link", "", "Jira: the field linking action items to incidents (export header)")
	fs.Var((*listFlag)(&s.Jobs), "jobs", "Jenkins: full paths of the deploy jobs (folder/job)")
	sevMap := fs.String("severity-map", "", "raw severity = 0-4, comma-separated, e.g. 'P1=1,P2=2'")
	fs.StringVar(&s.Lookback, "lookback", "", "GitHub/Jenkins: how far before the last sync to read again (default 72h)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("connector add: unexpected arguments %v", fs.Args())
	}
	sm, err := ingest.ParseSeverityMap(*sevMap)
	if err != nil {
		return fmt.Errorf("connector add: --%w", err)
	}
	s.SeverityMap = sm
	info, ok := connectors.Kind(*kind)
	if !ok {
		_, err := connectors.Validate(*kind, *base, s)
		return fmt.Errorf("connector add: %w", err)
	}
	if *eu {
		if info.EUBaseURL == "" {
			return fmt.Errorf("connector add: %s has no EU region; give --base-url", info.Title)
		}
		if *base != "" {
			return errors.New("connector add: --eu and --base-url together")
		}
		*base = info.EUBaseURL
	}
	from := time.Now().UTC().AddDate(0, 0, -90).Truncate(24 * time.Hour)
	if *since != "" {
		if from, err = time.Parse("2006-01-02", *since); err != nil {
			return fmt.Errorf("connector add: --since %q: want YYYY-MM-DD", *since)
		}
	}
	sp := connectors.Spec{Name: *name, Kind: *kind, BaseURL: *base, Settings: s, Since: from, Every: *every, CreateServices: *create}
	if *create {
		sp.Tier = tier
	}
	if _, err := connectors.Validate(sp.Kind, sp.BaseURL, sp.Settings); err != nil {
		return fmt.Errorf("connector add: %w", err)
	}
	cred, err := readCredential(stdin)
	if err != nil && !(info.NoCredential && (errors.Is(err, errNoCredential) || errors.Is(err, errEmptyCredential))) {
		return err
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	box, keyFrom, err := loadKey()
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "secret key "+keyFrom)
	id, err := connectors.Add(ctx, st, box, sp, cred, store.Audit{Actor: "cli:" + envOr("USER", "unknown")})
	if err != nil {
		return fmt.Errorf("connector add: %w", err)
	}
	c, err := st.ConnectorByID(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added connector %s (%s, %s), back-fill from %s, every %s; `sreport serve` runs it, `sreport connector sync --name %s` now\n",
		c.Name, c.Kind, c.BaseURL, c.Since.Format("2006-01-02"), c.Every, c.Name)
	if c.Credential == "" {
		fmt.Fprintln(stdout, "no credential: its requests go without authentication (set one with `sreport connector set-credential`)")
	}
	return nil
}

// errNoCredential and errEmptyCredential are readCredential's errors when
// stdin gives no credential.
var (
	errNoCredential    = errors.New("the credential is read from stdin: pipe it in")
	errEmptyCredential = errors.New("the credential is empty: pipe it in on stdin")
)

// readCredential reads the credential from piped or redirected stdin:
// typed on a terminal it would be echoed and kept in the scroll-back.
// Without one (no stdin, a terminal, nothing piped) the error is or wraps
// errNoCredential or errEmptyCredential: kinds that work without a
// credential go on.
func readCredential(stdin *os.File) (string, error) {
	if stdin == nil {
		return "", errNoCredential
	}
	if fi, err := stdin.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		return "", fmt.Errorf(`%w, e.g. printf '%%s' "$TOKEN" | sreport connector …`, errNoCredential)
	}
	b, err := io.ReadAll(io.LimitReader(stdin, 64<<10))
	if err != nil {
		return "", fmt.Errorf("read the credential: %w", err)
	}
	cred := strings.TrimSpace(string(b))
	if cred == "" {
		return "", errEmptyCredential
	}
	return cred, nil
}

func connectorList(ctx context.Context, st *store.Store, out io.Writer) error {
	cs, err := st.Connectors(ctx)
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		fmt.Fprintln(out, "no connectors (sreport connector add …)")
		return nil
	}
	w := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tKIND\tSTATUS\tBACK-FILL\tLAST RUN\tTOOK\tRECORDS\tREJECTED\tNEXT RUN\tMESSAGE")
	for _, c := range cs {
		runs, err := st.ConnectorRuns(ctx, c.ID, 1)
		if err != nil {
			return err
		}
		last, took, records, rejected := "-", "-", "-", "-"
		if len(runs) == 1 {
			r := runs[0]
			last = r.StartedAt.Format(time.RFC3339) + " " + r.Status
			if r.FinishedAt != nil {
				took = r.FinishedAt.Sub(r.StartedAt).String()
			}
			records = fmt.Sprintf("+%d ~%d =%d", r.Inserted, r.Updated, r.Unchanged)
			rejected = fmt.Sprint(r.Rejected)
		}
		next := "-"
		if c.NextRunAt != nil && c.Enabled {
			next = c.NextRunAt.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%.0f%%\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Kind, c.Status, c.Progress*100, last, took, records, rejected, next, c.StatusMessage)
	}
	return w.Flush()
}

func connectorRuns(ctx context.Context, st *store.Store, c store.Connector, out io.Writer) error {
	runs, err := st.ConnectorRuns(ctx, c.ID, 50)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "RUN\tSTARTED\tTOOK\tBY\tSTATUS\tPAGES\tREAD\tINSERTED\tUPDATED\tUNCHANGED\tREJECTED\tREQUESTS\tRETRIES\tIMPORT\tERROR")
	for _, r := range runs {
		took, imp := "-", "-"
		if r.FinishedAt != nil {
			took = r.FinishedAt.Sub(r.StartedAt).String()
		}
		if r.ImportID != 0 {
			imp = fmt.Sprint(r.ImportID)
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", r.ID, r.StartedAt.Format(time.RFC3339), took, r.Actor,
			r.Status, r.Pages, r.Fetched, r.Inserted, r.Updated, r.Unchanged, r.Rejected, r.Requests, r.Retries, imp, r.Error)
	}
	return w.Flush()
}

func connectorSync(ctx context.Context, st *store.Store, box *secrets.Box, one store.Connector, fromStart bool, audit store.Audit, stdout, stderr io.Writer) error {
	targets := []store.Connector{one}
	if one.ID == 0 {
		all, err := st.Connectors(ctx)
		if err != nil {
			return err
		}
		targets = targets[:0]
		for _, c := range all {
			if c.Enabled {
				targets = append(targets, c)
			}
		}
		if len(targets) == 0 {
			return errors.New("connector sync: no enabled connectors")
		}
	}
	runner := &connectors.Runner{Store: st, Secrets: box, Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	failed := 0
	for _, c := range targets {
		if fromStart {
			if err := st.RequestConnectorRun(ctx, c.ID, true, audit); err != nil {
				return err
			}
		}
		r, err := runner.Run(ctx, c.ID, connectors.Who{Trigger: connectors.TriggerCLI, Actor: audit.Actor})
		if errors.Is(err, store.ErrConnectorBusy) {
			failed++
			fmt.Fprintf(stdout, "%s: running elsewhere (serve?); not started\n", c.Name)
			continue
		}
		fmt.Fprintf(stdout, "%s: %s — %d pages, %d read, inserted %d, updated %d, unchanged %d, rejected %d, %d requests (%d retried)",
			c.Name, r.Status, r.Pages, r.Fetched, r.Inserted, r.Updated, r.Unchanged, r.Rejected, r.Requests, r.Retries)
		if r.ImportID != 0 {
			fmt.Fprintf(stdout, ", import #%d", r.ImportID)
		}
		fmt.Fprintln(stdout)
		for _, w := range r.Warnings {
			fmt.Fprintf(stdout, "  warning: %s\n", w)
		}
		if err != nil {
			failed++
			fmt.Fprintf(stdout, "  error: %v\n", err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	if failed > 0 {
		return fmt.Errorf("connector sync: %d of %d connectors failed", failed, len(targets))
	}
	return nil
}
