// Package program defines the reliability program's inputs: the records
// leads enter or import by hand (service readiness, DR tests, the toil
// inventory, capacity, cost, stakeholder surveys). Each Input is a table of
// Fields; one set of pages, one CSV import and export and one store read
// the definitions, so an input is a definition here, not a copy of code.
//
// The package is pure: it validates and normalises values and never
// touches the database. Values are held as canonical text ("12.5",
// "2026-10", "pass") so a form, a CSV row and a stored row compare equal
// exactly when they mean the same.
package program

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"sreport/analytics"
)

// Kind is the type of a field's value.
type Kind int

// Field kinds.
const (
	Text    Kind = iota // free text, trimmed
	URL                 // an absolute http or https address
	Date                // YYYY-MM-DD
	Month               // YYYY-MM
	Quarter             // YYYY-QN
	Number              // a decimal number within [Min, Max]
	Integer             // a whole number within [Min, Max]
	Choice              // one of Choices (lower case)
	Service             // a service of the catalogue, by name
	Team                // a team, by name
)

// Field is one column of an input: a form field, a CSV column and a
// table column.
type Field struct {
	Key      string // CSV header and form name: "runbook_url"
	Label    string // "Runbook URL"
	Kind     Kind
	Required bool
	Choices  []string // Choice: the allowed values
	Min, Max float64  // Number, Integer: the allowed range (Max 0 = none)
	Help     string   // shown under the form field
}

// Column is the field's database column: service_id and team_id for
// references, the key otherwise. Keys are constants of this package, never
// user input, so the store may build SQL from them.
func (f Field) Column() string {
	switch f.Kind {
	case Service:
		return "service_id"
	case Team:
		return "team_id"
	}
	return f.Key
}

// Numeric reports whether the field holds a number.
func (f Field) Numeric() bool { return f.Kind == Number || f.Kind == Integer }

// Values are an input record's canonical values by field key; "" is empty.
type Values map[string]string

// Record is one stored record.
type Record struct {
	ID     int64
	Values Values
}

// Names resolves service and team names, ignoring case, to their catalogue
// spelling; a missing key is an unknown name.
type Names struct {
	Services map[string]string // lower-case name → name
	Teams    map[string]string
}

// Input is one program input: its fields, its natural key and the KPIs it
// feeds.
type Input struct {
	Key      string // URL segment, audit entity and table: "dr_tests"
	Title    string // "DR and backup tests"
	Singular string // "DR test"
	About    string // what a record is, for the list page
	Fields   []Field
	// Natural lists the field keys that identify a record: an import
	// updates the record with the same natural key rather than adding one.
	Natural []string
	// KPIs are the registry keys computed from the input.
	KPIs []string
	// OrderBy is the SQL ordering of the list (constant text).
	OrderBy string
	// check applies rules across fields, returning messages by field key.
	check func(Values) map[string]string
}

// Table is the input's database table.
func (in Input) Table() string { return in.Key }

// Field returns the field named key.
func (in Input) Field(key string) (Field, bool) {
	i := slices.IndexFunc(in.Fields, func(f Field) bool { return f.Key == key })
	if i < 0 {
		return Field{}, false
	}
	return in.Fields[i], true
}

// Keys lists the field keys in order: the CSV header.
func (in Input) Keys() []string {
	out := make([]string, len(in.Fields))
	for i, f := range in.Fields {
		out[i] = f.Key
	}
	return out
}

// NaturalKey is the record's natural key as one comparable string.
func (in Input) NaturalKey(v Values) string {
	parts := make([]string, len(in.Natural))
	for i, k := range in.Natural {
		parts[i] = strings.ToLower(v[k])
	}
	return strings.Join(parts, "\x1f")
}

// Normalise validates raw values (by field key) and returns their
// canonical forms, or messages by field key. Missing keys are empty.
func (in Input) Normalise(raw map[string]string, names Names) (Values, map[string]string) {
	out := make(Values, len(in.Fields))
	errs := map[string]string{}
	for _, f := range in.Fields {
		v, err := f.normalise(strings.TrimSpace(raw[f.Key]), names)
		if err != "" {
			errs[f.Key] = err
			continue
		}
		out[f.Key] = v
	}
	if len(errs) == 0 && in.check != nil {
		errs = in.check(out)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// normalise returns the canonical form of one value, or a message.
func (f Field) normalise(s string, names Names) (string, string) {
	if s == "" {
		if f.Required {
			return "", "Enter " + strings.ToLower(f.Label) + "."
		}
		return "", ""
	}
	switch f.Kind {
	case URL:
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", "Enter an http:// or https:// address."
		}
	case Date:
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return "", "Enter a date as YYYY-MM-DD."
		}
		s = t.Format(time.DateOnly)
	case Month:
		t, err := time.Parse("2006-01", s)
		if err != nil {
			return "", "Enter a month as YYYY-MM."
		}
		s = t.Format("2006-01")
	case Quarter:
		p, err := analytics.ParsePeriod(s, time.UTC)
		if err != nil || p.Kind != analytics.Quarter {
			return "", "Enter a quarter as YYYY-QN, e.g. 2026-Q3."
		}
		s = p.Label
	case Number, Integer:
		// A comma is refused, not guessed: "30,5" may be a decimal comma
		// or a thousands separator, and a wrong guess is a tenfold error.
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v != v || v-v != 0 {
			return "", "Enter a number, with a point for decimals and no thousands separator."
		}
		if f.Kind == Integer && v != float64(int64(v)) {
			return "", "Enter a whole number."
		}
		if v < f.Min || (f.Max != 0 && v > f.Max) {
			if f.Max != 0 {
				return "", fmt.Sprintf("Enter a number from %g to %g.", f.Min, f.Max)
			}
			return "", fmt.Sprintf("Enter a number of at least %g.", f.Min)
		}
		s = strconv.FormatFloat(v, 'f', -1, 64)
	case Choice:
		c := strings.ToLower(strings.ReplaceAll(s, " ", "_"))
		if !slices.Contains(f.Choices, c) {
			return "", "Choose one of " + strings.Join(f.Choices, ", ") + "."
		}
		s = c
	case Service:
		n, ok := names.Services[strings.ToLower(s)]
		if !ok {
			return "", fmt.Sprintf("No service is named %q.", s)
		}
		s = n
	case Team:
		n, ok := names.Teams[strings.ToLower(s)]
		if !ok {
			return "", fmt.Sprintf("No team is named %q.", s)
		}
		s = n
	}
	return s, ""
}

// Changes lists the fields whose values differ between before and after,
// in field order: the field-level change an audit row records.
func (in Input) Changes(before, after Values) []string {
	var out []string
	for _, f := range in.Fields {
		if before[f.Key] != after[f.Key] {
			out = append(out, f.Key)
		}
	}
	return out
}

// Inputs returns every program input, in the order the Program page lists them.
func Inputs() []Input { return slices.Clone(inputs) }

// ByKey returns the input named key.
func ByKey(key string) (Input, bool) {
	i := slices.IndexFunc(inputs, func(in Input) bool { return in.Key == key })
	if i < 0 {
		return Input{}, false
	}
	return inputs[i], true
}
