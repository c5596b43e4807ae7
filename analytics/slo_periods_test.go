package analytics

import (
	"math"
	"testing"
	"time"
)

// TestBuildSLOReport: 120 days of 1000 events with 2 bad, one bad day of
// 30 in February, objective 99.5 %. Each figure is worked out by hand.
func TestBuildSLOReport(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var days []SLIDay
	for i := 0; i < 120; i++ {
		d := SLIDay{Day: start.AddDate(0, 0, i), Good: 998, Total: 1000, Objective: 0.995}
		if d.Day.Equal(time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)) {
			d.Good = 970
		}
		days = append(days, d)
	}
	days = append(days, SLIDay{Day: start.AddDate(0, 0, 5), Total: 0}) // a day without events is ignored
	asOf := time.Date(2026, 4, 30, 18, 0, 0, 0, time.UTC)              // the 120 days end with April 30
	r := BuildSLOReport(days, 0.995, 28, asOf, 4, 2)

	eq := func(what string, got *float64, want float64) {
		t.Helper()
		if got == nil || math.Abs(*got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", what, deref(got), want)
		}
	}
	if len(r.Months) != 4 || r.Months[0].Label != "2026-04" || r.Months[3].Label != "2026-01" {
		t.Fatalf("months %+v", r.Months)
	}
	feb := r.Months[2]
	if feb.Label != "2026-02" || feb.Days != 28 || feb.DaysWithData != 28 || feb.Total != 28000 || feb.Bad != 27*2+30 {
		t.Fatalf("February %+v", feb)
	}
	eq("Feb SLI", feb.SLI, 1-84.0/28000)
	eq("Feb burn rate", feb.BurnRate, 84/(0.005*28000))
	eq("Feb budget remaining", feb.BudgetRemaining, 1-84/(0.005*28000))
	eq("Feb attainment", feb.Attainment, 27.0/28)
	if !feb.Met || feb.InProgress {
		t.Errorf("February met %v in progress %v", feb.Met, feb.InProgress)
	}
	apr := r.Months[0]
	if !apr.InProgress || apr.Elapsed != 30 || apr.DaysWithData != 30 {
		t.Errorf("April %+v", apr)
	}
	eq("Apr burn rate", apr.BurnRate, 0.4)
	q1, q2 := r.Quarters[1], r.Quarters[0]
	if q1.Label != "2026-Q1" || q1.Days != 90 || q1.Total != 90000 || q1.Bad != 89*2+30 || q2.Label != "2026-Q2" || !q2.InProgress {
		t.Fatalf("quarters %+v", r.Quarters)
	}
	eq("Q1 burn rate", q1.BurnRate, 208/(0.005*90000))
	// Rolling 28 days: April 3–30, 2 bad of 1000 every day.
	if r.Rolling.From.Format(time.DateOnly) != "2026-04-03" || r.Rolling.DaysWithData != 28 || !r.Rolling.InProgress {
		t.Errorf("rolling %+v", r.Rolling)
	}
	eq("rolling budget remaining", r.Rolling.BudgetRemaining, 0.6)

	// A month without data has no figures and is not met.
	empty := BuildSLOReport(nil, 0.995, 28, asOf, 1, 0).Months[0]
	if empty.SLI != nil || empty.BurnRate != nil || empty.Met {
		t.Errorf("empty month %+v", empty)
	}
	// A breached month: 30 bad of 1000 on every day.
	var bad []SLIDay
	for i := 0; i < 31; i++ {
		bad = append(bad, SLIDay{Day: start.AddDate(0, 0, i), Good: 970, Total: 1000})
	}
	jan := BuildSLOReport(bad, 0.995, 28, time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC), 2, 0).Months[1]
	eq("breached burn rate", jan.BurnRate, 6)
	eq("breached budget remaining", jan.BudgetRemaining, -5)
	if jan.Met {
		t.Error("a month at 97 % met 99.5 %")
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
