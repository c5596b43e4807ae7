// Package kpifmt renders KPI values for people, in their unit and at a
// precision fit to read: the one formatter of the web pages, the reports'
// tables and the `sreport kpi` table, so every copy of a number reads the
// same ("20.8 min", "5.0 %", "99.951 %"). It is pure: units come from the
// KPI registry (analytics.KPIDef.Unit).
//
// A Format is one unit and one scale for a cell, a row or a column: the
// value, its change and its target all read in it, and a column of
// durations never mixes "103.7 min" with "2.1 h".
package kpifmt

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"sreport/analytics"
)

// Scale is the display unit of a duration.
type Scale int

// Scales of durations; other units ignore them.
const (
	Minutes Scale = iota
	Hours
	Days
)

// Symbol is the scale's unit symbol.
func (s Scale) Symbol() string {
	switch s {
	case Hours:
		return "h"
	case Days:
		return "d"
	}
	return "min"
}

// Decimals shown for each kind of number: percentages with one, nines
// with three, durations with one, rates with two; counts are whole.
const (
	percentDecimals  = 1
	ninesDecimals    = 3
	durationDecimals = 1
	rateDecimals     = 2
)

// Format is how a set of values of one unit is shown.
type Format struct {
	Unit  analytics.Unit
	Scale Scale
}

// Of returns the format of KPI key for values xs (nil entries ignored):
// one scale for all of them, chosen by their median (see ForUnit).
func Of(key string, xs ...*float64) Format {
	d, _ := analytics.KPIDefOf(key)
	return ForUnit(d.Unit, xs...)
}

// ForUnit returns the format of unit u for values xs. Durations take one
// scale from the median of their magnitudes, so most of them read in
// their natural unit: minutes below two hours, then hours below two days,
// then days (a duration in hours starts at hours). Hours of work stay in
// hours. Without values the scale is the unit's own.
func ForUnit(u analytics.Unit, xs ...*float64) Format {
	f := Format{Unit: u}
	var mags []float64
	for _, x := range xs {
		if x != nil && !math.IsNaN(*x) && !math.IsInf(*x, 0) {
			mags = append(mags, math.Abs(*x))
		}
	}
	switch u {
	case analytics.UnitMinutes:
		f.Scale = Minutes
		if m, ok := median(mags); ok {
			switch {
			case m >= 48*60:
				f.Scale = Days
			case m >= 120:
				f.Scale = Hours
			}
		}
	case analytics.UnitHours:
		f.Scale = Hours
		if m, ok := median(mags); ok && m >= 48 {
			f.Scale = Days
		}
	case analytics.UnitWorkHours:
		f.Scale = Hours
	}
	return f
}

func median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// Suffix is the unit the values read in: "%", "min", "h", "d", or "" for
// counts and rates.
func (f Format) Suffix() string {
	switch {
	case f.Unit.Percent():
		return "%"
	case f.duration():
		return f.Scale.Symbol()
	}
	return ""
}

func (f Format) duration() bool {
	return f.Unit == analytics.UnitMinutes || f.Unit == analytics.UnitHours || f.Unit == analytics.UnitWorkHours
}

// inScale converts x from the unit's own (minutes or hours) to the scale.
func (f Format) inScale(x float64) float64 {
	perMinute := 1.0
	if f.Unit == analytics.UnitHours || f.Unit == analytics.UnitWorkHours {
		perMinute = 60 // x is in hours
	}
	m := x * perMinute
	switch f.Scale {
	case Hours:
		return m / 60
	case Days:
		return m / 1440
	}
	return m
}

// number is x as shown, without its unit, and the decimals used.
func (f Format) number(x float64) (string, int) {
	switch {
	case f.Unit == analytics.UnitNines:
		return fixed(x*100, ninesDecimals), ninesDecimals
	case f.Unit.Percent():
		return fixed(x*100, percentDecimals), percentDecimals
	case f.duration():
		return fixed(f.inScale(x), durationDecimals), durationDecimals
	case f.Unit == analytics.UnitRate:
		return fixed(x, rateDecimals), rateDecimals
	}
	if x == math.Trunc(x) {
		return fixed(x, 0), 0
	}
	return fixed(x, rateDecimals), rateDecimals
}

// Value renders x in the format: "20.8 min", "5.0 %", "99.951 %", "3.46", "7".
func (f Format) Value(x float64) string {
	n, _ := f.number(x)
	if s := f.Suffix(); s != "" {
		return n + " " + s
	}
	return n
}

// Plot is x as a chart plots it: the number Value shows, unrounded and
// without its unit (percentages ×100, durations in the format's scale),
// so a chart's axis reads in the same unit as the table beside it.
func (f Format) Plot(x float64) float64 {
	switch {
	case f.Unit.Percent():
		return x * 100
	case f.duration():
		return f.inScale(x)
	}
	return x
}

// Text renders v, or none for no data.
func (f Format) Text(v *float64, none string) string {
	if v == nil {
		return none
	}
	return f.Value(*v)
}

// Change renders the size of a change d between two periods, in the
// format's unit and scale (percentage points for percentages), and its
// sign: +1 up, −1 down, 0 when it rounds to no change at the shown
// precision.
func (f Format) Change(d float64) (text string, sign int) {
	var n string
	if f.Unit.Percent() {
		prec := percentDecimals
		if f.Unit == analytics.UnitNines {
			prec = ninesDecimals
		}
		n = fixed(math.Abs(d)*100, prec) + " pp"
	} else {
		n = f.Value(math.Abs(d))
	}
	if strings.Trim(strings.Fields(n)[0], "0.") == "" {
		return n, 0
	}
	if d < 0 {
		return n, -1
	}
	return n, 1
}

// fixed formats x with exactly prec decimals; "-0.0" reads "0.0".
func fixed(x float64, prec int) string {
	s := strconv.FormatFloat(x, 'f', prec, 64)
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	}
	return s
}

// Sample describes a KPI's sample in c: short for a table cell ("2 of 3"
// for a ratio of records, "n = 3" otherwise) and long for a tooltip or a
// sentence ("2 of 3 postmortems due", "3 resolved incidents").
func Sample(d analytics.KPIDef, c analytics.Counts) (short, long string) {
	n := d.SampleSize(c)
	if d.Num != "" {
		k, _ := c.Get(d.Num)
		return count(k) + " of " + count(n), count(k) + " of " + count(n) + " " + d.Sample.Word(n)
	}
	return "n = " + count(n), count(n) + " " + d.Sample.Word(n)
}

// count writes a record count: whole numbers, large ones shortened
// ("12.3 k", "560.6 M", "13.6 bn") so a cell stays narrow.
func count(n float64) string {
	switch a := math.Abs(n); {
	case a >= 1e9:
		return fixed(n/1e9, 1) + " bn"
	case a >= 1e6:
		return fixed(n/1e6, 1) + " M"
	case a >= 1e4:
		return fixed(n/1e3, 1) + " k"
	}
	return fixed(n, 0)
}
