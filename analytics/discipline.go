package analytics

import (
	"fmt"
	"time"
)

// Postmortem states of one incident as of a knowledge cut-off
// (docs/metrics.md, "Postmortem on-time rate"). Unknown and undated are
// no data: they never count as late.
const (
	PostmortemNotRequired = "not_required" // not Sev1 or Sev2
	PostmortemOpen        = "open"         // the incident is not resolved yet
	PostmortemOnTime      = "on_time"      // published by the deadline
	PostmortemLate        = "late"         // published after the deadline
	PostmortemMissing     = "missing"      // expected, not published, deadline passed
	PostmortemPending     = "pending"      // expected, not published, deadline not passed
	PostmortemUnknown     = "unknown"      // no postmortem data: nothing says one is expected
	PostmortemUndated     = "undated"      // linked, but without a publication date
)

// PostmortemDeadline returns when a Sev1 or Sev2 incident's postmortem is
// due: the user-set or imported due date, else the end of the N-th
// business day after resolution in loc. ok is false for other severities
// and for an incident neither resolved nor given a due date.
func PostmortemDeadline(inc Incident, s Settings, loc *time.Location) (deadline time.Time, ok bool) {
	if inc.Severity != Sev1 && inc.Severity != Sev2 {
		return time.Time{}, false
	}
	if inc.PostmortemDueAt != nil {
		return *inc.PostmortemDueAt, true
	}
	if inc.ResolvedAt == nil {
		return time.Time{}, false
	}
	days := s.PostmortemDaysSev2
	if inc.Severity == Sev1 {
		days = s.PostmortemDaysSev1
	}
	return BusinessDeadline(*inc.ResolvedAt, days, loc), true
}

// PostmortemExpected reports whether something says inc should have a
// postmortem: a due date (the user's or the source's), a publication date,
// or a source that records postmortems (Incident.PostmortemTracked).
// Without any of them an unpublished postmortem is unknown, not late.
func PostmortemExpected(inc Incident) bool {
	return inc.PostmortemDueAt != nil || inc.PostmortemPublishedAt != nil || inc.PostmortemTracked
}

// PostmortemStatus says where inc's postmortem stands at asOf, with the
// deadline it is judged by (zero for not_required and open): the one rule
// the KPI, the reports and the incident page share.
func PostmortemStatus(inc Incident, s Settings, loc *time.Location, asOf time.Time) (state string, deadline time.Time) {
	if inc.Severity != Sev1 && inc.Severity != Sev2 {
		return PostmortemNotRequired, time.Time{}
	}
	if inc.ResolvedAt == nil {
		return PostmortemOpen, time.Time{}
	}
	deadline, _ = PostmortemDeadline(inc, s, loc)
	published := inc.PostmortemPublishedAt != nil && !inc.PostmortemPublishedAt.After(asOf)
	switch {
	case published && !inc.PostmortemPublishedAt.After(deadline):
		return PostmortemOnTime, deadline
	case published:
		return PostmortemLate, deadline
	case inc.PostmortemURL != "" && inc.PostmortemPublishedAt == nil:
		// A postmortem exists, but nothing says when it was published.
		return PostmortemUndated, deadline
	case !PostmortemExpected(inc):
		return PostmortemUnknown, deadline
	case asOf.After(deadline):
		return PostmortemMissing, deadline
	}
	return PostmortemPending, deadline
}

// postmortems computes the on-time rate of sev1/sev2 postmortems for
// incidents resolved in the period; those without postmortem data are
// counted apart (postmortems_required − postmortems_with_data), never late.
func (c *computer) postmortems() {
	n := &c.res.Counts
	for _, inc := range c.windowIncidents {
		if inc.Severity != Sev1 && inc.Severity != Sev2 || inc.ResolvedAt == nil || !c.p.Contains(*inc.ResolvedAt) {
			continue
		}
		n.PostmortemsRequired++
		state, deadline := PostmortemStatus(*inc, c.s, c.p.Loc, c.asOf)
		row := EvidenceRow{Kind: KindIncident, ID: inc.ID, Label: c.incLabel(inc), At: *inc.ResolvedAt}
		due := "due " + deadline.In(c.p.Loc).Format("2006-01-02 15:04 MST")
		if state != PostmortemUnknown && state != PostmortemUndated {
			n.PostmortemsWithData++
		}
		switch state {
		case PostmortemOnTime:
			n.PostmortemsDue++
			n.PostmortemsOnTime++
			row.Included, row.Note = true, "on time; "+due
		case PostmortemLate:
			n.PostmortemsDue++
			row.Note = "published late; " + due
		case PostmortemMissing:
			n.PostmortemsDue++
			row.Note = "missing, late; " + due
		case PostmortemPending:
			n.PostmortemsPending++
			row.Note = "pending, excluded; " + due
		case PostmortemUndated:
			row.Note = "linked without a publication date: unknown, excluded"
		default:
			row.Note = "no postmortem data (no due date, no publication, source does not track postmortems): unknown, excluded"
		}
		c.ev.add(row, KPIPostmortemOnTimeRate)
	}
	c.res.KPIs.PostmortemOnTimeRate = ratio(float64(n.PostmortemsOnTime), float64(n.PostmortemsDue))
}

// actionItems computes the on-time rate of action items due in the
// period and the count of items overdue at its end.
func (c *computer) actionItems() {
	n := &c.res.Counts
	for i := range c.in.ActionItems {
		a := &c.in.ActionItems[i]
		if a.DueAt == nil || !c.p.Contains(*a.DueAt) {
			continue
		}
		row := EvidenceRow{Kind: KindActionItem, ID: a.ID, Label: c.itemLabel(a), At: *a.DueAt}
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
	c.overdueItems()
}

// overdueItems counts the action items open past their due date at
// overdueAt, whatever the due date: an item due in 2025 and still open is
// overdue in every later period until it is closed. Each one's value is
// how long it has been overdue, in hours.
func (c *computer) overdueItems() {
	n := &c.res.Counts
	// The end of the period, or the knowledge cut-off when that comes first
	// (a period in progress), so a past period keeps the figure it had.
	t := c.s.overdueAt(c.p)
	for i := range c.in.ActionItems {
		a := &c.in.ActionItems[i]
		if a.DueAt == nil || !a.DueAt.Before(t) || a.ClosedAt != nil && !a.ClosedAt.After(t) {
			continue
		}
		n.ActionItemsOverdue++
		if c.ev == nil {
			continue // no evidence wanted: no label, note or value to make
		}
		v := t.Sub(*a.DueAt).Hours()
		c.ev.add(EvidenceRow{Kind: KindActionItem, ID: a.ID, Label: c.itemLabel(a), At: *a.DueAt, Value: &v, Included: true,
			Note: "open at " + t.In(c.p.Loc).Format("2006-01-02 15:04 MST")}, KPIActionItemsOverdue)
	}
	c.res.KPIs.ActionItemsOverdue = num(float64(n.ActionItemsOverdue))
}

// itemLabel labels an action item's evidence row, only when the
// computation collects evidence (see note).
func (c *computer) itemLabel(a *ActionItem) string {
	if c.ev == nil {
		return ""
	}
	return fmt.Sprintf("#%d %s", a.ID, a.Title)
}
