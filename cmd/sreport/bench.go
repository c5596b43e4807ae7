package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"time"

	"sreport/analytics"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
	"sreport/seed"
	"sreport/web"
)

func init() {
	register(command{name: "bench", summary: "measure seeding, KPI computation and page rendering", run: runBench})
}

// runBench prints measured figures; it never asserts on time, it reports it.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", "Seeds a temporary database (or uses --db) and measures the scorecard.", stderr)
	db := fs.String("db", "", "existing database to measure (default: seed a temporary one)")
	scale := fs.Int("scale", 20, "seed scale when seeding a temporary database")
	runs := fs.Int("runs", 20, "timed runs per measurement")
	period := fs.String("period", "", "period to measure (default: the last complete month of the data)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	path := *db
	end := time.Now().UTC()
	if path == "" {
		dir, err := os.MkdirTemp("", "sreport-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "bench.db")
		st, err := store.Open(ctx, path)
		if err != nil {
			return err
		}
		start := time.Now()
		sum, err := seed.Generate(ctx, st.Writer(), seed.Options{Months: 18, Scale: *scale, Seed: 42, End: end})
		st.Close()
		if err != nil {
			return fmt.Errorf("bench: seed: %w", err)
		}
		took := time.Since(start)
		fmt.Fprintf(stdout, "seed --scale %d: %s (%d incidents, %d deploys, %d pages; %.0f rows/s)\n", *scale, took.Round(time.Millisecond),
			sum.Incidents, sum.Deploys, sum.Pages, float64(sum.Incidents+sum.Deploys+sum.Pages+sum.SLIDays)/took.Seconds())
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	env, err := scorecard.LoadEnv(ctx, st, end)
	if err != nil {
		return err
	}
	p := analytics.MonthOf(end, env.Settings.Location()).Prev()
	if *period != "" {
		if p, err = analytics.ParsePeriod(*period, env.Settings.Location()); err != nil {
			return err
		}
	}
	measure := func(name string, fn func() error) error {
		var ds []time.Duration
		for range *runs {
			start := time.Now()
			if err := fn(); err != nil {
				return fmt.Errorf("bench: %s: %w", name, err)
			}
			ds = append(ds, time.Since(start))
		}
		slices.Sort(ds)
		fmt.Fprintf(stdout, "%-38s p50 %8s  p90 %8s  min %8s  (%d runs)\n", name,
			ds[len(ds)/2].Round(10*time.Microsecond), ds[len(ds)*9/10].Round(10*time.Microsecond), ds[0].Round(10*time.Microsecond), len(ds))
		return nil
	}
	if err := measure("scorecard.Build "+p.Label+" (org)", func() error {
		_, err := scorecard.Build(ctx, st, env, p, scorecard.Scope{})
		return err
	}); err != nil {
		return err
	}
	if err := measure("scorecard.KPIs "+p.Label+" (org)", func() error {
		_, err := scorecard.KPIs(ctx, st, env, p, scorecard.Scope{})
		return err
	}); err != nil {
		return err
	}
	app := web.New(st, web.Config{Now: func() time.Time { return end }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	handler, done := benchHandler(ctx, st, app)
	defer done()
	for _, path := range []string{"/scorecards?period=" + p.Label, "/services/checkout?period=" + p.Label, "/trends?period=" + p.Label,
		"/incidents?period=" + p.Label, "/incidents?severity=sev2&sort=severity", "/deploys", "/deploys?status=failed&tier=1",
		"/deploys?service=checkout&sort=environment", "/pages?status=unacked&period=" + p.Label, "/pages?tier=3&sort=urgency"} {
		if err := measure("GET "+path, func() error {
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil).WithContext(ctx))
			if rec.Code != http.StatusOK {
				return fmt.Errorf("status %d", rec.Code)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// benchHandler signs the timed requests in as a viewer: a "bench@sreport.invalid"
// user is created if missing; done ends its session.
func benchHandler(ctx context.Context, st *store.Store, app http.Handler) (h http.Handler, done func()) {
	const email = "bench@sreport.invalid"
	a := store.Audit{Actor: "sreport bench", Action: "create", Entity: "users"}
	u, err := st.UserByEmail(ctx, email)
	if err != nil {
		hash, herr := store.HashPassword(store.NewToken())
		if herr != nil {
			return app, func() {}
		}
		if u, err = st.CreateUser(ctx, email, "viewer", hash, a); err != nil {
			return app, func() {}
		}
	}
	now := time.Now()
	token, err := st.CreateSession(ctx, u.ID, now, now.Add(time.Hour), store.Audit{Actor: "sreport bench", Action: "login", Entity: "sessions"})
	if err != nil {
		return app, func() {}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.AddCookie(&http.Cookie{Name: "sreport_session", Value: token})
			app.ServeHTTP(w, r)
		}), func() {
			_ = st.EndUserSessions(context.Background(), u.ID)
		}
}
