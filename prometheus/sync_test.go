package prometheus_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/prometheus"
	"sreport/testutil"
)

// TestClientAuth: the credential goes in the header the auth kind names.
func TestClientAuth(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1767312000,"42"]]}]}}`)
	}))
	defer srv.Close()
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []prometheus.Client{{BaseURL: srv.URL, Auth: "bearer", Secret: "tok"},
		{BaseURL: srv.URL, Auth: "basic", Username: "u", Secret: "p"}, {BaseURL: srv.URL, Auth: "none"}} {
		v, err := c.DayValues(context.Background(), "up", day, day)
		if err != nil || v[day] != 42 {
			t.Fatalf("%s: %v %v", c.Auth, v, err)
		}
	}
	if want := []string{"Bearer tok", "Basic dTpw", ""}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Authorization headers %q, want %q", got, want)
	}
}

// TestDailyQuery covers the query shapes a definition can carry.
func TestDailyQuery(t *testing.T) {
	cases := []struct{ in, want string }{
		{`sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))`, `sum(sum(rate(http_requests_total{code=~"5.."}[1d]))) * 86400`},
		{`sum(increase(http_requests_total[{{.window}}]))`, `sum(sum(increase(http_requests_total[1d])))`},
		{`http_requests_total{job="api"}`, `sum(increase(http_requests_total{job="api"}[1d]))`},
	}
	for _, c := range cases {
		got, err := prometheus.DailyQuery(c.in)
		if err != nil || got != c.want {
			t.Errorf("DailyQuery(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := prometheus.DailyQuery(`sum(http_requests_total)`); err == nil {
		t.Error("an aggregate without {{.window}} was accepted")
	}
}

// startPrometheus runs Debian's prometheus on a loopback port over a TSDB
// that promtool built from the OpenMetrics text om. It is killed when the
// test ends.
func startPrometheus(t *testing.T, om string) string {
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

// TestSyncFromRealPrometheus generates ten days of request counters
// (sampled every five minutes, with a counter reset), loads them into a
// real Prometheus, imports the Sloth definition that queries them, and
// syncs twice: the stored daily counts equal the generated ones, the
// second sync reads only the new days, and a third one changes nothing.
func TestSyncFromRealPrometheus(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const days, step = 10, 5 * time.Minute
	type counts struct{ good, total int64 }
	want := map[string]counts{}
	var ok, fail strings.Builder
	var okV, failV int64
	for i := 0; ; i++ {
		at := start.Add(time.Duration(i) * step)
		if at.After(start.AddDate(0, 0, days)) {
			break
		}
		if i > 0 {
			// Events of the interval ending at this sample: they count for
			// the day the interval lies in.
			day := at.Add(-time.Second).Format(time.DateOnly)
			dn := int64(at.Sub(start) / (24 * time.Hour))
			g, b := int64(40+(i*7)%23+int(dn)*3), int64((i*13)%5/4+int(dn%3))
			if i == 1000 { // the process restarted: the ok counter starts again
				okV = 0
			}
			okV += g
			failV += b
			c := want[day]
			c.good += g
			c.total += g + b
			want[day] = c
		}
		fmt.Fprintf(&ok, "http_requests_total{job=\"myservice\",code=\"200\"} %d %d\n", okV, at.Unix())
		fmt.Fprintf(&fail, "http_requests_total{job=\"myservice\",code=\"500\"} %d %d\n", failV, at.Unix())
	}
	om := "# TYPE http_requests counter\n" + ok.String() + fail.String() + "# EOF\n"
	base := startPrometheus(t, om)

	ctx := context.Background()
	st := testutil.NewStore(t)
	def := `version: "prometheus/v1"
service: "myservice"
slos:
  - name: "requests-availability"
    objective: 99
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="myservice",code=~"(5..|429)"}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="myservice"}[{{.window}}]))
`
	// The same SLI as OpenSLO counters: good and total selectors.
	const openSLO = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: requests-counters
spec:
  service: myservice
  timeWindow:
    - duration: 1M
      calendar: {startTime: "2026-01-01 00:00:00", timeZone: UTC}
  budgetingMethod: Occurrences
  indicator:
    metadata: {name: requests}
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec: {query: 'http_requests_total{job="myservice",code="200"}'}
        total:
          metricSource:
            type: Prometheus
            spec: {query: 'http_requests_total{job="myservice"}'}
  objectives:
    - target: 0.99
`
	audit := store.Audit{Actor: "test"}
	for name, text := range map[string]string{"slo.yml": def, "openslo.yaml": openSLO} {
		b, err := ingest.Parse(strings.NewReader(text), name, ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.ApplyBatch(ctx, b, store.ApplyOptions{CreateServices: true, Audit: audit}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.CreatePrometheusSource(ctx, store.PrometheusSource{Name: "local", BaseURL: base, Auth: "none", BackfillDays: 5},
		func(int64) (string, error) { return "", nil }, audit); err != nil {
		t.Fatal(err)
	}
	src, err := st.PrometheusSourceByName(ctx, "local")
	if err != nil {
		t.Fatal(err)
	}
	c := &prometheus.Client{BaseURL: base, Auth: "none"}

	sync := func(now time.Time) prometheus.SLOResult {
		t.Helper()
		rs, err := prometheus.Sync(ctx, st, src, c, now, audit)
		if err != nil || len(rs) != 2 || rs[0].Err != "" || rs[1].Err != "" {
			t.Fatalf("sync at %s: %v %+v", now, err, rs)
		}
		if a, b := rs[0], rs[1]; a.Days != b.Days || a.Inserted != b.Inserted || !a.From.Equal(b.From) || !a.To.Equal(b.To) {
			t.Fatalf("the two SLOs synced differently: %+v", rs)
		}
		return rs[0]
	}
	// Back-fill: five days before Jan 6 are Jan 1–5.
	r := sync(time.Date(2026, 1, 6, 12, 0, 0, 0, time.UTC))
	if r.Days != 5 || r.Inserted != 5 || !r.From.Equal(start) {
		t.Fatalf("back-fill %+v", r)
	}
	r = sync(time.Date(2026, 1, 11, 0, 20, 0, 0, time.UTC))
	if r.Days != 5 || r.Inserted != 5 || r.From.Format(time.DateOnly) != "2026-01-06" || r.To.Format(time.DateOnly) != "2026-01-10" {
		t.Fatalf("incremental %+v", r)
	}
	if r = sync(time.Date(2026, 1, 11, 23, 0, 0, 0, time.UTC)); r.Days != 0 || !r.From.IsZero() {
		t.Fatalf("nothing new, yet %+v", r)
	}
	// Days after the series end have no samples: the cursor moves past
	// them and no (empty) import is recorded.
	imports := func() (n int) {
		if err := st.Writer().QueryRow(`SELECT COUNT(*) FROM imports WHERE format = 'prometheus'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := imports()
	if r = sync(time.Date(2026, 1, 14, 1, 0, 0, 0, time.UTC)); r.Days != 0 || r.From.Format(time.DateOnly) != "2026-01-11" ||
		r.To.Format(time.DateOnly) != "2026-01-13" {
		t.Fatalf("days without data %+v", r)
	}
	if n := imports(); n != before || before != 4 {
		t.Errorf("prometheus imports %d → %d, want 4 (two SLOs, two syncs with days)", before, n)
	}

	got, err := st.SLIDaysInRange(ctx, nil, start, start.AddDate(0, 0, days))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2*days {
		t.Fatalf("%d SLI days stored, want %d", len(got), 2*days)
	}
	for _, d := range got {
		w := want[d.Day.Format(time.DateOnly)]
		if d.Good != w.good || d.Total != w.total {
			t.Errorf("%s %s: stored %d good of %d, generated %d of %d", d.SLO, d.Day.Format(time.DateOnly), d.Good, d.Total, w.good, w.total)
		}
	}
}
