package backup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// fileLayout names scheduled backups; the names sort in time order.
const fileLayout = "sreport-20060102T150405Z.db"

var backupName = regexp.MustCompile(`^sreport-\d{8}T\d{6}Z\.db$`)

// Schedule takes a verified backup of DB into Dir every Every and keeps the
// newest Keep of them. Only files it named itself are ever deleted.
type Schedule struct {
	DB     string
	Dir    string
	Every  time.Duration
	Keep   int
	Logger *slog.Logger
	// Now is the clock; tests pin it.
	Now func() time.Time

	mu          sync.Mutex
	lastOK      Info
	lastOKAt    time.Time
	lastErr     error
	lastErrAt   time.Time
	okN, failed int
}

// Validate reports unusable settings.
func (s *Schedule) Validate() error {
	switch {
	case s.Dir == "":
		return errors.New("backup: no backup directory")
	case s.Every < time.Minute:
		return fmt.Errorf("backup: interval %s is under a minute", s.Every)
	case s.Keep < 1:
		return fmt.Errorf("backup: keep %d: at least one backup must be kept", s.Keep)
	}
	return nil
}

func (s *Schedule) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Backups lists the scheduled backups in Dir, oldest first.
func (s *Schedule) Backups() ([]string, error) {
	entries, err := os.ReadDir(s.Dir)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() && backupName.MatchString(e.Name()) {
			out = append(out, filepath.Join(s.Dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// RunOnce takes one backup now, then deletes the oldest beyond Keep. Old
// backups are pruned only after a new one was verified.
func (s *Schedule) RunOnce(ctx context.Context) (Info, error) {
	info, err := s.take(ctx)
	s.mu.Lock()
	if err != nil {
		s.lastErr, s.lastErrAt = err, s.now()
		s.failed++
	} else {
		s.lastOK, s.lastOKAt, s.lastErr = info, s.now(), nil
		s.okN++
	}
	s.mu.Unlock()
	return info, err
}

func (s *Schedule) take(ctx context.Context) (Info, error) {
	if err := os.MkdirAll(s.Dir, 0o750); err != nil {
		return Info{}, fmt.Errorf("backup: %w", err)
	}
	out := filepath.Join(s.Dir, s.now().UTC().Format(fileLayout))
	info, err := Copy(ctx, s.DB, out)
	if err != nil {
		return Info{}, err
	}
	files, err := s.Backups()
	if err != nil {
		return info, err
	}
	for len(files) > s.Keep {
		if err := os.Remove(files[0]); err != nil {
			return info, fmt.Errorf("backup: prune: %w", err)
		}
		s.Logger.Info("backup pruned", "file", files[0])
		files = files[1:]
	}
	return info, nil
}

// Run takes backups until ctx ends. The first is due Every after the newest
// existing backup (at once when there is none or it is overdue), so
// restarts neither skip nor repeat backups.
func (s *Schedule) Run(ctx context.Context) {
	next := s.now()
	if files, err := s.Backups(); err == nil && len(files) > 0 {
		if t, err := time.Parse(fileLayout, filepath.Base(files[len(files)-1])); err == nil && t.Add(s.Every).After(next) {
			next = t.Add(s.Every)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		info, err := s.RunOnce(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.Logger.Error("scheduled backup failed", "error", err)
			// Retry sooner than a full interval: a missing backup is a gap.
			next = s.now().Add(min(s.Every, 5*time.Minute))
			continue
		}
		s.Logger.Info("backup written", "file", info.Path, "bytes", info.Bytes, "schema_version", info.SchemaVersion, "took", info.Took.Round(time.Millisecond))
		next = s.now().Add(s.Every)
	}
}

// Status describes the last attempts, for /readyz.
func (s *Schedule) Status() (ok bool, detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	switch {
	case s.lastErr != nil:
		return false, fmt.Sprintf("last backup failed %s ago", now.Sub(s.lastErrAt).Round(time.Second))
	case s.lastOKAt.IsZero():
		return true, fmt.Sprintf("every %s, none taken since start", s.Every)
	case now.Sub(s.lastOKAt) > 2*s.Every:
		return false, fmt.Sprintf("last backup %s ago, every %s", now.Sub(s.lastOKAt).Round(time.Second), s.Every)
	default:
		return true, fmt.Sprintf("last backup %s ago (%d bytes), every %s", now.Sub(s.lastOKAt).Round(time.Second), s.lastOK.Bytes, s.Every)
	}
}

var (
	descBackups  = prometheus.NewDesc("sreport_backups_total", "Scheduled backups attempted since start, by result.", []string{"result"}, nil)
	descLastOK   = prometheus.NewDesc("sreport_backup_last_success_timestamp_seconds", "Unix time of the last verified scheduled backup (0 before the first).", nil, nil)
	descLastSize = prometheus.NewDesc("sreport_backup_last_size_bytes", "Size of the last verified scheduled backup.", nil, nil)
	descLastTook = prometheus.NewDesc("sreport_backup_last_duration_seconds", "How long the last verified scheduled backup took, copy and check.", nil, nil)
)

// Describe implements prometheus.Collector.
func (s *Schedule) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descBackups, descLastOK, descLastSize, descLastTook} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (s *Schedule) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(descBackups, prometheus.CounterValue, float64(s.okN), "ok")
	ch <- prometheus.MustNewConstMetric(descBackups, prometheus.CounterValue, float64(s.failed), "failed")
	var last float64
	if !s.lastOKAt.IsZero() {
		last = float64(s.lastOKAt.UnixMilli()) / 1000
	}
	ch <- prometheus.MustNewConstMetric(descLastOK, prometheus.GaugeValue, last)
	ch <- prometheus.MustNewConstMetric(descLastSize, prometheus.GaugeValue, float64(s.lastOK.Bytes))
	ch <- prometheus.MustNewConstMetric(descLastTook, prometheus.GaugeValue, s.lastOK.Took.Seconds())
}
