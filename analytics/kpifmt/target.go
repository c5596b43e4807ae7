package kpifmt

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"sreport/analytics"
)

// Targets and thresholds are settings, written and read by people in the
// units pages show (99.99 %, 30 min, 4 h) and stored as the engine's
// numbers (0.9999, 30, 240). Exact shows a stored number that way, without
// rounding it to a measurement's precision; ParseTarget reads it back.

// Exact renders a target x of unit u as configured: a percentage for
// fractions and budgets ("99.99 %"), a duration in the largest unit that
// keeps it whole ("30 min", "4 h", "7 d"), other numbers plainly.
func Exact(u analytics.Unit, x float64) string {
	switch {
	case u.Percent():
		return plain(x*100) + " %"
	case u == analytics.UnitMinutes:
		return wholeDuration(x, []unitStep{{"d", 1440}, {"h", 60}}, "min")
	case u == analytics.UnitHours:
		return wholeDuration(x, []unitStep{{"d", 24}}, "h")
	case u == analytics.UnitWorkHours:
		return plain(x) + " h"
	}
	return plain(x)
}

type unitStep struct {
	symbol string
	per    float64 // base units per one of this
}

// wholeDuration writes x (in the base unit) in the first larger unit
// that holds it as a whole number of at least 2 (48 h reads "2 d", 24 h
// stays "24 h"), else in the base unit.
func wholeDuration(x float64, steps []unitStep, base string) string {
	for _, s := range steps {
		if q := x / s.per; q >= 2 && math.Abs(q-math.Round(q)) < 1e-9 {
			return plain(math.Round(q)) + " " + s.symbol
		}
	}
	return plain(x) + " " + base
}

// plain writes x with the digits it has, float noise dropped
// (0.9999 × 100 is 99.99000000000001).
func plain(x float64) string {
	return strconv.FormatFloat(math.Round(x*1e6)/1e6, 'f', -1, 64)
}

var targetText = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*([a-z%]*)$`)

// ParseTarget reads a target of unit u as written in display units and
// returns the stored number: "99.99 %" or "99.99" → 0.9999 for a
// fraction; "30", "30 min", "4 h", "1.5 d" → minutes for a duration in
// minutes (a bare number is minutes); "24", "24 h", "7 d" → hours for one
// in hours; a plain number otherwise. A comma is a decimal mark. A bare
// number from 0 to 1 (exclusive) for a percentage is refused: 0.9999 could
// mean 99.99 % or 0.9999 %, so it must be written with its % sign.
func ParseTarget(u analytics.Unit, text string) (float64, error) {
	s := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(text), ",", "."))
	m := targetText.FindStringSubmatch(s)
	var v float64
	var err error
	if m != nil {
		v, err = strconv.ParseFloat(m[1], 64)
	}
	if m == nil || err != nil || math.IsInf(v, 0) {
		return 0, problem("Enter " + unitNoun(u) + unitHint(u) + ", 0 or more.")
	}
	suffix := m[2]
	switch {
	case u.Percent():
		switch {
		case suffix != "" && suffix != "%":
			return 0, problem("Enter a percentage, e.g. 99.9 %.")
		case suffix == "" && v > 0 && v < 1:
			return 0, problem("Write the target as a percentage with its sign: " + plain(v*100) + " % or " + plain(v) + " %.")
		case u.Fraction() && v > 100:
			return 0, problem("A percentage is from 0 to 100 %.")
		}
		// v/100 can land an ulp off the stored fraction (0.019 / 100 is
		// 0.00018999999999999998): round to twelve decimals, far below
		// any precision a target is written with.
		return math.Round(v/100*1e12) / 1e12, nil
	case u == analytics.UnitMinutes, u == analytics.UnitHours, u == analytics.UnitWorkHours:
		minutes := map[string]float64{"": 1, "m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1,
			"h": 60, "hr": 60, "hrs": 60, "hour": 60, "hours": 60, "d": 1440, "day": 1440, "days": 1440}
		per, ok := minutes[suffix]
		if !ok {
			return 0, problem("Enter a duration" + unitHint(u) + ".")
		}
		if u == analytics.UnitMinutes {
			return v * per, nil
		}
		if suffix == "" {
			per = 60 // a bare number is hours for a KPI in hours
		}
		return v * per / 60, nil
	}
	if suffix != "" {
		return 0, problem("Enter a plain number.")
	}
	return v, nil
}

// Problem is a target that does not read: its message says how to write
// it, for a form to show beside the field.
type Problem string

// Error is the message.
func (p Problem) Error() string { return string(p) }

func problem(msg string) error { return Problem(msg) }

// unitNoun is what a target of unit u is: "a percentage", "a duration", "a number".
func unitNoun(u analytics.Unit) string {
	switch {
	case u.Percent():
		return "a percentage"
	case u == analytics.UnitMinutes, u == analytics.UnitHours, u == analytics.UnitWorkHours:
		return "a duration"
	}
	return "a number"
}

// unitHint says how a target of unit u may be written.
func unitHint(u analytics.Unit) string {
	switch {
	case u.Percent():
		return " as a percentage, e.g. 99.9 %"
	case u == analytics.UnitMinutes:
		return ", e.g. 30 min, 4 h or 1 d (a bare number is minutes)"
	case u == analytics.UnitHours, u == analytics.UnitWorkHours:
		return ", e.g. 24 h or 7 d (a bare number is hours)"
	}
	return ""
}

// Hint describes how targets of unit u are written, for a form.
func Hint(u analytics.Unit) string {
	switch {
	case u.Percent():
		return "percent, e.g. 99.9 %"
	case u == analytics.UnitMinutes:
		return "time: 30 min, 4 h, 1 d"
	case u == analytics.UnitHours, u == analytics.UnitWorkHours:
		return "hours: 24 h, 7 d"
	}
	return "number"
}
