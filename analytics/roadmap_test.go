package analytics

import (
	"slices"
	"testing"
	"time"
)

func validInitiative() Initiative {
	return Initiative{Title: "Canary checkout", Owner: "Ana", StartQuarter: "2026-Q2", EndQuarter: "2026-Q3",
		Status: InitiativeDelivered, KPI: KPIChangeFailureRate, TargetKind: TargetChange, Target: -0.05}
}

func TestInitiativeValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Initiative)
		field  string // "" = valid
	}{
		{"valid", func(*Initiative) {}, ""},
		{"no title", func(in *Initiative) { in.Title = " " }, "title"},
		{"no owner", func(in *Initiative) { in.Owner = "" }, "owner"},
		{"month, not quarter", func(in *Initiative) { in.StartQuarter = "2026-04" }, "start_quarter"},
		{"end before start", func(in *Initiative) { in.StartQuarter, in.EndQuarter = "2026-Q4", "2026-Q3" }, "end_quarter"},
		{"one quarter", func(in *Initiative) { in.EndQuarter = "2026-Q2" }, ""},
		{"unknown status", func(in *Initiative) { in.Status = "done" }, "status"},
		{"unknown KPI", func(in *Initiative) { in.KPI = "happiness" }, "kpi"},
		{"unknown target kind", func(in *Initiative) { in.TargetKind = "goal" }, "target_kind"},
		{"change of zero", func(in *Initiative) { in.Target = 0 }, "target"},
		{"rise of a lower-is-better KPI", func(in *Initiative) { in.Target = 0.05 }, "target"},
		{"fall of a higher-is-better KPI", func(in *Initiative) { in.KPI, in.Target = KPIAvailability, -0.001 }, "target"},
		{"rise of a higher-is-better KPI", func(in *Initiative) { in.KPI, in.Target = KPIAvailability, 0.001 }, ""},
		{"percentage value above 100 %", func(in *Initiative) { in.TargetKind, in.Target = TargetValue, 1.5 }, "target"},
		{"negative minutes", func(in *Initiative) { in.KPI, in.TargetKind, in.Target = KPIMTTRMinutes, TargetValue, -3 }, "target"},
		{"value of minutes", func(in *Initiative) { in.KPI, in.TargetKind, in.Target = KPIMTTRMinutes, TargetValue, 45 }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := validInitiative()
			tc.change(&in)
			errs := in.Validate()
			if tc.field == "" && len(errs) != 0 || tc.field != "" && (len(errs) != 1 || errs[tc.field] == "") {
				t.Errorf("errors %v, want one on %q", errs, tc.field)
			}
		})
	}
}

func TestNormQuarter(t *testing.T) {
	for in, want := range map[string]string{"2026-q3": "2026-Q3", " 2026-Q1 ": "2026-Q1", "2026-10": "", "2026-Q5": "", "Q3 2026": ""} {
		got, err := NormQuarter(in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("NormQuarter(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestInitiativeQuarters(t *testing.T) {
	in := Initiative{StartQuarter: "2026-Q3", EndQuarter: "2027-Q2", Status: InitiativeInProgress}
	if got, want := in.Quarters(), []string{"2026-Q3", "2026-Q4", "2027-Q1", "2027-Q2"}; !slices.Equal(got, want) {
		t.Errorf("quarters %v, want %v", got, want)
	}
	if b, _ := in.BeforeQuarter(time.UTC); b.Label != "2026-Q2" {
		t.Errorf("before %s, want 2026-Q2", b.Label)
	}
	if _, ok := in.AfterQuarter(time.UTC); ok {
		t.Error("an initiative in progress has no after quarter")
	}
	in.Status = InitiativeDelivered
	if a, ok := in.AfterQuarter(time.UTC); !ok || a.Label != "2027-Q2" {
		t.Errorf("after %s, want the delivery quarter 2027-Q2", a.Label)
	}
	if !in.DeliveredIn("2027-Q2") || in.DeliveredIn("2027-Q1") || in.PlannedFor("2027-Q1") {
		t.Error("delivered in its end quarter only, and no longer planned")
	}
	in.Status = InitiativePlanned
	if !in.PlannedFor("2026-Q4") || in.PlannedFor("2027-Q3") {
		t.Error("planned for its own quarters only")
	}
}

func TestRoadmapByQuarter(t *testing.T) {
	ins := []Initiative{
		{Code: "I-002", StartQuarter: "2026-Q4", EndQuarter: "2026-Q4"},
		{Code: "I-001", StartQuarter: "2026-Q2", EndQuarter: "2026-Q3"},
		{Code: "I-003", StartQuarter: "2027-Q2", EndQuarter: "2027-Q2"},
	}
	got := RoadmapByQuarter(ins)
	want := map[string][]string{"2026-Q2": {"I-001"}, "2026-Q3": {"I-001"}, "2026-Q4": {"I-002"}, "2027-Q1": nil, "2027-Q2": {"I-003"}}
	if len(got) != len(want) {
		t.Fatalf("%d quarters, want %d (a gap quarter is kept)", len(got), len(want))
	}
	for i, q := range []string{"2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1", "2027-Q2"} {
		var codes []string
		for _, in := range got[i].Initiatives {
			codes = append(codes, in.Code)
		}
		if got[i].Quarter != q || !slices.Equal(codes, want[q]) {
			t.Errorf("%s: %v, want %s %v", got[i].Quarter, codes, q, want[q])
		}
	}
	if RoadmapByQuarter(nil) != nil {
		t.Error("an empty roadmap has no quarters")
	}
}

func TestInitiativeOutcome(t *testing.T) {
	mttr := func(kind string, target float64) Initiative {
		return Initiative{KPI: KPIMTTRMinutes, TargetKind: kind, Target: target, Status: InitiativeDelivered}
	}
	avail := Initiative{KPI: KPIAvailability, TargetKind: TargetValue, Target: 0.999}
	for _, tc := range []struct {
		name          string
		in            Initiative
		before, after *float64
		change        *float64
		met           *bool
	}{
		// 60 → 42 minutes: change −18, target −15 → met.
		{"change met", mttr(TargetChange, -15), f64(60), f64(42), f64(-18), boolp(true)},
		// 60 → 50: change −10, short of −15.
		{"change missed", mttr(TargetChange, -15), f64(60), f64(50), f64(-10), boolp(false)},
		// CFR 0.30 → 0.10: change −0.20, exactly the target despite float rounding.
		{"change exactly met", Initiative{KPI: KPIChangeFailureRate, TargetKind: TargetChange, Target: -0.2}, f64(0.3), f64(0.1), f64(-0.2), boolp(true)},
		// Value: MTTR 44 ≤ 45 met (lower is better).
		{"value met, lower better", mttr(TargetValue, 45), f64(70), f64(44), f64(-26), boolp(true)},
		// Availability 0.9985 < 0.999 missed (higher is better); no before needed.
		{"value missed, higher better", avail, nil, f64(0.9985), nil, boolp(false)},
		{"no after: not judged", mttr(TargetValue, 45), f64(70), nil, nil, nil},
		{"no before: change not judged", mttr(TargetChange, -15), nil, f64(40), nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.in.Outcome(tc.before, tc.after)
			wantF(t, "change", o.Change, tc.change)
			if (o.Met == nil) != (tc.met == nil) || o.Met != nil && *o.Met != *tc.met {
				t.Errorf("met %v, want %v", fmtb(o.Met), fmtb(tc.met))
			}
		})
	}
}

func fmtb(b *bool) any {
	if b == nil {
		return "nil"
	}
	return *b
}

func TestDiffInitiatives(t *testing.T) {
	a := validInitiative()
	a.Services, a.Risks = []string{"checkout"}, []string{"R-001"}
	b := a
	b.Owner, b.Target, b.Risks = "Bo", -0.1, []string{"R-001", "R-004"}
	got := DiffInitiatives(a, b)
	want := []FieldChange{{"owner", "Ana", "Bo"}, {"target", "-0.05", "-0.1"}, {"risks", "R-001", "R-001 R-004"}}
	if !slices.Equal(got, want) {
		t.Errorf("diff %v, want %v", got, want)
	}
	if len(DiffInitiatives(a, a)) != 0 {
		t.Error("no change, no diff")
	}
}
