package analytics

import (
	"time"
)

// attainEpsilon absorbs float rounding in good ÷ total ≥ objective, so a day
// of exactly 999 good out of 1000 meets 0.999.
const attainEpsilon = 1e-12

// slos computes availability, SLO attainment and the error budget over the
// SLI days in the period.
func (c *computer) slos() {
	k, n := &c.res.KPIs, &c.res.Counts
	var budgetBad float64 // bad events of SLO-days that have a budget
	for i := range c.in.SLIDays {
		d := &c.in.SLIDays[i]
		if !c.p.ContainsDay(d.Day) {
			continue
		}
		row := EvidenceRow{Kind: KindSLIDay, ID: d.SLOID, At: d.Day}
		if c.ev != nil { // the day's format and the boxed arguments cost even when note drops them
			row.Label = c.note("%s %s %s: %d/%d", d.Service, d.SLO, d.Day.Format(time.DateOnly), d.Good, d.Total)
		}
		if d.Total <= 0 {
			row.Note = "no events; excluded"
			c.ev.add(row, KPIAvailability, KPISLOAttainment, KPIErrorBudgetRemaining, KPIBurnRate)
			continue
		}
		good := min(max(d.Good, 0), d.Total) // bad data must not make bad < 0
		bad := d.Total - good
		n.GoodEvents += good
		n.TotalEvents += d.Total
		n.BadEvents += bad
		v := float64(good) / float64(d.Total)
		row.Value = c.value(v)
		row.Included = true
		c.ev.add(row, KPIAvailability)

		budgetRow := row
		if d.Objective > 0 && d.Objective < 1 {
			n.BudgetEvents += (1 - d.Objective) * float64(d.Total)
			budgetBad += float64(bad)
			b := float64(bad)
			budgetRow.Value = c.value(b)
			if c.ev != nil {
				budgetRow.Note = c.note("%d bad of %.1f budget", bad, (1-d.Objective)*float64(d.Total))
			}
		} else {
			budgetRow.Included = false
			budgetRow.Note = "objective outside (0,1); no budget"
		}
		c.ev.add(budgetRow, KPIErrorBudgetRemaining, KPIBurnRate)

		n.SLODays++
		att := row
		att.Included = v >= d.Objective-attainEpsilon
		if c.ev != nil {
			att.Note = c.note("objective %g", d.Objective)
		}
		if att.Included {
			n.SLODaysMet++
		}
		c.ev.add(att, KPISLOAttainment)
	}
	k.Availability = ratio(float64(n.GoodEvents), float64(n.TotalEvents))
	k.SLOAttainment = ratio(float64(n.SLODaysMet), float64(n.SLODays))
	k.BurnRate = ratio(budgetBad, n.BudgetEvents)
	if k.BurnRate != nil {
		k.ErrorBudgetRemaining = num(1 - *k.BurnRate)
	}
}
