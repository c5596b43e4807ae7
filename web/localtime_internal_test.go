package web

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestParseLocalDST reads wall times in Europe/Berlin around both DST
// changes of 2026: a time in the spring-forward gap and one in the
// fall-back overlap are errors that say why, an explicit offset picks one
// of the two instants, and ordinary times convert with the right offset.
func TestParseLocalDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		u, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		{"2026-03-29 01:59", utc("2026-03-29T00:59:00Z")}, // CET, last minute before the gap
		{"2026-03-29 03:00", utc("2026-03-29T01:00:00Z")}, // CEST, first minute after it
		{"2026-07-01T14:05", utc("2026-07-01T12:05:00Z")}, // summer, T separator
		{"2026-12-01 14:05:30", utc("2026-12-01T13:05:30Z")},
		{"2026-10-25", utc("2026-10-24T22:00:00Z")}, // a bare date is midnight, CEST
		{"2026-10-25 02:30 +02:00", utc("2026-10-25T00:30:00Z")},
		{"2026-10-25 02:30+01:00", utc("2026-10-25T01:30:00Z")},
		{"2026-10-25 02:30 +0100", utc("2026-10-25T01:30:00Z")},
		{"2026-10-25 03:00", utc("2026-10-25T02:00:00Z")}, // after the overlap: CET only
		{"2026-10-25 01:59", utc("2026-10-24T23:59:00Z")}, // before it: CEST only
		{"2026-10-25T00:30Z", utc("2026-10-25T00:30:00Z")},
	} {
		got, err := parseLocal(c.in, berlin)
		if err != nil || got == nil || !got.Equal(c.want) {
			t.Errorf("parseLocal(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}

	_, err = parseLocal("2026-03-29 02:30", berlin)
	var gap *gapError
	if !errors.As(err, &gap) || gap.jump != time.Hour {
		t.Fatalf("spring-forward gap: got %v, want a 1 h gap error", err)
	}
	if msg := timeFieldError(err, berlin); !strings.Contains(msg, "does not exist in Europe/Berlin") {
		t.Errorf("gap message = %q", msg)
	}
	_, err = parseLocal("2026-10-25 02:30", berlin)
	var amb *ambiguousError
	if !errors.As(err, &amb) {
		t.Fatalf("fall-back overlap: got %v, want an ambiguity error", err)
	}
	if msg := timeFieldError(err, berlin); !strings.Contains(msg, "2026-10-25 02:30 +02:00 for the first") ||
		!strings.Contains(msg, "2026-10-25 02:30 +01:00 for the second") {
		t.Errorf("overlap message = %q", msg)
	}
	for _, bad := range []string{"10/03/2026, 02:05 PM", "2026-13-01 10:00", "2026-10-03 25:00", "yesterday"} {
		if _, err := parseLocal(bad, berlin); !errors.Is(err, errLocalTime) {
			t.Errorf("parseLocal(%q) = %v, want errLocalTime", bad, err)
		}
	}
	if got, err := parseLocal("  ", berlin); got != nil || err != nil {
		t.Errorf("blank = %v, %v", got, err)
	}

	// What the form shows parses back to the same instant, including both
	// instants of the overlap.
	for _, u := range []time.Time{utc("2026-10-25T00:30:00Z"), utc("2026-10-25T01:30:00Z"), utc("2026-03-29T01:00:00Z"), utc("2026-06-01T08:00:00Z")} {
		s := localValue(&u, berlin)
		back, err := parseLocal(s, berlin)
		if err != nil || !back.Equal(u) {
			t.Errorf("round trip of %v via %q = %v, %v", u, s, back, err)
		}
	}
	if s := localValue(&[]time.Time{utc("2026-06-01T08:00:00Z")}[0], berlin); s != "2026-06-01 10:00" {
		t.Errorf("localValue = %q, want 2026-06-01 10:00", s)
	}
	if n := zoneNote(berlin, utc("2026-12-01T00:00:00Z")); n != "Europe/Berlin (CET, UTC+01:00)" {
		t.Errorf("zoneNote = %q", n)
	}
}
