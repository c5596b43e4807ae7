package program

import (
	"slices"
	"testing"

	"sreport/analytics"
)

var names = Names{Services: map[string]string{"checkout": "checkout"}, Teams: map[string]string{"payments": "payments"}}

func TestNormalise(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input string
		raw   map[string]string
		want  Values            // nil when refused
		errs  map[string]string // field → message, when refused
	}{
		{"canonical forms", DRTests,
			map[string]string{"tested_on": " 2026-07-01 ", "service": "Checkout", "kind": "Backup Verification", "result": "PASS",
				"rto_target_minutes": "1200.0", "rto_achieved_minutes": "30.50"},
			Values{"tested_on": "2026-07-01", "service": "checkout", "kind": "backup_verification", "result": "pass",
				"rto_target_minutes": "1200", "rto_achieved_minutes": "30.5", "rpo_target_minutes": "", "rpo_achieved_minutes": "", "evidence_url": ""}, nil},
		{"required and typed fields", DRTests,
			map[string]string{"tested_on": "01/07/2026", "service": "nope", "kind": "drill", "evidence_url": "javascript:alert(1)"},
			nil, map[string]string{"tested_on": "Enter a date as YYYY-MM-DD.", "service": `No service is named "nope".`,
				"kind": "Choose one of failover, restore, backup_verification.", "result": "Enter result.", "evidence_url": "Enter an http:// or https:// address."}},
		{"ranges", Capacity,
			map[string]string{"service": "checkout", "month": "2026-7", "resource": "cpu", "peak_pct": "101", "safe_pct": "-1"},
			nil, map[string]string{"month": "Enter a month as YYYY-MM.", "peak_pct": "Enter a number from 0 to 100.", "safe_pct": "Enter a number from 0 to 100."}},
		{"whole numbers and the score's range", Stakeholder,
			map[string]string{"quarter": "2026-q3", "group_name": "Support", "score": "5.5", "responses": "2.5"},
			nil, map[string]string{"score": "Enter a number from 1 to 5.", "responses": "Enter a whole number."}},
		{"no comma guessing, no infinity", Stakeholder,
			map[string]string{"quarter": "2026-Q3", "group_name": "Support", "score": "4,5", "responses": "Inf"},
			nil, map[string]string{"score": "Enter a number, with a point for decimals and no thousands separator.",
				"responses": "Enter a number, with a point for decimals and no thousands separator."}},
		{"a quarter", Stakeholder,
			map[string]string{"quarter": "2026-q3", "group_name": " Support ", "score": "4.25", "responses": "12"},
			Values{"quarter": "2026-Q3", "group_name": "Support", "score": "4.25", "responses": "12"}, nil},
		{"cost: a service or a team, not both", Costs,
			map[string]string{"service": "checkout", "team": "payments", "month": "2026-07", "category": "compute", "cost": "10"},
			nil, map[string]string{"service": "Name a service or a team, not both."}},
		{"cost: a team's cost has no units", Costs,
			map[string]string{"team": "payments", "month": "2026-07", "category": "observability", "cost": "10", "units": "5", "unit_name": "x"},
			nil, map[string]string{"units": "Units belong to a service's demand: leave them empty on a team's cost."}},
		{"cost: units need their name", Costs,
			map[string]string{"service": "checkout", "month": "2026-07", "category": "compute", "cost": "10", "units": "5"},
			nil, map[string]string{"unit_name": "Say what the units count."}},
		{"readiness: a review has a date and a result", Readiness,
			map[string]string{"service": "checkout", "prr_result": "pass"},
			nil, map[string]string{"prr_date": "Enter the review's date."}},
		{"toil: a task takes time", ToilTasks,
			map[string]string{"team": "payments", "task": "x", "runs_per_week": "0", "minutes_per_run": "5"},
			nil, map[string]string{"runs_per_week": "Enter a number of at least 0.001."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, ok := ByKey(tc.input)
			if !ok {
				t.Fatalf("no input %s", tc.input)
			}
			got, errs := in.Normalise(tc.raw, names)
			if tc.want != nil {
				if len(errs) > 0 || len(got) != len(tc.want) {
					t.Fatalf("got %v, errors %v", got, errs)
				}
				for k, v := range tc.want {
					if got[k] != v {
						t.Errorf("%s = %q, want %q", k, got[k], v)
					}
				}
				// Canonical values normalise to themselves: a re-import is unchanged.
				again, errs := in.Normalise(got, names)
				if len(errs) > 0 || len(in.Changes(got, again)) > 0 {
					t.Errorf("not idempotent: %v → %v (%v)", got, again, errs)
				}
				return
			}
			if got != nil || len(errs) != len(tc.errs) {
				t.Fatalf("got %v, errors %v, want %v", got, errs, tc.errs)
			}
			for k, m := range tc.errs {
				if errs[k] != m {
					t.Errorf("%s: %q, want %q", k, errs[k], m)
				}
			}
		})
	}
}

// TestInputsAreWellFormed checks every definition: a natural key of its
// own fields, KPIs the registry knows, choices on every choice field.
func TestInputsAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, in := range Inputs() {
		if seen[in.Key] || in.Title == "" || in.Singular == "" || in.About == "" || in.OrderBy == "" {
			t.Errorf("%s: duplicate or incomplete", in.Key)
		}
		seen[in.Key] = true
		for _, k := range in.Natural {
			if _, ok := in.Field(k); !ok {
				t.Errorf("%s: natural key %s is not a field", in.Key, k)
			}
		}
		for _, k := range in.KPIs {
			if d, ok := analytics.KPIDefOf(k); !ok || d.Group != analytics.KPIGroupProgram {
				t.Errorf("%s: KPI %s is not a program KPI", in.Key, k)
			}
		}
		for _, f := range in.Fields {
			if (f.Kind == Choice) != (len(f.Choices) > 0) {
				t.Errorf("%s.%s: choices %v", in.Key, f.Key, f.Choices)
			}
		}
	}
	// Every program KPI is fed by some input, but perf_regression_rate:
	// its flag arrives on imported deploys, not as a program input.
	for _, d := range analytics.KPIDefsInGroup(analytics.KPIGroupProgram) {
		if d.Key == analytics.KPIPerfRegressionRate {
			continue
		}
		if !slices.ContainsFunc(Inputs(), func(in Input) bool { return slices.Contains(in.KPIs, d.Key) }) {
			t.Errorf("%s has no input", d.Key)
		}
	}
}

func TestNaturalKeyIgnoresCase(t *testing.T) {
	in, _ := ByKey(ToilTasks)
	if in.NaturalKey(Values{"team": "payments", "task": "Rotate Keys"}) != in.NaturalKey(Values{"team": "Payments", "task": "rotate keys"}) {
		t.Error("natural keys differ by case")
	}
}
