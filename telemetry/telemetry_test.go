package telemetry

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestNilMetrics: commands and tests without metrics pass nil.
func TestNilMetrics(t *testing.T) {
	var m *Metrics
	m.ObserveRequest("GET", "/", 200, time.Millisecond)
	m.ImportFile(ImportImported)
	m.ConnectorRun("github", "ok")
	m.WatchCache(func() (uint64, uint64) { return 1, 2 })
	m.WatchDatabase("x.db")
	if err := m.Register(nil); err != nil {
		t.Fatal(err)
	}
}

// TestStateCollector reads the cache counters and the file sizes at
// scrape time.
func TestStateCollector(t *testing.T) {
	m := New("v1")
	db := filepath.Join(t.TempDir(), "s.db")
	os.WriteFile(db, make([]byte, 8192), 0o600)
	m.WatchDatabase(db)
	hits := uint64(3)
	m.WatchCache(func() (uint64, uint64) { return hits, 7 })
	hits = 5
	want := `
# HELP sreport_database_size_bytes Size of the SQLite database file (file=db) and its write-ahead log (file=wal).
# TYPE sreport_database_size_bytes gauge
sreport_database_size_bytes{file="db"} 8192
sreport_database_size_bytes{file="wal"} 0
# HELP sreport_scorecard_cache_hits_total Scorecard and series lookups answered from the cache.
# TYPE sreport_scorecard_cache_hits_total counter
sreport_scorecard_cache_hits_total 5
# HELP sreport_scorecard_cache_misses_total Scorecard and series lookups that had to compute.
# TYPE sreport_scorecard_cache_misses_total counter
sreport_scorecard_cache_misses_total 7
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want),
		"sreport_database_size_bytes", "sreport_scorecard_cache_hits_total", "sreport_scorecard_cache_misses_total"); err != nil {
		t.Fatal(err)
	}
}
