package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"sreport/analytics"
	"sreport/analytics/kpifmt"
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
	// The same knowledge cut-off as the web app (start of the hour), so the
	// CLI and the API agree on the current period.
	env, err := scorecard.LoadEnv(ctx, st, time.Now().Truncate(time.Hour))
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
	scope := "organisation"
	switch {
	case sc.Service != "":
		scope = "service " + sc.Service
	case sc.Tier != nil:
		scope = fmt.Sprintf("tier %d", *sc.Tier)
	}
	if sc.Team != "" {
		scope += ", team " + sc.Team
	}
	fmt.Fprintf(stdout, "Period %s [%s, %s) %s, %s; previous %s", res.Period, res.From, res.To, res.Timezone, scope, res.PreviousPeriod)
	if res.ToDate {
		fmt.Fprintf(stdout, " to date [%s, %s): the period is in progress, so it is compared with the same span", res.PreviousFrom, res.PreviousTo)
	}
	fmt.Fprint(stdout, "\n\n")
	writeKPITable(stdout, res)
	// The numerators and denominators, so "7 %" can be read as "3 of 41".
	c := res.Counts
	fmt.Fprintf(stdout, "\nCounts: %s (%d resolved, %d open), %d of %d deployments failed, %s, "+
		"%d of %d pages noise, %d of %d postmortems on time, %d of %d action items on time, %d of %d SLO-days met\n",
		analytics.Noun{One: "incident", Many: "incidents"}.Of(float64(c.Incidents)), c.ResolvedIncidents, c.OpenIncidents,
		c.FailedChanges, c.Deployments, analytics.Noun{One: "rollback", Many: "rollbacks"}.Of(float64(c.Rollbacks)),
		c.NoisePages, c.Pages, c.PostmortemsOnTime, c.PostmortemsDue, c.ActionItemsOnTime, c.ActionItemsDue, c.SLODaysMet, c.SLODays)
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

// writeKPITable prints one row per KPI, for people: the value in its unit
// at the web's precision (analytics/kpifmt: "20.8 min", "5.0 %"), its
// sample ("2 of 2", "n = 12", marked when below the KPI's minimum), the
// previous value and the change, all of a row in one unit and scale.
func writeKPITable(w io.Writer, res scorecard.KPIResponse) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KPI\tvalue\tsample\tprevious\tchange")
	for _, d := range analytics.KPIDefs() {
		cur, prev := res.KPIs.Get(d.Key), res.Previous.Get(d.Key)
		f := kpifmt.Of(d.Key, cur)
		if cur == nil {
			f = kpifmt.Of(d.Key, prev)
		}
		sample := ""
		if d.Sampled() && cur != nil {
			sample, _ = kpifmt.Sample(d, res.Counts)
			if min := res.MinSample[d.Key]; res.N[d.Key] < float64(min) {
				sample += fmt.Sprintf(" (below %d: not judged)", min)
			}
		}
		change := "—"
		if c := res.Change[d.Key]; c != nil {
			text, sign := f.Change(*c)
			switch {
			case sign > 0:
				change = "+" + text
			case sign < 0:
				change = "−" + text
			default:
				change = "no change"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.Label, f.Text(cur, "—"), sample, f.Text(prev, "—"), change)
	}
	tw.Flush()
}
