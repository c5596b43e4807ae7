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

// Months returns the calendar months inside p (one for a month, three for a quarter).
func (p Period) Months() []Period {
	if p.Kind == Month {
		return []Period{p}
	}
	out := make([]Period, 3)
	for i := range out {
		out[i] = NewMonth(p.Year, 3*(p.Num-1)+1+i, p.Loc)
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

// Days is the number of calendar days in p (DST-safe).
func (p Period) Days() int {
	a := time.Date(p.From.Year(), p.From.Month(), p.From.Day(), 0, 0, 0, 0, time.UTC)
	b := time.Date(p.To.Year(), p.To.Month(), p.To.Day(), 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
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
