package analytics

import (
	"testing"
	"time"
)

// TestPrevToDate is issue 14 item 6: a period in progress is compared with
// the same elapsed span of the previous one, to the same day and time.
func TestPrevToDate(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		p        Period
		asOf     time.Time
		from, to time.Time
		days     int
	}{
		{"December nine hours old", NewMonth(2026, 12, time.UTC), at("2026-12-01T09:00:00Z"),
			at("2026-11-01T00:00:00Z"), at("2026-11-01T09:00:00Z"), 1},
		{"mid-month", NewMonth(2026, 11, time.UTC), at("2026-11-15T13:00:00Z"),
			at("2026-10-01T00:00:00Z"), at("2026-10-15T13:00:00Z"), 15},
		{"a day the previous month lacks: all of February", NewMonth(2026, 3, time.UTC), at("2026-03-31T10:00:00Z"),
			at("2026-02-01T00:00:00Z"), at("2026-03-01T00:00:00Z"), 28},
		{"quarter: same month of the quarter and day", NewQuarter(2026, 4, time.UTC), at("2026-11-15T13:00:00Z"),
			at("2026-07-01T00:00:00Z"), at("2026-08-15T13:00:00Z"), 46},
		{"quarter: May 31st against February", NewQuarter(2026, 2, time.UTC), at("2026-05-31T12:00:00Z"),
			at("2026-01-01T00:00:00Z"), at("2026-03-01T00:00:00Z"), 59},
		// October 25th ends summer time in Berlin: October 30th 12:00 CET
		// (11:00Z) against September 30th 12:00 CEST (10:00Z), wall clock.
		{"across the end of summer time", NewMonth(2026, 10, berlin), time.Date(2026, 10, 30, 12, 0, 0, 0, berlin),
			at("2026-08-31T22:00:00Z"), at("2026-09-30T10:00:00Z"), 30},
		{"ended: the whole previous period", NewMonth(2026, 10, time.UTC), at("2026-11-15T13:00:00Z"),
			at("2026-09-01T00:00:00Z"), at("2026-10-01T00:00:00Z"), 30},
		{"not begun: the whole previous period", NewMonth(2026, 12, time.UTC), at("2026-11-15T13:00:00Z"),
			at("2026-11-01T00:00:00Z"), at("2026-12-01T00:00:00Z"), 30},
		{"at the first instant: not in progress yet", NewMonth(2026, 12, time.UTC), at("2026-12-01T00:00:00Z"),
			at("2026-11-01T00:00:00Z"), at("2026-12-01T00:00:00Z"), 30},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.p.PrevToDate(tc.asOf)
			if !got.From.Equal(tc.from) || !got.To.Equal(tc.to) || got.Label != tc.p.Prev().Label {
				t.Errorf("PrevToDate = %s [%s, %s), want [%s, %s)", got.Label, got.From.UTC(), got.To.UTC(), tc.from, tc.to)
			}
			if d := got.Days(); d != tc.days {
				t.Errorf("Days = %d, want %d", d, tc.days)
			}
			// The span compared has as many calendar days as the period so
			// far, unless the earlier month is shorter.
			if cur := tc.p.elapsedDays(tc.asOf); tc.p.InProgress(tc.asOf) && tc.asOf.Day() <= 28 && cur != tc.days {
				t.Errorf("elapsed days %d, previous span %d", cur, tc.days)
			}
		})
	}
	// A quarter cut short keeps its months up to the cut, the last cut too.
	q := NewQuarter(2026, 4, time.UTC).PrevToDate(at("2026-11-15T13:00:00Z"))
	ms := q.Months()
	if len(ms) != 2 || ms[1].Label != "2026-08" || !ms[1].To.Equal(at("2026-08-15T13:00:00Z")) {
		t.Errorf("months of Q3 to date: %+v", ms)
	}
}

// TestPrevToDateCompute checks the engine over a span cut inside a day:
// pages of December's first nine hours against November's.
func TestPrevToDateCompute(t *testing.T) {
	dec := NewMonth(2026, 12, time.UTC)
	asOf := at("2026-12-01T09:00:00Z")
	prev := dec.PrevToDate(asOf)
	in := Input{Services: []Service{{ID: 1, Name: "api", OnCallTZ: "UTC"}}, Pages: []Page{
		{ID: 1, ServiceID: 1, TriggeredAt: at("2026-11-01T03:00:00Z")},  // in the span
		{ID: 2, ServiceID: 1, TriggeredAt: at("2026-11-01T08:59:59Z")},  // in the span
		{ID: 3, ServiceID: 1, TriggeredAt: at("2026-11-01T09:00:00Z")},  // the cut: out
		{ID: 4, ServiceID: 1, TriggeredAt: at("2026-11-20T12:00:00Z")},  // later in November: out
		{ID: 5, ServiceID: 1, TriggeredAt: at("2026-12-01T02:00:00Z")}}} // December
	s := DefaultSettings()
	s.AsOf = prev.To
	r := Compute(in, prev, s)
	if r.Counts.Pages != 2 || r.Counts.Days != 1 {
		t.Errorf("November to date: %d pages over %d days, want 2 over 1", r.Counts.Pages, r.Counts.Days)
	}
	s.AsOf = asOf
	if r := Compute(in, dec, s); r.Counts.Pages != 1 || r.Counts.Days != 1 {
		t.Errorf("December to date: %d pages over %d days, want 1 over 1", r.Counts.Pages, r.Counts.Days)
	}
}
