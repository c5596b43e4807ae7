// Package telemetry holds sreport's Prometheus metrics: request durations
// by route, imports, the scorecard cache, the database's size, and whatever
// else serve registers (replication, backups). They are served on their
// own listen address (serve --metrics-addr), never on the app's.
package telemetry

import (
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Import results counted by ImportFile.
const (
	ImportImported = "imported" // the file's records were written
	ImportRejected = "rejected" // validation refused the file; nothing written
	ImportFailed   = "failed"   // unreadable file or a write error; nothing written
)

// Metrics is one registry and the instruments the web app feeds. A nil
// *Metrics accepts every call and records nothing, so tests and commands
// without metrics need no checks.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	imports  *prometheus.CounterVec
	runs     *prometheus.CounterVec

	mu         sync.Mutex
	cacheStats func() (hits, misses uint64)
	dbPath     string
}

// New returns the metrics of one server process.
func New(version string) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "sreport_http_request_duration_seconds",
		Help: "Time to serve a request, by method, route template (e.g. /services/:name) and status code.",
		// From cached pages (milliseconds) to PDF reports (seconds).
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"method", "route", "code"})
	m.imports = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sreport_import_files_total",
		Help: "Files imported through the web app since start, by result (imported, rejected, failed).",
	}, []string{"result"})
	for _, r := range []string{ImportImported, ImportRejected, ImportFailed} {
		m.imports.WithLabelValues(r)
	}
	m.runs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sreport_connector_runs_total",
		Help: "Connector runs finished in this process since start (scheduled and started from the app), by kind and status (ok, failed, stopped, interrupted).",
	}, []string{"kind", "status"})
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "sreport_build_info",
		Help:        "Always 1; the label carries the running version.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	build.Set(1)
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.imports, m.runs, build, stateCollector{m},
	)
	return m
}

// Register adds a collector, such as the replication supervisor.
func (m *Metrics) Register(c prometheus.Collector) error {
	if m == nil {
		return nil
	}
	return m.reg.Register(c)
}

// Registry returns the registry, for tests that gather from it.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveRequest records one served request. route is the route template,
// never the raw path, so the number of series stays bounded.
func (m *Metrics) ObserveRequest(method, route string, code int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(code)).Observe(d.Seconds())
}

// ImportFile counts one imported file with its result.
func (m *Metrics) ImportFile(result string) {
	if m == nil {
		return
	}
	m.imports.WithLabelValues(result).Inc()
}

// ConnectorRun counts one finished connector run of kind with its status.
// Kinds and statuses are fixed sets, so the series stay bounded.
func (m *Metrics) ConnectorRun(kind, status string) {
	if m == nil {
		return
	}
	m.runs.WithLabelValues(kind, status).Inc()
}

// WatchCache reads the scorecard cache's hit and miss counters at every
// scrape.
func (m *Metrics) WatchCache(stats func() (hits, misses uint64)) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.cacheStats = stats
	m.mu.Unlock()
}

// WatchDatabase reports the size of the database file and its WAL.
func (m *Metrics) WatchDatabase(path string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.dbPath = path
	m.mu.Unlock()
}

var (
	descCacheHits   = prometheus.NewDesc("sreport_scorecard_cache_hits_total", "Scorecard and series lookups answered from the cache.", nil, nil)
	descCacheMisses = prometheus.NewDesc("sreport_scorecard_cache_misses_total", "Scorecard and series lookups that had to compute.", nil, nil)
	descDBSize      = prometheus.NewDesc("sreport_database_size_bytes", "Size of the SQLite database file (file=db) and its write-ahead log (file=wal).", []string{"file"}, nil)
)

// stateCollector reads the cache counters and file sizes at scrape time.
type stateCollector struct{ m *Metrics }

func (c stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descCacheHits
	ch <- descCacheMisses
	ch <- descDBSize
}

func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	stats, path := c.m.cacheStats, c.m.dbPath
	c.m.mu.Unlock()
	if stats != nil {
		hits, misses := stats()
		ch <- prometheus.MustNewConstMetric(descCacheHits, prometheus.CounterValue, float64(hits))
		ch <- prometheus.MustNewConstMetric(descCacheMisses, prometheus.CounterValue, float64(misses))
	}
	if path != "" {
		for file, p := range map[string]string{"db": path, "wal": path + "-wal"} {
			var size int64
			if fi, err := os.Stat(p); err == nil {
				size = fi.Size()
			}
			ch <- prometheus.MustNewConstMetric(descDBSize, prometheus.GaugeValue, float64(size), file)
		}
	}
}
