package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"sreport/analytics/store"
	"sreport/connectors"
	"sreport/seed"
	"sreport/web"
)

func init() {
	register(command{name: "serve", summary: "run migrations, then serve the web app", run: runServe})
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "Runs migrations, then serves the web app until SIGTERM/SIGINT.", stderr)
	db := dbFlag(fs)
	addr := fs.String("addr", envOr("SREPORT_ADDR", ":8080"), "listen address (env SREPORT_ADDR)")
	demo := fs.Bool("demo", false, "seed demo data when the database holds no services")
	proxyHeader := fs.String("auth-proxy-header", envOr("SREPORT_AUTH_PROXY_HEADER", ""), "header carrying the signed-in email from a trusted reverse proxy, e.g. X-Forwarded-Email (env SREPORT_AUTH_PROXY_HEADER)")
	proxies := fs.String("trusted-proxies", envOr("SREPORT_TRUSTED_PROXIES", ""), "comma-separated CIDRs of reverse proxies whose forwarding headers are believed (env SREPORT_TRUSTED_PROXIES)")
	memLimit := fs.String("memory-limit", "", "soft limit of the Go runtime's memory, e.g. 400MiB, or off; the garbage collector works harder near it (default: GOMEMLIMIT when set, otherwise "+defaultMemoryLimit+"; env SREPORT_MEMORY_LIMIT)")
	loadKey := secretBox(fs, db)
	var ops opsFlags
	ops.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	trusted, err := web.ParseTrustedProxies(*proxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	if *proxyHeader != "" && len(trusted) == 0 {
		return errors.New("--auth-proxy-header needs --trusted-proxies: the header is believed only from those addresses")
	}
	if err := ops.validate(); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	if err := applyMemoryLimit(fs, *memLimit, logger); err != nil {
		return err
	}
	// A fresh host of a primary that was lost starts from the replica,
	// before anything opens the file.
	if err := ops.restoreMissing(ctx, *db, stderr, logger); err != nil {
		return err
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if *demo {
		if err := seedIfEmpty(ctx, st, logger); err != nil {
			return err
		}
		if err := ensureDemoUsers(ctx, st, logger); err != nil {
			return err
		}
	}
	if err := ensureFirstAdmin(ctx, st, logger); err != nil {
		return err
	}
	box, keyFrom, err := loadKey()
	if err != nil {
		return err
	}
	logger.Info("secret key loaded " + keyFrom)

	// Replication and backups outlive the HTTP server by a little: they
	// stop after it, so the last requests' writes are shipped and the
	// replicator's final sync sees them.
	opsCtx, stopOps := context.WithCancel(context.WithoutCancel(ctx))
	defer stopOps()
	rt, err := ops.start(opsCtx, *db, stderr, logger)
	if err != nil {
		return err
	}
	defer rt.wait()
	defer stopOps()

	// The connectors' schedules run with the app's lifetime; a run under
	// way at shutdown stops between pages (its cursor is committed with
	// each page) and resumes at the next start. Deferred after the ops
	// defers, it is stopped before replication's final sync.
	sched := &connectors.Scheduler{Runner: &connectors.Runner{Store: st, Secrets: box, Logger: logger, Observe: rt.metrics.ConnectorRun}}
	schedCtx, stopSched := context.WithCancel(ctx)
	schedDone := make(chan struct{})
	go func() { sched.Run(schedCtx); close(schedDone) }()
	defer func() { stopSched(); <-schedDone }()
	defer maintainRecordDays(ctx, st, logger)()

	app := web.New(st, web.Config{Version: version, Logger: logger, AuthProxyHeader: *proxyHeader, TrustedProxies: trusted,
		Background: ctx, Metrics: rt.metrics, ReadyChecks: rt.checks, Secrets: box, Connectors: sched, ComputeSlots: ops.computeSlots, StaleFor: ops.staleFor})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	srv := web.NewServer(*addr, app)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("sreport listening", "addr", ln.Addr().String(), "db", *db, "version", version)
	msrv, err := rt.serveMetrics(ops.metricsAddr, errc, logger)
	if err != nil {
		_ = srv.Close()
		return err
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	if msrv != nil {
		_ = msrv.Shutdown(sctx)
	}
	return nil
}

// seedIfEmpty fills an empty catalogue with the demo company.
func seedIfEmpty(ctx context.Context, st *store.Store, logger *slog.Logger) error {
	n, err := st.ServiceCount(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		logger.Info("demo: database already holds services; not seeding", "services", n)
		return nil
	}
	start := time.Now()
	sum, err := seed.Generate(ctx, st.Writer(), seed.Options{Months: 18, Scale: 1, Seed: 42, End: time.Now()})
	if err != nil {
		return fmt.Errorf("demo seed: %w", err)
	}
	logger.Info("demo: seeded", "services", sum.Services, "incidents", sum.Incidents, "deploys", sum.Deploys,
		"pages", sum.Pages, "took", time.Since(start).Round(time.Millisecond))
	return nil
}
