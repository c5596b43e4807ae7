package analytics

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// This file is on-call health per responder: who was interrupted, when and
// how often, and how fairly a team's load is spread. The hour bands are
// PagerDuty's (On-Call Readiness / Insights), fixed on purpose so figures
// compare with PagerDuty's own: they do not follow the business- and
// sleep-hour settings behind pages_after_hours and pages_sleep_hours.

// Interruption hour bands, in the on-call time zone of the paged service.
const (
	HoursBusiness = "business" // 08:00–18:00 Monday to Friday
	HoursOff      = "off"      // neither business nor sleep hours
	HoursSleep    = "sleep"    // 22:00–08:00 every day
)

// InterruptionHours returns the band of local time t: sleep hours
// 22:00–08:00 on any day, business hours 08:00–18:00 Monday to Friday,
// off hours the rest (weekday evenings 18–22, weekend days 08–22).
func InterruptionHours(t time.Time) string {
	h := t.Hour()
	if h >= 22 || h < 8 {
		return HoursSleep
	}
	if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday && h < 18 {
		return HoursBusiness
	}
	return HoursOff
}

// nightOf returns the civil date (midnight UTC) of the night local time t
// falls in, the night being named by the evening it starts: 02:00 on a
// Tuesday belongs to Monday's night. ok is false outside sleep hours.
func nightOf(t time.Time) (night time.Time, ok bool) {
	if InterruptionHours(t) != HoursSleep {
		return time.Time{}, false
	}
	if t.Hour() < 8 {
		t = t.AddDate(0, 0, -1)
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
}

// People maps a responder as a source names them (display name, e-mail,
// user id; compared case-insensitively) to the person they are, so one
// person paged by PagerDuty as "Tim Wright" and by Opsgenie as
// tim@example.com counts once.
type People map[string]string

// interrupted returns the person page pg counts as an interruption of
// (Page.Interrupted), "" when it names nobody.
func (p People) interrupted(pg Page) string {
	r, ok := pg.Interrupted()
	if !ok {
		return ""
	}
	return p.Person(r)
}

// Resolve returns the person behind raw: the mapped name, else raw itself
// trimmed; "" for an unknown responder.
func (p People) Resolve(raw string) string {
	raw = strings.TrimSpace(raw)
	if v, ok := p[strings.ToLower(raw)]; ok {
		return v
	}
	return raw
}

// ResponderLoad is one person's on-call load in one team over a period.
type ResponderLoad struct {
	Person        string `json:"person"`
	Interruptions int    `json:"interruptions"` // pages that reached the person
	Business      int    `json:"business"`
	Off           int    `json:"off"`
	Sleep         int    `json:"sleep"`
	Nights        int    `json:"nights_interrupted"` // distinct nights with at least one sleep-hours interruption
	LongestRun    int    `json:"longest_night_run"`  // most consecutive interrupted nights
	Shifts        int    `json:"shifts_paged"`       // shift-length blocks of the period in which the person was paged
	// PagesPerShift is Interruptions ÷ Shifts: the load of a shift on which
	// the person was paged at all (quiet shifts are invisible in page data).
	PagesPerShift *float64 `json:"pages_per_shift"`
	Share         *float64 `json:"share"` // of the group's attributed interruptions
	// SleepInterrupted is Sleep > Settings.SleepInterruptThreshold.
	SleepInterrupted bool `json:"sleep_interrupted"`
}

// HealthIndex is oncall_health_index with the four components it is the
// mean of, each 0–100 where 100 is healthy (docs/metrics.md).
type HealthIndex struct {
	Value    *float64 `json:"value"`
	SleepOK  *float64 `json:"sleep"`     // 100 × (1 − sleep ÷ interruptions)
	OffOK    *float64 `json:"off_hours"` // 100 × (1 − off ÷ interruptions)
	Fairness *float64 `json:"fairness"`  // 100 × (1 − Gini)
	Rested   *float64 `json:"rested"`    // 100 × (1 − sleep-interrupted responders ÷ responders)
}

// OnCallLoad is the on-call load of a group (a team, or everyone in scope):
// its people and the fairness of the spread between them.
type OnCallLoad struct {
	Team          string          `json:"team"` // "" for everyone in scope
	People        []ResponderLoad `json:"people,omitempty"`
	Responders    int             `json:"responders"`    // people paged: len(People)
	Interruptions int             `json:"interruptions"` // attributed pages
	Business      int             `json:"business"`
	Off           int             `json:"off"`
	Sleep         int             `json:"sleep"`
	Unattributed  int             `json:"unattributed"`           // pages in the period without a responder
	Gini          *float64        `json:"oncall_load_gini"`       // of interruptions per person
	MaxToMedian   *float64        `json:"oncall_load_max_median"` // most-paged person's interruptions ÷ the median person's
	// SleepInterrupted counts People above the sleep-hours threshold.
	SleepInterrupted int         `json:"sleep_interrupted_responders"`
	Health           HealthIndex `json:"oncall_health_index"`
}

// OnCallHealth is the on-call load per team and for everyone in scope.
type OnCallHealth struct {
	Teams []OnCallLoad `json:"teams"` // by team name
	All   OnCallLoad   `json:"all"`   // people across teams, each counted once
}

// ComputeOnCallHealth returns the on-call load of the pages of in triggered
// in p, per team (of the paged service) and overall. Responders are
// resolved through in.People; a page without one counts as unattributed.
func ComputeOnCallHealth(in Input, p Period, s Settings) OnCallHealth {
	teamOf := make(map[int64]string, len(in.Services))
	tz := make(map[int64]*time.Location, len(in.Services))
	for _, sv := range in.Services {
		teamOf[sv.ID] = sv.Team
		tz[sv.ID] = loadLoc(sv.OnCallTZ)
	}
	byTeam := map[string][]*Page{}
	var all []*Page
	in.Pages = cutSorted(in.Pages, pageAt, in.ordered&orderedPages != 0, p.From, p.To) // only p's count
	for i := range in.Pages {
		pg := &in.Pages[i]
		if !p.Contains(pg.TriggeredAt) {
			continue
		}
		all = append(all, pg)
		byTeam[teamOf[pg.ServiceID]] = append(byTeam[teamOf[pg.ServiceID]], pg)
	}
	var out OnCallHealth
	for team, pgs := range byTeam {
		l := onCallLoad(pgs, tz, in.People, p, s)
		l.Team = team
		out.Teams = append(out.Teams, l)
	}
	slices.SortFunc(out.Teams, func(a, b OnCallLoad) int { return cmp.Compare(a.Team, b.Team) })
	out.All = onCallLoad(all, tz, in.People, p, s)
	return out
}

// onCallLoad aggregates pages (all in p) per resolved responder.
func onCallLoad(pages []*Page, tz map[int64]*time.Location, people People, p Period, s Settings) OnCallLoad {
	return tallyOnCall(pages, tz, people, p, s).load(s)
}

// responderTally is one person's interruptions as they are counted.
type responderTally struct {
	r      ResponderLoad
	nights map[time.Time]bool
	shifts map[int64]bool
}

// onCallTally is a group's pages counted per person, before the group's
// figures are drawn from it: what a roll-up adds up from its services
// (Partial), since a person's interruptions, nights and shifts over
// several services are the sums and unions of theirs on each.
type onCallTally struct {
	by           map[string]*responderTally
	unattributed int
}

// tallyOnCall counts pages (all in p) per resolved responder.
func tallyOnCall(pages []*Page, tz map[int64]*time.Location, people People, p Period, s Settings) onCallTally {
	shift := time.Duration(max(s.ShiftDays, 1)) * 24 * time.Hour
	t := onCallTally{by: map[string]*responderTally{}}
	// Resolving a responder folds case and looks aliases up; the same few
	// people answer thousands of pages, so each is resolved once.
	type named struct{ name, email string }
	resolved := map[named]string{}
	for _, pg := range pages {
		r, ok := pg.Interrupted()
		if !ok {
			t.unattributed++
			continue
		}
		who, seen := resolved[named{r.Name, r.Email}]
		if !seen {
			who = people.Person(r)
			resolved[named{r.Name, r.Email}] = who
		}
		if who == "" {
			t.unattributed++
			continue
		}
		a := t.by[who]
		if a == nil {
			a = &responderTally{r: ResponderLoad{Person: who}, nights: map[time.Time]bool{}, shifts: map[int64]bool{}}
			t.by[who] = a
		}
		loc := tz[pg.ServiceID]
		if loc == nil {
			loc = time.UTC
		}
		lt := pg.TriggeredAt.In(loc)
		a.r.Interruptions++
		switch InterruptionHours(lt) {
		case HoursBusiness:
			a.r.Business++
		case HoursOff:
			a.r.Off++
		case HoursSleep:
			a.r.Sleep++
			n, _ := nightOf(lt)
			a.nights[n] = true
		}
		a.shifts[int64(pg.TriggeredAt.Sub(p.From)/shift)] = true
	}
	return t
}

// add adds o's counts to t's, copying what it takes: o may be shared.
func (t *onCallTally) add(o onCallTally) {
	if t.by == nil {
		t.by = map[string]*responderTally{}
	}
	t.unattributed += o.unattributed
	for who, x := range o.by {
		a := t.by[who]
		if a == nil {
			a = &responderTally{r: ResponderLoad{Person: who}, nights: make(map[time.Time]bool, len(x.nights)), shifts: make(map[int64]bool, len(x.shifts))}
			t.by[who] = a
		}
		a.r.Interruptions += x.r.Interruptions
		a.r.Business += x.r.Business
		a.r.Off += x.r.Off
		a.r.Sleep += x.r.Sleep
		for n := range x.nights {
			a.nights[n] = true
		}
		for sh := range x.shifts {
			a.shifts[sh] = true
		}
	}
}

// load draws the group's on-call load from the tally.
func (t onCallTally) load(s Settings) OnCallLoad {
	by := t.by
	l := OnCallLoad{Unattributed: t.unattributed}
	counts := make([]float64, 0, len(by))
	for _, a := range by {
		r := a.r
		r.Nights = len(a.nights)
		r.LongestRun = longestRun(a.nights)
		r.Shifts = len(a.shifts)
		r.PagesPerShift = ratio(float64(r.Interruptions), float64(r.Shifts))
		r.SleepInterrupted = r.Sleep > s.SleepInterruptThreshold
		l.Interruptions += r.Interruptions
		l.Business += r.Business
		l.Off += r.Off
		l.Sleep += r.Sleep
		if r.SleepInterrupted {
			l.SleepInterrupted++
		}
		l.People = append(l.People, r)
		counts = append(counts, float64(r.Interruptions))
	}
	for i := range l.People {
		l.People[i].Share = ratio(float64(l.People[i].Interruptions), float64(l.Interruptions))
	}
	slices.SortFunc(l.People, func(a, b ResponderLoad) int {
		return cmp.Or(cmp.Compare(b.Interruptions, a.Interruptions), cmp.Compare(a.Person, b.Person))
	})
	l.Responders = len(l.People)
	l.Gini = gini(counts)
	if md := median(counts); md != nil {
		l.MaxToMedian = ratio(slices.Max(counts), *md)
	}
	l.Health = healthIndex(l)
	return l
}

// longestRun returns the most consecutive civil dates in nights.
func longestRun(nights map[time.Time]bool) int {
	best := 0
	for n := range nights {
		if nights[n.AddDate(0, 0, -1)] {
			continue // not the start of a run
		}
		run := 1
		for nights[n.AddDate(0, 0, run)] {
			run++
		}
		best = max(best, run)
	}
	return best
}

// gini returns the Gini coefficient of xs (0 = everyone carries the same
// load, towards 1 = one person carries it all): Σᵢ Σⱼ |xᵢ − xⱼ| ÷ (2 n² x̄),
// computed from the sorted values as (2 Σ i·x₍ᵢ₎) ÷ (n Σ x) − (n + 1) ÷ n.
// nil without values or load.
func gini(xs []float64) *float64 {
	n := len(xs)
	if n == 0 {
		return nil
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	var sum, weighted float64
	for i, x := range s {
		sum += x
		weighted += float64(i+1) * x
	}
	if sum == 0 {
		return nil
	}
	g := 2*weighted/(float64(n)*sum) - float64(n+1)/float64(n)
	return num(max(g, 0)) // rounding can leave −1e-17 for equal loads
}

// healthIndex is the mean of the four components, each 0–100.
func healthIndex(l OnCallLoad) HealthIndex {
	var h HealthIndex
	if l.Interruptions == 0 {
		return h
	}
	pct := func(v *float64) *float64 {
		if v == nil {
			return nil
		}
		return num(100 * (1 - *v))
	}
	h.SleepOK = pct(ratio(float64(l.Sleep), float64(l.Interruptions)))
	h.OffOK = pct(ratio(float64(l.Off), float64(l.Interruptions)))
	h.Fairness = pct(l.Gini)
	h.Rested = pct(ratio(float64(l.SleepInterrupted), float64(len(l.People))))
	sum := 0.0
	for _, c := range []*float64{h.SleepOK, h.OffOK, h.Fairness, h.Rested} {
		sum += *c
	}
	h.Value = num(sum / 4)
	return h
}

// oncall computes the on-call fairness KPIs over everyone paged in scope.
func (c *computer) oncall() {
	tz := c.svcTZ
	var pages []*Page
	for i := range c.in.Pages {
		if pg := &c.in.Pages[i]; c.p.Contains(pg.TriggeredAt) {
			pages = append(pages, pg)
		}
	}
	c.tally = tallyOnCall(pages, tz, c.in.People, c.p, c.s)
	l := c.setOnCall(c.tally)
	if c.ev == nil {
		return
	}
	// The index's rows are pages; the fairness KPIs' rows are people, whose
	// names the explain page hides from viewers unless a setting shows them.
	for _, pg := range pages {
		loc := tz[pg.ServiceID]
		if loc == nil {
			loc = time.UTC
		}
		lt := pg.TriggeredAt.In(loc)
		row := EvidenceRow{Kind: KindPage, ID: pg.ID, Label: fmt.Sprintf("#%d %s", pg.ID, pg.Title), At: pg.TriggeredAt,
			Included: c.in.People.interrupted(*pg) != "",
			Note:     InterruptionHours(lt) + " hours, local " + lt.Format("Mon 15:04 MST")}
		if !row.Included {
			row.Note = "no responder recorded; " + row.Note
		}
		c.ev.add(row, KPIOnCallHealthIndex)
	}
	for i, r := range l.People {
		v, sl := float64(r.Interruptions), float64(r.Sleep)
		label := fmt.Sprintf("%s: %d interruptions (%d business, %d off, %d sleep)", r.Person, r.Interruptions, r.Business, r.Off, r.Sleep)
		c.ev.add(EvidenceRow{Kind: KindResponder, ID: int64(i + 1), Label: label, Value: &v, Included: true, At: c.p.From},
			KPIOnCallLoadGini, KPIOnCallLoadMaxToMedian)
		note := fmt.Sprintf("%d sleep-hours interruptions on %d nights (longest run %d); threshold %d", r.Sleep, r.Nights, r.LongestRun, c.s.SleepInterruptThreshold)
		c.ev.add(EvidenceRow{Kind: KindResponder, ID: int64(i + 1), Label: label, Value: &sl, Included: r.SleepInterrupted, At: c.p.From, Note: note},
			KPISleepInterruptedResponders)
	}
}

// setOnCall sets the on-call counts and fairness KPIs from t (a roll-up's
// sum of its services' tallies, or this computation's own).
func (c *computer) setOnCall(t onCallTally) OnCallLoad {
	l := t.load(c.s)
	n, k := &c.res.Counts, &c.res.KPIs
	n.Responders = len(l.People)
	n.PagesWithResponder = l.Interruptions
	n.InterruptionsBusiness, n.InterruptionsOff, n.InterruptionsSleep = l.Business, l.Off, l.Sleep
	n.SleepInterrupted = l.SleepInterrupted
	if len(l.People) > 0 {
		k.OnCallLoadGini = l.Gini
		k.OnCallLoadMaxToMedian = l.MaxToMedian
		k.SleepInterruptedResponders = num(float64(l.SleepInterrupted))
		k.OnCallHealthIndex = l.Health.Value
	}
	return l
}
