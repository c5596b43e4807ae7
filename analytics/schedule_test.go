package analytics

import (
	"testing"
	"time"
)

func TestReportScheduleDuePeriod(t *testing.T) {
	utc := time.UTC
	created := time.Date(2026, 8, 15, 0, 0, 0, 0, utc)
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	tried := at("2026-10-01T06:30:00Z")
	for _, tc := range []struct {
		name string
		s    ReportSchedule
		now  string
		want string
		due  bool
	}{
		{"month ended: previous month due", ReportSchedule{Kind: Month, CreatedAt: created}, "2026-10-01T06:00:00Z", "2026-09", true},
		{"already delivered", ReportSchedule{Kind: Month, CreatedAt: created, LastPeriod: "2026-09"}, "2026-10-20T06:00:00Z", "2026-09", false},
		{"created after the period ended", ReportSchedule{Kind: Month, CreatedAt: at("2026-10-02T00:00:00Z")}, "2026-10-03T00:00:00Z", "2026-09", false},
		{"quarter", ReportSchedule{Kind: Quarter, CreatedAt: created}, "2026-10-01T00:00:00Z", "2026-Q3", true},
		{"quarter not over", ReportSchedule{Kind: Quarter, CreatedAt: created, LastPeriod: "2026-Q3"}, "2026-12-31T23:00:00Z", "2026-Q3", false},
		{"failed recently: wait", ReportSchedule{Kind: Month, CreatedAt: created, LastError: "refused", LastTryAt: &tried}, "2026-10-01T07:00:00Z", "2026-09", false},
		{"failed an hour ago: retry", ReportSchedule{Kind: Month, CreatedAt: created, LastError: "refused", LastTryAt: &tried}, "2026-10-01T07:31:00Z", "2026-09", true},
	} {
		p, due := tc.s.DuePeriod(at(tc.now), utc)
		if p.Label != tc.want || due != tc.due {
			t.Errorf("%s: DuePeriod = %s %v, want %s %v", tc.name, p.Label, due, tc.want, tc.due)
		}
	}
}
