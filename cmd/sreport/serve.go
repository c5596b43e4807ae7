package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
	keyFile := secretKeyFlag(fs)
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
	logger := slog.New(slog.NewTextHandler(stderr, nil))
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
	box, err := secretBox(*keyFile, *db, true, logger)
	if err != nil {
		return err
	}
	// The connectors' schedules run beside the web app; a run under way at
	// shutdown stops between pages and resumes at the next start.
	sched := &connectors.Scheduler{Runner: &connectors.Runner{Store: st, Secrets: box, Logger: logger}}
	schedCtx, stopSched := context.WithCancel(ctx)
	schedDone := make(chan struct{})
	go func() { sched.Run(schedCtx); close(schedDone) }()
	defer func() { stopSched(); <-schedDone }()
	app := web.New(st, web.Config{Version: version, Logger: logger, AuthProxyHeader: *proxyHeader, TrustedProxies: trusted, Background: ctx,
		Secrets: box, Connectors: sched})
	srv := web.NewServer(*addr, app)
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	logger.Info("sreport listening", "addr", *addr, "db", *db, "version", version)
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", *addr, err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
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
