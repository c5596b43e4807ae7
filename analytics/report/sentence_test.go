package report

import (
	"testing"

	"sreport/analytics"
)

func f(v float64) *float64 { return &v }
func n(v int) *int         { return &v }

func TestMetricSentence(t *testing.T) {
	mttr60 := &analytics.Target{Tier: 0, KPI: analytics.KPIMTTRMinutes, Target: 60, Direction: analytics.DirectionMax}
	avail := &analytics.Target{Tier: 1, KPI: analytics.KPIAvailability, Target: 0.999, Direction: analytics.DirectionMin}
	base := Metric{Name: "MTTR", Subject: "tier-0 services", Unit: Minutes, PeriodLabel: "October 2026", PrevLabel: "September 2026", PeriodWord: "month"}
	with := func(m Metric, edit func(*Metric)) Metric { edit(&m); return m }
	cases := []struct {
		name string
		m    Metric
		want string
	}{
		{"improving, target newly met after two misses", with(base, func(m *Metric) {
			m.Current, m.Previous, m.Earlier, m.Target = f(38), f(52), []*float64{f(75)}, mttr60
			m.Previous = f(62)
			m.Current = f(38)
		}), "MTTR for tier-0 services fell from 62 to 38 minutes (−39 %), meeting the 60-minute target for the first time in three months."},
		{"issue example: 52 → 38 with a streak of misses", with(base, func(m *Metric) {
			m.Current, m.Previous, m.Earlier = f(38), f(52), []*float64{f(70), f(65)}
			m.Target = &analytics.Target{KPI: analytics.KPIMTTRMinutes, Target: 45, Direction: analytics.DirectionMax}
		}), "MTTR for tier-0 services fell from 52 to 38 minutes (−27 %), meeting the 45-minute target for the first time in four months."},
		{"target newly met after one miss", with(base, func(m *Metric) {
			m.Current, m.Previous, m.Earlier, m.Target = f(38), f(61), []*float64{f(20)}, mttr60
		}), "MTTR for tier-0 services fell from 61 to 38 minutes (−38 %), meeting the 60-minute target after missing it last month."},
		{"worsening, target newly missed after a streak", with(base, func(m *Metric) {
			m.Current, m.Previous, m.Earlier, m.Target = f(95), f(40), []*float64{f(30), f(35)}, mttr60
		}), "MTTR for tier-0 services rose from 40 to 95 minutes (+138 %), missing the 60-minute target for the first time in four months."},
		{"worsening, still missing", with(base, func(m *Metric) {
			m.Current, m.Previous, m.Target = f(3*60), f(90), mttr60
		}), "MTTR for tier-0 services rose from 90 minutes to 3 hours (+100 %), still missing the 60-minute target."},
		{"missing for the third period in a row", with(base, func(m *Metric) {
			m.Current, m.Previous, m.Earlier, m.Target = f(70), f(80), []*float64{f(90)}, mttr60
		}), "MTTR for tier-0 services fell from 80 to 70 minutes (−13 %), missing the 60-minute target for the third month in a row."},
		{"unchanged and met", with(base, func(m *Metric) {
			m.Current, m.Previous, m.Target = f(38.2), f(37.9), mttr60
		}), "MTTR for tier-0 services was unchanged at 38 minutes, still meeting the 60-minute target."},
		{"no data at all", with(base, func(m *Metric) {}), "MTTR for tier-0 services has no data for October 2026 or September 2026."},
		{"no current data", with(base, func(m *Metric) { m.Previous = f(1) }),
			"MTTR for tier-0 services has no data for October 2026; it was 1 minute in September 2026."},
		{"no previous data", with(base, func(m *Metric) { m.Current, m.Target = f(12), mttr60 }),
			"MTTR for tier-0 services was 12 minutes in October 2026, with no data for September 2026 to compare, meeting the 60-minute target."},
		{"ratio in percentage points, min target newly missed", Metric{Name: "Availability", Subject: "tier-1 services", Unit: Avail,
			Current: f(0.9981), Previous: f(0.9995), Target: avail, PeriodLabel: "Q3 2026", PrevLabel: "Q2 2026", PeriodWord: "quarter"},
			"Availability for tier-1 services fell from 99.950 % to 99.810 % (−0.140 pp), missing the 99.9 % target after meeting it last quarter."},
		{"no target, improving rate", Metric{Name: "The change failure rate", Subject: "the organisation", Unit: Ratio,
			Current: f(0.08), Previous: f(0.125), PeriodLabel: "Q3 2026", PrevLabel: "Q2 2026", PeriodWord: "quarter"},
			"The change failure rate for the organisation fell from 12.5 % to 8.0 % (−4.5 pp)."},
		{"singular follows the shown number: 1.04 minutes reads 1 minute", Metric{Name: "MTTA", Unit: Minutes, Current: f(1.04), Previous: f(2.5),
			PeriodLabel: "A", PrevLabel: "B", PeriodWord: "month"},
			"MTTA fell from 2.5 minutes to 1 minute (−58 %)."},
		{"singular when shown alone", Metric{Name: "MTTA", Unit: Minutes, Current: f(0.96), PeriodLabel: "A", PrevLabel: "B", PeriodWord: "month"},
			"MTTA was 1 minute in A, with no data for B to compare."},
		{"availability change rounding to zero reads unchanged", Metric{Name: "Availability", Unit: Avail, Current: f(0.9999941), Previous: f(0.9999939),
			PeriodLabel: "A", PrevLabel: "B", PeriodWord: "month"},
			"Availability was unchanged at 99.999 %."},
		{"availability shown with three decimals on both sides", Metric{Name: "Availability", Unit: Avail, Current: f(0.999), Previous: f(0.99953),
			PeriodLabel: "A", PrevLabel: "B", PeriodWord: "month"},
			"Availability fell from 99.953 % to 99.900 % (−0.053 pp)."},
		{"pp change is the difference of the shown values", Metric{Name: "Toil", Unit: Ratio, Current: f(0.12051), Previous: f(0.12049),
			PeriodLabel: "A", PrevLabel: "B", PeriodWord: "month"},
			"Toil rose from 12.0 % to 12.1 % (+0.1 pp)."},
		{"relative change rounding to zero is left out", Metric{Name: "Deploys per week", Unit: Rate, Current: f(401), Previous: f(400),
			PeriodLabel: "A", PrevLabel: "B", PeriodWord: "month"},
			"Deploys per week rose from 400 to 401."},
		{"streak longer than the loaded window says at least", with(base, func(m *Metric) {
			m.Current, m.Previous, m.Target, m.HistoryCapped = f(70), f(80), mttr60, true
			for range 11 {
				m.Earlier = append(m.Earlier, f(90))
			}
		}), "MTTR for tier-0 services fell from 80 to 70 minutes (−13 %), missing the 60-minute target for at least the thirteenth month in a row."},
		{"streak ended by a period inside the window is exact", with(base, func(m *Metric) {
			m.Current, m.Previous, m.Target, m.HistoryCapped = f(70), f(80), mttr60, true
			m.Earlier = []*float64{f(30), f(90), f(90), f(90), f(90)}
		}), "MTTR for tier-0 services fell from 80 to 70 minutes (−13 %), missing the 60-minute target for the sixth month in a row."},
		{"newly met after a streak reaching the window's edge", with(base, func(m *Metric) {
			m.Current, m.Previous, m.Earlier, m.Target, m.HistoryCapped = f(30), f(80), []*float64{f(90), f(90)}, mttr60, true
		}), "MTTR for tier-0 services fell from 80 to 30 minutes (−63 %), meeting the 60-minute target for the first time in at least four months."},
		{"from zero: no relative change", Metric{Name: "MTTD", Unit: Minutes, Current: f(5), Previous: f(0), PeriodLabel: "A", PrevLabel: "B", PeriodWord: "month"},
			"MTTD rose from 0 to 5 minutes."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// These cases hold one target over all periods.
			tc.m.PrevTarget = tc.m.Target
			tc.m.EarlierTargets = nil
			for range tc.m.Earlier {
				tc.m.EarlierTargets = append(tc.m.EarlierTargets, tc.m.Target)
			}
			if got := tc.m.Sentence(); got != tc.want {
				t.Errorf("\ngot  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestMetricSentenceJudgesEachPeriodByItsOwnTarget is issue 14's example:
// the tier-0 MTTR target went from 30 minutes to 2 hours from the current
// quarter on. The earlier quarters were missed against 30 minutes, so the
// quarter now meeting 2 hours is not "the first time in five quarters"
// measured against 2 hours (which they would all have met).
func TestMetricSentenceJudgesEachPeriodByItsOwnTarget(t *testing.T) {
	t30 := &analytics.Target{Tier: 0, KPI: analytics.KPIMTTRMinutes, Target: 30, Direction: analytics.DirectionMax}
	t120 := &analytics.Target{Tier: 0, KPI: analytics.KPIMTTRMinutes, Target: 120, Direction: analytics.DirectionMax}
	m := Metric{Name: "MTTR", Subject: "tier-0 services", Unit: Minutes, PeriodLabel: "Q4 2026", PrevLabel: "Q3 2026", PeriodWord: "quarter",
		Current: f(100), Previous: f(90), Earlier: []*float64{f(80), f(70), f(60)}}
	cases := []struct {
		name string
		edit func(*Metric)
		want string
	}{
		{"new target now, the old one before: the misses of 30 minutes stand",
			func(m *Metric) {
				m.Target, m.PrevTarget, m.EarlierTargets = t120, t30, []*analytics.Target{t30, t30, t30}
			},
			"MTTR for tier-0 services rose from 90 to 100 minutes (+11 %), meeting the 2-hour target for the first time in five quarters."},
		{"the 2-hour target in force throughout: still met",
			func(m *Metric) {
				m.Target, m.PrevTarget, m.EarlierTargets = t120, t120, []*analytics.Target{t120, t120, t120}
			},
			"MTTR for tier-0 services rose from 90 to 100 minutes (+11 %), still meeting the 2-hour target."},
		{"a period without a target ends the run",
			func(m *Metric) {
				m.Target, m.PrevTarget, m.EarlierTargets = t120, t30, []*analytics.Target{t30, nil, t30}
			},
			"MTTR for tier-0 services rose from 90 to 100 minutes (+11 %), meeting the 2-hour target for the first time in three quarters."},
		{"no target last quarter: nothing to compare the outcome with",
			func(m *Metric) { m.Target, m.PrevTarget = t120, nil },
			"MTTR for tier-0 services rose from 90 to 100 minutes (+11 %), meeting the 2-hour target."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mm := m
			tc.edit(&mm)
			if got := mm.Sentence(); got != tc.want {
				t.Errorf("\ngot  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestMetricSentenceLowSample: a value over fewer records than the
// minimum is stated with its sample, never judged, and a change from or to
// one is not stated (issue 14: "fell from 100.0 % to 0.0 % (−100.0 pp)" on
// a single postmortem).
func TestMetricSentenceLowSample(t *testing.T) {
	pm := &analytics.Target{Tier: 1, KPI: analytics.KPIPostmortemOnTimeRate, Target: 0.9, Direction: analytics.DirectionMin}
	base := Metric{Name: "The share of postmortems on time", Subject: "payments-api", Unit: Ratio, Target: pm, PrevTarget: pm,
		PeriodLabel: "October 2026", PrevLabel: "September 2026", PeriodWord: "month"}
	cases := []struct {
		name string
		edit func(*Metric)
		want string
	}{
		{"current on one postmortem", func(m *Metric) {
			m.Current, m.Previous, m.Low, m.Sample = f(0), f(1), true, "1 postmortem due"
		}, "The share of postmortems on time for payments-api was 0.0 % in October 2026, from only 1 postmortem due: too few to judge against the 90 % target."},
		{"current on few records, no target", func(m *Metric) {
			m.Current, m.Low, m.Sample, m.Target = f(0.5), true, "2 postmortems due", nil
		}, "The share of postmortems on time for payments-api was 50.0 % in October 2026, from only 2 postmortems due."},
		{"previous on few records: no change stated, the current judged", func(m *Metric) {
			m.Current, m.Previous, m.PrevLow, m.PrevSample = f(0.95), f(0), true, "1 postmortem due"
		}, "The share of postmortems on time for payments-api was 95.0 % in October 2026, with only 1 postmortem due in September 2026 to compare, meeting the 90 % target."},
		{"an earlier period on few records ends a streak", func(m *Metric) {
			m.Current, m.Previous = f(0.5), f(0.6)
			m.Earlier, m.EarlierTargets, m.EarlierLow = []*float64{f(0.1), f(0.7)}, []*analytics.Target{pm, pm}, []bool{false, true}
		}, "The share of postmortems on time for payments-api fell from 60.0 % to 50.0 % (−10.0 pp), still missing the 90 % target."},
		{"both sufficient: the streak counts", func(m *Metric) {
			m.Current, m.Previous = f(0.5), f(0.6)
			m.Earlier, m.EarlierTargets, m.EarlierLow = []*float64{f(0.1), f(0.7)}, []*analytics.Target{pm, pm}, []bool{false, false}
		}, "The share of postmortems on time for payments-api fell from 60.0 % to 50.0 % (−10.0 pp), missing the 90 % target for the fourth month in a row."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := base
			tc.edit(&m)
			if got := m.Sentence(); got != tc.want {
				t.Errorf("\ngot  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestTallySentence(t *testing.T) {
	inc := Noun{"Sev1 incident", "Sev1 incidents"}
	cases := []struct {
		cur  int
		prev *int
		want string
	}{
		{1, n(5), "The organisation had 1 Sev1 incident in Q3 2026, down from 5 in Q2 2026."},
		{4, n(1), "The organisation had 4 Sev1 incidents in Q3 2026, up from 1 in Q2 2026."},
		{0, n(0), "The organisation had no Sev1 incidents in Q3 2026, the same as in Q2 2026."},
		{2, nil, "The organisation had 2 Sev1 incidents in Q3 2026."},
	}
	for _, tc := range cases {
		got := Tally{Subject: "The organisation", Noun: inc, Current: tc.cur, Previous: tc.prev, PeriodLabel: "Q3 2026", PrevLabel: "Q2 2026"}.Sentence()
		if got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

func TestFormat(t *testing.T) {
	cases := []struct {
		u    Unit
		v    float64
		want string
	}{
		{Minutes, 1, "1 minute"}, {Minutes, 7.26, "7.3 minutes"}, {Minutes, 52.4, "52 minutes"}, {Minutes, 150, "2.5 hours"},
		{Minutes, 60 * 24 * 3, "3 days"}, {Hours, 1, "1 hour"}, {Hours, 72, "3 days"}, {Ratio, 0.125, "12.5 %"},
		{Avail, 0.99953, "99.953 %"}, {Avail, 0.999, "99.900 %"}, {Ratio, 0.08, "8.0 %"}, {Count, 3, "3"}, {Rate, 4.256, "4.26"},
		{Minutes, 1.04, "1 minute"}, {Minutes, 0.96, "1 minute"}, {Minutes, 61, "61 minutes"}, {Minutes, 119.6, "120 minutes"},
		{Minutes, 1441, "24 hours"}, {Hours, 24.02, "24 hours"}, {Hours, 1.02, "1 hour"}, {Ratio, -0.0001, "0.0 %"},
	}
	for _, tc := range cases {
		if got := Format(tc.u, tc.v); got != tc.want {
			t.Errorf("Format(%v, %v) = %q, want %q", tc.u, tc.v, got, tc.want)
		}
	}
	if got := TargetPhrase(Minutes, 240); got != "4-hour" {
		t.Errorf("TargetPhrase = %q", got)
	}
}

func TestOrdinal(t *testing.T) {
	for n, want := range map[int]string{3: "third", 6: "sixth", 13: "thirteenth", 20: "twentieth", 21: "21st", 22: "22nd",
		23: "23rd", 24: "24th", 111: "111th", 112: "112th", 113: "113th", 101: "101st"} {
		if got := Ordinal(n); got != want {
			t.Errorf("Ordinal(%d) = %q, want %q", n, got, want)
		}
	}
}
