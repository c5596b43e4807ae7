package reporting_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/reporting"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
)

// TestDeliveredMatchesOwnLoad checks a quarterly report's delivered
// initiatives, whose before and after quarters it computes from its own
// load when that holds them, against the figures from a full load of just
// the initiative's services and quarters, as a lone computation of them
// would load. The initiatives cover every KPI, name no service (the whole
// organisation), one, a team's all, or several across teams (in half the
// cases leaving a service out of every initiative), and start
// in the report's quarter, a few quarters before, or years before its
// history reaches (loaded on their own); the reports are the
// organisation's and one team's (whose load lacks the other team's
// services), for a complete quarter and one in progress.
func TestDeliveredMatchesOwnLoad(t *testing.T) { eachSeed(t, 4, checkDelivered) }

func checkDelivered(t *testing.T, seed uint64) {
	ctx := context.Background()
	st, now := genStore(t, seed, 23, func(rng *rand.Rand) int { return 10 + rng.IntN(30) })

	sets := [][]string{nil, {"checkout"}, {"ledger", "query"}, {"checkout", "ledger"}, {"indexer"}, {"query", "indexer"}, {"checkout", "indexer", "ledger", "query"}}
	if seed%2 == 1 {
		// No initiative over indexer: the report's split leaves its records out.
		sets = [][]string{{"checkout"}, {"ledger", "query"}, {"query"}}
	}
	starts := []string{"2026-Q3", "2026-Q2", "2025-Q4", "2023-Q1", "2026-Q1"}
	a := store.Audit{Actor: "test"}
	n := 0
	for _, end := range []string{"2026-Q3", "2026-Q4"} {
		for i, def := range analytics.KPIDefs() {
			start := starts[(i+int(seed))%len(starts)]
			if start > end {
				start = end
			}
			in := analytics.Initiative{Title: fmt.Sprint("initiative ", n), Owner: "owner", StartQuarter: start, EndQuarter: end,
				Status: analytics.InitiativeDelivered, KPI: def.Key, TargetKind: analytics.TargetValue, Services: sets[(i+n)%len(sets)]}
			if i%2 == 0 {
				in.TargetKind, in.Target = analytics.TargetChange, -0.01
				if def.HigherIsBetter() {
					in.Target = 0.01
				}
			}
			if _, err := st.CreateInitiative(ctx, in, a); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}

	env, err := scorecard.LoadEnv(ctx, st, now.Truncate(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"2026-Q3", "2026-Q4"} {
		for _, tm := range []string{"", "payments"} {
			rep, err := reporting.Assemble(ctx, st, env, reporting.Request{Period: label, Team: tm}, now)
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			for _, d := range rep.Program.Delivered {
				if tm != "" && !slices.ContainsFunc(d.Initiative.Services, func(n string) bool { return n == "checkout" || n == "ledger" }) {
					t.Errorf("%s/%s: %s names no service of the team", label, tm, d.Initiative.Code)
				}
				got++
				sameJSON(t, fmt.Sprintf("%s/%s %s %s over %v", label, tm, d.Initiative.Code, d.Initiative.KPI, d.Initiative.Services), d, ownLoad(t, st, env, d.Initiative))
			}
			if got == 0 {
				t.Errorf("%s/%s: no initiative delivered", label, tm)
			}
		}
	}
}

// ownLoad computes a delivered initiative's figures from a full load of
// its services' records for its before and after quarters alone.
func ownLoad(t *testing.T, st *store.Store, env scorecard.Env, in analytics.Initiative) reporting.Delivered {
	t.Helper()
	ctx := context.Background()
	loc := env.Location()
	d := reporting.Delivered{Initiative: in, ServicesScoped: in.Services}
	d.Before, _ = in.BeforeQuarter(loc)
	d.After, _ = in.AfterQuarter(loc)
	services := env.Services
	if len(in.Services) > 0 {
		services = nil
		for _, s := range env.Services {
			if slices.ContainsFunc(in.Services, func(n string) bool { return strings.EqualFold(n, s.Name) }) {
				services = append(services, s)
			}
		}
	}
	def, _ := analytics.KPIDefOf(in.KPI)
	input, err := scorecard.Load(ctx, st, env, services, d.Before, d.After)
	if err != nil {
		t.Fatal(err)
	}
	b := analytics.ComputeKPIs(input, d.Before, env.SettingsFor(d.Before))
	af := analytics.ComputeKPIs(input, d.After, env.SettingsFor(d.After))
	d.BeforeCounts, d.AfterCounts = b.Counts, af.Counts
	d.BeforeN, d.AfterN = def.SampleSize(b.Counts), def.SampleSize(af.Counts)
	d.Outcome = in.Outcome(b.KPIs.Get(in.KPI), af.KPIs.Get(in.KPI))
	low := func(n float64, p analytics.Period) bool { return n < float64(env.SettingsFor(p).MinSampleOf(in.KPI)) }
	if low(d.AfterN, d.After) || in.TargetKind == analytics.TargetChange && low(d.BeforeN, d.Before) {
		d.LowSample, d.Outcome.Met = true, nil
	}
	return d
}
