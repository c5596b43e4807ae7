package web

import (
	"testing"

	"sreport/analytics"
)

func TestFmtKPIAndChange(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	cases := []struct {
		kpi  string
		v    *float64
		want string
	}{
		{analytics.KPIMTTRMinutes, nil, "no data"},
		{analytics.KPIMTTRMinutes, f(42.26), "42.3 min"},
		{analytics.KPIMTTRMinutes, f(150), "2.5 h"},
		{analytics.KPIMTTRMinutes, f(3 * 1440), "3 d"},
		{analytics.KPIAvailability, f(0.99951), "99.951 %"},
		{analytics.KPIChangeFailureRate, f(0.1), "10 %"},
		{analytics.KPIIncidentsTotal, f(7), "7"},
		{analytics.KPILeadTimeMedianHours, f(30), "30 h"},
		{analytics.KPIDeploysPerWeek, f(3.456), "3.46"},
	}
	for _, c := range cases {
		if got := fmtKPI(c.kpi, c.v); got != c.want {
			t.Errorf("fmtKPI(%s, %v) = %q, want %q", c.kpi, c.v, got, c.want)
		}
	}
	changes := []struct {
		kpi  string
		d    float64
		want string
	}{
		{analytics.KPIMTTRMinutes, -12, "▼ 12 min"},
		{analytics.KPIChangeFailureRate, 0.037, "▲ 3.7 pp"},
		{analytics.KPIChangeFailureRate, 0.0001, "= no change"}, // rounds to 0.0 pp
		{analytics.KPIAvailability, -0.0000001, "= no change"},
		{analytics.KPIIncidentsTotal, 0, "= no change"},
		{analytics.KPIIncidentsTotal, 2, "▲ 2"},
	}
	for _, c := range changes {
		if got := fmtChange(c.kpi, c.d); got != c.want {
			t.Errorf("fmtChange(%s, %v) = %q, want %q", c.kpi, c.d, got, c.want)
		}
	}
}
