package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"sreport/analytics"
	"sreport/analytics/reporting"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
	"sreport/seed"
	"sreport/web"
)

func init() {
	register(command{name: "bench", summary: "measure import, KPI, report and HTTP performance (docs/performance.md)", run: runBench})
}

// benchOut prints figures as "name value unit" lines, the format
// docs/performance.md and issue 19's goals table use.
type benchOut struct{ w io.Writer }

func (o benchOut) fig(name string, v float64, unit string) {
	s := fmt.Sprintf("%.2f", v)
	if math.Abs(v) >= 100 {
		s = fmt.Sprintf("%.0f", v)
	}
	fmt.Fprintf(o.w, "%s %s %s\n", name, s, unit)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// runBench seeds a temporary database and prints measured figures; it
// never asserts on time, it reports it.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", "Seeds a temporary database and prints every figure of docs/performance.md as 'name value unit' lines.", stderr)
	scale := fs.Int("scale", 10, "seed scale (1, 10, 40, …); the import files grow with it")
	runs := fs.Int("runs", 20, "timed runs of the scorecard (the report and startup take a quarter of them, at least 3)")
	importRows := fs.Int("import-rows", 0, "rows of the PagerDuty CSV import measured against the bare insert (default 100,000 × scale)")
	loadRows := fs.Int("load-rows", 0, "rows of the import running during the HTTP load (default 10,000 × scale)")
	clients := fs.Int("clients", 16, "concurrent HTTP clients of the mixed load")
	duration := fs.Duration("duration", 10*time.Second, "length of the mixed load")
	cpuprofile := fs.String("cpuprofile", "", "write CPU profiles: FILE (scorecard and report, in this process), FILE.import and FILE.server (the child processes)")
	keep := fs.String("keep", "", "keep the databases and files in this directory instead of a temporary one")
	coldLoad := fs.Bool("cold-load", false, "start the mixed load on the freshly started server, without the warm-up pass (its cold start then counts in the load's latencies)")
	importOnly := fs.Bool("import-only", false, "measure only the import against the bare insert (with --import-rows: memory at several file sizes)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *importRows == 0 {
		*importRows = 100_000 * *scale
	}
	if *loadRows == 0 {
		*loadRows = 10_000 * *scale
	}
	few := max(*runs/4, 3)
	dir := *keep
	if dir == "" {
		d, err := os.MkdirTemp("", "sreport-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	out := benchOut{stdout}
	if l, ok := loadAverage(); ok {
		out.fig("load_avg_1m_start", l, "load")
	}
	childEnv := func(kind string) []string {
		if *cpuprofile == "" {
			return nil
		}
		return []string{profileEnv + "=" + *cpuprofile + "." + kind}
	}
	end := time.Now().UTC()

	// Import against the bare-insert limit, each into a fresh database.
	csvPath := filepath.Join(dir, "pagerduty_insights.csv")
	services := benchServices(40)
	if err := writePagerDutyCSV(csvPath, *importRows, services, "QB", end, 1); err != nil {
		return fmt.Errorf("bench: write csv: %w", err)
	}
	start := time.Now()
	n, err := bareInsert(ctx, filepath.Join(dir, "bare.db"), csvPath, services)
	if err != nil {
		return fmt.Errorf("bench: bare insert: %w", err)
	}
	bare := float64(n) / time.Since(start).Seconds()
	out.fig("bare_insert_rows_per_s", bare, "rows/s")
	impDB := filepath.Join(dir, "import.db")
	if _, _, err := runChild(ctx, nil, "migrate", "--db", impDB); err != nil {
		return err
	}
	// The file is as large as the scale asks (4,000,000 rows at --scale 40),
	// beyond the import's default cap on one file's records.
	limit := "--max-records=" + strconv.Itoa(max(*importRows, defaultMaxRecords))
	imp, _, err := runChild(ctx, childEnv("import"), "import", "--db", impDB, "--create-services", limit, csvPath)
	if err != nil {
		return err
	}
	rate := float64(*importRows) / imp.took.Seconds()
	out.fig("import_rows", float64(*importRows), "rows")
	out.fig("import_rows_per_s", rate, "rows/s")
	out.fig("import_vs_bare_ratio", rate/bare, "x")
	out.fig("import_peak_rss_mb", imp.peakMB, "MB")
	if *importOnly {
		if l, ok := loadAverage(); ok {
			out.fig("load_avg_1m_end", l, "load")
		}
		return nil
	}

	// The demo database at the scale.
	dbPath := filepath.Join(dir, "bench.db")
	st, err := store.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	start = time.Now()
	sum, err := seed.Generate(ctx, st.Writer(), seed.Options{Months: 18, Scale: *scale, Seed: 42, End: end})
	if err != nil {
		return fmt.Errorf("bench: seed: %w", err)
	}
	out.fig("seed_ms", ms(time.Since(start)), "ms")
	out.fig("seed_incidents", float64(sum.Incidents), "rows")
	out.fig("seed_deploys", float64(sum.Deploys), "rows")
	out.fig("seed_pages", float64(sum.Pages), "rows")
	start = time.Now()
	if _, err := st.RefreshRecordDays(ctx); err != nil {
		return fmt.Errorf("bench: pack record days: %w", err)
	}
	out.fig("record_days_pack_ms", ms(time.Since(start)), "ms")

	stopProfile := func() {}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
	}
	env, err := scorecard.LoadEnv(ctx, st, end)
	if err != nil {
		stopProfile()
		return err
	}
	month := analytics.MonthOf(end, env.Settings.Location()).Prev()
	quarter := analytics.QuarterOf(end, env.Settings.Location()).Prev()
	card, err := timeRuns(*runs, func() error {
		_, err := scorecard.Build(ctx, st, env, month, scorecard.Scope{})
		return err
	})
	if err != nil {
		stopProfile()
		return fmt.Errorf("bench: scorecard: %w", err)
	}
	out.fig("scorecard_cold_ms_p50", ms(quantile(card, 0.5)), "ms")
	out.fig("scorecard_cold_ms_p95", ms(quantile(card, 0.95)), "ms")
	rep, err := timeRuns(few, func() error {
		r, err := reporting.Assemble(ctx, st, env, reporting.Request{Period: quarter.Label}, end)
		if err != nil {
			return err
		}
		_, err = web.ReportHTML(ctx, r, end, version)
		return err
	})
	stopProfile()
	if err != nil {
		return fmt.Errorf("bench: report: %w", err)
	}
	out.fig("report_quarter_cold_ms", ms(quantile(rep, 0.5)), "ms")

	// Startup of the server on the migrated database.
	var ups []time.Duration
	for range few {
		s, took, err := startServer(ctx, dbPath, nil)
		if err != nil {
			return err
		}
		s.stop()
		ups = append(ups, took)
	}
	slices.Sort(ups)
	out.fig("startup_ms", ms(quantile(ups, 0.5)), "ms")

	// The mixed load while an import runs.
	paths, err := benchPaths(ctx, st, month, quarter)
	if err != nil {
		return err
	}
	session, endSession, err := benchSession(ctx, st)
	if err != nil {
		return err
	}
	defer endSession()
	loadCSV := filepath.Join(dir, "pagerduty_load.csv")
	names, err := serviceNames(ctx, st.Writer())
	if err != nil {
		return err
	}
	if err := writePagerDutyCSV(loadCSV, *loadRows, names, "QL", end, 2); err != nil {
		return err
	}
	srv, _, err := startServer(ctx, dbPath, childEnv("server"))
	if err != nil {
		return err
	}
	// The server's cold start — the first viewer of each page after it
	// starts computes it — is measured apart: the load is what viewers of
	// a running server meet while an import writes, and after it commits.
	var cold []time.Duration
	if !*coldLoad {
		if cold, err = warmUp(ctx, srv.base, session, paths); err != nil {
			srv.stop()
			return err
		}
	}
	var coldSum time.Duration
	for _, d := range cold {
		coldSum += d
	}
	impDone := make(chan error, 1)
	// The load lasts --duration and at least afterCommit past the import's
	// commit, so every run measures the pages after the data changed.
	const afterCommit = 5 * time.Second
	loadDone := make(chan struct{})
	loadStart := time.Now()
	var impTook time.Duration
	go func() {
		r, _, err := runChild(ctx, nil, "import", "--db", dbPath, "--max-records="+strconv.Itoa(max(*loadRows, defaultMaxRecords)), loadCSV)
		impTook = r.took
		impDone <- err
		time.AfterFunc(afterCommit, func() { close(loadDone) })
	}()
	load := mixedLoad(ctx, srv.base, session, paths, *clients, *duration, loadDone)
	loadTook := time.Since(loadStart)
	impErr := <-impDone
	peak := srv.stop()
	if impErr != nil {
		return fmt.Errorf("bench: import during load: %w", impErr)
	}
	if len(load.latencies) == 0 {
		return errNoRequests
	}
	if !*coldLoad {
		out.fig("http_cold_pass_ms", ms(coldSum), "ms")
	}
	out.fig("http_mixed_seconds", loadTook.Seconds(), "s")
	out.fig("http_mixed_requests", float64(len(load.latencies)), "requests")
	out.fig("http_mixed_errors", float64(load.errors), "requests")
	out.fig("http_mixed_p50_ms", ms(quantile(load.latencies, 0.5)), "ms")
	out.fig("http_mixed_p99_ms", ms(quantile(load.latencies, 0.99)), "ms")
	out.fig("server_peak_rss_mb", peak, "MB")
	// When the import committed decides whether the load saw a change of
	// the data at all; the slow requests by second of their start show
	// whether they were the server's cold start or the change.
	fmt.Fprintf(stderr, "  import of %d rows took %.1f s (the load %.1f s: --duration %s, and %s after the commit)\n", *loadRows, impTook.Seconds(), loadTook.Seconds(), *duration, afterCommit)
	if !*coldLoad {
		fmt.Fprintf(stderr, "  cold start, one request of each page after the server started:")
		for i, p := range paths {
			fmt.Fprintf(stderr, " %s %.0f ms;", p, ms(cold[i]))
		}
		fmt.Fprintln(stderr)
	}
	fmt.Fprintf(stderr, "  requests over 250 ms by second of start:")
	for sec, n := range load.slowBySecond(loadStart, 250*time.Millisecond) {
		if n > 0 {
			fmt.Fprintf(stderr, " %ds:%d", sec, n)
		}
	}
	fmt.Fprintln(stderr)
	for _, p := range paths {
		ds := load.byPath[p]
		slices.Sort(ds)
		fmt.Fprintf(stderr, "  %-48s n %4d  p50 %8.1f ms  max %8.1f ms\n", p, len(ds), ms(quantile(ds, 0.5)), ms(quantile(ds, 1)))
	}
	if l, ok := loadAverage(); ok {
		out.fig("load_avg_1m_end", l, "load")
	}
	return nil
}

// timeRuns runs fn n times and returns the sorted durations.
func timeRuns(n int, fn func() error) ([]time.Duration, error) {
	ds := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		if err := fn(); err != nil {
			return nil, err
		}
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	return ds, nil
}

// benchPaths are the pages of the mixed load: every page kind a viewer
// sees, the month's and the quarter's report included.
func benchPaths(ctx context.Context, st *store.Store, month, quarter analytics.Period) ([]string, error) {
	var svc string
	var inc, dep, pg int64
	db := st.Writer()
	for _, q := range []struct {
		sql string
		dst any
	}{
		{`SELECT name FROM services ORDER BY id LIMIT 1`, &svc},
		{`SELECT max(id) FROM incidents`, &inc},
		{`SELECT max(id) FROM deploys`, &dep},
		{`SELECT max(id) FROM pages`, &pg},
	} {
		if err := db.QueryRowContext(ctx, q.sql).Scan(q.dst); err != nil {
			return nil, fmt.Errorf("bench: %s: %w", q.sql, err)
		}
	}
	m := month.Label
	return []string{"/", "/scorecards?period=" + m, "/trends?period=" + m, "/services", "/services/" + svc + "?period=" + m,
		"/incidents?period=" + m, fmt.Sprintf("/incidents/%d", inc), "/deploys", fmt.Sprintf("/deploys/%d", dep),
		"/pages?period=" + m, fmt.Sprintf("/pages/%d", pg), "/action-items", "/risks", "/reports",
		"/reports/" + m, "/reports/" + quarter.Label, "/api/v1/kpis?period=" + m}, nil
}

// benchSession signs a "bench@sreport.invalid" viewer in (creating the
// user if missing); done ends its sessions.
func benchSession(ctx context.Context, st *store.Store) (token string, done func(), err error) {
	const email = "bench@sreport.invalid"
	u, err := st.UserByEmail(ctx, email)
	if err != nil {
		hash, err := store.HashPassword(store.NewToken())
		if err != nil {
			return "", nil, err
		}
		if u, err = st.CreateUser(ctx, email, "viewer", hash, store.Audit{Actor: "sreport bench", Action: "create", Entity: "users"}); err != nil {
			return "", nil, err
		}
	}
	now := time.Now()
	token, err = st.CreateSession(ctx, u.ID, now, now.Add(time.Hour), store.Audit{Actor: "sreport bench", Action: "login", Entity: "sessions"})
	if err != nil {
		return "", nil, err
	}
	return token, func() { _ = st.EndUserSessions(context.Background(), u.ID) }, nil
}

// loadAverage is the 1-minute load average (Linux), to say when other work
// on the machine may have skewed a figure.
func loadAverage() (float64, bool) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, false
	}
	var l float64
	if _, err := fmt.Sscan(strings.Fields(string(b))[0], &l); err != nil {
		return 0, false
	}
	return l, true
}
