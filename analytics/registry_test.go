package analytics

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"testing"
)

// TestEngineKPIsHaveDefinitions fails when the engine emits a KPI that the
// registry does not define: a KPIs field, or an evidence key, without a
// KPIDef. It also checks that each definition reads its own field.
func TestEngineKPIsHaveDefinitions(t *testing.T) {
	typ := reflect.TypeFor[KPIs]()
	if typ.NumField() != len(kpiDefs) {
		t.Errorf("KPIs has %d fields, the registry %d definitions", typ.NumField(), len(kpiDefs))
	}
	for i := range typ.NumField() {
		key := typ.Field(i).Tag.Get("json")
		d, ok := KPIDefOf(key)
		if !ok {
			t.Errorf("KPIs.%s (%q) has no KPIDef", typ.Field(i).Name, key)
			continue
		}
		if kpiIndex[key] != i {
			t.Errorf("%s is field %d of KPIs but definition %d of the registry", key, i, kpiIndex[key])
		}
		var k KPIs
		v := float64(i)
		*d.field(&k) = &v
		if got := reflect.ValueOf(k).Field(i).Interface().(*float64); got == nil || *got != v {
			t.Errorf("%s: the definition's field is not KPIs.%s", key, typ.Field(i).Name)
		}
	}

	r := Compute(syntheticInput(), oct2026(), DefaultSettings())
	for key := range r.Evidence {
		if _, ok := KPIDefOf(key); !ok {
			t.Errorf("Compute has evidence for %q, which has no KPIDef", key)
		}
	}
	b, err := json.Marshal(r.KPIs)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]*float64
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for key := range m {
		if _, ok := KPIDefOf(key); !ok {
			t.Errorf("the KPIs JSON has %q, which has no KPIDef", key)
		}
	}
}

// TestRegistryComplete checks that every definition says everything the
// pages, sentences and target checks read from it.
func TestRegistryComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range kpiDefs {
		if seen[d.Key] {
			t.Errorf("%s is defined twice", d.Key)
		}
		seen[d.Key] = true
		if d.Label == "" || d.Short == "" || d.Prose == "" || d.Doc == "" {
			t.Errorf("%s: label %q, short %q, prose %q, doc %q: none may be empty", d.Key, d.Label, d.Short, d.Prose, d.Doc)
		}
		if d.Better != DirectionMin && d.Better != DirectionMax {
			t.Errorf("%s: better %q is neither min nor max", d.Key, d.Better)
		}
		if d.Unit.String() == "unknown" || d.Record.String() == "unknown" {
			t.Errorf("%s: unit %d, record unit %d", d.Key, d.Unit, d.Record)
		}
		if len(d.N) == 0 {
			t.Errorf("%s: no sample size", d.Key)
		}
		for _, c := range d.N {
			if _, ok := (Counts{}).Get(c); !ok {
				t.Errorf("%s: sample size names %q, which is not a Counts key", d.Key, c)
			}
		}
	}
	if !slices.Equal(KPINames, func() []string {
		var out []string
		for _, d := range KPIDefs() {
			out = append(out, d.Key)
		}
		return out
	}()) {
		t.Error("KPINames is not the registry's order")
	}
}

// TestRegistryTargets keeps Target in step with DefaultTargets, and the
// default targets' directions with the KPIs' better direction.
func TestRegistryTargets(t *testing.T) {
	has := map[string]bool{}
	for _, tg := range DefaultTargets() {
		has[tg.KPI] = true
		d, ok := KPIDefOf(tg.KPI)
		if !ok {
			t.Fatalf("default target for unknown KPI %q", tg.KPI)
		}
		if tg.Direction != d.Better {
			t.Errorf("%s tier %d: direction %s, the KPI is better %s", tg.KPI, tg.Tier, tg.Direction, d.Better)
		}
	}
	for _, d := range kpiDefs {
		if d.Target != has[d.Key] {
			t.Errorf("%s: Target %v, but DefaultTargets has it: %v", d.Key, d.Target, has[d.Key])
		}
	}
}

// TestSampleSize checks each KPI's n against the records behind it: the
// values a mean or median averages, the records a count counts, a ratio's
// denominator (value × n = the records in the numerator).
func TestSampleSize(t *testing.T) {
	r := Compute(syntheticInput(), oct2026(), DefaultSettings())
	for _, d := range kpiDefs {
		n := d.SampleSize(r.Counts)
		if n <= 0 {
			t.Errorf("%s: n = %v; the fixture must exercise every KPI", d.Key, n)
			continue
		}
		var valued, counted float64
		for _, row := range r.Evidence.For(d.Key) {
			if row.Value != nil {
				valued++
			}
			if row.Included {
				counted++
			}
		}
		switch {
		case d.N[0] == "total_events":
			// Event-weighted (availability, error budget, burn rate): n is
			// events, the rows are SLO-days.
			if n != float64(r.Counts.TotalEvents) {
				t.Errorf("%s: n = %v, want %d events", d.Key, n, r.Counts.TotalEvents)
			}
		case d.N[0] == "stakeholder_responses":
			// Response-weighted: n is responses, the rows are survey groups.
			var responses float64
			for _, row := range r.Evidence.For(d.Key) {
				if row.Value != nil {
					responses++
				}
			}
			if n != float64(r.Counts.StakeholderResponses) || responses != float64(r.Counts.StakeholderGroups) {
				t.Errorf("%s: n = %v of %v rows, want %d responses of %d groups", d.Key, n, responses, r.Counts.StakeholderResponses, r.Counts.StakeholderGroups)
			}
		case d.Record != UnitCount:
			if valued != n {
				t.Errorf("%s: n = %v, but %v rows carry a value", d.Key, n, valued)
			}
		case d.Unit == UnitCount || d.Unit == UnitRate:
			if counted != n {
				t.Errorf("%s: n = %v, but %v rows count", d.Key, n, counted)
			}
		case d.Unit.Fraction():
			if v := r.KPIs.Get(d.Key); v == nil || math.Abs(*v*n-counted) > 1e-6 {
				t.Errorf("%s: value %v × n %v ≠ %v rows in the numerator", d.Key, fmtp(v), n, counted)
			}
		default:
			t.Errorf("%s: no rule checks its n", d.Key)
		}
	}
}

func TestUnits(t *testing.T) {
	for _, tc := range []struct {
		kpi      string
		fraction bool
		nines    bool
	}{
		{KPIAvailability, true, true},
		{KPISLOAttainment, true, false},
		{KPIChangeFailureRate, true, false},
		{KPIErrorBudgetRemaining, false, false}, // negative once overspent
		{KPIBurnRate, false, false},
		{KPIMTTRMinutes, false, false},
		{"nope", false, false},
	} {
		d, _ := KPIDefOf(tc.kpi)
		if IsRatioKPI(tc.kpi) != tc.fraction || (d.Unit == UnitNines) != tc.nines {
			t.Errorf("%s: ratio %v nines %v, want %v %v", tc.kpi, IsRatioKPI(tc.kpi), d.Unit == UnitNines, tc.fraction, tc.nines)
		}
	}
	if d, _ := KPIDefOf(KPIAvailability); !d.HigherIsBetter() {
		t.Error("availability: higher is better")
	}
	if d, _ := KPIDefOf(KPIMTTRMinutes); d.HigherIsBetter() {
		t.Error("MTTR: lower is better")
	}
}

// TestEvidenceValuesFitRecordUnit checks every evidence row's own value
// against its KPI's record unit: a fraction of one record in [0, 1], a
// count a whole number, a duration never negative (bad timestamps are left
// out, not shown as negative values). Rows of a KPI whose records carry
// no value must have none but counts.
func TestEvidenceValuesFitRecordUnit(t *testing.T) {
	for name, in := range map[string]Input{"synthetic": syntheticInput(), "deploy scenario": deployScenario()} {
		r := Compute(in, oct2026(), DefaultSettings())
		for _, d := range kpiDefs {
			for _, row := range r.Evidence.For(d.Key) {
				if row.Value == nil {
					continue
				}
				v := *row.Value
				bad := math.IsNaN(v) || math.IsInf(v, 0)
				switch d.Record {
				case UnitRatio, UnitNines:
					bad = bad || v < 0 || v > 1
				case UnitCount:
					bad = bad || v < 0 || v != math.Trunc(v)
				case UnitMinutes, UnitHours, UnitWorkHours:
					bad = bad || v < 0
				}
				if bad {
					t.Errorf("%s: %s row %s #%d: value %v is not a %s", name, d.Key, row.Kind, row.ID, v, d.Record)
				}
			}
		}
	}
}

// TestCoverageDefinitions checks that every KPI's coverage names Counts
// keys and never claims more records with the input than it considered.
func TestCoverageDefinitions(t *testing.T) {
	r := Compute(syntheticInput(), oct2026(), DefaultSettings())
	n := 0
	for _, d := range kpiDefs {
		if d.Coverage == nil {
			continue
		}
		n++
		for _, k := range []string{d.Coverage.Have, d.Coverage.Of} {
			if _, ok := (Counts{}).Get(k); !ok {
				t.Errorf("%s: coverage names %q, which is not a Counts key", d.Key, k)
			}
		}
		have, of, ok := d.CoverageOf(r.Counts)
		if !ok || have > of || of == 0 {
			t.Errorf("%s: coverage %d of %d", d.Key, have, of)
		}
	}
	if n != 6 {
		t.Errorf("%d KPIs say their coverage, want 6 (MTTD, MTTA, TTM, lead time, postmortems, perf regressions)", n)
	}
	if d, _ := KPIDefOf(KPIMTTRMinutes); d.CoverageText(r.Counts) != "" {
		t.Error("MTTR has no coverage: an open incident lacks no input")
	}
	if d, _ := KPIDefOf(KPIMTTDMinutes); d.CoverageText(Counts{Incidents: 93, IncidentsWithStart: 12}) != "impact start on 12 of 93 incidents" {
		t.Errorf("MTTD coverage text %q", d.CoverageText(Counts{Incidents: 93, IncidentsWithStart: 12}))
	}
}
