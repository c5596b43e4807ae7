package ingest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Layouts with an explicit offset: the value carries its own zone.
var offsetLayouts = []string{
	time.RFC3339Nano, // 2006-01-02T15:04:05.999999999Z07:00 (also parses without fraction)
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04:05.999999999 -0700 MST",
	"2006-01-02 15:04:05.999999999 MST", // "… UTC"
	"2006-01-02T15:04:05.999999999 MST",
	time.RFC1123Z,
	time.RFC1123,
}

// Layouts without offset: read in Options.Location.
var localLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// Per-format defaults for offset-less dates.
const (
	layoutServiceNow = "2006-01-02 15:04:05"
	layoutJira       = "2/Jan/06 3:04 PM"
)

// Named ServiceNow/Jira date layouts accepted in Options.DateLayout besides
// Go layouts and Java-style patterns.
var namedLayouts = map[string]string{
	"yyyy-mm-dd": "2006-01-02 15:04:05",
	"dd-mm-yyyy": "02-01-2006 15:04:05",
	"mm-dd-yyyy": "01-02-2006 15:04:05",
	"dd/mm/yyyy": "02/01/2006 15:04:05",
	"mm/dd/yyyy": "01/02/2006 15:04:05",
	"dd.mm.yyyy": "02.01.2006 15:04:05",
}

// goLayout turns a user-supplied layout into a Go layout. It accepts Go
// layouts ("02-01-2006 15:04:05"), the names in namedLayouts and Java /
// ServiceNow / Jira style patterns ("dd-MM-yyyy HH:mm:ss", "dd/MMM/yy h:mm a").
func goLayout(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if l, ok := namedLayouts[strings.ToLower(s)]; ok {
		return l
	}
	if strings.Contains(s, "2006") || strings.Contains(s, "06") && strings.Contains(s, "Jan") || strings.Contains(s, "15") {
		return s // already a Go layout
	}
	repl := []struct{ java, gol string }{
		{"yyyy", "2006"}, {"yy", "06"},
		{"MMMM", "January"}, {"MMM", "Jan"}, {"MM", "01"}, {"M", "1"},
		{"dd", "02"}, {"d", "2"},
		{"HH", "15"}, {"H", "15"}, {"hh", "03"}, {"h", "3"},
		{"mm", "04"}, {"ss", "05"}, {"SSS", "000"}, {"a", "PM"},
	}
	var out strings.Builder
	for i := 0; i < len(s); {
		matched := false
		for _, r := range repl {
			if strings.HasPrefix(s[i:], r.java) {
				out.WriteString(r.gol)
				i += len(r.java)
				matched = true
				break
			}
		}
		if !matched {
			out.WriteByte(s[i])
			i++
		}
	}
	return out.String()
}

// layoutVariants returns a layout and the forms of it that spreadsheets
// write when they re-save a file: single-digit months, days and hours
// (Excel writes 3/17/2025 6:04 for 03/17/2025 06:04:00), no seconds, a
// 12-hour clock, and the date without its time (Jira's due dates). The
// order of day, month and year is never changed: that is what the layout
// is for.
func layoutVariants(layout string) []string {
	if layout == "" {
		return nil
	}
	out := []string{layout}
	add := func(l string) {
		for _, x := range out {
			if x == l {
				return
			}
		}
		out = append(out, l)
	}
	// Go's "1", "2" and "3" read one or two digits, "01", "02", "03" only two.
	loose := strings.NewReplacer("01", "1", "02", "2", "03", "3").Replace(layout)
	add(loose)
	for _, l := range []string{layout, loose} {
		noSec := strings.Replace(strings.Replace(l, ".000", "", 1), ":05", "", 1)
		add(noSec)
		if strings.Contains(l, "15:04") && !strings.Contains(l, "PM") {
			add(strings.Replace(l, "15:04", "3:04", 1) + " PM")
			add(strings.Replace(noSec, "15:04", "3:04", 1) + " PM")
		}
		// Jira and spreadsheets also write dates without the time part.
		if i := strings.IndexByte(l, ' '); i > 0 {
			add(l[:i])
		}
	}
	return out
}

// parseTime parses a timestamp: first the explicit layout and its
// layoutVariants (read in loc when it has no zone), then RFC 3339 and
// friends, then the offset-less fallbacks in loc, then Unix epoch
// seconds/milliseconds. The result is UTC.
func parseTime(s, layout string, loc *time.Location) (time.Time, error) {
	return parseTimeLayouts(s, layout, layoutVariants(layout), loc)
}

func parseTimeLayouts(s, layout string, variants []string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("empty date")
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, l := range variants {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	for _, l := range offsetLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		if n > 1e11 { // milliseconds
			return time.UnixMilli(n).UTC(), nil
		}
		return time.Unix(n, 0).UTC(), nil
	}
	if layout != "" {
		return time.Time{}, fmt.Errorf("bad date %q (want layout %q; set the date layout, e.g. mm/dd/yyyy or dd/mm/yyyy)", s, layout)
	}
	return time.Time{}, fmt.Errorf("bad date %q (set the date layout, e.g. mm/dd/yyyy or dd/mm/yyyy)", s)
}

// parseDay parses a civil date to midnight UTC (no zone conversion: a day is
// a calendar label, not an instant).
func parseDay(s, layout string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("empty date")
	}
	layouts := []string{"2006-01-02", "2006/01/02", "20060102", "2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05"}
	if layout != "" {
		layouts = append([]string{layout}, layouts...)
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			y, m, d := t.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad date %q", s)
}

// timeField collects the first date error of a row, so one reject names it.
type timeField struct {
	layout   string
	loc      *time.Location
	err      error
	variants []string // layoutVariants(layout), computed once
	done     bool
}

func (tf *timeField) parse(v string) (time.Time, error) {
	if !tf.done {
		tf.variants, tf.done = layoutVariants(tf.layout), true
	}
	return parseTimeLayouts(v, tf.layout, tf.variants, tf.loc)
}

// req parses a required timestamp.
func (tf *timeField) req(field, v string) time.Time {
	t, err := tf.parse(v)
	if err != nil && tf.err == nil {
		tf.err = &FieldError{Field: field, Msg: field + ": " + err.Error(), Err: err}
	}
	return t
}

// opt parses an optional timestamp: empty → nil.
func (tf *timeField) opt(field, v string) *time.Time {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	t, err := tf.parse(v)
	if err != nil {
		if tf.err == nil {
			tf.err = &FieldError{Field: field, Msg: field + ": " + err.Error(), Err: err}
		}
		return nil
	}
	return &t
}

func ptr[T any](v T) *T { return &v }

// addSeconds returns base + secs (a count of seconds as text), nil when empty.
func addSeconds(base time.Time, secs string) (*time.Time, error) {
	secs = strings.TrimSpace(secs)
	if secs == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(secs, 64)
	if err != nil || f < 0 {
		return nil, fmt.Errorf("bad duration in seconds %q", secs)
	}
	t := base.Add(time.Duration(f * float64(time.Second)))
	return &t, nil
}
