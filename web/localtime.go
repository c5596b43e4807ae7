package web

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Times are typed as ISO wall-clock values in the reporting timezone
// ("2026-10-03 14:05"), never through the browser's locale widget, which
// shows "mm/dd/yyyy, --:-- AM" and knows nothing of the reporting zone.
const (
	wallMinute = "2006-01-02 15:04"
	wallSecond = "2006-01-02 15:04:05"
)

// wallPattern is what a time field accepts: a date, optionally a time (T or
// a space between), optionally an explicit UTC offset, which is how a wall
// time that happens twice (clocks going back) is told apart.
var wallPattern = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?))?\s*(Z|[+-]\d{2}:?\d{2})?$`)

var errLocalTime = errors.New("enter a date and time like 2026-10-03 14:05")

// gapError is a wall time the zone skips (clocks going forward).
type gapError struct {
	wall string
	loc  *time.Location
	jump time.Duration
}

func (e *gapError) Error() string {
	return fmt.Sprintf("%s does not exist in %s: the clocks move forward %s there (daylight saving time starts); enter a time before or after the gap",
		e.wall, e.loc, shortDuration(e.jump))
}

// ambiguousError is a wall time the zone has twice (clocks going back).
type ambiguousError struct {
	wall          string
	loc           *time.Location
	first, second time.Time
}

func (e *ambiguousError) Error() string {
	return fmt.Sprintf("%s happens twice in %s (the clocks go back): add the offset, %s %s for the first or %s %s for the second",
		e.wall, e.loc, e.wall, e.first.Format("-07:00"), e.wall, e.second.Format("-07:00"))
}

func shortDuration(d time.Duration) string {
	if d%time.Hour == 0 {
		return strconv.Itoa(int(d/time.Hour)) + " h"
	}
	return strconv.Itoa(int(d/time.Minute)) + " min"
}

// parseLocal reads a wall-clock time typed in loc ("" is nil; a bare date
// is 00:00). A time the zone skips, or has twice without an offset to say
// which, is an error naming the choice: Go's ParseInLocation would pick one
// silently, and a wrong hour is a wrong MTTR.
func parseLocal(s string, loc *time.Location) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	m := wallPattern.FindStringSubmatch(s)
	if m == nil {
		return nil, errLocalTime
	}
	clock := m[2]
	if clock == "" {
		clock = "00:00"
	}
	if len(clock) == 5 {
		clock += ":00"
	}
	naive, err := time.Parse("2006-01-02 15:04:05", m[1]+" "+clock)
	if err != nil {
		return nil, errLocalTime
	}
	if off := m[3]; off != "" {
		if off != "Z" && !strings.Contains(off, ":") {
			off = off[:3] + ":" + off[3:]
		}
		t, err := time.Parse(time.RFC3339, naive.Format("2006-01-02T15:04:05")+off)
		if err != nil {
			return nil, errLocalTime
		}
		u := t.UTC()
		return &u, nil
	}
	wall := naive.Format(wallMinute)
	if naive.Second() != 0 {
		wall = naive.Format(wallSecond)
	}
	got := wallInstants(naive, loc)
	switch len(got) {
	case 0:
		_, before := naive.Add(-26 * time.Hour).In(loc).Zone()
		_, after := naive.Add(26 * time.Hour).In(loc).Zone()
		return nil, &gapError{wall: wall, loc: loc, jump: time.Duration(after-before) * time.Second}
	case 1:
		u := got[0].UTC()
		return &u, nil
	default:
		return nil, &ambiguousError{wall: wall, loc: loc, first: got[0].In(loc), second: got[1].In(loc)}
	}
}

// wallInstants returns the instants, earliest first, at which loc's clocks
// show naive's wall time (naive is that wall time read as UTC): none in a
// gap, two in an overlap. The offsets in force a day either side bound
// every real transition, which are months apart.
func wallInstants(naive time.Time, loc *time.Location) []time.Time {
	var out []time.Time
	for _, probe := range []time.Time{naive.Add(-26 * time.Hour), naive, naive.Add(26 * time.Hour)} {
		_, off := probe.In(loc).Zone()
		u := naive.Add(-time.Duration(off) * time.Second)
		l := u.In(loc)
		if l.Year() != naive.Year() || l.YearDay() != naive.YearDay() || l.Hour() != naive.Hour() ||
			l.Minute() != naive.Minute() || l.Second() != naive.Second() {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || o.Equal(u)
		}
		if !dup {
			out = append(out, u)
		}
	}
	if len(out) == 2 && out[1].Before(out[0]) {
		out[0], out[1] = out[1], out[0]
	}
	return out
}

// localValue renders t for a time field in loc, to the minute; a wall time
// loc has twice carries its offset, so saving the form again keeps it.
func localValue(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	l := t.In(loc).Truncate(time.Minute)
	s := l.Format(wallMinute)
	if naive, err := time.Parse(wallMinute, s); err == nil && len(wallInstants(naive, loc)) > 1 {
		s += " " + l.Format("-07:00")
	}
	return s
}

// zoneNote names the zone times are typed in and its current offset, e.g.
// "Europe/Berlin (CET, UTC+01:00)", shown beside every time field.
func zoneNote(loc *time.Location, now time.Time) string {
	l := now.In(loc)
	name, _ := l.Zone()
	return loc.String() + " (" + name + ", UTC" + l.Format("-07:00") + ")"
}

// timeFieldError is the message beside a time field that did not parse.
func timeFieldError(err error, loc *time.Location) string {
	var gap *gapError
	var amb *ambiguousError
	if errors.As(err, &gap) || errors.As(err, &amb) {
		msg := err.Error()
		return strings.ToUpper(msg[:1]) + msg[1:] + "."
	}
	return "Enter a date and time in " + loc.String() + " as YYYY-MM-DD HH:MM, e.g. 2026-10-03 14:05."
}

// localValueOr is localValue with "none" for a missing time, for help text.
func localValueOr(t *time.Time, loc *time.Location) string {
	if t == nil {
		return "none"
	}
	return localValue(t, loc)
}
