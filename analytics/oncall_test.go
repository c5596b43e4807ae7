package analytics

import (
	"testing"
	"time"
)

func TestInterruptionHours(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	for _, tc := range []struct {
		local string // in Berlin
		want  string
	}{
		{"2026-10-01T07:59:00+02:00", HoursSleep},    // Thu, sleep ends at 08:00
		{"2026-10-01T08:00:00+02:00", HoursBusiness}, // Thu
		{"2026-10-01T17:59:00+02:00", HoursBusiness},
		{"2026-10-01T18:00:00+02:00", HoursOff},
		{"2026-10-01T21:59:00+02:00", HoursOff},
		{"2026-10-01T22:00:00+02:00", HoursSleep},
		{"2026-10-03T12:00:00+02:00", HoursOff},   // Sat daytime
		{"2026-10-04T23:00:00+02:00", HoursSleep}, // Sun night
	} {
		if got := InterruptionHours(at(tc.local).In(berlin)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.local, got, tc.want)
		}
	}
}

func TestLongestRunAndGini(t *testing.T) {
	nights := map[time.Time]bool{day("2026-10-01"): true, day("2026-10-02"): true, day("2026-10-03"): true, day("2026-10-05"): true,
		day("2026-10-31"): true, day("2026-11-01"): true}
	if got := longestRun(nights); got != 3 {
		t.Errorf("longest run %d, want 3", got)
	}
	if got := longestRun(nil); got != 0 {
		t.Errorf("longest run of none %d", got)
	}
	wantF(t, "gini(1,2,6)", gini([]float64{6, 1, 2}), f64(10.0/27))
	wantF(t, "gini(4,4)", gini([]float64{4, 4}), f64(0))
	wantF(t, "gini(0,0,5)", gini([]float64{0, 0, 5}), f64(2.0/3))
	wantF(t, "gini()", gini(nil), nil)
}

// onCallFixture: two teams in October 2026. Payments is on call in Berlin
// (CEST until 25 October, then CET), Web in UTC. Every page's band is
// worked out beside it.
func onCallFixture() Input {
	pg := func(id, svc int64, who, trig string) Page {
		return Page{ID: id, ServiceID: svc, Title: "alert", TriggeredAt: at(trig), Responder: who}
	}
	return Input{
		Services: []Service{
			{ID: 1, Name: "api", TeamID: 1, Team: "Payments", OnCallTZ: "Europe/Berlin"},
			{ID: 2, Name: "web", TeamID: 2, Team: "Web", OnCallTZ: "UTC"},
		},
		Pages: []Page{
			pg(1, 1, "Alice", "2026-10-01T07:30:00Z"),           // Thu 09:30 CEST business
			pg(2, 1, "alice", "2026-10-01T21:30:00Z"),           // Thu 23:30 sleep, night 1 Oct
			pg(3, 1, " Alice ", "2026-10-02T01:00:00Z"),         // Fri 03:00 sleep, night 1 Oct again
			pg(4, 1, "Alice", "2026-10-02T23:00:00Z"),           // Sat 01:00 sleep, night 2 Oct
			pg(5, 1, "Alice", "2026-10-03T22:30:00Z"),           // Sun 00:30 sleep, night 3 Oct
			pg(6, 1, "Alice", "2026-10-05T20:00:00Z"),           // Mon 22:00 sleep, night 5 Oct
			pg(7, 1, "bob@example.com", "2026-10-10T10:00:00Z"), // Sat 12:00 off
			pg(8, 1, "Bob", "2026-10-13T16:00:00Z"),             // Tue 18:00 off
			pg(9, 1, "", "2026-10-14T10:00:00Z"),                // no responder
			pg(10, 1, "Carol", "2026-10-28T06:59:00Z"),          // Wed 07:59 CET sleep
			pg(11, 1, "Alice", "2026-11-01T00:00:00Z"),          // November: out of the period
			pg(12, 2, "Dave", "2026-10-04T12:00:00Z"),           // Sun 12:00 off
			pg(13, 2, "Dave", "2026-10-05T08:00:00Z"),           // Mon 08:00 business
		},
		People: People{"bob@example.com": "Bob", "alice": "Alice"},
	}
}

func TestOnCallHealth(t *testing.T) {
	s := DefaultSettings() // threshold 3 sleep-hours interruptions, 7-day shifts
	h := ComputeOnCallHealth(onCallFixture(), oct2026(), s)
	if len(h.Teams) != 2 || h.Teams[0].Team != "Payments" || h.Teams[1].Team != "Web" {
		t.Fatalf("teams %+v", h.Teams)
	}
	pay := h.Teams[0]
	if pay.Interruptions != 9 || pay.Business != 1 || pay.Off != 2 || pay.Sleep != 6 || pay.Unattributed != 1 || pay.SleepInterrupted != 1 {
		t.Errorf("payments totals %+v", pay)
	}
	want := []struct {
		person                                       string
		n, business, off, sleep, nights, run, shifts int
		perShift, share                              float64
		over                                         bool
	}{
		// Alice: nights 1, 2, 3 and 5 Oct; all six pages in the first 7-day block.
		{"Alice", 6, 1, 0, 5, 4, 3, 1, 6, 6.0 / 9, true},
		// Bob: 10 and 13 Oct are both in the block 8–14 Oct.
		{"Bob", 2, 0, 2, 0, 0, 0, 1, 2, 2.0 / 9, false},
		{"Carol", 1, 0, 0, 1, 1, 1, 1, 1, 1.0 / 9, false},
	}
	if len(pay.People) != len(want) {
		t.Fatalf("payments people %+v", pay.People)
	}
	for i, w := range want {
		r := pay.People[i]
		if r.Person != w.person || r.Interruptions != w.n || r.Business != w.business || r.Off != w.off || r.Sleep != w.sleep ||
			r.Nights != w.nights || r.LongestRun != w.run || r.Shifts != w.shifts || r.SleepInterrupted != w.over {
			t.Errorf("person %d: %+v, want %+v", i, r, w)
		}
		wantF(t, w.person+" per shift", r.PagesPerShift, f64(w.perShift))
		wantF(t, w.person+" share", r.Share, f64(w.share))
	}
	// Loads 1, 2, 6: Σ|xi − xj| over ordered pairs 20 ÷ (2 · 3² · 3) = 10/27.
	wantF(t, "payments gini", pay.Gini, f64(10.0/27))
	wantF(t, "payments max/median", pay.MaxToMedian, f64(3))
	wantF(t, "payments sleep ok", pay.Health.SleepOK, f64(100*(1-6.0/9)))
	wantF(t, "payments off ok", pay.Health.OffOK, f64(100*(1-2.0/9)))
	wantF(t, "payments fairness", pay.Health.Fairness, f64(100*(1-10.0/27)))
	wantF(t, "payments rested", pay.Health.Rested, f64(100*(1-1.0/3)))
	wantF(t, "payments index", pay.Health.Value, f64(6500.0/108)) // (9 + 21 + 17 + 18)/27 · 100 / 4

	web := h.Teams[1]
	wantF(t, "web gini", web.Gini, f64(0))
	wantF(t, "web max/median", web.MaxToMedian, f64(1))
	wantF(t, "web index", web.Health.Value, f64((100+50+100+100)/4.0))

	// Everyone: loads 1, 2, 2, 6 (11 pages): Gini 30 ÷ (2 · 16 · 2.75) = 15/44.
	all := h.All
	if all.Interruptions != 11 || all.Business != 2 || all.Off != 3 || all.Sleep != 6 || len(all.People) != 4 {
		t.Errorf("all %+v", all)
	}
	wantF(t, "all gini", all.Gini, f64(15.0/44))

	r := Compute(onCallFixture(), oct2026(), s)
	checkKPIs(t, r, map[string]*float64{
		KPIOnCallLoadGini:             f64(15.0 / 44),
		KPIOnCallLoadMaxToMedian:      f64(3),
		KPISleepInterruptedResponders: f64(1),
		// (1 − 6/11, 1 − 3/11, 1 − 15/44, 1 − 1/4) · 100, averaged.
		KPIOnCallHealthIndex: f64(2850.0 / 44),
	})
	if c := r.Counts; c.Responders != 4 || c.PagesWithResponder != 11 || c.InterruptionsSleep != 6 || c.SleepInterrupted != 1 {
		t.Errorf("counts %+v", c)
	}
	if n := len(r.Evidence.For(KPIOnCallHealthIndex)); n != 12 {
		t.Errorf("health index evidence: %d page rows, want 12", n)
	}

	s.SleepInterruptThreshold = 0 // Alice and Carol now count
	wantF(t, "threshold 0", Compute(onCallFixture(), oct2026(), s).KPIs.SleepInterruptedResponders, f64(2))

	none := onCallFixture()
	for i := range none.Pages {
		none.Pages[i].Responder = ""
	}
	checkKPIs(t, Compute(none, oct2026(), DefaultSettings()), map[string]*float64{
		KPIOnCallLoadGini: nil, KPIOnCallLoadMaxToMedian: nil, KPISleepInterruptedResponders: nil, KPIOnCallHealthIndex: nil,
	})
}
