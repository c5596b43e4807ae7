package analytics

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestStatus(t *testing.T) {
	mttr := Target{Tier: 1, KPI: KPIMTTRMinutes, Target: 60, Direction: DirectionMax}
	cfr := Target{Tier: 1, KPI: KPIChangeFailureRate, Target: 0.15, Direction: DirectionMax}
	avail := Target{Tier: 1, KPI: KPIAvailability, Target: 0.999, Direction: DirectionMin}
	pm := Target{Tier: 1, KPI: KPIPostmortemOnTimeRate, Target: 0.9, Direction: DirectionMin}
	other := Target{Tier: 1, KPI: KPIDeploysPerWeek, Target: 10, Direction: DirectionMin}
	zero := Target{Tier: 1, KPI: KPIToilRatio, Target: 0, Direction: DirectionMax}
	for _, tc := range []struct {
		name  string
		value *float64
		t     Target
		want  string
	}{
		{"no value", nil, mttr, StatusNoData},
		{"NaN value", f64(nanValue()), mttr, StatusNoData},
		{"bad direction", f64(1), Target{KPI: "x", Target: 1, Direction: "up"}, StatusNoTarget},
		{"max: below", f64(59), mttr, StatusMet},
		{"max: equal", f64(60), mttr, StatusMet},
		{"max: 65 at risk", f64(65), mttr, StatusAtRisk},
		{"max: 66 edge at risk", f64(66), mttr, StatusAtRisk},
		{"max: 66.01 missed", f64(66.01), mttr, StatusMissed},
		{"max: 70 missed", f64(70), mttr, StatusMissed},
		{"max ratio: 0.165 at risk", f64(0.165), cfr, StatusAtRisk},
		{"max ratio: 0.166 missed", f64(0.166), cfr, StatusMissed},
		{"max zero target: 0 met", f64(0), zero, StatusMet},
		{"max zero target: anything above missed", f64(0.01), zero, StatusMissed},
		{"min ratio: equal", f64(0.999), avail, StatusMet},
		{"min ratio: above", f64(0.9995), avail, StatusMet},
		{"min ratio: 0.9989 at risk (10 % of the 0.001 error margin)", f64(0.9989), avail, StatusAtRisk},
		{"min ratio: 0.99885 missed", f64(0.99885), avail, StatusMissed},
		{"min ratio: 0.899 missed, not 10 % of target", f64(0.899), avail, StatusMissed},
		{"min ratio 0.9: 0.89 at risk", f64(0.89), pm, StatusAtRisk},
		{"min ratio 0.9: 0.81 at risk (within 10 % of the target)", f64(0.81), pm, StatusAtRisk},
		{"min ratio 0.9: 0.809 missed", f64(0.809), pm, StatusMissed},
		{"min other: 9 at risk", f64(9), other, StatusAtRisk},
		{"min other: 8.9 missed", f64(8.9), other, StatusMissed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Status(tc.value, tc.t); got != tc.want {
				t.Errorf("Status(%v, %+v) = %s, want %s", fmtp(tc.value), tc.t, got, tc.want)
			}
		})
	}
}

// TestJudge checks the order of the six statuses: no value, then the
// minimum sample, then no target, then the target rule.
func TestJudge(t *testing.T) {
	mttr := Target{Tier: 0, KPI: KPIMTTRMinutes, Target: 30, Direction: DirectionMax}
	pm := Target{Tier: 0, KPI: KPIPostmortemOnTimeRate, Target: 0.95, Direction: DirectionMin}
	for _, tc := range []struct {
		name  string
		value *float64
		n     float64
		min   int
		t     Target
		ok    bool
		want  string
	}{
		{"no records: no data, whatever the target", nil, 0, 5, mttr, true, StatusNoData},
		{"no records and no target: no data", nil, 0, 5, mttr, false, StatusNoData},
		{"a value without a target: no_target", f64(12), 5, 5, mttr, false, StatusNoTarget},
		{"below the minimum, target or not: low_sample", f64(12), 1, 5, mttr, false, StatusLowSample},
		// The example: one postmortem, late, is 0 % — not "missed".
		{"1 of 1 postmortems below a minimum of 5", f64(0), 1, 5, pm, true, StatusLowSample},
		{"4 resolved incidents: one short of 5", f64(95), 4, 5, mttr, true, StatusLowSample},
		{"5 resolved incidents: judged, missed", f64(95), 5, 5, mttr, true, StatusMissed},
		{"5 resolved incidents: judged, at risk", f64(33), 5, 5, mttr, true, StatusAtRisk},
		{"6 resolved incidents: judged, met", f64(20), 6, 5, mttr, true, StatusMet},
		{"minimum 0: one record is judged", f64(0), 1, 0, pm, true, StatusMissed},
		{"minimum 1: one record is judged", f64(1), 1, 1, pm, true, StatusMet},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Judge(tc.value, tc.n, tc.min, tc.t, tc.ok); got != tc.want {
				t.Errorf("Judge(%v, n %v, min %d) = %s, want %s", fmtp(tc.value), tc.n, tc.min, got, tc.want)
			}
		})
	}
	for _, st := range Statuses {
		if Judged(st) != (st == StatusMet || st == StatusAtRisk || st == StatusMissed) {
			t.Errorf("Judged(%s) = %v", st, Judged(st))
		}
	}
}

func nanValue() float64 { z := 0.0; return z / z }

func TestTargetSet(t *testing.T) {
	ts := NewTargetSet(DefaultTargets())
	if got, ok := ts.Get(1, KPIMTTRMinutes); !ok || got.Target != 60 || got.Direction != DirectionMax {
		t.Errorf("tier 1 mttr = %+v, %v", got, ok)
	}
	if _, ok := ts.Get(1, KPIBurnRate); ok {
		t.Error("burn_rate has no default target")
	}
	if _, ok := ts.Get(9, KPIMTTRMinutes); ok {
		t.Error("tier 9 has no targets")
	}
}

// TestDefaultsMatchMigration keeps DefaultTargets, DefaultDoraBands and the
// documentation's source of truth, the migrations that seed them
// (00002_defaults.sql, and later ones for later KPIs), in step.
func TestDefaultsMatchMigration(t *testing.T) {
	files, err := filepath.Glob("../migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Skipf("migrations not readable: %v", err)
	}
	var all []byte
	for _, f := range files { // Glob sorts: migration order
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// Only what a migration applies: its Down section undoes it.
		up, _, _ := strings.Cut(string(b), "-- +goose Down")
		all = append(all, up...)
	}
	b := all
	var targets []Target
	for _, m := range regexp.MustCompile(`\((\d),'(\w+)',([\d.]+),'(min|max)'\)`).FindAllStringSubmatch(string(b), -1) {
		tier, _ := strconv.Atoi(m[1])
		v, _ := strconv.ParseFloat(m[3], 64)
		if _, ok := kpiIndex[m[2]]; !ok {
			t.Errorf("migration targets unknown KPI %q", m[2])
		}
		targets = append(targets, Target{Tier: tier, KPI: m[2], Target: v, Direction: m[4]})
	}
	var bands []DoraBand
	for _, m := range regexp.MustCompile(`\('(\w+)','(elite|high|medium)',([\d.]+)\)`).FindAllStringSubmatch(string(b), -1) {
		v, _ := strconv.ParseFloat(m[3], 64)
		bands = append(bands, DoraBand{Metric: m[1], Band: m[2], Threshold: v})
	}
	if len(targets) != len(DefaultTargets()) || !sameTargets(targets, DefaultTargets()) {
		t.Errorf("DefaultTargets differs from the migration:\n%v\n%v", targets, DefaultTargets())
	}
	if !slices.Equal(bands, DefaultDoraBands()) {
		t.Errorf("DefaultDoraBands differs from the migration:\n%v\n%v", bands, DefaultDoraBands())
	}
}

func sameTargets(a, b []Target) bool {
	if len(a) != len(b) {
		return false
	}
	ta, tb := NewTargetSet(a), NewTargetSet(b)
	for _, x := range a {
		if y, ok := tb.Get(x.Tier, x.KPI); !ok || y != x {
			return false
		}
	}
	for _, y := range b {
		if _, ok := ta.Get(y.Tier, y.KPI); !ok {
			return false
		}
	}
	return true
}

func TestDoraBands(t *testing.T) {
	p := oct2026()
	s := DefaultSettings()
	bands := DefaultDoraBands()
	res := func(cfr, lead, rec, mttrMed *float64) Result {
		return Result{KPIs: KPIs{ChangeFailureRate: cfr, LeadTimeMedianHours: lead,
			FailedDeployRecoveryMedianMinutes: rec, MTTRMedianMinutes: mttrMed}}
	}
	t.Run("threshold metrics", func(t *testing.T) {
		for _, tc := range []struct {
			name             string
			r                Result
			cfr, lead, recov string
		}{
			{"no data", res(nil, nil, nil, nil), "", "", ""},
			{"elite edges", res(f64(0.05), f64(23.9), f64(59), nil), BandElite, BandElite, BandElite},
			{"just past elite", res(f64(0.0501), f64(24), f64(60), nil), BandHigh, BandHigh, BandHigh},
			{"medium", res(f64(0.15), f64(168), f64(24*60), nil), BandMedium, BandMedium, BandMedium},
			{"low", res(f64(0.2), f64(720), f64(168*60), nil), BandLow, BandLow, BandLow},
			{"recovery falls back to MTTR median", res(nil, nil, nil, f64(120)), "", "", BandHigh},
			{"failed deploy recovery preferred over MTTR", res(nil, nil, f64(30), f64(10000)), "", "", BandElite},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := DoraBands(tc.r, Input{}, p, s, bands)
				if got[DoraChangeFailureRate] != tc.cfr || got[DoraLeadTimeHours] != tc.lead || got[DoraRecoveryHours] != tc.recov {
					t.Errorf("got %v", got)
				}
			})
		}
	})
	t.Run("deploy frequency", func(t *testing.T) {
		on := func(days ...string) Input {
			var in Input
			for i, d := range days {
				in.Deploys = append(in.Deploys, Deploy{ID: int64(i + 1), ServiceID: 1, Environment: "prod",
					Status: DeploySuccess, FinishedAt: at(d + "T12:00:00Z")})
			}
			return in
		}
		var weekdays []string
		for d := 1; d <= 31; d++ {
			day := NewMonth(2026, 10, nil).From.AddDate(0, 0, d-1)
			if wd := day.Weekday(); wd != 0 && wd != 6 {
				weekdays = append(weekdays, day.Format("2006-01-02"))
				weekdays = append(weekdays, day.Format("2006-01-02")) // two deploys a day: still one deploy-day
			}
		}
		q4 := NewQuarter(2026, 4, nil)
		for _, tc := range []struct {
			name string
			in   Input
			p    Period
			want string
		}{
			{"no deployments", Input{}, p, ""},
			{"every weekday: 5 deploy-days a week", on(weekdays...), p, BandElite},
			{"Mondays only", on("2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26"), p, BandHigh},
			// Blocks Oct 1–7, 8–14, 15–21, 22–28 hold 1, 1, 0, 0 deploy-days: median 0.5.
			{"twice a month", on("2026-10-02", "2026-10-09"), p, BandMedium},
			// Quarter months hold 1, 0, 0 deploy-days: median 0.
			{"once a quarter", on("2026-10-02"), q4, BandLow},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := DoraBands(Result{}, tc.in, tc.p, s, bands)[DoraDeployFrequency]; got != tc.want {
					w, m, n := DeployDays(tc.in, tc.p, s)
					t.Errorf("got %q, want %q (per week %v, per month %v, n %d)", got, tc.want, w, m, n)
				}
			})
		}
	})
	t.Run("missing band rows are skipped", func(t *testing.T) {
		only := []DoraBand{{DoraChangeFailureRate, BandMedium, 0.15}}
		got := DoraBands(res(f64(0.01), nil, nil, nil), Input{}, p, s, only)
		if got[DoraChangeFailureRate] != BandMedium {
			t.Errorf("got %v", got)
		}
	})
}
