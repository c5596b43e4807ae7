package analytics

import (
	"strings"
	"testing"
	"time"
)

func TestRiskRating(t *testing.T) {
	cases := map[int]string{1: "low", 4: "low", 5: "medium", 9: "medium", 10: "high", 16: "high", 20: "critical", 25: "critical"}
	for score, want := range cases {
		if got := RiskRating(score); got != want {
			t.Errorf("RiskRating(%d) = %s, want %s", score, got, want)
		}
	}
	// Every product of two 1..5 scores falls in a documented band.
	for l := 1; l <= 5; l++ {
		for i := 1; i <= 5; i++ {
			if s := l * i; (s > 16 && s < 20) || s > 25 {
				t.Errorf("score %d outside the bands", s)
			}
		}
	}
}

func TestRiskValidate(t *testing.T) {
	ok := Risk{Title: "t", Category: "capacity", Likelihood: 2, Impact: 3, Owner: "o", Status: RiskOpen, Services: []string{"a"}}
	if errs := ok.Validate(); len(errs) != 0 {
		t.Fatalf("valid risk: %v", errs)
	}
	full := ok
	full.Description, full.Owner = strings.Repeat("ü", MaxRiskTextChars), strings.Repeat("o", MaxRiskNameChars)
	if errs := full.Validate(); len(errs) != 0 {
		t.Fatalf("fields at their limits: %v", errs)
	}
	three := 3
	cases := []struct {
		name  string
		edit  func(*Risk)
		field string
	}{
		{"no title", func(r *Risk) { r.Title = " " }, "title"},
		{"no service", func(r *Risk) { r.Services = nil }, "services"},
		{"bad category", func(r *Risk) { r.Category = "misc" }, "category"},
		{"likelihood 0", func(r *Risk) { r.Likelihood = 0 }, "likelihood"},
		{"impact 6", func(r *Risk) { r.Impact = 6 }, "impact"},
		{"residual half", func(r *Risk) { r.ResidualLikelihood = &three }, "residual_impact"},
		{"no owner", func(r *Risk) { r.Owner = "" }, "owner"},
		{"bad status", func(r *Risk) { r.Status = "done" }, "status"},
		{"accepted without rationale", func(r *Risk) { r.Status, r.AcceptedBy = RiskAccepted, "vp" }, "acceptance_rationale"},
		{"accepted without person", func(r *Risk) { r.Status, r.AcceptanceRationale = RiskAccepted, "cheap" }, "accepted_by"},
		{"long description", func(r *Risk) { r.Description = strings.Repeat("d", MaxRiskTextChars+1) }, "description"},
		{"long mitigation", func(r *Risk) { r.Mitigation = strings.Repeat("ü", MaxRiskTextChars+1) }, "mitigation"},
		{"long owner", func(r *Risk) { r.Owner = strings.Repeat("o", MaxRiskNameChars+1) }, "owner"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ok
			tc.edit(&r)
			if _, bad := r.Validate()[tc.field]; !bad {
				t.Fatalf("no error for %s: %v", tc.field, r.Validate())
			}
		})
	}
}

func TestDiffRisks(t *testing.T) {
	d := time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)
	a := Risk{Title: "t", Likelihood: 2, Impact: 3, Services: []string{"b", "a"}}
	b := a
	b.Impact, b.TargetDate, b.Services = 4, &d, []string{"a", "b"}
	got := DiffRisks(a, b)
	if len(got) != 2 || got[0] != (RiskChange{"impact", "3", "4"}) || got[1] != (RiskChange{"target_date", "", "2027-01-02"}) {
		t.Fatalf("diff %+v", got)
	}
}

func TestRiskDueDates(t *testing.T) {
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	past := now.AddDate(0, 0, -1)
	r := Risk{Status: RiskMitigating, NextReviewDate: &past, TargetDate: &past}
	if !r.ReviewOverdue(now) || !r.PastTarget(now) {
		t.Fatal("overdue risk not flagged")
	}
	r.Status = RiskAccepted
	if !r.ReviewOverdue(now) || r.PastTarget(now) {
		t.Fatal("accepted risk: review still due, target no longer applies")
	}
	r.Status = RiskClosed
	if r.ReviewOverdue(now) {
		t.Fatal("closed risk flagged")
	}
}

// TestRiskDueDatesCalendarDays: a date is due through its whole day in the
// reporting timezone, not only until 00:00 UTC of that day.
func TestRiskDueDatesCalendarDays(t *testing.T) {
	day := func(s string) *time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return &d
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		due  string
		now  time.Time
		loc  *time.Location
		want bool
	}{
		{"due today at 00:30 UTC", "2026-11-15", time.Date(2026, 11, 15, 0, 30, 0, 0, time.UTC), time.UTC, false},
		{"due today at 23:59 UTC", "2026-11-15", time.Date(2026, 11, 15, 23, 59, 0, 0, time.UTC), time.UTC, false},
		{"due yesterday", "2026-11-14", time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC), time.UTC, true},
		{"due tomorrow", "2026-11-16", time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC), time.UTC, false},
		// 23:30 UTC on the 14th is already the 15th in Berlin.
		{"Berlin is a day ahead", "2026-11-14", time.Date(2026, 11, 14, 23, 30, 0, 0, time.UTC), berlin, true},
		{"UTC is not yet", "2026-11-14", time.Date(2026, 11, 14, 23, 30, 0, 0, time.UTC), time.UTC, false},
		// 03:00 UTC on the 16th is still the 15th in Los Angeles.
		{"Los Angeles is a day behind", "2026-11-15", time.Date(2026, 11, 16, 3, 0, 0, 0, time.UTC), la, false},
		{"nil location is UTC", "2026-11-15", time.Date(2026, 11, 16, 3, 0, 0, 0, time.UTC), nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Risk{Status: RiskOpen, NextReviewDate: day(tc.due), TargetDate: day(tc.due)}
			if got := r.ReviewOverdueIn(tc.now, tc.loc); got != tc.want {
				t.Errorf("ReviewOverdueIn = %v, want %v", got, tc.want)
			}
			if got := r.PastTargetIn(tc.now, tc.loc); got != tc.want {
				t.Errorf("PastTargetIn = %v, want %v", got, tc.want)
			}
			if tc.loc != nil {
				// The one-argument forms use asOf's own zone.
				if got := r.ReviewOverdue(tc.now.In(tc.loc)); got != tc.want {
					t.Errorf("ReviewOverdue(now.In(loc)) = %v, want %v", got, tc.want)
				}
				if got := r.PastTarget(tc.now.In(tc.loc)); got != tc.want {
					t.Errorf("PastTarget(now.In(loc)) = %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestRiskEventKind(t *testing.T) {
	cases := []struct {
		e    RiskEvent
		want string
	}{
		{RiskEvent{Field: "status", New: "open"}, "created"},
		{RiskEvent{Field: "status", Old: "mitigating", New: "closed"}, "closed"},
		{RiskEvent{Field: "status", Old: "closed", New: "open"}, "reopened"},
		{RiskEvent{Field: "status", Old: "open", New: "accepted"}, "status"},
		{RiskEvent{Field: "impact", Old: "3", New: "4"}, ""},
		{RiskEvent{Comment: "note"}, ""},
	}
	for _, tc := range cases {
		if got := tc.e.Kind(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
}
