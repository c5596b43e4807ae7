package analytics

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
)

// Rules are what a period is computed and judged with besides its records:
// the KPI settings, the tier targets and the DORA band thresholds in force
// in it (docs/metrics.md, "Targets and settings over time").
type Rules struct {
	Settings Settings
	Targets  TargetSet
	Bands    []DoraBand
}

// A rule takes effect from a month, named by its key "2026-11" (the month
// in the reporting timezone); the key "" is before every month: a rule in
// force since the beginning. Keys compare as strings.

// RulesMonth is the month whose rules judge p: its last month ("2026-Q3"
// → "2026-09"). A quarter is judged by what is in force when it closes, so
// a change from its second month on applies to the quarter as a whole but
// not to its first month; a period that has ended can only be changed by a
// rule dated inside it, never by one from a later period.
func (p Period) RulesMonth() string {
	m := p.Num
	if p.Kind == Quarter {
		m = 3 * p.Num
	}
	return MonthKey(p.Year, m)
}

// MonthKey is the key of a calendar month: "2026-11".
func MonthKey(year, month int) string { return fmt.Sprintf("%04d-%02d", year, month) }

// ParseMonthKey checks a month key ("2026-11"); "" (since the beginning)
// is valid too.
func ParseMonthKey(s string) error {
	if s == "" {
		return nil
	}
	if len(s) != 7 || s[4] != '-' {
		return fmt.Errorf("month %q: want YYYY-MM", s)
	}
	y, err1 := strconv.Atoi(s[:4])
	m, err2 := strconv.Atoi(s[5:])
	if err1 != nil || err2 != nil || y < 1970 || m < 1 || m > 12 {
		return fmt.Errorf("month %q: want YYYY-MM", s)
	}
	return nil
}

// SettingsVersion is the whole of the settings in force from month From on.
type SettingsVersion struct {
	From     string
	Settings Settings
}

// TargetVersion is one tier target from month From on; a nil Target ends
// the target: from From on the tier has none for the KPI.
type TargetVersion struct {
	From      string   `json:"from"`
	Tier      int      `json:"tier"`
	KPI       string   `json:"kpi"`
	Target    *float64 `json:"target"`
	Direction string   `json:"direction"`
}

// BandVersion is one DORA band threshold from month From on; a nil
// Threshold removes the band from From on.
type BandVersion struct {
	From      string   `json:"from"`
	Metric    string   `json:"metric"`
	Band      string   `json:"band"`
	Threshold *float64 `json:"threshold"`
}

// RuleBook holds the rules over time: one Rules for every month some rule
// took effect, so any period is computed and judged by what was in force
// then. The zero RuleBook is the default settings with no targets and no
// bands.
type RuleBook struct {
	from  []string // ascending; from[0] == ""
	rules []Rules
}

// NewRuleBook merges the versions of settings, targets and bands into one
// book. Within one kind, the latest From not after a month wins; a month
// without any settings version uses DefaultSettings.
func NewRuleBook(settings []SettingsVersion, targets []TargetVersion, bands []BandVersion) RuleBook {
	settings = slices.Clone(settings)
	slices.SortStableFunc(settings, func(a, b SettingsVersion) int { return cmp.Compare(a.From, b.From) })
	targets = slices.Clone(targets)
	slices.SortStableFunc(targets, func(a, b TargetVersion) int { return cmp.Compare(a.From, b.From) })
	bands = slices.Clone(bands)
	slices.SortStableFunc(bands, func(a, b BandVersion) int { return cmp.Compare(a.From, b.From) })

	froms := []string{""}
	for _, v := range settings {
		froms = append(froms, v.From)
	}
	for _, v := range targets {
		froms = append(froms, v.From)
	}
	for _, v := range bands {
		froms = append(froms, v.From)
	}
	slices.Sort(froms)
	froms = slices.Compact(froms)

	b := RuleBook{from: froms, rules: make([]Rules, len(froms))}
	for i, f := range froms {
		r := Rules{Settings: DefaultSettings(), Targets: TargetSet{}}
		for _, v := range settings {
			if v.From <= f {
				r.Settings = v.Settings
			}
		}
		type tk struct {
			tier int
			kpi  string
		}
		var rows []Target
		for _, v := range inForce(targets, f, func(v TargetVersion) tk { return tk{v.Tier, v.KPI} }) {
			if v.Target != nil {
				rows = append(rows, Target{Tier: v.Tier, KPI: v.KPI, Target: *v.Target, Direction: v.Direction})
			}
		}
		r.Targets = NewTargetSet(rows)
		type bk struct{ metric, band string }
		for _, v := range inForce(bands, f, func(v BandVersion) bk { return bk{v.Metric, v.Band} }) {
			if v.Threshold != nil {
				r.Bands = append(r.Bands, DoraBand{Metric: v.Metric, Band: v.Band, Threshold: *v.Threshold})
			}
		}
		b.rules[i] = r
	}
	return b
}

// dated is a version with the month it applies from.
type dated interface{ from() string }

func (v TargetVersion) from() string { return v.From }
func (v BandVersion) from() string   { return v.From }

// inForce returns, per key and in the order keys first appear, the latest
// of vs (sorted by From) whose From is not after month.
func inForce[V dated, K comparable](vs []V, month string, key func(V) K) []V {
	cur := map[K]V{}
	var order []K
	for _, v := range vs {
		if v.from() > month {
			break
		}
		k := key(v)
		if _, seen := cur[k]; !seen {
			order = append(order, k)
		}
		cur[k] = v
	}
	out := make([]V, len(order))
	for i, k := range order {
		out[i] = cur[k]
	}
	return out
}

// FixedRules is a book whose one set of rules is in force since the
// beginning.
func FixedRules(r Rules) RuleBook {
	if r.Targets == nil {
		r.Targets = TargetSet{}
	}
	return RuleBook{from: []string{""}, rules: []Rules{r}}
}

// At returns the rules in force in month (a month key).
func (b RuleBook) At(month string) Rules {
	if len(b.from) == 0 {
		return Rules{Settings: DefaultSettings(), Targets: TargetSet{}}
	}
	// The last version whose From is not after month.
	i, found := slices.BinarySearch(b.from, month)
	if !found {
		i--
	}
	return b.rules[max(i, 0)]
}

// For returns the rules that compute and judge p: those in force in its
// last month (Period.RulesMonth).
func (b RuleBook) For(p Period) Rules { return b.At(p.RulesMonth()) }

// Froms lists the months from which some rule changed, oldest first; ""
// (since the beginning) is always first.
func (b RuleBook) Froms() []string {
	if len(b.from) == 0 {
		return []string{""}
	}
	return slices.Clone(b.from)
}
