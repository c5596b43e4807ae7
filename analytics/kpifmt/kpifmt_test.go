package kpifmt

import (
	"testing"

	"sreport/analytics"
)

func f(v float64) *float64 { return &v }

func TestValue(t *testing.T) {
	cases := []struct {
		kpi  string
		v    float64
		want string
	}{
		// Issue 14 item 12: the CLI printed 20.7524 and 0.0495315.
		{analytics.KPIMTTRMinutes, 20.7524, "20.8 min"},
		{analytics.KPIChangeFailureRate, 0.0495315, "5.0 %"},
		{analytics.KPIChangeFailureRate, 0.1, "10.0 %"},
		{analytics.KPIAvailability, 0.99951, "99.951 %"},
		{analytics.KPIAvailability, 0.999, "99.900 %"},
		{analytics.KPIErrorBudgetRemaining, -0.25, "-25.0 %"},
		{analytics.KPIMTTRMinutes, 150, "2.5 h"},         // median of one value: 150 min ≥ 120 → hours
		{analytics.KPIMTTRMinutes, 3 * 1440, "3.0 d"},    // ≥ 48 h → days
		{analytics.KPIMTTRMinutes, 119.96, "120.0 min"},  // below 120: minutes, rounded as shown
		{analytics.KPILeadTimeMedianHours, 30, "30.0 h"}, // hours below 48
		{analytics.KPILeadTimeMedianHours, 72, "3.0 d"},
		{analytics.KPIDeploysPerWeek, 3.456, "3.46"},
		{analytics.KPIIncidentsTotal, 7, "7"},
		{analytics.KPIChangeFailureRate, -0.00001, "0.0 %"}, // no "-0.0"
	}
	for _, c := range cases {
		if got := Of(c.kpi, &c.v).Value(c.v); got != c.want {
			t.Errorf("%s %v = %q, want %q", c.kpi, c.v, got, c.want)
		}
	}
	if got := Of(analytics.KPIMTTRMinutes).Text(nil, "no data"); got != "no data" {
		t.Errorf("nil = %q", got)
	}
}

// TestOneScalePerColumn is issue 14 item 11: a duration column mixed
// "103.7 min" and "2.1 h". One format for the column shows every value in
// the scale of the column's median.
func TestOneScalePerColumn(t *testing.T) {
	cases := []struct {
		name   string
		values []*float64
		want   []string
	}{
		// Median of 103.7, 126 and 45 is 103.7 < 120: minutes for all.
		{"mostly under two hours", []*float64{f(103.7), f(126), f(45), nil}, []string{"103.7 min", "126.0 min", "45.0 min"}},
		// Median of 103.7, 126, 300 is 126 ≥ 120: hours for all.
		{"mostly over two hours", []*float64{f(103.7), f(126), f(300)}, []string{"1.7 h", "2.1 h", "5.0 h"}},
		// Median (even count) of 2000, 3000, 4000, 5000 is 3500 ≥ 2880: days.
		{"days", []*float64{f(2000), f(3000), f(4000), f(5000)}, []string{"1.4 d", "2.1 d", "2.8 d", "3.5 d"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fm := Of(analytics.KPIMTTRMinutes, c.values...)
			var got []string
			for _, v := range c.values {
				if v != nil {
					got = append(got, fm.Value(*v))
				}
			}
			for i := range c.want {
				if got[i] != c.want[i] {
					t.Errorf("values %v, want %v", got, c.want)
					break
				}
			}
		})
	}
}

// TestChangeSharesTheUnit: "✗ 6 h ▲ 91.8 min" — a cell's change reads in
// the cell's own scale.
func TestChangeSharesTheUnit(t *testing.T) {
	cases := []struct {
		kpi      string
		cur      float64
		d        float64
		want     string
		wantSign int
	}{
		{analytics.KPIMTTRMinutes, 360, 91.8, "1.5 h", 1}, // 6 h now, up 91.8 minutes = 1.53 h
		{analytics.KPIMTTRMinutes, 42, -12, "12.0 min", -1},
		{analytics.KPIChangeFailureRate, 0.1, 0.037, "3.7 pp", 1},
		{analytics.KPIChangeFailureRate, 0.1, 0.0001, "0.0 pp", 0}, // rounds to no change
		{analytics.KPIAvailability, 0.999, -0.0000001, "0.000 pp", 0},
		{analytics.KPIAvailability, 0.999, -0.00053, "0.053 pp", -1},
		{analytics.KPIIncidentsTotal, 3, 2, "2", 1},
		{analytics.KPIIncidentsTotal, 3, 0, "0", 0},
		{analytics.KPIDeploysPerWeek, 3, -3.27, "3.27", -1},
	}
	for _, c := range cases {
		text, sign := Of(c.kpi, &c.cur).Change(c.d)
		if text != c.want || sign != c.wantSign {
			t.Errorf("%s change %v at %v = %q %d, want %q %d", c.kpi, c.d, c.cur, text, sign, c.want, c.wantSign)
		}
	}
}

func TestSample(t *testing.T) {
	c := analytics.Counts{PostmortemsOnTime: 2, PostmortemsDue: 2, ResolvedIncidents: 1, TotalEvents: 560628318, Incidents: 12, RepeatIncidents: 3}
	cases := []struct {
		kpi         string
		short, long string
	}{
		{analytics.KPIPostmortemOnTimeRate, "2 of 2", "2 of 2 postmortems due"},
		{analytics.KPIMTTRMinutes, "n = 1", "1 resolved incident"},
		{analytics.KPIRepeatIncidentRate, "3 of 12", "3 of 12 incidents"},
		{analytics.KPIAvailability, "n = 560.6 M", "560.6 M events"},
	}
	for _, tc := range cases {
		d, _ := analytics.KPIDefOf(tc.kpi)
		if s, l := Sample(d, c); s != tc.short || l != tc.long {
			t.Errorf("%s: %q / %q, want %q / %q", tc.kpi, s, l, tc.short, tc.long)
		}
	}
}

func TestExactAndParseTarget(t *testing.T) {
	exact := []struct {
		u    analytics.Unit
		v    float64
		want string
	}{
		{analytics.UnitNines, 0.9999, "99.99 %"},
		{analytics.UnitRatio, 0.1, "10 %"},
		{analytics.UnitRatio, 0.95, "95 %"},
		{analytics.UnitMinutes, 30, "30 min"},
		{analytics.UnitMinutes, 90, "90 min"},
		{analytics.UnitMinutes, 240, "4 h"},
		{analytics.UnitMinutes, 1440, "24 h"},
		{analytics.UnitMinutes, 2880, "2 d"},
		{analytics.UnitHours, 24, "24 h"},
		{analytics.UnitHours, 168, "7 d"},
		{analytics.UnitHours, 1, "1 h"},
		{analytics.UnitRate, 5, "5"},
	}
	for _, c := range exact {
		if got := Exact(c.u, c.v); got != c.want {
			t.Errorf("Exact(%v, %v) = %q, want %q", c.u, c.v, got, c.want)
		}
		// What Exact writes reads back as the same number.
		if back, err := ParseTarget(c.u, Exact(c.u, c.v)); err != nil || abs(back-c.v) > 1e-12 {
			t.Errorf("ParseTarget(%q) = %v, %v; want %v", Exact(c.u, c.v), back, err, c.v)
		}
	}
	parse := []struct {
		u    analytics.Unit
		text string
		want float64
		ok   bool
	}{
		{analytics.UnitNines, "99.99", 0.9999, true},
		{analytics.UnitNines, "99,99 %", 0.9999, true},
		{analytics.UnitNines, "99.99%", 0.9999, true},
		{analytics.UnitNines, "0.9999", 0, false}, // a fraction out of habit: ambiguous
		{analytics.UnitRatio, "0.5 %", 0.005, true},
		{analytics.UnitRatio, "0", 0, true},
		{analytics.UnitRatio, "1", 0.01, true},
		{analytics.UnitRatio, "150", 0, false},
		{analytics.UnitRatio, "10 min", 0, false},
		{analytics.UnitMinutes, "30", 30, true},
		{analytics.UnitMinutes, "4 h", 240, true},
		{analytics.UnitMinutes, "1.5d", 2160, true},
		{analytics.UnitMinutes, "24 hours", 1440, true},
		{analytics.UnitMinutes, "99 %", 0, false},
		{analytics.UnitMinutes, "-5", 0, false},
		{analytics.UnitHours, "24", 24, true},
		{analytics.UnitHours, "7 d", 168, true},
		{analytics.UnitHours, "90 min", 1.5, true},
		{analytics.UnitRate, "5", 5, true},
		{analytics.UnitRate, "5 h", 0, false},
		{analytics.UnitRate, "abc", 0, false},
	}
	for _, c := range parse {
		got, err := ParseTarget(c.u, c.text)
		if (err == nil) != c.ok || c.ok && abs(got-c.want) > 1e-12 {
			t.Errorf("ParseTarget(%v, %q) = %v, %v; want %v ok=%v", c.u, c.text, got, err, c.want, c.ok)
		}
		if err != nil && err.Error() == "" {
			t.Errorf("ParseTarget(%q): empty message", c.text)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestPlot: a chart plots the number its table shows, unrounded: percent
// ×100 and durations in the column's scale.
func TestPlot(t *testing.T) {
	cases := []struct {
		kpi  string
		vals []float64 // the column; the first is plotted
		want float64
	}{
		{analytics.KPIChangeFailureRate, []float64{0.125}, 12.5},
		{analytics.KPIAvailability, []float64{0.99951}, 99.951},
		{analytics.KPIMTTRMinutes, []float64{90, 30}, 90},        // median 60 min: minutes
		{analytics.KPIMTTRMinutes, []float64{90, 600, 300}, 1.5}, // median 300 min: hours
		{analytics.KPILeadTimeMedianHours, []float64{72, 96}, 3}, // median 84 h: days
		{analytics.KPIIncidentsTotal, []float64{7, 9}, 7},
	}
	for _, c := range cases {
		xs := make([]*float64, len(c.vals))
		for i := range c.vals {
			xs[i] = &c.vals[i]
		}
		if got := Of(c.kpi, xs...).Plot(c.vals[0]); abs(got-c.want) > 1e-9 {
			t.Errorf("%s %v: Plot = %v, want %v", c.kpi, c.vals, got, c.want)
		}
	}
}
