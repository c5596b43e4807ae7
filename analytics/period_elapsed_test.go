package analytics

import (
	"testing"
	"time"
)

func TestElapsedDays(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	oct := NewMonth(2026, 10, berlin)
	for _, tc := range []struct {
		asOf time.Time
		want int
	}{
		{time.Time{}, 31},
		{oct.To, 31},
		{oct.To.Add(time.Hour), 31},
		{oct.From, 1},
		{time.Date(2026, 10, 1, 12, 0, 0, 0, berlin), 1},
		{time.Date(2026, 10, 15, 0, 30, 0, 0, berlin), 15},
		{time.Date(2026, 10, 31, 23, 0, 0, 0, berlin), 31},
	} {
		if got := oct.elapsedDays(tc.asOf); got != tc.want {
			t.Errorf("elapsedDays(%v) = %d, want %d", tc.asOf, got, tc.want)
		}
	}
	// A month in progress: deploys per week over the days so far.
	in := Input{Deploys: []Deploy{
		{ID: 1, ServiceID: 1, Environment: "prod", Status: DeploySuccess, FinishedAt: at("2026-10-02T10:00:00Z")},
		{ID: 2, ServiceID: 1, Environment: "prod", Status: DeploySuccess, FinishedAt: at("2026-10-06T10:00:00Z")},
	}}
	s := DefaultSettings()
	s.AsOf = at("2026-10-07T12:00:00Z")
	r := Compute(in, oct2026(), s)
	if r.Counts.Days != 7 || r.KPIs.DeploysPerWeek == nil || *r.KPIs.DeploysPerWeek != 2 {
		t.Errorf("in progress: days %d deploys/week %v, want 7 and 2", r.Counts.Days, fmtp(r.KPIs.DeploysPerWeek))
	}
}
