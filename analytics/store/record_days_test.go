package store_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/imports"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/seed"
	"sreport/testutil"
)

// rdBase is where the randomized records' month starts.
var rdBase = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// rdTime is a random time of the test's month and the days around it,
// often on a day's first or last second.
func rdTime(rng *rand.Rand) time.Time {
	day := rdBase.AddDate(0, 0, rng.IntN(34)-2)
	switch rng.IntN(5) {
	case 0:
		return day
	case 1:
		return day.Add(24*time.Hour - time.Second)
	}
	return day.Add(time.Duration(rng.IntN(86400)) * time.Second)
}

func rdStamp(t time.Time) string { return t.Format(time.RFC3339) }

// rdDeploysCSV is a generic deploys CSV of n rows drawn from a pool of
// external ids, so later files update earlier rows.
func rdDeploysCSV(rng *rand.Rand, n int, services []string) []byte {
	var b strings.Builder
	b.WriteString("external_id,service,environment,finished_at,status,is_rollback,is_hotfix,commit_at,perf_regression\n")
	for range n {
		fin := rdTime(rng)
		commit := ""
		if rng.IntN(3) > 0 {
			commit = rdStamp(fin.Add(-time.Duration(rng.IntN(200_000)) * time.Second))
		}
		perf := [...]string{"", "true", "false"}[rng.IntN(3)]
		fmt.Fprintf(&b, "d%03d,%s,%s,%s,%s,%t,%t,%s,%s\n", rng.IntN(400), services[rng.IntN(len(services))],
			[...]string{"production", "staging"}[rng.IntN(2)], rdStamp(fin), [...]string{"success", "failed", "cancelled"}[rng.IntN(3)],
			rng.IntN(8) == 0, rng.IntN(8) == 0, commit, perf)
	}
	return []byte(b.String())
}

// rdPagesCSV is a generic pages CSV of n rows drawn from a pool of ids.
func rdPagesCSV(rng *rand.Rand, n int, services []string) []byte {
	var b strings.Builder
	b.WriteString("external_id,service,triggered_at,acknowledged_at,resolved_at,auto_resolved,actionable,responder\n")
	for range n {
		trig := rdTime(rng)
		ack, res := "", ""
		if rng.IntN(3) > 0 {
			ack = rdStamp(trig.Add(time.Duration(rng.IntN(3600)) * time.Second))
		}
		if rng.IntN(3) > 0 {
			res = rdStamp(trig.Add(time.Duration(rng.IntN(90_000)) * time.Second))
		}
		fmt.Fprintf(&b, "p%03d,%s,%s,%s,%s,%t,%s,%s\n", rng.IntN(300), services[rng.IntN(len(services))], rdStamp(trig), ack, res,
			rng.IntN(4) == 0, [...]string{"", "true", "false"}[rng.IntN(3)], [...]string{"", "ana", "bo"}[rng.IntN(3)])
	}
	return []byte(b.String())
}

// rdIncidentsCSV is a generic incidents CSV of n rows drawn from a pool
// of ids, so later files update earlier rows.
func rdIncidentsCSV(rng *rand.Rand, n int, services []string) []byte {
	var b strings.Builder
	b.WriteString("external_id,service,title,severity,status,customer_impacting,started_at,detected_at,acknowledged_at,mitigated_at,resolved_at,root_cause,category,problem_ref,caused_by_ref,postmortem_url,postmortem_due_at,postmortem_published_at,url\n")
	opt := func(t time.Time) string {
		if rng.IntN(3) == 0 {
			return ""
		}
		return rdStamp(t.Add(time.Duration(rng.IntN(200_000)-20_000) * time.Second))
	}
	pick := func(vs ...string) string { return vs[rng.IntN(len(vs))] }
	for range n {
		det := rdTime(rng)
		fmt.Fprintf(&b, "i%03d,%s,outage %d,%s,%s,%t,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", rng.IntN(300), services[rng.IntN(len(services))],
			rng.IntN(50), pick("", "1", "2", "3", "4"), pick("", "resolved", "acknowledged", "mitigated"), rng.IntN(3) == 0,
			opt(det.Add(-time.Hour)), rdStamp(det), opt(det), opt(det), opt(det), pick("", "config", "capacity"), pick("", "db"),
			pick("", "PRB1"), pick("", "CHG7"), pick("", "https://pm/1"), opt(det), opt(det), pick("", "https://inc/"+fmt.Sprint(rng.IntN(9))))
	}
	return []byte(b.String())
}

// rdOverride edits a random incident's override through the store, as
// the incident form does: moves its detection, sets or clears fields, or
// clears the override.
func rdOverride(t *testing.T, st *store.Store, rng *rand.Rand) {
	t.Helper()
	ctx := context.Background()
	var id int64
	if err := st.Writer().QueryRowContext(ctx, `SELECT id FROM incidents ORDER BY (id * ?) % 1000003, id LIMIT 1`, rdShuffle(rng)).Scan(&id); err != nil {
		return // no incidents yet
	}
	tm := func() *time.Time {
		if rng.IntN(3) == 0 {
			return nil
		}
		v := rdTime(rng)
		return &v
	}
	err := st.UpdateIncidentOverride(ctx, id, store.Audit{Actor: "test"}, func(o *store.IncidentOverride) error {
		if rng.IntN(5) == 0 {
			*o = store.IncidentOverride{Version: o.Version}
			return nil
		}
		o.DetectedAt, o.ResolvedAt, o.StartedAt, o.PostmortemDueAt = tm(), tm(), tm(), tm()
		sev, cust, fp := 1+rng.IntN(4), rng.IntN(2) == 0, fmt.Sprint("fp", rng.IntN(3))
		o.Severity, o.CustomerImpacting, o.Fingerprint = &sev, &cust, &fp
		o.NotDeployRelated, o.InferredLinkRejected = rng.IntN(2) == 0, rng.IntN(2) == 0
		return nil
	})
	if err != nil {
		t.Fatalf("override incident %d: %v", id, err)
	}
}

// rdImport applies a file streamed (as the CLI does) or as one batch.
func rdImport(t *testing.T, st *store.Store, data []byte, kind, name string, stream bool) int64 {
	t.Helper()
	ctx := context.Background()
	opt := store.ApplyOptions{CreateServices: true, FileName: name}
	m := &imports.Mapping{Name: "rd-" + kind, Kind: kind, Columns: map[string]string{}, Source: kind + "-csv"}
	header, _, _ := bytes.Cut(data, []byte("\n"))
	for _, f := range strings.Split(string(header), ",") {
		m.Columns[f] = f
	}
	popt := ingest.Options{Format: "csv", Mapping: m}
	var (
		res store.ImportResult
		err error
	)
	if stream {
		res, err = st.ApplyStream(ctx, opt, func(sink imports.Sink) (*imports.Batch, error) {
			return ingest.Stream(bytes.NewReader(data), name, popt, sink)
		})
	} else {
		var b *imports.Batch
		if b, err = ingest.Parse(bytes.NewReader(data), name, popt); err == nil {
			res, err = st.ApplyBatch(ctx, b, opt)
		}
	}
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return res.ImportID
}

// rdCompared counts the records rdCompare compared, so the test knows it
// compared something.
var rdCompared, rdIncidents int

// rdCompare checks that the packed loads return exactly what the lean
// loads return, for random ranges and scopes.
func rdCompare(t *testing.T, st *store.Store, rng *rand.Rand, step string) {
	t.Helper()
	ctx := context.Background()
	svcs, err := st.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		var ids []int64
		switch rng.IntN(4) {
		case 1:
			ids = []int64{}
		case 2, 3:
			ids = []int64{999_999}
			for _, s := range svcs {
				if rng.IntN(2) == 0 {
					ids = append(ids, s.ID)
				}
			}
		}
		from := rdTime(rng).Add(-time.Duration(rng.IntN(3)*86400) * time.Second)
		if rng.IntN(3) == 0 {
			from = from.Add(time.Duration(rng.IntN(1000)) * time.Millisecond)
		}
		r := store.TimeRange{From: from, To: from.Add(time.Duration(1+rng.IntN(40*86400)) * time.Second)}
		switch rng.IntN(10) {
		case 0:
			r.From = time.Time{}
		case 1:
			r = store.TimeRange{From: rdBase.AddDate(0, 0, -3), To: rdBase.AddDate(0, 0, 40)}
		}
		wantD, errW := store.RawLeanDeploys(st, ctx, ids, r)
		gotD, errG := store.PackedLeanDeploys(st, ctx, ids, r)
		sameResult(t, fmt.Sprintf("%s deploys #%d %v %v", step, i, ids, r), gotD, wantD, errG, errW)
		rdCompared += len(wantD)
		wantP, errW := store.RawLeanPages(st, ctx, ids, r)
		gotP, errG := store.PackedLeanPages(st, ctx, ids, r)
		sameResult(t, fmt.Sprintf("%s pages #%d %v %v", step, i, ids, r), gotP, wantP, errG, errW)
		rdCompared += len(wantP)
		wantI, errW := store.RawIncidents(st, ctx, ids, r)
		gotI, errG := store.PackedIncidents(st, ctx, ids, r)
		sameResult(t, fmt.Sprintf("%s incidents #%d %v %v", step, i, ids, r), gotI, wantI, errG, errW)
		rdCompared += len(wantI)
		rdIncidents += len(wantI)
	}
}

func sameResult[T any](t *testing.T, what string, got, want []T, errG, errW error) {
	t.Helper()
	if (errG == nil) != (errW == nil) || (errG != nil && errG.Error() != errW.Error()) {
		t.Fatalf("%s: error %v, want %v", what, errG, errW)
	}
	if !reflect.DeepEqual(got, want) {
		n := 0
		for i := range min(len(got), len(want)) {
			if !reflect.DeepEqual(got[i], want[i]) {
				n = i
				break
			}
		}
		t.Fatalf("%s: %d records, want %d (nil %t, want nil %t); first difference at %d", what, len(got), len(want), got == nil, want == nil, n)
	}
}

// TestRecordDaysMatchLeanLoads applies random sequences of writes through
// the store's write paths — streamed and batch imports of deploys and
// pages and incidents (updating earlier rows), incident overrides edited
// and cleared, service renames, rollbacks, service merges, cascading
// service deletes, direct edits and deletes, times outside the canonical
// layout — and after each step checks the packed loads against the lean
// loads and IncidentsInRange, before and after packing the dirty days.
func TestRecordDaysMatchLeanLoads(t *testing.T) {
	// The rows each edit picks come from the seed (rdShuffle), not from
	// SQLite's random(): a seed then always runs the same steps, and the
	// closing check of what they exercised cannot fail by chance.
	for seed := range uint64(3) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			ctx := context.Background()
			st := testutil.NewStore(t)
			rng := rand.New(rand.NewPCG(seed, 26))
			names := []string{"checkout", "search", "ledger", "mail"}
			var imported []int64
			db := st.Writer()
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			rdCompared, rdIncidents = 0, 0
			packed, unpackable, packedI, unpackableI := 0, 0, 0, 0
			for step := range 60 {
				var did string
				switch k := rng.IntN(18); {
				case k < 3:
					did = "import deploys"
					imported = append(imported, rdImport(t, st, rdDeploysCSV(rng, 20+rng.IntN(150), names), "deploys", fmt.Sprintf("d%d.csv", step), k%2 == 0))
				case k < 5:
					did = "import pages"
					imported = append(imported, rdImport(t, st, rdPagesCSV(rng, 20+rng.IntN(150), names), "pages", fmt.Sprintf("p%d.csv", step), k%2 == 0))
				case k < 8:
					did = "import incidents"
					imported = append(imported, rdImport(t, st, rdIncidentsCSV(rng, 20+rng.IntN(150), names), "incidents", fmt.Sprintf("i%d.csv", step), k%2 == 0))
				case k < 10:
					did = "override incidents"
					for range 1 + rng.IntN(6) {
						rdOverride(t, st, rng)
					}
				case k == 10:
					did = "rename service"
					svcs, _ := st.Services(ctx)
					if len(svcs) > 0 {
						sv := svcs[rng.IntN(len(svcs))]
						in := store.ServiceInput{Name: fmt.Sprintf("%s-%d", names[rng.IntN(len(names))], step), Tier: sv.Tier, Team: sv.Team}
						if err := st.UpdateService(ctx, sv.ID, in, store.Audit{Actor: "test"}); err != nil {
							t.Fatal(err)
						}
					}
				case k == 11 && len(imported) > 0:
					did = "rollback"
					i := rng.IntN(len(imported))
					// A rollback refused (a later import changed its rows) writes nothing.
					_, _ = st.RollbackImport(ctx, imported[i], store.Audit{Actor: "test"})
				case k == 12:
					did = "edit"
					exec(`UPDATE deploys SET finished_at = ?, status = 'failed' WHERE id IN (SELECT id FROM deploys ORDER BY (id * ?) % 1000003, id LIMIT 5)`, rdStamp(rdTime(rng)), rdShuffle(rng))
					exec(`UPDATE pages SET triggered_at = ?, actionable = 1 WHERE id IN (SELECT id FROM pages ORDER BY (id * ?) % 1000003, id LIMIT 5)`, rdStamp(rdTime(rng)), rdShuffle(rng))
					exec(`UPDATE incidents SET detected_at = ?, title = 'moved' WHERE id IN (SELECT id FROM incidents ORDER BY (id * ?) % 1000003, id LIMIT 5)`, rdStamp(rdTime(rng)), rdShuffle(rng))
					exec(`UPDATE incidents SET responders = ? WHERE id IN (SELECT id FROM incidents ORDER BY (id * ?) % 1000003, id LIMIT 5)`,
						[...]string{"", "[]", `[{"role":"assignee","name":"Ana","email":"ana@x"}]`, `[{"name":"Bo"},{"role":"lead","label":"IC"}]`}[rng.IntN(4)], rdShuffle(rng))
					frac := [...]string{"2026-03-06T10:00:00.5Z", "2026-03-07T10:00:00+02:00"}[rng.IntN(2)]
					exec(`UPDATE incidents SET acknowledged_at = ? WHERE id IN (SELECT id FROM incidents ORDER BY (id * ?) % 1000003, id LIMIT 1)`, frac, rdShuffle(rng))
					exec(`UPDATE deploys SET commit_at = ? WHERE id IN (SELECT id FROM deploys ORDER BY (id * ?) % 1000003, id LIMIT 1)`, frac, rdShuffle(rng))
					exec(`DELETE FROM deploys WHERE id IN (SELECT id FROM deploys ORDER BY (id * ?) % 1000003, id LIMIT 3)`, rdShuffle(rng))
					exec(`DELETE FROM pages WHERE id IN (SELECT id FROM pages ORDER BY (id * ?) % 1000003, id LIMIT 3)`, rdShuffle(rng))
					exec(`DELETE FROM incidents WHERE id IN (SELECT id FROM incidents ORDER BY (id * ?) % 1000003, id LIMIT 3)`, rdShuffle(rng))
				case k == 13:
					did = "odd times"
					// Parsed, but not the canonical layout; and, rarely,
					// not a time at all (both loads then fail alike).
					odd := [...]string{"2026-03-06T10:00:00.5Z", "2026-03-07T10:00:00+02:00", "2026-03-08T10:00:00.000Z"}[rng.IntN(3)]
					if rng.IntN(6) == 0 {
						odd = [...]string{"2026-03-05 10:00:00", "2026-03-08", "x"}[rng.IntN(3)]
					}
					exec(`UPDATE deploys SET commit_at = ? WHERE id IN (SELECT id FROM deploys ORDER BY (id * ?) % 1000003, id LIMIT 1)`, odd, rdShuffle(rng))
					exec(`UPDATE pages SET resolved_at = ? WHERE id IN (SELECT id FROM pages ORDER BY (id * ?) % 1000003, id LIMIT 1)`, odd, rdShuffle(rng))
					exec(`UPDATE incidents SET mitigated_at = ? WHERE id IN (SELECT id FROM incidents ORDER BY (id * ?) % 1000003, id LIMIT 1)`, odd, rdShuffle(rng))
					if rng.IntN(2) == 0 {
						exec(`UPDATE deploys SET finished_at = ? WHERE id IN (SELECT id FROM deploys ORDER BY (id * ?) % 1000003, id LIMIT 1)`, odd, rdShuffle(rng))
						exec(`UPDATE pages SET triggered_at = ? WHERE id IN (SELECT id FROM pages ORDER BY (id * ?) % 1000003, id LIMIT 1)`, odd, rdShuffle(rng))
						exec(`UPDATE incidents SET detected_at = ? WHERE id IN (SELECT id FROM incidents ORDER BY (id * ?) % 1000003, id LIMIT 1)`, odd, rdShuffle(rng))
					}
				case k == 14:
					did = "merge services"
					svcs, _ := st.Services(ctx)
					if len(svcs) > 2 {
						if _, err := st.MergeServices(ctx, svcs[0].ID, svcs[1].ID, store.Audit{Actor: "test"}); err != nil {
							t.Fatal(err)
						}
					}
				case k == 15:
					did = "delete service"
					exec(`DELETE FROM services WHERE id IN (SELECT id FROM services ORDER BY (id * ?) % 1000003, id LIMIT 1)`, rdShuffle(rng))
				default:
					did = "import incidents"
					imported = append(imported, rdImport(t, st, rdIncidentsCSV(rng, 20+rng.IntN(150), names), "incidents", fmt.Sprintf("i%d.csv", step), true))
					rdOverride(t, st, rng)
				}
				rdCompare(t, st, rng, fmt.Sprintf("step %d (%s)", step, did))
				if rng.IntN(2) == 0 {
					if _, err := st.RefreshRecordDays(ctx); err != nil {
						t.Fatal(err)
					}
					if n, err := st.DirtyRecordDays(ctx); err != nil || n != 0 {
						t.Fatalf("after refresh: %d dirty days (%v)", n, err)
					}
					rdCompare(t, st, rng, fmt.Sprintf("step %d (%s, packed)", step, did))
					var p, u int
					if err := db.QueryRowContext(ctx, `SELECT count(data), count(*) - count(data) FROM deploy_days`).Scan(&p, &u); err != nil {
						t.Fatal(err)
					}
					packed, unpackable = packed+p, unpackable+u
					if err := db.QueryRowContext(ctx, `SELECT count(data), count(*) - count(data) FROM incident_days`).Scan(&p, &u); err != nil {
						t.Fatal(err)
					}
					packedI, unpackableI = packedI+p, unpackableI+u
				}
			}
			// The steps packed days, kept some unpackable, and compared
			// thousands of records.
			if packed == 0 || unpackable == 0 || packedI == 0 || unpackableI == 0 || rdCompared < 5000 || rdIncidents < 2000 {
				t.Fatalf("packed %d+%d, unpackable %d+%d, compared %d records (%d incidents): the test exercised too little",
					packed, packedI, unpackable, unpackableI, rdCompared, rdIncidents)
			}
		})
	}
}

// BenchmarkLeanLoad loads a quarter of deploys and pages of every service
// from the seeded demo database at scale 2 (go test -bench LeanLoad):
// straight from the records (raw) and through packed record days.
//
// SREPORT_BENCH_DB=FILE loads a copy of FILE instead (a database seeded
// up to this month: the range is then the two months before it).
func BenchmarkLeanLoad(b *testing.B) {
	ctx := context.Background()
	end := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	r := store.TimeRange{From: end.AddDate(0, -3, 0), To: end}
	var st *store.Store
	if src := os.Getenv("SREPORT_BENCH_DB"); src != "" {
		data, err := os.ReadFile(src)
		if err != nil {
			b.Fatal(err)
		}
		path := filepath.Join(b.TempDir(), "bench.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			b.Fatal(err)
		}
		if st, err = store.Open(ctx, path); err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		now := time.Now().UTC()
		month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		r = store.TimeRange{From: month.AddDate(0, -2, 0), To: month}
	} else {
		st = testutil.NewStore(b)
		if _, err := seed.Generate(ctx, st.Writer(), seed.Options{Months: 18, Scale: 2, Seed: 42, End: end}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := st.RefreshRecordDays(ctx); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		deploys func(*store.Store, context.Context, []int64, store.TimeRange) ([]analytics.Deploy, error)
		pages   func(*store.Store, context.Context, []int64, store.TimeRange) ([]analytics.Page, error)
	}{
		{"raw", store.RawLeanDeploys, store.RawLeanPages},
		{"packed", store.PackedLeanDeploys, store.PackedLeanPages},
	} {
		b.Run(c.name, func(b *testing.B) {
			n := 0
			// CPU time (user+sys) tells more than wall time on a shared
			// machine.
			cpu0 := cpuTime(b)
			for b.Loop() {
				ds, err := c.deploys(st, ctx, nil, r)
				if err != nil {
					b.Fatal(err)
				}
				ps, err := c.pages(st, ctx, nil, r)
				if err != nil {
					b.Fatal(err)
				}
				n = len(ds) + len(ps)
			}
			b.ReportMetric(float64(n), "records/op")
			b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the process's user and system time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rdShuffle is a multiplier for "ORDER BY (id * ?) % 1000003": a
// seed-chosen order of the rows.
func rdShuffle(rng *rand.Rand) int64 { return 1 + rng.Int64N(1000002) }
