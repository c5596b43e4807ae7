package testutil

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// DayCounts are one day's generated good and total events.
type DayCounts struct{ Good, Total int64 }

// RequestCounters generates days of two request counters of job
// "myservice" (code 200 and code 500, sampled every five minutes, with a
// counter reset of the 200s on the 1000th sample) from start, as
// OpenMetrics text, and the good (200) and total events per UTC day
// (YYYY-MM-DD): what a correct daily increase must give back.
func RequestCounters(start time.Time, days int) (om string, want map[string]DayCounts) {
	const step = 5 * time.Minute
	want = map[string]DayCounts{}
	var ok, fail strings.Builder
	var okV, failV int64
	for i := 0; ; i++ {
		at := start.Add(time.Duration(i) * step)
		if at.After(start.AddDate(0, 0, days)) {
			break
		}
		if i > 0 {
			// Events of the interval ending at this sample count for the
			// day the interval lies in.
			day := at.Add(-time.Second).Format(time.DateOnly)
			dn := int64(at.Sub(start) / (24 * time.Hour))
			g, b := int64(40+(i*7)%23+int(dn)*3), int64((i*13)%5/4+int(dn%3))
			if i == 1000 { // the process restarted: the ok counter starts again
				okV = 0
			}
			okV += g
			failV += b
			c := want[day]
			c.Good += g
			c.Total += g + b
			want[day] = c
		}
		fmt.Fprintf(&ok, "http_requests_total{job=\"myservice\",code=\"200\"} %d %d\n", okV, at.Unix())
		fmt.Fprintf(&fail, "http_requests_total{job=\"myservice\",code=\"500\"} %d %d\n", failV, at.Unix())
	}
	return "# TYPE http_requests counter\n" + ok.String() + fail.String() + "# EOF\n", want
}

// StartPrometheus runs Debian's prometheus on a loopback port over a TSDB
// that promtool built from the OpenMetrics text om, and returns its base
// URL. It is killed when the test ends. Without the package the test is
// skipped, unless SREPORT_REQUIRE_BROWSER=1 (scripts/test.sh installs it).
func StartPrometheus(t testing.TB, om string) string {
	t.Helper()
	bin, tool := "/usr/bin/prometheus", "/usr/bin/promtool"
	for _, b := range []string{bin, tool} {
		if _, err := os.Stat(b); err != nil {
			if os.Getenv("SREPORT_REQUIRE_BROWSER") == "1" {
				t.Fatalf("%s is missing (apt-get install prometheus; scripts/test.sh installs it)", b)
			}
			t.Skipf("%s is missing: install Debian's prometheus package (scripts/test.sh does) to run the real-Prometheus test", b)
		}
	}
	dir := t.TempDir()
	input, data := filepath.Join(dir, "series.om"), filepath.Join(dir, "data")
	if err := os.WriteFile(input, []byte(om), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(tool, "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=240h", input, data).CombinedOutput(); err != nil {
		t.Fatalf("promtool: %v\n%s", err, out)
	}
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1m\nscrape_configs: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "--config.file="+cfg, "--storage.tsdb.path="+data, "--storage.tsdb.retention.time=100y",
		"--web.listen-address="+addr, "--log.level=warn")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	base := "http://" + addr
	for i := 0; ; i++ {
		res, err := http.Get(base + "/-/ready")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if i == 300 {
			t.Fatalf("prometheus not ready after 30 s: %v\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return base
}
