package reporting_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/reporting"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
)

// TestFastPathsMatchRecompute generates many random data sets in a real
// SQLite file and checks every number the fast paths serve — a report's one
// load shared by its scorecard, history, tier history, months and trend,
// the engine's cut of sorted inputs to a period's window, the shared title
// normalisation, the pre-sized merges and the roll-up rows built from
// their services' partials (tier, team and organisation rows, now and in
// the previous period) — against a recompute of that one
// period from the records a lone scorecard of it would load, shuffled so
// no cut applies. Data sets vary in size (empty included) and hold open
// incidents, repeated titles, duplicate-looking records, cross-service
// deploy links, rollbacks and hotfixes, and records on the DST changes of
// the reporting timezone.
func TestFastPathsMatchRecompute(t *testing.T) { eachSeed(t, 14, checkFastPaths) }

// eachSeed runs check for the seeds 1 to n, in parallel.
func eachSeed(t *testing.T, n uint64, check func(*testing.T, uint64)) {
	for seed := uint64(1); seed <= n; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			t.Parallel()
			check(t, seed)
		})
	}
}

func checkFastPaths(t *testing.T, seed uint64) {
	ctx := context.Background()
	st, now := genStore(t, seed, 19, func(rng *rand.Rand) int {
		// Sizes: seed 1 is empty, a few are tiny, the rest a few hundred records.
		if seed > 5 {
			return 5 + rng.IntN(60)
		}
		return []int{0, 1, 3, 10, 40}[seed-1]
	})
	env, err := scorecard.LoadEnv(ctx, st, now.Truncate(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"2026-Q3", "2026-10", "2026-03"} {
		for _, tm := range []string{"", "payments"} {
			req := reporting.Request{Period: label, Team: tm}
			rep, err := reporting.Assemble(ctx, st, env, req, now)
			if err != nil {
				t.Fatal(err)
			}
			services, err := env.Filter(req.Scope())
			if err != nil {
				t.Fatal(err)
			}
			what := label + "/" + tm
			d := rep.Data
			p, prev := rep.Period, env.PrevPeriod(rep.Period)
			sameResult(t, what+" card org "+p.Label, d.Card.Org.Result, recompute(t, st, env, services, p, env.SettingsFor(p)))
			sameResult(t, what+" card org previous "+prev.Label, d.Card.Org.PrevRes, noPrev(recompute(t, st, env, services, prev, prevSettingsOf(env, p, prev))))
			for i, s := range services {
				one := []analytics.Service{s}
				sameResult(t, what+" card service "+s.Name, d.Card.Services[i].Result, recompute(t, st, env, one, p, env.SettingsFor(p)))
			}
			// Roll-up rows take their services' partials (analytics.Partial):
			// each must be what its services' records give, now and before.
			for _, row := range d.Card.Tiers {
				in := tierServices(services, *row.Tier)
				sameResult(t, what+" card "+row.Name, row.Result, recompute(t, st, env, in, p, env.SettingsFor(p)))
				sameResult(t, what+" card "+row.Name+" previous", row.PrevRes, noPrev(recompute(t, st, env, in, prev, prevSettingsOf(env, p, prev))))
			}
			for _, row := range d.Card.Teams {
				in := teamServices(services, row.Name)
				sameResult(t, what+" card team "+row.Name, row.Result, recompute(t, st, env, in, p, env.SettingsFor(p)))
				sameResult(t, what+" card team "+row.Name+" previous", row.PrevRes, noPrev(recompute(t, st, env, in, prev, prevSettingsOf(env, p, prev))))
			}
			for i, ep := range d.Earlier {
				sameResult(t, what+" history "+ep.Label, d.EarlierScope[i], recompute(t, st, env, services, ep, env.SettingsFor(ep)))
				for tier, hist := range d.EarlierTiers {
					sameResult(t, fmt.Sprintf("%s history %s tier %d", what, ep.Label, tier), hist[i], recompute(t, st, env, tierServices(services, tier), ep, env.SettingsFor(ep)))
				}
			}
			for i, m := range d.Months {
				want := recompute(t, st, env, services, m, env.SettingsFor(m))
				sameJSON(t, what+" month "+m.Label, d.MonthKPIs[i], want.KPIs)
			}
			for i, m := range rep.Months {
				sameResult(t, what+" trend "+m.Label, rep.Trend[i], recompute(t, st, env, services, m, env.SettingsFor(m)))
			}
			in := load(t, st, env, services, p)
			sameJSON(t, what+" sources", d.Sources, analytics.CountsBySource(in, p, env.SettingsFor(p)))
			// On-call health comes from the report's one load, not a load of p.
			oncall := analytics.ComputeOnCallHealth(in, p, env.SettingsFor(p))
			for i := range oncall.Teams {
				oncall.Teams[i].People = nil
			}
			oncall.All.People = nil
			if len(services) == 0 {
				oncall = analytics.OnCallHealth{}
			}
			sameJSON(t, what+" on-call health", rep.Program.OnCall, oncall)
		}
	}
}

// genStore opens a database in a temporary file, in the reporting
// timezone seed picks, and writes genData's records into it, of the size
// scale draws from the seed's stream; it returns the store and the now of
// the records.
func genStore(t *testing.T, seed, stream uint64, scale func(*rand.Rand) int) (*store.Store, time.Time) {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, stream))
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "gen.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tz := []string{"UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney"}[seed%4]
	if err := st.SetSetting(ctx, store.SettingReportingTZ, tz); err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	genData(t, st.Writer(), rng, scale(rng), now, loc)
	return st, now
}

// recompute loads what a lone scorecard of p loads for the services and
// computes p from those records in a random order, so the engine sees
// every record and filters them itself.
func recompute(t *testing.T, st *store.Store, env scorecard.Env, services []analytics.Service, p analytics.Period, s analytics.Settings) analytics.Result {
	t.Helper()
	in := load(t, st, env, services, p)
	r := rand.New(rand.NewPCG(uint64(len(in.Deploys)), uint64(len(in.Pages))))
	r.Shuffle(len(in.Incidents), func(i, j int) { in.Incidents[i], in.Incidents[j] = in.Incidents[j], in.Incidents[i] })
	r.Shuffle(len(in.Deploys), func(i, j int) { in.Deploys[i], in.Deploys[j] = in.Deploys[j], in.Deploys[i] })
	r.Shuffle(len(in.Pages), func(i, j int) { in.Pages[i], in.Pages[j] = in.Pages[j], in.Pages[i] })
	r.Shuffle(len(in.LinkIncidents), func(i, j int) {
		in.LinkIncidents[i], in.LinkIncidents[j] = in.LinkIncidents[j], in.LinkIncidents[i]
	})
	return analytics.ComputeKPIs(in, p, s)
}

func load(t *testing.T, st *store.Store, env scorecard.Env, services []analytics.Service, p analytics.Period) analytics.Input {
	t.Helper()
	in, err := st.KPIInput(context.Background(), services, env.SettingsFor(p).LoadWindows(p))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// prevSettingsOf is how the scorecard computes the previous period: by
// its own rules, pending items as at the same cut while p is in progress.
func prevSettingsOf(env scorecard.Env, p, prev analytics.Period) analytics.Settings {
	s := env.SettingsFor(prev)
	if p.InProgress(env.AsOf) {
		s.AsOf = prev.To
	}
	return s
}

// noPrev is the scorecard's rule for a previous period without any
// record (scorecard.noPrevious): it is shown blank, not as zeros.
func noPrev(r analytics.Result) analytics.Result {
	c := r.Counts
	if c.Incidents+c.Deployments+c.Rollbacks+c.Pages+c.SLODays+c.ToilWeeks+c.ActionItemsDue+c.ActionItemsPending+c.ActionItemsOverdue > 0 {
		return r
	}
	return analytics.Result{Counts: analytics.Counts{Days: c.Days, Services: c.Services}}
}

func teamServices(services []analytics.Service, team string) []analytics.Service {
	return servicesWhere(services, func(s analytics.Service) bool { return s.Team == team })
}

func tierServices(services []analytics.Service, tier int) []analytics.Service {
	return servicesWhere(services, func(s analytics.Service) bool { return s.Tier == tier })
}

func servicesWhere(services []analytics.Service, keep func(analytics.Service) bool) []analytics.Service {
	var out []analytics.Service
	for _, s := range services {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}

// sameResult compares KPIs and counts; sums may differ in the last bits
// with the order of records, nothing more.
func sameResult(t *testing.T, what string, got, want analytics.Result) {
	t.Helper()
	sameJSON(t, what+" kpis", got.KPIs, want.KPIs)
	sameJSON(t, what+" counts", got.Counts, want.Counts)
}

func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	var g, w any
	for _, x := range []struct {
		v   any
		dst *any
	}{{got, &g}, {want, &w}} {
		b, err := json.Marshal(x.v)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, x.dst); err != nil {
			t.Fatal(err)
		}
	}
	if diff := jsonDiff("", g, w); diff != "" {
		t.Errorf("%s: %s", what, diff)
	}
}

func jsonDiff(path string, g, w any) string {
	switch wv := w.(type) {
	case map[string]any:
		gv, ok := g.(map[string]any)
		if !ok || len(gv) != len(wv) {
			return fmt.Sprintf("%s: got %v, want %v", path, g, w)
		}
		for k := range wv {
			if d := jsonDiff(path+"."+k, gv[k], wv[k]); d != "" {
				return d
			}
		}
	case []any:
		gv, ok := g.([]any)
		if !ok || len(gv) != len(wv) {
			return fmt.Sprintf("%s: got %v, want %v", path, g, w)
		}
		for i := range wv {
			if d := jsonDiff(fmt.Sprintf("%s[%d]", path, i), gv[i], wv[i]); d != "" {
				return d
			}
		}
	case float64:
		gv, ok := g.(float64)
		if !ok || math.Abs(gv-wv) > 1e-9*math.Max(1, math.Abs(wv)) {
			return fmt.Sprintf("%s: got %v, want %v", path, g, w)
		}
	default:
		if g != w {
			return fmt.Sprintf("%s: got %v, want %v", path, g, w)
		}
	}
	return ""
}

// genData writes a random history of about scale records per kind and
// month over two years before now: two teams, four services of mixed
// tiers and on-call zones, incidents (open ones, repeated titles,
// explicit links to deploys of other services), deploys (production and
// not, failed, rollbacks, hotfixes, commit times), pages (acknowledged,
// classified, named responders), action items, toil and SLI days; a share
// of every kind lands within two hours of the reporting zone's DST changes.
func genData(t *testing.T, db *sql.DB, rng *rand.Rand, scale int, now time.Time, loc *time.Location) {
	t.Helper()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}()
	exec := func(q string, args ...any) int64 {
		t.Helper()
		res, err := tx.Exec(q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		id, _ := res.LastInsertId()
		return id
	}
	ts := func(t time.Time) string { return t.UTC().Format(store.TimeLayout) }
	payments := exec(`INSERT INTO teams (name) VALUES ('payments')`)
	search := exec(`INSERT INTO teams (name) VALUES ('search')`)
	type svc struct {
		id   int64
		team int64
	}
	svcs := []svc{
		{exec(`INSERT INTO services (name, tier, team_id, oncall_tz) VALUES ('checkout', 0, ?, 'Europe/London')`, payments), payments},
		{exec(`INSERT INTO services (name, tier, team_id, oncall_tz) VALUES ('ledger', 1, ?, 'America/New_York')`, payments), payments},
		{exec(`INSERT INTO services (name, tier, team_id, oncall_tz) VALUES ('query', 1, ?, 'UTC')`, search), search},
		{exec(`INSERT INTO services (name, tier, team_id, oncall_tz) VALUES ('indexer', 2, ?, 'Asia/Kolkata')`, search), search},
	}
	start := now.AddDate(-2, 0, 0)
	span := now.Sub(start)
	// DST changes of the reporting zone in the span, for records near them.
	var changes []time.Time
	for d := start; d.Before(now); d = d.Add(time.Hour) {
		_, a := d.In(loc).Zone()
		_, b := d.Add(time.Hour).In(loc).Zone()
		if a != b {
			changes = append(changes, d.Add(time.Hour))
		}
	}
	at := func() time.Time {
		if len(changes) > 0 && rng.IntN(8) == 0 {
			return changes[rng.IntN(len(changes))].Add(time.Duration(rng.IntN(240)-120) * time.Minute)
		}
		return start.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Second)
	}
	after := func(t0 time.Time, maxMin int) *string {
		if rng.IntN(6) == 0 {
			return nil
		}
		s := ts(t0.Add(time.Duration(rng.IntN(maxMin*60)-60) * time.Second)) // now and then before t0: bad data
		return &s
	}
	months := 24
	var deployIDs []int64
	envs := []string{"production", "prod", "staging", "Production", "dev"}
	statuses := []string{"success", "success", "success", "failed", "cancelled"}
	for i := range scale * months * 6 {
		s := svcs[rng.IntN(len(svcs))]
		fin := at()
		var commit *string
		if rng.IntN(3) > 0 {
			c := ts(fin.Add(-time.Duration(rng.IntN(72*60)) * time.Minute))
			commit = &c
		}
		id := exec(`INSERT INTO deploys (source, external_id, service_id, environment, version, finished_at, status, is_rollback, is_hotfix, commit_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, []string{"github", "argocd"}[rng.IntN(2)], fmt.Sprint("d", i), s.id,
			envs[rng.IntN(len(envs))], fmt.Sprint("v", i), ts(fin), statuses[rng.IntN(len(statuses))],
			b2i(rng.IntN(10) == 0), b2i(rng.IntN(8) == 0), commit)
		deployIDs = append(deployIDs, id)
	}
	titles := []string{"checkout latency high", "DB failover on db-%d", "5xx spike pod x2kq%d", "Disk full on host-%d", "queue backlog"}
	var incidentIDs []int64
	for i := range scale * months {
		s := svcs[rng.IntN(len(svcs))]
		det := at()
		var started *string
		if rng.IntN(3) > 0 {
			v := ts(det.Add(-time.Duration(rng.IntN(120)-5) * time.Minute))
			started = &v
		}
		var resolved *string
		if rng.IntN(5) > 0 { // the rest stay open
			resolved = after(det, 600)
		}
		var caused any
		if len(deployIDs) > 0 && rng.IntN(6) == 0 {
			caused = deployIDs[rng.IntN(len(deployIDs))] // any service's deploy: cross-service links too
		}
		title := titles[rng.IntN(len(titles))]
		if rng.IntN(2) == 0 {
			title = fmt.Sprintf(title, rng.IntN(4))
		} else {
			title = fmt.Sprintf(title, i)
		}
		var pmDue, pmPub *string
		if rng.IntN(2) == 0 {
			v := ts(det.Add(5 * 24 * time.Hour))
			pmDue = &v
			pmPub = after(det, 10*24*60)
		}
		id := exec(`INSERT INTO incidents (source, external_id, service_id, title, severity, customer_impacting, started_at, detected_at,
			acknowledged_at, mitigated_at, resolved_at, problem_ref, caused_by_deploy_id, postmortem_due_at, postmortem_published_at, postmortem_tracked)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, []string{"pagerduty", "jira"}[rng.IntN(2)], fmt.Sprint("i", i), s.id, title,
			rng.IntN(5), b2i(rng.IntN(3) == 0), started, ts(det), after(det, 30), after(det, 120), resolved,
			[]string{"", "", "", "PRB-1", "PRB-2"}[rng.IntN(5)], caused, pmDue, pmPub, b2i(pmDue != nil))
		incidentIDs = append(incidentIDs, id)
	}
	responders := []string{"", "ana", "ben", "chen", "dara", "Ana"}
	for i := range scale * months * 4 {
		s := svcs[rng.IntN(len(svcs))]
		trig := at()
		var inc any
		if len(incidentIDs) > 0 && rng.IntN(4) == 0 {
			inc = incidentIDs[rng.IntN(len(incidentIDs))]
		}
		var actionable any
		if rng.IntN(4) == 0 {
			actionable = b2i(rng.IntN(2) == 0)
		}
		exec(`INSERT INTO pages (source, external_id, service_id, incident_id, title, triggered_at, acknowledged_at, resolved_at, auto_resolved, actionable, responder)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, []string{"pagerduty", "opsgenie"}[rng.IntN(2)], fmt.Sprint("p", i), s.id, inc,
			fmt.Sprint("alert ", rng.IntN(5)), ts(trig), after(trig, 20), after(trig, 30), b2i(rng.IntN(3) == 0), actionable,
			responders[rng.IntN(len(responders))])
	}
	for i := range scale * 3 {
		s := svcs[rng.IntN(len(svcs))]
		due := at()
		var inc any
		if len(incidentIDs) > 0 && rng.IntN(2) == 0 {
			inc = incidentIDs[rng.IntN(len(incidentIDs))]
		}
		exec(`INSERT INTO action_items (incident_id, service_id, title, due_at, closed_at, external_id) VALUES (?, ?, ?, ?, ?, ?)`,
			inc, s.id, fmt.Sprint("fix ", i), ts(due), after(due, 20*24*60), fmt.Sprint("a", i))
	}
	if scale > 0 {
		for _, team := range []int64{payments, search} {
			for w := start; w.Before(now); w = w.AddDate(0, 0, 7) {
				if rng.IntN(3) == 0 {
					monday := w.AddDate(0, 0, -int((w.Weekday()+6)%7))
					total := 40 + float64(rng.IntN(80))
					exec(`INSERT OR IGNORE INTO toil_entries (team_id, week_start, toil_hours, total_hours) VALUES (?, ?, ?, ?)`,
						team, monday.Format(store.DayLayout), float64(rng.IntN(int(total))), total)
				}
			}
		}
		for _, s := range svcs[:2] {
			slo := exec(`INSERT INTO slos (service_id, name, objective) VALUES (?, 'availability', 0.995)`, s.id)
			for d := start; d.Before(now); d = d.AddDate(0, 0, 1) {
				if rng.IntN(2) == 0 {
					total := 1000 + rng.IntN(1000)
					exec(`INSERT INTO sli_daily (slo_id, day, good, total) VALUES (?, ?, ?, ?)`, slo, d.Format(store.DayLayout), total-rng.IntN(15), total)
				}
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
