package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"sreport/analytics"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
)

func init() {
	register(command{name: "kpi", summary: "print the KPIs of a period (org, service or tier)", run: runKPI})
}

func runKPI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("kpi", "Prints the KPIs of one period for the organisation, a service or a tier.", stderr)
	db := dbFlag(fs)
	period := fs.String("period", "", "period: YYYY-MM or YYYY-QN (required)")
	service := fs.String("service", "", "one service")
	tier := fs.Int("tier", -1, "one tier (0-3)")
	team := fs.String("team", "", "one team")
	tz := fs.String("tz", "", "reporting timezone (default: the setting, UTC)")
	asJSON := fs.Bool("json", false, "print JSON (the same as GET /api/v1/kpis)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *period == "" {
		fs.Usage()
		return fmt.Errorf("kpi: --period is required")
	}
	if *service != "" && *tier >= 0 {
		return fmt.Errorf("kpi: give --service or --tier, not both")
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	env, err := scorecard.LoadEnv(ctx, st, time.Now())
	if err != nil {
		return err
	}
	if *tz != "" {
		if _, err := time.LoadLocation(*tz); err != nil {
			return fmt.Errorf("kpi: --tz %q: %w", *tz, err)
		}
		env.Settings.ReportingTZ = *tz
	}
	p, err := analytics.ParsePeriod(*period, env.Settings.Location())
	if err != nil {
		return fmt.Errorf("kpi: %w", err)
	}
	sc := scorecard.Scope{Service: *service, Team: *team}
	if *tier >= 0 {
		if *tier > 3 {
			return fmt.Errorf("kpi: --tier must be 0..3")
		}
		sc.Tier = tier
	}
	res, err := scorecard.KPIs(ctx, st, env, p, sc)
	if err != nil {
		return fmt.Errorf("kpi: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(stdout, "Period %s [%s, %s) %s  scope %v\n\n", res.Period, res.From, res.To, res.Timezone, res.Scope)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "KPI\tvalue\tprevious\t")
	show := func(v *float64) string {
		if v == nil {
			return "—"
		}
		return strconv.FormatFloat(*v, 'f', 4, 64)
	}
	for _, k := range analytics.KPINames {
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", k, show(res.KPIs.Get(k)), show(res.Previous.Get(k)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\nDORA bands:")
	for _, m := range []string{analytics.DoraDeployFrequency, analytics.DoraLeadTimeHours, analytics.DoraChangeFailureRate, analytics.DoraRecoveryHours} {
		b := res.Dora[m]
		if b == "" {
			b = "no data"
		}
		fmt.Fprintf(stdout, "  %-20s %s\n", m, b)
	}
	return nil
}
