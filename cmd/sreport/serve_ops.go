package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"sreport/backup"
	"sreport/replicate"
	"sreport/telemetry"
	"sreport/web"
)

// opsFlags are serve's operations settings: replication, backups, metrics.
type opsFlags struct {
	replicateURL     string
	snapshotEvery    time.Duration
	retention        time.Duration
	restoreIfMissing bool
	backupDir        string
	backupEvery      time.Duration
	backupKeep       int
	computeSlots     int
	staleFor         time.Duration
	metricsAddr      string
	// envErrs are malformed SREPORT_* values: refused, not silently defaulted.
	envErrs []error
}

func (o *opsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&o.replicateURL, "replicate", envOr("SREPORT_REPLICATE", ""), "replicate the database continuously with Litestream to file:///DIR, s3://BUCKET/PATH[?endpoint=URL] or sftp://USER@HOST/PATH (env SREPORT_REPLICATE)")
	fs.DurationVar(&o.snapshotEvery, "replicate-snapshot-every", o.envDuration("SREPORT_REPLICATE_SNAPSHOT_EVERY", replicate.DefaultOptions.SnapshotEvery), "full snapshot interval of the replica (env SREPORT_REPLICATE_SNAPSHOT_EVERY)")
	fs.DurationVar(&o.retention, "replicate-retention", o.envDuration("SREPORT_REPLICATE_RETENTION", replicate.DefaultOptions.Retention), "how far back a point-in-time restore can go (env SREPORT_REPLICATE_RETENTION)")
	fs.BoolVar(&o.restoreIfMissing, "restore-if-missing", envOr("SREPORT_RESTORE_IF_MISSING", "") == "1", "when --db does not exist, restore it from the --replicate replica first (env SREPORT_RESTORE_IF_MISSING=1)")
	fs.StringVar(&o.backupDir, "backup-dir", envOr("SREPORT_BACKUP_DIR", ""), "take scheduled backups into this directory (env SREPORT_BACKUP_DIR)")
	fs.DurationVar(&o.backupEvery, "backup-every", o.envDuration("SREPORT_BACKUP_EVERY", 24*time.Hour), "interval of scheduled backups (env SREPORT_BACKUP_EVERY)")
	fs.IntVar(&o.computeSlots, "compute-slots", o.envInt("SREPORT_COMPUTE_SLOTS", 0), "scorecards, trends and reports computed at once; more wait their turn (0 = one per core; 1 halves the peak memory of a large database under load, at some latency) (env SREPORT_COMPUTE_SLOTS)")
	fs.DurationVar(&o.staleFor, "stale-for", o.envDuration("SREPORT_STALE_FOR", 2*time.Minute), "how long after a change to the data pages may still show the figures from before it, labelled \"Updating\", while they are recomputed in the background; 0 makes every page wait for the current figures (env SREPORT_STALE_FOR)")
	fs.IntVar(&o.backupKeep, "backup-keep", o.envInt("SREPORT_BACKUP_KEEP", 14), "scheduled backups to keep; older ones are deleted (env SREPORT_BACKUP_KEEP)")
	fs.StringVar(&o.metricsAddr, "metrics-addr", envOr("SREPORT_METRICS_ADDR", ""), "serve Prometheus /metrics on this separate address, e.g. 127.0.0.1:9464; off when empty (env SREPORT_METRICS_ADDR)")
}

func (o *opsFlags) options() replicate.Options {
	return replicate.Options{SnapshotEvery: o.snapshotEvery, Retention: o.retention}
}

func (o *opsFlags) validate() error {
	if len(o.envErrs) > 0 {
		return errors.Join(o.envErrs...)
	}
	if o.replicateURL != "" {
		if err := o.options().Validate(); err != nil {
			return fmt.Errorf("--replicate: %w", err)
		}
		if _, err := replicate.NewClient(o.replicateURL); err != nil {
			return fmt.Errorf("--replicate: %w", err)
		}
	}
	if o.computeSlots < 0 {
		return fmt.Errorf("--compute-slots %d: want 0 (one per core) or more", o.computeSlots)
	}
	if o.staleFor < 0 {
		return fmt.Errorf("--stale-for %s: want 0 (never) or more", o.staleFor)
	}
	if o.restoreIfMissing && o.replicateURL == "" {
		return errors.New("--restore-if-missing needs --replicate: it restores from that replica")
	}
	if o.backupDir != "" {
		if err := o.schedule("", nil).Validate(); err != nil {
			return fmt.Errorf("--backup-dir: %w", err)
		}
	}
	return nil
}

func (o *opsFlags) schedule(db string, logger *slog.Logger) *backup.Schedule {
	return &backup.Schedule{DB: db, Dir: o.backupDir, Every: o.backupEvery, Keep: o.backupKeep, Logger: logger}
}

// restoreMissing restores the database from the replica when the file
// does not exist. An empty replica is a new deployment: serve starts with a
// new database (and replicates it). The restore runs as its own process
// (`sreport restore`), like the replicator: Litestream's SQLite and its
// replica connections (an sftp session stays open) never live in serve.
func (o *opsFlags) restoreMissing(ctx context.Context, db string, stderr io.Writer, logger *slog.Logger) error {
	if !o.restoreIfMissing {
		return nil
	}
	if _, err := os.Stat(db); err == nil {
		logger.Info("restore-if-missing: the database exists; not restoring", "db", db)
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("restore-if-missing: %w", err)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("restore-if-missing: %w", err)
	}
	var out strings.Builder
	cmd := exec.CommandContext(ctx, exe, "restore", "--to", db, "--empty-ok")
	cmd.Env = append(os.Environ(), "SREPORT_RESTORE_FROM="+o.replicateURL) // not in argv: it may hold a password
	cmd.Stdout, cmd.Stderr = &out, stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("restore-if-missing: sreport restore: %w", err)
	}
	if _, err := os.Stat(db); err != nil {
		logger.Warn("restore-if-missing: the replica is empty; starting with a new database", "replica", replicate.Redact(o.replicateURL))
		return nil
	}
	logger.Info("restore-if-missing: restored from the replica", "db", db, "took", time.Since(start).Round(time.Millisecond),
		"result", strings.TrimSpace(out.String()))
	return nil
}

// opsRuntime is what start set running.
type opsRuntime struct {
	metrics *telemetry.Metrics
	checks  []web.ReadyCheck
	wg      sync.WaitGroup
}

// start launches the replicator and the backup schedule, as configured.
func (o *opsFlags) start(ctx context.Context, db string, stderr io.Writer, logger *slog.Logger) (*opsRuntime, error) {
	rt := &opsRuntime{}
	if o.metricsAddr != "" {
		rt.metrics = telemetry.New(version)
		rt.metrics.WatchDatabase(db)
	}
	if o.replicateURL != "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("replicate: %w", err)
		}
		// The URL travels in the environment, not argv: it may carry a
		// password, and argv is world-readable in ps.
		sup := replicate.NewSupervisor([]string{exe, "replicate", "--db", db, "--supervised",
			"--snapshot-every", o.snapshotEvery.String(), "--retention", o.retention.String()}, stderr, logger.With("component", "replicate"))
		sup.Env = append(os.Environ(), "SREPORT_REPLICATE="+o.replicateURL)
		if err := rt.metrics.Register(sup); err != nil {
			return nil, err
		}
		rt.checks = append(rt.checks, web.ReadyCheck{Name: "replication", Check: func(context.Context) (bool, string) {
			h := sup.Health(time.Now())
			return h.Healthy, h.Reason
		}})
		rt.wg.Add(1)
		go func() { defer rt.wg.Done(); sup.Run(ctx) }()
		logger.Info("replication started", "replica", replicate.Redact(o.replicateURL))
	}
	if o.backupDir != "" {
		s := o.schedule(db, logger.With("component", "backup"))
		if err := rt.metrics.Register(s); err != nil {
			return nil, err
		}
		rt.checks = append(rt.checks, web.ReadyCheck{Name: "backups", Check: func(context.Context) (bool, string) { return s.Status() }})
		rt.wg.Add(1)
		go func() { defer rt.wg.Done(); s.Run(ctx) }()
		logger.Info("scheduled backups", "dir", o.backupDir, "every", o.backupEvery, "keep", o.backupKeep)
	}
	return rt, nil
}

// wait returns when the replicator has made its final sync and the backup
// loop has stopped.
func (rt *opsRuntime) wait() { rt.wg.Wait() }

// serveMetrics serves /metrics on its own address; errors end serve.
func (rt *opsRuntime) serveMetrics(addr string, errc chan<- error, logger *slog.Logger) (*http.Server, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", rt.metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	go func() { errc <- fmt.Errorf("metrics: %w", srv.Serve(ln)) }()
	logger.Info("metrics listening", "addr", ln.Addr().String())
	return srv, nil
}

func (o *opsFlags) envDuration(key string, def time.Duration) time.Duration {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		o.envErrs = append(o.envErrs, fmt.Errorf("%s=%q: want a duration such as 6h", key, v))
		return def
	}
	return d
}

func (o *opsFlags) envInt(key string, def int) int {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		o.envErrs = append(o.envErrs, fmt.Errorf("%s=%q: want a whole number", key, v))
		return def
	}
	return n
}
