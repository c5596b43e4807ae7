// Package report builds sreport's printable executive reports from computed
// scorecards: the report's data model and the plain-language executive
// summary. Everything here is a pure function over numbers (no database,
// no HTTP, no clock), so every sentence can be unit-tested from crafted data.
package report

import (
	"math"
	"strconv"
	"strings"

	"sreport/analytics"
)

// Unit says how a number reads in a sentence.
type Unit int

// Units of the numbers in sentences.
const (
	Count   Unit = iota // 3
	Minutes             // 52 minutes, 2.5 hours, 1.5 days
	Hours               // 18 hours, 3.5 days
	Ratio               // 12.5 % (changes in percentage points)
	Avail               // 99.95 % (three decimals; changes in percentage points)
	Rate                // 4.25 (per week, per shift)
)

// UnitOf is the sentence unit of a KPI, from its unit in the registry.
func UnitOf(kpi string) Unit {
	d, _ := analytics.KPIDefOf(kpi)
	switch d.Unit {
	case analytics.UnitMinutes:
		return Minutes
	case analytics.UnitHours, analytics.UnitWorkHours:
		return Hours
	case analytics.UnitNines:
		return Avail
	case analytics.UnitRate:
		return Rate
	case analytics.UnitRatio, analytics.UnitBudget:
		return Ratio
	}
	return Count
}

// Noun is a countable thing with its singular and plural.
type Noun struct{ One, Many string }

// Plural returns "1 incident", "3 incidents" or "no incidents".
func Plural(n int, noun Noun) string {
	switch n {
	case 0:
		return "no " + noun.Many
	case 1:
		return "1 " + noun.One
	}
	return strconv.Itoa(n) + " " + noun.Many
}

// numberWords spells small counts, as prose does ("three months").
var numberWords = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"}

// Words spells n for 0..12 and writes digits above.
func Words(n int) string {
	if n >= 0 && n < len(numberWords) {
		return numberWords[n]
	}
	return strconv.Itoa(n)
}

// trim drops trailing zeros of a decimal ("38.0" → "38").
func trim(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// dec formats x with at most prec decimals; minutes of 10 and more read as whole numbers.
func dec(x float64, prec int) string { return trim(strconv.FormatFloat(x, 'f', prec, 64)) }

// fixed formats x with exactly prec decimals, so the values of one
// sentence line up ("from 99.995 % to 99.900 %"); "-0.0" reads "0.0".
func fixed(x float64, prec int) string {
	s := strconv.FormatFloat(x, 'f', prec, 64)
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	}
	return s
}

// Displayed precision of percentages in sentences: ratios with one
// decimal, availability with three (as the report's tables show them).
const (
	ratioDecimals = 1
	availDecimals = 3
)

// parts splits a value into its number and its unit word, so a range can
// say the unit once ("from 52 to 38 minutes"). The unit's singular or
// plural follows the number as shown: 1.04 minutes reads "1 minute".
func parts(u Unit, x float64) (num, unit string) {
	switch u {
	case Ratio:
		return fixed(x*100, ratioDecimals), "%"
	case Avail:
		return fixed(x*100, availDecimals), "%"
	case Minutes:
		switch a := math.Abs(x); {
		case a < 10:
			return withWord(dec(x, 1), "minute")
		case a < 120:
			return withWord(dec(math.Round(x), 0), "minute")
		case a < 48*60:
			return withWord(dec(x/60, 1), "hour")
		}
		return withWord(dec(x/1440, 1), "day")
	case Hours:
		if math.Abs(x) < 48 {
			return withWord(dec(x, 1), "hour")
		}
		return withWord(dec(x/24, 1), "day")
	case Rate:
		return dec(x, 2), ""
	}
	return dec(x, 2), ""
}

// withWord pairs a shown number with its unit word, singular only when
// the number reads exactly "1".
func withWord(num, word string) (string, string) {
	if num == "1" || num == "-1" {
		return num, word
	}
	return num, word + "s"
}

// Format renders a value in its unit ("38 minutes", "99.950 %", "12").
func Format(u Unit, x float64) string {
	n, w := parts(u, x)
	if w == "" {
		return n
	}
	return n + " " + w
}

// fromTo renders "from 52 to 38 minutes", repeating the unit when it differs
// or is a percent sign ("from 8.2 % to 12.5 %").
func fromTo(u Unit, a, b float64) string {
	na, wa := parts(u, a)
	nb, wb := parts(u, b)
	if wa == wb && wa != "%" {
		return strings.TrimSpace("from " + na + " to " + nb + " " + wa)
	}
	return "from " + strings.TrimSpace(na+" "+wa) + " to " + strings.TrimSpace(nb+" "+wb)
}

// change renders the size of a change: percentage points for ratios,
// a relative percentage otherwise ("−27 %"); "" when prev is 0 or the
// change rounds to zero at the shown precision. Percentage points are the
// difference of the shown values, so the change always adds up with the
// numbers beside it.
func change(u Unit, cur, prev float64) string {
	sign := func(d float64) string {
		if d < 0 {
			return "−" // U+2212 minus sign, as typeset
		}
		return "+"
	}
	pp := func(prec int) string {
		scale := math.Pow(10, float64(prec))
		d := (math.Round(cur*100*scale) - math.Round(prev*100*scale)) / scale
		if s := fixed(math.Abs(d), prec); strings.Trim(s, "0.") != "" {
			return sign(d) + s + " pp"
		}
		return ""
	}
	switch u {
	case Ratio:
		return pp(ratioDecimals)
	case Avail:
		return pp(availDecimals)
	}
	if prev == 0 {
		return ""
	}
	d := (cur - prev) / math.Abs(prev) * 100
	if math.Round(math.Abs(d)) == 0 {
		return ""
	}
	return sign(d) + dec(math.Abs(math.Round(d)), 0) + " %"
}

// unchanged reports whether a move from prev to cur is invisible at the
// shown precision: the same number, or a change that rounds to zero.
func unchanged(u Unit, cur, prev float64) bool {
	if Format(u, cur) == Format(u, prev) {
		return true
	}
	return (u == Ratio || u == Avail) && change(u, cur, prev) == ""
}

// TargetPhrase names a target as prose does: "60-minute", "99.9 %", "4-hour".
func TargetPhrase(u Unit, t float64) string {
	switch u {
	case Minutes:
		if math.Abs(t) < 120 {
			return dec(t, 1) + "-minute"
		}
		if math.Abs(t) < 48*60 {
			return dec(t/60, 1) + "-hour"
		}
		return dec(t/1440, 1) + "-day"
	case Hours:
		return dec(t, 1) + "-hour"
	case Ratio, Avail:
		// A target is a setting, written as configured ("99.9 %"), not a
		// measurement shown at the measurements' precision.
		return dec(t*100, 4) + " %"
	}
	return Format(u, t)
}

// Metric is one KPI of one scope over consecutive periods, each with the
// target in force in it: everything a sentence about it needs.
type Metric struct {
	Name    string // "MTTR"
	Subject string // "tier-0 services"; empty for the report's own scope
	Unit    Unit
	// Current and Previous are the values of this and the previous period
	// (nil: no data).
	Current, Previous *float64
	// Earlier are the values of the periods before Previous, oldest first.
	Earlier []*float64
	// HistoryCapped says Earlier stops at the loaded window, not where the
	// data starts: a run reaching its oldest value may go back further, so
	// the sentence says "at least".
	HistoryCapped bool
	// Target, PrevTarget and EarlierTargets (aligned with Earlier) are the
	// targets in force in each period, nil where there was none: every
	// period is judged by its own.
	Target, PrevTarget *analytics.Target
	EarlierTargets     []*analytics.Target
	// Low, PrevLow and EarlierLow (aligned with Earlier) mark values over
	// fewer records than the KPI's minimum sample: never judged, and a
	// change from or to one is not stated. Sample and PrevSample name the
	// records ("2 resolved incidents").
	Low, PrevLow       bool
	EarlierLow         []bool
	Sample, PrevSample string
	// PeriodLabel and PrevLabel name the periods ("October 2026"); PeriodWord
	// is "month" or "quarter".
	PeriodLabel, PrevLabel, PeriodWord string
}

// outcome says whether v met target t (at risk is not met); judged is
// false without a value or a target, or on too few records.
func outcome(v *float64, t *analytics.Target, low bool) (met, judged bool) {
	if v == nil || t == nil || low {
		return false, false
	}
	return analytics.Status(v, *t) == analytics.StatusMet, true
}

// run counts the consecutive periods before the current one, newest first,
// whose outcome against their own target equals want; a period without
// data, without a target or with too few records ends the run. open is
// true when the run reaches the oldest loaded period of a capped history,
// so the real run may be longer.
func (m Metric) run(want bool) (n int, open bool) {
	if met, ok := outcome(m.Previous, m.PrevTarget, m.PrevLow); !ok || met != want {
		return 0, false
	}
	n = 1
	for i := len(m.Earlier) - 1; i >= 0; i-- {
		var t *analytics.Target
		if i < len(m.EarlierTargets) {
			t = m.EarlierTargets[i]
		}
		low := i < len(m.EarlierLow) && m.EarlierLow[i]
		if met, ok := outcome(m.Earlier[i], t, low); !ok || met != want {
			return n, false
		}
		n++
	}
	return n, m.HistoryCapped
}

// atLeast is "at least " when a run may be longer than counted.
func atLeast(open bool) string {
	if open {
		return "at least "
	}
	return ""
}

// targetClause judges the current value against its target, noting a
// target newly met or newly missed against the previous period's outcome
// under the target in force then; "" without a target or a value, or on
// too few records.
func (m Metric) targetClause() string {
	cur, ok := outcome(m.Current, m.Target, m.Low)
	if !ok {
		return ""
	}
	tp := "the " + TargetPhrase(m.Unit, m.Target.Target) + " target"
	prev, ok := outcome(m.Previous, m.PrevTarget, m.PrevLow)
	if !ok {
		if cur {
			return "meeting " + tp
		}
		return "missing " + tp
	}
	switch {
	case cur && prev:
		return "still meeting " + tp
	case cur && !prev:
		if k, open := m.run(false); k >= 2 {
			return "meeting " + tp + " for the first time in " + atLeast(open) + Words(k+1) + " " + m.PeriodWord + "s"
		}
		return "meeting " + tp + " after missing it last " + m.PeriodWord
	case !cur && prev:
		if k, open := m.run(true); k >= 2 {
			return "missing " + tp + " for the first time in " + atLeast(open) + Words(k+1) + " " + m.PeriodWord + "s"
		}
		return "missing " + tp + " after meeting it last " + m.PeriodWord
	}
	if k, open := m.run(false); k >= 2 {
		return "missing " + tp + " for " + atLeast(open) + "the " + Ordinal(k+1) + " " + m.PeriodWord + " in a row"
	}
	return "still missing " + tp
}

// Ordinal spells ordinals up to the twentieth ("third") and writes larger
// ones with their English suffix ("21st", "22nd", "113th").
func Ordinal(n int) string {
	words := []string{"zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
		"eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth"}
	if n >= 0 && n < len(words) {
		return words[n]
	}
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}

// subject is "MTTR for tier-0 services" or "MTTR".
func (m Metric) subject() string {
	if m.Subject == "" {
		return m.Name
	}
	return m.Name + " for " + m.Subject
}

// Sentence describes how the metric moved from the previous period and how
// it stands against its target, e.g. "MTTR for tier-0 services fell from 52
// to 38 minutes (−27 %), meeting the 60-minute target for the first time in
// three months." A value over too few records is stated with its sample
// and neither judged nor compared.
func (m Metric) Sentence() string {
	s := m.subject()
	switch {
	case m.Current == nil && m.Previous == nil:
		return s + " has no data for " + m.PeriodLabel + " or " + m.PrevLabel + "."
	case m.Current == nil:
		return s + " has no data for " + m.PeriodLabel + "; it was " + Format(m.Unit, *m.Previous) + " in " + m.PrevLabel + "."
	}
	var b strings.Builder
	b.WriteString(s)
	cur := *m.Current
	switch {
	case m.Low:
		b.WriteString(" was " + Format(m.Unit, cur) + " in " + m.PeriodLabel + ", from only " + sampleText(m.Sample))
		if m.Target != nil {
			b.WriteString(": too few to judge against the " + TargetPhrase(m.Unit, m.Target.Target) + " target")
		}
		b.WriteString(".")
		return b.String()
	case m.Previous == nil:
		b.WriteString(" was " + Format(m.Unit, cur) + " in " + m.PeriodLabel + ", with no data for " + m.PrevLabel + " to compare")
	case m.PrevLow:
		b.WriteString(" was " + Format(m.Unit, cur) + " in " + m.PeriodLabel + ", with only " + sampleText(m.PrevSample) +
			" in " + m.PrevLabel + " to compare")
	default:
		prev := *m.Previous
		if unchanged(m.Unit, cur, prev) {
			b.WriteString(" was unchanged at " + Format(m.Unit, cur))
		} else {
			verb := "rose"
			if cur < prev {
				verb = "fell"
			}
			b.WriteString(" " + verb + " " + fromTo(m.Unit, prev, cur))
			if c := change(m.Unit, cur, prev); c != "" {
				b.WriteString(" (" + c + ")")
			}
		}
	}
	if c := m.targetClause(); c != "" {
		b.WriteString(", " + c)
	}
	b.WriteString(".")
	return b.String()
}

// sampleText is a sample's description, or "a few records" without one.
func sampleText(s string) string {
	if s == "" {
		return "a few records"
	}
	return s
}

// Tally is a count in this and the previous period.
type Tally struct {
	Subject  string // "The organisation", "Tier-0 services"
	Noun     Noun
	Current  int
	Previous *int // nil: the previous period is not known
	// PeriodLabel and PrevLabel name the periods.
	PeriodLabel, PrevLabel string
}

// Sentence says the count and how it moved, with the right singular or
// plural: "The organisation had 1 Sev1 incident in Q3 2026, down from 5 in
// Q2 2026."
func (t Tally) Sentence() string {
	s := t.Subject + " had " + Plural(t.Current, t.Noun) + " in " + t.PeriodLabel
	if t.Previous != nil {
		p := *t.Previous
		switch {
		case p == t.Current:
			s += ", the same as in " + t.PrevLabel
		case t.Current < p:
			s += ", down from " + strconv.Itoa(p) + " in " + t.PrevLabel
		default:
			s += ", up from " + strconv.Itoa(p) + " in " + t.PrevLabel
		}
	}
	return s + "."
}

// Capitalize upper-cases the first letter of s (for sentence starts such as "tier-0 services").
func Capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
