package imports

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"sreport/analytics"
)

// TestValidate: a batch built by hand (as an API would) loses each record
// with a field over its limit to a reject on its line that names the field.
func TestValidate(t *testing.T) {
	day := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	long := func(n int) string { return strings.Repeat("x", n) }
	b := &Batch{Lines: map[string]int{}}
	b.Incidents = []analytics.Incident{{ExternalID: "I-1", Title: "ok"}, {ExternalID: "I-2", RootCause: long(MaxTextChars + 1)}}
	b.Deploys = []analytics.Deploy{{ExternalID: "D-1", Version: long(MaxRefChars + 1)}, {ExternalID: "D-2", Version: "v1"}}
	b.Pages = []analytics.Page{{ExternalID: "P-1", Urgency: long(MaxLabelChars + 1)}}
	b.ActionItems = []analytics.ActionItem{{ExternalID: "A-1", URL: long(MaxURLChars + 1)}}
	b.SLIDays = []analytics.SLIDay{{Service: "api", SLO: long(MaxNameChars + 1), Day: day}}
	b.Toil = []analytics.ToilWeek{{Team: "sre", WeekStart: day, Note: long(MaxTextChars)}}
	b.SLOs = []analytics.SLODefinition{{Service: "api", Name: "latency", GoodQuery: long(MaxTextChars)},
		{Service: "api", Name: "availability", TotalQuery: long(MaxTextChars + 5)}}
	for i, k := range []string{IncidentKey("I-1"), IncidentKey("I-2"), DeployKey("D-1"), DeployKey("D-2"), PageKey("P-1"),
		ActionItemKey("A-1"), SLIKey(b.SLIDays[0]), ToilKey(b.Toil[0]), SLOKey("api", "latency"), SLOKey("api", "availability")} {
		b.Lines[k] = 10 - i
	}
	Validate(b)
	if len(b.Incidents) != 1 || len(b.Deploys) != 1 || len(b.Pages) != 0 || len(b.ActionItems) != 0 || len(b.SLIDays) != 0 || len(b.Toil) != 1 ||
		len(b.SLOs) != 1 || b.SLOs[0].Name != "latency" {
		t.Fatalf("kept %d %d %d %d %d %d %d", len(b.Incidents), len(b.Deploys), len(b.Pages), len(b.ActionItems), len(b.SLIDays), len(b.Toil), len(b.SLOs))
	}
	want := []Reject{
		{Line: 1, Reason: "SLO availability: total query longer than 10,000 characters (10,005)"},
		{Line: 4, Reason: "SLI day: SLO longer than 200 characters (201)"},
		{Line: 5, Reason: "action item A-1: URL longer than 2,048 characters (2,049)"},
		{Line: 6, Reason: "page P-1: urgency longer than 100 characters (101)"},
		{Line: 8, Reason: "deploy D-1: version longer than 200 characters (201)"},
		{Line: 9, Reason: "incident I-2: root cause longer than 10,000 characters (10,001)"},
	}
	if len(b.Rejects) != len(want) {
		t.Fatalf("%+v", b.Rejects)
	}
	for i, r := range b.Rejects {
		if r != want[i] {
			t.Errorf("reject %d: %+v, want %+v", i, r, want[i])
		}
	}
}

// TestValidateCoversEveryTextField sets each string field of each record
// type, one at a time, to 10,001 characters (over every limit) and expects
// Validate to refuse the record: a text field added to a record later
// without a limit fails here. Source is set by the importer, never read
// from a file.
func TestValidateCoversEveryTextField(t *testing.T) {
	long := strings.Repeat("x", MaxTextChars+1)
	day := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	kinds := []struct {
		name  string
		build func(field string) *Batch
		rec   any
	}{
		{"incident", func(f string) *Batch {
			x := analytics.Incident{ExternalID: "I-1"}
			setString(&x, f, long)
			return &Batch{Incidents: []analytics.Incident{x}, Lines: map[string]int{}}
		}, analytics.Incident{}},
		{"deploy", func(f string) *Batch {
			x := analytics.Deploy{ExternalID: "D-1"}
			setString(&x, f, long)
			return &Batch{Deploys: []analytics.Deploy{x}, Lines: map[string]int{}}
		}, analytics.Deploy{}},
		{"page", func(f string) *Batch {
			x := analytics.Page{ExternalID: "P-1"}
			setString(&x, f, long)
			return &Batch{Pages: []analytics.Page{x}, Lines: map[string]int{}}
		}, analytics.Page{}},
		{"action item", func(f string) *Batch {
			x := analytics.ActionItem{ExternalID: "A-1"}
			setString(&x, f, long)
			return &Batch{ActionItems: []analytics.ActionItem{x}, Lines: map[string]int{}}
		}, analytics.ActionItem{}},
		{"SLI day", func(f string) *Batch {
			x := analytics.SLIDay{Service: "api", SLO: "availability", Day: day}
			setString(&x, f, long)
			return &Batch{SLIDays: []analytics.SLIDay{x}, Lines: map[string]int{}}
		}, analytics.SLIDay{}},
		{"toil week", func(f string) *Batch {
			x := analytics.ToilWeek{Team: "sre", WeekStart: day}
			setString(&x, f, long)
			return &Batch{Toil: []analytics.ToilWeek{x}, Lines: map[string]int{}}
		}, analytics.ToilWeek{}},
		{"SLO definition", func(f string) *Batch {
			x := analytics.SLODefinition{Service: "api", Name: "availability", Objective: 0.999, WindowDays: 30}
			setString(&x, f, long)
			return &Batch{SLOs: []analytics.SLODefinition{x}, Lines: map[string]int{}}
		}, analytics.SLODefinition{}},
	}
	for _, k := range kinds {
		for _, f := range stringFields(k.rec) {
			if f == "Source" {
				continue
			}
			b := k.build(f)
			Validate(b)
			if b.Records() != 0 || len(b.Rejects) != 1 {
				t.Errorf("%s with a %d-character %s: kept (%d records, %d rejects)", k.name, len(long), f, b.Records(), len(b.Rejects))
			}
		}
	}
}

// stringFields names the string fields of a struct value.
func stringFields(v any) []string {
	var out []string
	rt := reflect.TypeOf(v)
	for i := range rt.NumField() {
		if rt.Field(i).Type.Kind() == reflect.String {
			out = append(out, rt.Field(i).Name)
		}
	}
	return out
}

// setString sets the string field name of the struct ptr points to.
func setString(ptr any, name, value string) {
	reflect.ValueOf(ptr).Elem().FieldByName(name).SetString(value)
}
