package replicate

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Supervisor runs the `sreport replicate --supervised` process for serve,
// restarts it when it exits, and keeps its last status. The child stops when
// its standard input closes: at shutdown, and also when serve itself is
// killed, so even a kill -9 of serve lets the child ship the last
// transactions.
type Supervisor struct {
	// Command is the child's argv.
	Command []string
	// Env is the child's environment (nil: this process's).
	Env []string
	// Stderr receives the child's log lines.
	Stderr io.Writer
	Logger *slog.Logger
	// StopTimeout bounds the final sync at shutdown before the child is killed.
	StopTimeout time.Duration

	mu       sync.Mutex
	running  bool
	started  time.Time
	last     Status
	restarts int
	lastExit string
	done     chan struct{}
}

// NewSupervisor returns a supervisor of the given child command.
func NewSupervisor(command []string, stderr io.Writer, logger *slog.Logger) *Supervisor {
	return &Supervisor{Command: command, Stderr: stderr, Logger: logger, StopTimeout: time.Minute, done: make(chan struct{}), started: time.Now()}
}

// Run keeps the replicator running until ctx ends, then stops it
// gracefully and returns.
func (s *Supervisor) Run(ctx context.Context) {
	defer close(s.done)
	backoff := time.Second
	for {
		began := time.Now()
		err := s.runOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if time.Since(began) > time.Minute {
			backoff = time.Second
		}
		s.mu.Lock()
		s.restarts++
		s.lastExit = fmt.Sprint(err)
		s.mu.Unlock()
		s.Logger.Error("replicator exited; restarting", "error", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// Done is closed when Run has returned and the replicator has stopped.
func (s *Supervisor) Done() <-chan struct{} { return s.done }

func (s *Supervisor) runOnce(ctx context.Context) error {
	cmd := exec.Command(s.Command[0], s.Command[1:]...)
	cmd.Stderr = s.Stderr
	cmd.Env = s.Env
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start replicator: %w", err)
	}
	s.mu.Lock()
	s.running, s.started = true, time.Now()
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()

	exited := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var st Status
			if err := json.Unmarshal(sc.Bytes(), &st); err != nil {
				s.Logger.Warn("replicator status line unreadable", "error", err)
				continue
			}
			s.mu.Lock()
			s.last = st
			s.mu.Unlock()
		}
		// Wait only after stdout is drained (os/exec's rule for pipes).
		exited <- cmd.Wait()
	}()

	select {
	case err := <-exited:
		_ = stdin.Close()
		if err == nil {
			err = fmt.Errorf("replicator stopped on its own")
		}
		return err
	case <-ctx.Done():
	}
	_ = stdin.Close()
	select {
	case err := <-exited:
		s.mu.Lock()
		st := s.last
		s.mu.Unlock()
		s.Logger.Info("replicator stopped", "replica_txid", st.ReplicaTXID, "local_txid", st.LocalTXID, "error", err)
		return err
	case <-time.After(s.StopTimeout):
		s.Logger.Error("replicator did not stop in time; killing it", "timeout", s.StopTimeout)
		_ = cmd.Process.Kill()
		return <-exited
	}
}

// Health judges the replication now.
func (s *Supervisor) Health(now time.Time) Health {
	s.mu.Lock()
	defer s.mu.Unlock()
	return assess(now, s.started, s.running, s.last, s.restarts, s.lastExit)
}

var (
	descUp       = prometheus.NewDesc("sreport_replication_up", "Whether the replicator process is running (1) or not (0).", nil, nil)
	descHealthy  = prometheus.NewDesc("sreport_replication_healthy", "Whether replication is healthy (1): reporting, syncing and less than 30 s behind.", nil, nil)
	descLag      = prometheus.NewDesc("sreport_replication_lag_seconds", "How long the oldest transaction not yet on the replica has been waiting (0 when caught up).", nil, nil)
	descLocal    = prometheus.NewDesc("sreport_replication_local_txid", "Newest transaction Litestream has taken from the WAL.", nil, nil)
	descReplica  = prometheus.NewDesc("sreport_replication_replica_txid", "Newest transaction the replica has confirmed.", nil, nil)
	descLastSync = prometheus.NewDesc("sreport_replication_last_sync_timestamp_seconds", "Unix time of the last successful sync to the replica (0 before the first).", nil, nil)
	descRestarts = prometheus.NewDesc("sreport_replication_restarts_total", "Replicator processes that exited and were restarted.", nil, nil)
)

// Describe implements prometheus.Collector.
func (s *Supervisor) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descUp, descHealthy, descLag, descLocal, descReplica, descLastSync, descRestarts} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (s *Supervisor) Collect(ch chan<- prometheus.Metric) {
	h := s.Health(time.Now())
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	gauge(descUp, boolFloat(h.Running))
	gauge(descHealthy, boolFloat(h.Healthy))
	gauge(descLag, h.Lag.Seconds())
	gauge(descLocal, float64(h.Status.LocalTXID))
	gauge(descReplica, float64(h.Status.ReplicaTXID))
	var last float64
	if !h.Status.LastSync.IsZero() {
		last = float64(h.Status.LastSync.UnixMilli()) / 1000
	}
	gauge(descLastSync, last)
	ch <- prometheus.MustNewConstMetric(descRestarts, prometheus.CounterValue, float64(h.Restarts))
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
