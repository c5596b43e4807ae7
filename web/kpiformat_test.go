package web

import (
	"testing"

	"sreport/analytics"
	"sreport/analytics/scorecard"
)

// TestFmtKPIAndChange checks the page helpers around analytics/kpifmt
// (whose own tests hold the formatting rules): no data, arrows, and one
// scale per cell.
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
		{analytics.KPIMTTRMinutes, f(3 * 1440), "3.0 d"},
		{analytics.KPIAvailability, f(0.99951), "99.951 %"},
		{analytics.KPIChangeFailureRate, f(0.1), "10.0 %"},
		{analytics.KPIIncidentsTotal, f(7), "7"},
		{analytics.KPILeadTimeMedianHours, f(30), "30.0 h"},
		{analytics.KPIDeploysPerWeek, f(3.456), "3.46"},
		{sev12, f(4), "4"},
	}
	for _, c := range cases {
		if got := fmtKPI(c.kpi, c.v); got != c.want {
			t.Errorf("fmtKPI(%s, %v) = %q, want %q", c.kpi, c.v, got, c.want)
		}
	}
	// Issue 14 item 11: "✗ 6 h ▲ 91.8 min". The cell's change reads in the
	// cell's scale: 6 h up 91.8 minutes is up 1.5 h.
	c := scorecard.Cell{Value: f(360), Previous: f(268.2), Change: f(91.8)}
	fm := cellFormat(analytics.KPIMTTRMinutes, c)
	if got, want := fm.Value(*c.Value)+" "+arrow(fm.Change(*c.Change)), "6.0 h ▲ 1.5 h"; got != want {
		t.Errorf("cell = %q, want %q", got, want)
	}
	// Without a value the previous one picks the scale.
	if got := cellFormat(analytics.KPIMTTRMinutes, scorecard.Cell{Previous: f(600)}).Text(f(600), ""); got != "10.0 h" {
		t.Errorf("previous-only cell = %q", got)
	}
	for _, tc := range []struct {
		text string
		sign int
		want string
	}{{"3.7 pp", 1, "▲ 3.7 pp"}, {"12.0 min", -1, "▼ 12.0 min"}, {"0.0 pp", 0, "= no change"}} {
		if got := arrow(tc.text, tc.sign); got != tc.want {
			t.Errorf("arrow(%q, %d) = %q, want %q", tc.text, tc.sign, got, tc.want)
		}
	}
}
