package analytics

import (
	"fmt"
	"time"
)

// postmortems computes the on-time rate of sev1/sev2 postmortems for
// incidents resolved in the period.
func (c *computer) postmortems() {
	n := &c.res.Counts
	for _, inc := range c.windowIncidents {
		if inc.Severity != Sev1 && inc.Severity != Sev2 || inc.ResolvedAt == nil || !c.p.Contains(*inc.ResolvedAt) {
			continue
		}
		var deadline time.Time
		if inc.PostmortemDueAt != nil {
			deadline = *inc.PostmortemDueAt
		} else {
			days := c.s.PostmortemDaysSev2
			if inc.Severity == Sev1 {
				days = c.s.PostmortemDaysSev1
			}
			deadline = BusinessDeadline(*inc.ResolvedAt, days, c.p.Loc)
		}
		row := EvidenceRow{Kind: KindIncident, ID: inc.ID, Label: incLabel(inc), At: *inc.ResolvedAt}
		due := "due " + deadline.In(c.p.Loc).Format("2006-01-02 15:04 MST")
		published := inc.PostmortemPublishedAt != nil && !inc.PostmortemPublishedAt.After(c.asOf)
		switch {
		case published && !inc.PostmortemPublishedAt.After(deadline):
			n.PostmortemsDue++
			n.PostmortemsOnTime++
			row.Included, row.Note = true, "on time; "+due
		case published:
			n.PostmortemsDue++
			row.Note = "published late; " + due
		case c.asOf.After(deadline):
			n.PostmortemsDue++
			row.Note = "missing, late; " + due
		default:
			n.PostmortemsPending++
			row.Note = "pending, excluded; " + due
		}
		c.ev.add(row, KPIPostmortemOnTimeRate)
	}
	c.res.KPIs.PostmortemOnTimeRate = ratio(float64(n.PostmortemsOnTime), float64(n.PostmortemsDue))
}

// actionItems computes the on-time rate of action items due in the period.
func (c *computer) actionItems() {
	n := &c.res.Counts
	for i := range c.in.ActionItems {
		a := &c.in.ActionItems[i]
		if a.DueAt == nil || !c.p.Contains(*a.DueAt) {
			continue
		}
		row := EvidenceRow{Kind: KindActionItem, ID: a.ID, Label: fmt.Sprintf("#%d %s", a.ID, a.Title), At: *a.DueAt}
		closed := a.ClosedAt != nil && !a.ClosedAt.After(c.asOf)
		switch {
		case closed && !a.ClosedAt.After(*a.DueAt):
			n.ActionItemsDue++
			n.ActionItemsOnTime++
			row.Included, row.Note = true, "closed on time"
		case closed:
			n.ActionItemsDue++
			row.Note = "closed late"
		case c.asOf.After(*a.DueAt):
			n.ActionItemsDue++
			row.Note = "open, overdue"
		default:
			n.ActionItemsPending++
			row.Note = "open, not yet due; excluded"
		}
		c.ev.add(row, KPIActionItemOnTimeRate)
	}
	c.res.KPIs.ActionItemOnTimeRate = ratio(float64(n.ActionItemsOnTime), float64(n.ActionItemsDue))
}
