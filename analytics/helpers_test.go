package analytics

import (
	"math"
	"testing"
	"time"
)

// at parses an RFC 3339 instant or fails the test binary loudly.
func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func atp(s string) *time.Time { t := at(s); return &t }

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func i64(v int64) *int64     { return &v }
func f64(v float64) *float64 { return &v }
func boolp(v bool) *bool     { return &v }

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return l
}

// oct2026 is the default test period: October 2026 in UTC (Oct 1 is a Thursday).
func oct2026() Period { return NewMonth(2026, 10, time.UTC) }

// wantF compares a KPI with an expected value; want nil means no data.
func wantF(t *testing.T, name string, got, want *float64) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s = %v, want %v", name, fmtp(got), fmtp(want))
	case math.Abs(*got-*want) > 1e-9*math.Max(1, math.Abs(*want)):
		t.Errorf("%s = %v, want %v", name, *got, *want)
	}
}

func fmtp(p *float64) any {
	if p == nil {
		return "nil"
	}
	return *p
}

// checkKPIs compares the named KPIs of r with want (nil = no data).
func checkKPIs(t *testing.T, r Result, want map[string]*float64) {
	t.Helper()
	for name, w := range want {
		if _, ok := kpiIndex[name]; !ok {
			t.Fatalf("test names unknown KPI %q", name)
		}
		wantF(t, name, r.KPIs.Get(name), w)
	}
}

// included returns the IDs of the evidence rows of kpi counted in the numerator.
func included(r Result, kpi string) []int64 {
	var ids []int64
	for _, row := range r.Evidence[kpi] {
		if row.Included {
			ids = append(ids, row.ID)
		}
	}
	return ids
}
