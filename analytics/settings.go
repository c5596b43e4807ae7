package analytics

import "time"

// Settings are the tunable parts of the KPI definitions (docs/metrics.md).
// Every field has a documented default in DefaultSettings.
type Settings struct {
	ReportingTZ        string        // reporting timezone for period boundaries
	BusinessStartHour  int           // business hours start (local, inclusive)
	BusinessEndHour    int           // business hours end (local, exclusive)
	SleepStartHour     int           // sleep hours start (local, inclusive), e.g. 22
	SleepEndHour       int           // sleep hours end (local, exclusive), e.g. 7
	ShiftDays          int           // one on-call shift per service per this many days
	ProdEnvironments   []string      // environment names counted as production (case-insensitive)
	DeployLinkWindow   time.Duration // incident-after-deploy window for inferred links and rollback/hotfix rule
	NoiseAutoResolve   time.Duration // unacknowledged pages resolved within this are noise
	RepeatLookback     time.Duration // look-back window for repeat incidents
	PostmortemDaysSev1 int           // business days after resolution
	PostmortemDaysSev2 int
	// MinSample overrides KPIs' minimum samples (KPI key → records; see
	// MinSampleOf). It is never written through: copy it before changing.
	MinSample map[string]int
	// SleepInterruptThreshold is the number of sleep-hours interruptions in
	// a period a responder may take before sleep_interrupted_responders
	// counts them.
	SleepInterruptThreshold int
	// OnCallPeopleForViewers lets viewers see per-person on-call load;
	// otherwise only editors and admins do and viewers see team figures.
	OnCallPeopleForViewers bool
	// AsOf is the knowledge cut-off for "pending" states: a postmortem or an
	// action item counts as done only if it was done by AsOf, and one whose
	// deadline is after AsOf and is not yet done is left out rather than
	// counted late. Zero means the end of the period (p.To). Compute never
	// reads the clock, so a caller wanting "as of now" passes time.Now().
	AsOf time.Time
}

// DefaultSettings returns the defaults documented in docs/metrics.md.
func DefaultSettings() Settings {
	return Settings{
		ReportingTZ:        "UTC",
		BusinessStartHour:  9,
		BusinessEndHour:    18,
		SleepStartHour:     22,
		SleepEndHour:       7,
		ShiftDays:          7,
		ProdEnvironments:   []string{"prod", "production", "prd", "live"},
		DeployLinkWindow:   24 * time.Hour,
		NoiseAutoResolve:   10 * time.Minute,
		RepeatLookback:     90 * 24 * time.Hour,
		PostmortemDaysSev1: 5,
		PostmortemDaysSev2: 10,

		SleepInterruptThreshold: 3,
	}
}

// MinSampleOf returns kpi's minimum sample: the setting, else the
// registry's default (KPIDef.MinSample). A value over fewer records is
// shown with its n but never judged against a target (StatusLowSample).
func (s Settings) MinSampleOf(kpi string) int {
	if n, ok := s.MinSample[kpi]; ok {
		return n
	}
	d, _ := KPIDefOf(kpi)
	return d.MinSample
}

// Location returns the reporting timezone, falling back to UTC for an unknown name.
func (s Settings) Location() *time.Location {
	if loc, err := time.LoadLocation(s.ReportingTZ); err == nil && s.ReportingTZ != "" {
		return loc
	}
	return time.UTC
}

// InputWindow returns the one instant range [from, to) of records Compute
// needs for period p; a store may filter every table by the timestamp that
// assigns a record to a period (incidents: detected_at, deploys:
// finished_at, pages: triggered_at, action items: due_at, SLI days and toil
// weeks: their civil date at midnight UTC) with this range, except for the
// action items open at the period's end, which action_items_overdue counts
// whatever their due date (LoadWindows.Overdue). Compute filters incidents
// to exactly this range itself, deploys to the narrower LoadWindows.Deploys
// and everything else to p (open action items to those overdue at its
// end), so passing more records never changes a result.
//
// The margins, and why:
//   - from = p.From − max(RepeatLookback, DeployLinkWindow, 24 h):
//     an incident at p.From can repeat one detected RepeatLookback earlier;
//     an incident at p.From can be linked to a deploy that finished
//     DeployLinkWindow earlier; 24 h covers civil dates stored as midnight
//     UTC when the reporting zone is behind UTC.
//   - to = p.To + DeployLinkWindow: a deploy finishing just before p.To
//     fails if an incident is detected, or a rollback/hotfix finishes,
//     within DeployLinkWindow after it.
func (s Settings) InputWindow(p Period) (from, to time.Time) {
	back := max(s.RepeatLookback, s.DeployLinkWindow, 24*time.Hour)
	return p.From.Add(-back), p.To.Add(max(s.DeployLinkWindow, 0))
}

// asOf returns the knowledge cut-off for p (Settings.AsOf, or p.To when zero).
func (s Settings) asOf(p Period) time.Time {
	if s.AsOf.IsZero() {
		return p.To
	}
	return s.AsOf
}

// overdueAt returns the instant action_items_overdue is taken for p: the
// end of p, or the knowledge cut-off when that comes first.
func (s Settings) overdueAt(p Period) time.Time {
	if a := s.asOf(p); a.Before(p.To) {
		return a
	}
	return p.To
}

// BusinessDeadline returns the end (last nanosecond) of the n-th business
// day (Monday to Friday, no holidays) strictly after the civil date of t in
// loc. A resolution on Friday with n = 5 is due at the end of the next
// Friday; a resolution on Saturday or Sunday counts Monday as day 1. n ≤ 0
// gives the end of t's own day.
func BusinessDeadline(t time.Time, n int, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	// Walk civil dates at noon UTC so no DST shift can skip or repeat a day.
	d := time.Date(lt.Year(), lt.Month(), lt.Day(), 12, 0, 0, 0, time.UTC)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	next := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
	return next.Add(-time.Nanosecond)
}

// Window is a half-open instant range [From, To).
type Window struct{ From, To time.Time }

// Union returns the smallest window covering w and o (a zero w takes o).
func (w Window) Union(o Window) Window {
	if w.From.IsZero() && w.To.IsZero() {
		return o
	}
	if o.From.Before(w.From) {
		w.From = o.From
	}
	if o.To.After(w.To) {
		w.To = o.To
	}
	return w
}

// LoadWindows are the per-kind ranges of records Compute needs for p; they
// are subsets of InputWindow, so a store that loads less than InputWindow
// for deploys and the rest never changes a result, and loads far fewer
// rows (only incidents need the repeat look-back).
type LoadWindows struct {
	Incidents Window // by detected_at: InputWindow
	Deploys   Window // by finished_at: deploys in p, plus DeployLinkWindow either side for links and rollbacks
	Rest      Window // pages, action items, SLI days, toil weeks: p plus a day either side for civil dates
	// Overdue spans the instants action_items_overdue is taken at (From
	// the earliest, To the latest, both included): an action item due
	// before To and not closed by From can be overdue at one of them,
	// whatever its due date, so it is loaded too. Zero loads none.
	Overdue Window
}

// LoadWindows returns the ranges for p.
func (s Settings) LoadWindows(p Period) LoadWindows {
	from, to := s.InputWindow(p)
	link := max(s.DeployLinkWindow, 0)
	return LoadWindows{
		Incidents: Window{from, to},
		Deploys:   Window{p.From.Add(-link), p.To.Add(link)},
		Rest:      Window{p.From.Add(-24 * time.Hour), p.To.Add(24 * time.Hour)},
		Overdue:   Window{s.overdueAt(p), s.overdueAt(p)},
	}
}

// Union covers both sets of windows.
func (l LoadWindows) Union(o LoadWindows) LoadWindows {
	return LoadWindows{Incidents: l.Incidents.Union(o.Incidents), Deploys: l.Deploys.Union(o.Deploys), Rest: l.Rest.Union(o.Rest),
		Overdue: l.Overdue.Union(o.Overdue)}
}
