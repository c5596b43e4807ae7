package prometheus_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"sreport/prometheus"
)

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

// TestParseRange: values become the day before their evaluation instant;
// NaN (no events for a ratio) is no value; an error answer, a warning that
// data may be missing and several series are refused; PromQL annotations
// are kept as notes.
func TestParseRange(t *testing.T) {
	jan2 := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC).Unix()
	r, err := prometheus.ParseRange([]byte(`{"status":"success","warnings":["PromQL info: metric might not be a counter"],
		"data":{"resultType":"matrix","result":[{"metric":{},"values":[[` + itoa(jan2) + `,"42"],[` + itoa(jan2+86400) + `,"NaN"]]}]}}`))
	if err != nil || r.Points != 2 || len(r.Days) != 1 || r.Days[time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)] != 42 || len(r.Notes) != 1 {
		t.Fatalf("%+v %v", r, err)
	}
	for name, body := range map[string]string{
		"error":    `{"status":"error","errorType":"bad_data","error":"parse error"}`,
		"partial":  `{"status":"success","warnings":["partial response: store unavailable"],"data":{"resultType":"matrix","result":[]}}`,
		"two":      `{"status":"success","data":{"resultType":"matrix","result":[{"values":[]},{"values":[]}]}}`,
		"vector":   `{"status":"success","data":{"resultType":"vector","result":[]}}`,
		"not json": `<html>proxy error</html>`,
	} {
		if _, err := prometheus.ParseRange([]byte(body)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if name == "partial" && !errors.Is(err, prometheus.ErrIncomplete) {
			t.Errorf("partial: %v, want ErrIncomplete", err)
		}
	}
}

// TestDays: a bad-events series gives good = total − bad, counts are
// rounded and kept within 0 ≤ good ≤ total, and a day without a total has
// no SLI day.
func TestDays(t *testing.T) {
	d1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d3 := d1.AddDate(0, 0, 2) // the day between has no total: no SLI day
	total := map[time.Time]float64{d1: 1000.4, d3: 10}
	bad := map[time.Time]float64{d1: 2.6, d3: 12}
	got := prometheus.Days(prometheus.SLO{Service: "api", Name: "avail", Objective: 0.99, Bad: true}, d1, d3, total, bad)
	if len(got) != 2 || got[0].Good != 997 || got[0].Total != 1000 || !got[1].Day.Equal(d3) || got[1].Good != 0 || got[1].Total != 10 {
		t.Fatalf("%+v", got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
