package analytics

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PeriodKind says whether a period is a calendar month or quarter.
type PeriodKind string

// Period kinds.
const (
	Month   PeriodKind = "month"
	Quarter PeriodKind = "quarter"
)

// Period is a calendar month or quarter in a reporting timezone, half-open [From, To).
type Period struct {
	Kind  PeriodKind
	Year  int
	Num   int // month 1..12 or quarter 1..4
	Loc   *time.Location
	From  time.Time
	To    time.Time
	Label string // "2026-10" or "2026-Q3"
}

// ParsePeriod reads "2026-10" (month) or "2026-Q3" (quarter) in loc.
func ParsePeriod(label string, loc *time.Location) (Period, error) {
	if loc == nil {
		loc = time.UTC
	}
	s := strings.TrimSpace(strings.ToUpper(label))
	y, rest, ok := strings.Cut(s, "-")
	if !ok || len(y) != 4 {
		return Period{}, fmt.Errorf("period %q: want YYYY-MM or YYYY-QN", label)
	}
	year, err := strconv.Atoi(y)
	if err != nil || year < 1970 || year > 9999 {
		return Period{}, fmt.Errorf("period %q: bad year", label)
	}
	if strings.HasPrefix(rest, "Q") {
		q, err := strconv.Atoi(rest[1:])
		if err != nil || q < 1 || q > 4 || len(rest) != 2 {
			return Period{}, fmt.Errorf("period %q: quarter must be Q1..Q4", label)
		}
		return NewQuarter(year, q, loc), nil
	}
	m, err := strconv.Atoi(rest)
	if err != nil || m < 1 || m > 12 || len(rest) != 2 {
		return Period{}, fmt.Errorf("period %q: month must be 01..12", label)
	}
	return NewMonth(year, m, loc), nil
}

// NewMonth returns the calendar month in loc.
func NewMonth(year, month int, loc *time.Location) Period {
	if loc == nil {
		loc = time.UTC // time.Date panics on a nil location
	}
	from := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, loc)
	return Period{Kind: Month, Year: year, Num: month, Loc: loc, From: from, To: from.AddDate(0, 1, 0),
		Label: fmt.Sprintf("%04d-%02d", year, month)}
}

// NewQuarter returns the calendar quarter in loc.
func NewQuarter(year, q int, loc *time.Location) Period {
	if loc == nil {
		loc = time.UTC // time.Date panics on a nil location
	}
	from := time.Date(year, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, loc)
	return Period{Kind: Quarter, Year: year, Num: q, Loc: loc, From: from, To: from.AddDate(0, 3, 0),
		Label: fmt.Sprintf("%04d-Q%d", year, q)}
}

// MonthOf returns the month containing t, in loc.
func MonthOf(t time.Time, loc *time.Location) Period {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	return NewMonth(t.Year(), int(t.Month()), loc)
}

// QuarterOf returns the quarter containing t, in loc.
func QuarterOf(t time.Time, loc *time.Location) Period {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	return NewQuarter(t.Year(), (int(t.Month())-1)/3+1, loc)
}

// Prev returns the period of the same kind just before p.
func (p Period) Prev() Period { return p.shift(-1) }

// Next returns the period of the same kind just after p.
func (p Period) Next() Period { return p.shift(1) }

func (p Period) shift(n int) Period {
	if p.Kind == Quarter {
		idx := p.Year*4 + (p.Num - 1) + n
		return NewQuarter(idx/4, idx%4+1, p.Loc)
	}
	idx := p.Year*12 + (p.Num - 1) + n
	return NewMonth(idx/12, idx%12+1, p.Loc)
}

// Months returns the calendar months inside p (one for a month, three for
// a quarter); for a period cut short (ToDate, PrevToDate) the months up to
// its end, the last one cut there too.
func (p Period) Months() []Period {
	if p.Kind == Month {
		return []Period{p}
	}
	var out []Period
	for i := range 3 {
		m := NewMonth(p.Year, 3*(p.Num-1)+1+i, p.Loc)
		if !m.From.Before(p.To) {
			break
		}
		if m.To.After(p.To) {
			m.To = p.To
		}
		out = append(out, m)
	}
	return out
}

// Contains reports whether t lies in [From, To).
func (p Period) Contains(t time.Time) bool {
	return !t.Before(p.From) && t.Before(p.To)
}

// ContainsDay reports whether the civil date of day (stored as midnight UTC)
// falls inside p's calendar days.
func (p Period) ContainsDay(day time.Time) bool {
	d := time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, p.Loc)
	return p.Contains(d)
}

// Days is the number of calendar days in p (DST-safe): for a period cut
// short inside a day (PrevToDate), the days begun, the cut day included.
func (p Period) Days() int {
	a := time.Date(p.From.Year(), p.From.Month(), p.From.Day(), 0, 0, 0, 0, time.UTC)
	b := time.Date(p.To.Year(), p.To.Month(), p.To.Day(), 0, 0, 0, 0, time.UTC)
	n := int(b.Sub(a).Hours() / 24)
	if loc := p.Loc; loc != nil {
		t := p.To.In(loc)
		if t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 || t.Nanosecond() != 0 {
			n++
		}
	}
	return n
}

// InProgress reports whether p has begun but not ended at asOf.
func (p Period) InProgress(asOf time.Time) bool {
	return asOf.After(p.From) && asOf.Before(p.To)
}

// PrevToDate returns the previous period cut at the span of p that has
// elapsed at asOf, for a fair comparison of a period in progress: the same
// day of the month and wall-clock time (for a quarter, of the same month of
// the quarter), in p's timezone. November 15th, 13:00 gives October 1st to
// October 15th, 13:00; a day the earlier month lacks (March 31st against
// February) gives that whole month. The label stays the previous period's.
// A period not in progress at asOf gets its whole previous period.
func (p Period) PrevToDate(asOf time.Time) Period {
	prev := p.Prev()
	if !p.InProgress(asOf) {
		return prev
	}
	loc := p.Loc
	if loc == nil {
		loc = time.UTC
	}
	a, from, pf := asOf.In(loc), p.From.In(loc), prev.From.In(loc)
	months := (a.Year()*12 + int(a.Month())) - (from.Year()*12 + int(from.Month()))
	idx := pf.Year()*12 + int(pf.Month()) - 1 + months
	y, mo := idx/12, time.Month(idx%12+1)
	monthEnd := time.Date(y, mo+1, 1, 0, 0, 0, 0, loc)
	cut := time.Date(y, mo, a.Day(), a.Hour(), a.Minute(), a.Second(), a.Nanosecond(), loc)
	if a.Day() > monthEnd.AddDate(0, 0, -1).Day() {
		cut = monthEnd // the earlier month has no such day: all of it
	}
	if cut.After(prev.To) {
		cut = prev.To
	}
	prev.To = cut
	return prev
}

// String returns the label.
func (p Period) String() string { return p.Label }

// elapsedDays is the number of calendar days of p up to asOf: all of them
// for a period that has ended, the days begun so far (at least one) for a
// period in progress, so per-week and per-shift rates of an unfinished
// month are not diluted by days that have not happened.
func (p Period) elapsedDays(asOf time.Time) int {
	if !asOf.Before(p.To) || asOf.IsZero() {
		return p.Days()
	}
	if !asOf.After(p.From) {
		return 1
	}
	a := asOf.In(p.Loc)
	q := Period{From: p.From, To: time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, p.Loc).AddDate(0, 0, 1)}
	return max(q.Days(), 1)
}
