package analytics

import (
	"strconv"
	"time"
)

// SLOFigures are one SLO's service-level figures over one stretch of days:
// a calendar month or quarter, or the SLO's rolling window. They follow the
// definitions of the service-level KPIs (docs/metrics.md, "Service
// levels"), for one SLO.
type SLOFigures struct {
	Label string
	From  time.Time // first civil day (midnight UTC)
	To    time.Time // day after the last, exclusive
	// Days is the period's length in days; Elapsed how many of them had
	// begun at asOf (Days for a period that has ended); DaysWithData how
	// many have an SLI day with events.
	Days, Elapsed, DaysWithData int
	Good, Total, Bad            int64
	// SLI = good ÷ total; nil without events.
	SLI *float64
	// Met says the period's SLI reaches the objective (what Sloth and Pyrra
	// call the SLO being met for the window); false without events.
	Met bool
	// Attainment is the share of SLO-days meeting the objective.
	Attainment *float64
	// BurnRate = bad ÷ budget (budget = (1 − objective) × total);
	// BudgetRemaining = 1 − BurnRate. nil without budget.
	BurnRate, BudgetRemaining *float64
	// InProgress says asOf lies inside the period: its figures cover the
	// elapsed days only, and the budget is that of the events so far.
	InProgress bool
}

// SLOReport holds one SLO's calendar report: the rolling window ending at
// asOf, the calendar months and the calendar quarters, newest first.
type SLOReport struct {
	Rolling  SLOFigures
	Months   []SLOFigures
	Quarters []SLOFigures
}

// BuildSLOReport computes an SLO's figures for its rolling window of
// windowDays ending with asOf's day, and for the last months calendar
// months and quarters calendar quarters (UTC, the calendar of SLI days)
// up to the one containing asOf. days are the SLO's SLI days (any order);
// a day's objective is the SLO's.
func BuildSLOReport(days []SLIDay, objective float64, windowDays int, asOf time.Time, months, quarters int) SLOReport {
	asOf = asOf.UTC()
	today := time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	var r SLOReport
	if windowDays <= 0 {
		windowDays = 28
	}
	end := today.AddDate(0, 0, 1)
	r.Rolling = sloFigures(days, objective, "last "+strconv.Itoa(windowDays)+" days", end.AddDate(0, 0, -windowDays), end, asOf)
	m := MonthOf(asOf, time.UTC)
	for i := 0; i < months; i++ {
		r.Months = append(r.Months, sloFigures(days, objective, m.Label, m.From, m.To, asOf))
		m = m.Prev()
	}
	q := QuarterOf(asOf, time.UTC)
	for i := 0; i < quarters; i++ {
		r.Quarters = append(r.Quarters, sloFigures(days, objective, q.Label, q.From, q.To, asOf))
		q = q.Prev()
	}
	return r
}

func sloFigures(days []SLIDay, objective float64, label string, from, to, asOf time.Time) SLOFigures {
	f := SLOFigures{Label: label, From: from, To: to, Days: int(to.Sub(from).Hours() / 24)}
	f.Elapsed = f.Days
	if asOf.Before(to) {
		f.InProgress = true
		f.Elapsed = max(0, min(f.Days, int(asOf.Sub(from).Hours()/24)+1))
	}
	var met int
	for _, d := range days {
		if d.Day.Before(from) || !d.Day.Before(to) || d.Total <= 0 {
			continue
		}
		good := min(max(d.Good, 0), d.Total)
		f.Good += good
		f.Total += d.Total
		f.DaysWithData++
		if float64(good)/float64(d.Total) >= objective-attainEpsilon {
			met++
		}
	}
	f.Bad = f.Total - f.Good
	if f.Total == 0 {
		return f
	}
	f.SLI = num(float64(f.Good) / float64(f.Total))
	f.Met = *f.SLI >= objective-attainEpsilon
	f.Attainment = num(float64(met) / float64(f.DaysWithData))
	if objective > 0 && objective < 1 {
		f.BurnRate = num(float64(f.Bad) / ((1 - objective) * float64(f.Total)))
		f.BudgetRemaining = num(1 - *f.BurnRate)
	}
	return f
}
