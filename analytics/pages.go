package analytics

import (
	"fmt"
	"time"
)

// inHours reports whether local hour h lies in [start, end), wrapping
// around midnight when start > end (22–7 covers 22:00–06:59).
func inHours(h, start, end int) bool {
	if start <= end {
		return h >= start && h < end
	}
	return h >= start || h < end
}

// pageFigures are what the page step counts of a period's pages: what a
// roll-up adds up from its services (Partial). The acknowledgement times
// are in the order of the pages, so that the parts' concatenated, in the
// order of a roll-up's records, give its mean to the last bit.
type pageFigures struct {
	pages, afterHours, sleep, noise int
	mtta                            []float64
	// foreign says a page of a service outside the computation's
	// services was read in UTC, where a roll-up knowing the service reads
	// it in the service's zone.
	foreign bool
}

// add appends o's figures to f's, copying what it takes: o may be shared.
func (f *pageFigures) add(o pageFigures) {
	f.pages += o.pages
	f.afterHours += o.afterHours
	f.sleep += o.sleep
	f.noise += o.noise
	f.mtta = append(f.mtta, o.mtta...)
	f.foreign = f.foreign || o.foreign
}

// pages computes the on-call load KPIs.
func (c *computer) pages() {
	var f pageFigures
	for i := range c.in.Pages {
		pg := &c.in.Pages[i]
		if !c.p.Contains(pg.TriggeredAt) {
			continue
		}
		f.pages++
		loc := c.svcTZ[pg.ServiceID]
		if loc == nil {
			loc, f.foreign = time.UTC, true
		}
		lt := pg.TriggeredAt.In(loc)
		wd, h := lt.Weekday(), lt.Hour()
		afterHours := wd == time.Saturday || wd == time.Sunday || !inHours(h, c.s.BusinessStartHour, c.s.BusinessEndHour)
		sleep := inHours(h, c.s.SleepStartHour, c.s.SleepEndHour)
		verdict := classifyPage(pg, c.s.NoiseAutoResolve)
		if afterHours {
			f.afterHours++
		}
		if sleep {
			f.sleep++
		}
		if verdict.Noise() {
			f.noise++
		}
		acked := pg.AcknowledgedAt != nil && !pg.AcknowledgedAt.Before(pg.TriggeredAt)
		var ack float64
		if acked {
			ack = minutes(pg.AcknowledgedAt.Sub(pg.TriggeredAt))
			f.mtta = append(f.mtta, ack)
		}
		if c.ev != nil { // ComputeKPIs wants no rows: no labels or notes to format
			c.pageEvidence(pg, lt, afterHours, sleep, verdict, acked, ack)
		}
	}
	c.pg = f
	c.setPages(f)
}

// setPages sets the page KPIs from the page step's figures, its own or a
// roll-up's sum of its services'.
func (c *computer) setPages(f pageFigures) {
	k, n := &c.res.KPIs, &c.res.Counts
	n.Pages, n.PagesAfterHours, n.PagesSleepHours, n.NoisePages = f.pages, f.afterHours, f.sleep, f.noise
	n.PagesWithAck = len(f.mtta)
	if c.s.ShiftDays > 0 {
		n.Shifts = float64(n.Services) * float64(n.Days) / float64(c.s.ShiftDays)
	}
	k.PagesTotal = num(float64(n.Pages))
	k.PagesAfterHours = num(float64(n.PagesAfterHours))
	k.PagesSleepHours = num(float64(n.PagesSleepHours))
	k.PagesPerShift = ratio(float64(n.Pages), n.Shifts)
	k.AlertNoiseRatio = ratio(float64(n.NoisePages), float64(n.Pages))
	k.MTTAPagesMinutes = mean(f.mtta)
}

// pageEvidence adds page pg's rows to the evidence of the page KPIs: lt is
// its local trigger time, the rest what pages() found.
func (c *computer) pageEvidence(pg *Page, lt time.Time, afterHours, sleep bool, verdict PageVerdict, acked bool, ack float64) {
	base := EvidenceRow{Kind: KindPage, ID: pg.ID, Label: fmt.Sprintf("#%d %s", pg.ID, pg.Title), At: pg.TriggeredAt}
	all := base
	all.Included = true
	c.ev.add(all, KPIPagesTotal, KPIPagesPerShift)

	row := base
	row.Included = afterHours
	row.Note = "local " + lt.Format("Mon 15:04 MST")
	c.ev.add(row, KPIPagesAfterHours)
	row.Included = sleep
	c.ev.add(row, KPIPagesSleepHours)

	row = base
	switch verdict {
	case PageClassifiedNoise:
		row.Included, row.Note = true, "classified not actionable"
	case PageClassifiedActionable:
		row.Note = "classified actionable"
	case PageAutoResolvedNoise:
		row.Included = true
		row.Note = fmt.Sprintf("unacknowledged, resolved after %s, no incident", pg.ResolvedAt.Sub(pg.TriggeredAt))
	}
	c.ev.add(row, KPIAlertNoiseRatio)

	row = base
	switch {
	case pg.AcknowledgedAt == nil:
		row.Note = "not acknowledged"
	case !acked:
		row.Note = "acknowledged before trigger; excluded"
	default:
		row.Value, row.Included = &ack, true
	}
	c.ev.add(row, KPIMTTAPagesMinutes)
}

// PageVerdict is how the alert noise ratio counts a page (docs/metrics.md,
// "Alert noise ratio").
type PageVerdict int

// The verdicts: a human's classification either way, the heuristic's
// noise, or an unclassified page the heuristic leaves actionable.
const (
	PageUnclassified PageVerdict = iota
	PageClassifiedActionable
	PageClassifiedNoise
	PageAutoResolvedNoise
)

// Noise reports whether the verdict counts the page as noise.
func (v PageVerdict) Noise() bool { return v == PageClassifiedNoise || v == PageAutoResolvedNoise }

// ClassifyPage is the one rule of the alert noise ratio, shared by the KPI
// and the noise analysis so they never disagree: a human classification
// beats the heuristic either way; otherwise a page is noise when nobody
// acknowledged it, it is linked to no incident and it resolved within
// s.NoiseAutoResolve (inclusive) of triggering.
func ClassifyPage(pg Page, s Settings) PageVerdict { return classifyPage(&pg, s.NoiseAutoResolve) }

// classifyPage is ClassifyPage without copying the page and the settings,
// for the KPI's loop over every page of a period.
func classifyPage(pg *Page, autoResolve time.Duration) PageVerdict {
	switch {
	case pg.Actionable != nil:
		if *pg.Actionable {
			return PageClassifiedActionable
		}
		return PageClassifiedNoise
	case pg.AcknowledgedAt == nil && pg.IncidentID == nil && pg.ResolvedAt != nil &&
		!pg.ResolvedAt.Before(pg.TriggeredAt) && pg.ResolvedAt.Sub(pg.TriggeredAt) <= autoResolve:
		return PageAutoResolvedNoise
	}
	return PageUnclassified
}

// toil sums the toil weeks whose week_start civil date is in the period.
func (c *computer) toil() {
	n := &c.res.Counts
	for i := range c.in.Toil {
		w := &c.in.Toil[i]
		if !c.p.ContainsDay(w.WeekStart) {
			continue
		}
		n.ToilWeeks++
		n.ToilHours += w.ToilHours
		n.TotalHours += w.TotalHours
		c.ev.add(EvidenceRow{Kind: KindToilWeek, ID: w.TeamID, At: w.WeekStart, Value: c.value(w.ToilHours), Included: true,
			Label: c.note("%s week of %s: %g of %g h", w.Team, w.WeekStart.Format(time.DateOnly), w.ToilHours, w.TotalHours),
			Note:  w.Note}, KPIToilRatio)
	}
	c.res.KPIs.ToilRatio = ratio(n.ToilHours, n.TotalHours)
}
