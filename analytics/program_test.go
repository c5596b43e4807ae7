package analytics

import (
	"reflect"
	"testing"
	"time"
)

// programFixture is four services in two teams with every program input;
// the values each test expects are worked out beside the records.
func programFixture() Input {
	return Input{
		Services: []Service{
			{ID: 1, Name: "checkout", Tier: 0, TeamID: 1, Team: "payments"},
			{ID: 2, Name: "ledger", Tier: 1, TeamID: 1, Team: "payments"},
			{ID: 3, Name: "search", Tier: 2, TeamID: 2, Team: "discovery"},
			{ID: 4, Name: "blog", Tier: 3, TeamID: 2, Team: "discovery"},
		},
		Readiness: []ServiceReadiness{
			{ServiceID: 1, HasSLO: true, DashboardURL: "https://d/1", RunbookURL: "https://r/1",
				PRRDate: new(day("2026-05-01")), PRRResult: PRRPass, RPOMinutes: f64(5)},
			// Reviewed the day after Q3 ends: not yet reviewed in Q3.
			{ServiceID: 2, HasSLO: true, DashboardURL: "https://d/2", PRRDate: new(day("2026-10-01")), PRRResult: PRRPass, RPOMinutes: f64(15)},
			{ServiceID: 3, DashboardURL: "https://d/3", RunbookURL: "https://r/3", PRRDate: new(day("2026-08-01")), PRRResult: PRRFail},
			// Service 4 has no record: it counts, with nothing in place.
		},
		DRTests: []DRTest{
			{ID: 1, ServiceID: 1, Kind: DRRestore, Date: day("2025-09-30"), Passed: true}, // a day before the 12-month window
			{ID: 2, ServiceID: 1, Kind: DRFailover, Date: day("2026-08-10"), Passed: true},
			{ID: 3, ServiceID: 2, Kind: DRRestore, Date: day("2026-09-30"), Passed: false},
			{ID: 4, ServiceID: 2, Kind: DRBackupVerify, Date: day("2025-10-01"), Passed: true}, // the window's first day
			{ID: 5, ServiceID: 3, Kind: DRFailover, Date: day("2026-07-01"), Passed: true},
		},
		ToilTasks: []ToilTask{
			{ID: 1, TeamID: 1, Task: "rotate certs", RunsPerWeek: 5, MinutesPerRun: 12, AutomatedSince: new(day("2026-06-01"))}, // 1 h
			{ID: 2, TeamID: 1, Task: "resize disks", RunsPerWeek: 2, MinutesPerRun: 90, AutomatedSince: new(day("2026-10-01"))}, // 3 h, after Q3
			{ID: 3, TeamID: 1, Task: "restart workers", RunsPerWeek: 10, MinutesPerRun: 6},                                      // 1 h
		},
		Capacity: []CapacitySample{
			{ID: 1, ServiceID: 1, Month: day("2026-07-01"), Resource: "cpu", PeakPct: 85, SafePct: 80}, // headroom 0.15, over
			{ID: 2, ServiceID: 1, Month: day("2026-09-01"), Resource: "memory", PeakPct: 60, SafePct: 75},
			{ID: 3, ServiceID: 2, Month: day("2026-06-01"), Resource: "cpu", PeakPct: 99, SafePct: 80}, // before Q3
			{ID: 4, ServiceID: 3, Month: day("2026-08-01"), Resource: "cpu", PeakPct: 70, SafePct: 70}, // at the threshold: not past it
		},
		Costs: []CostEntry{
			{ID: 1, ServiceID: 1, TeamID: 1, Month: day("2026-07-01"), Category: "compute", Cost: 900, Units: f64(3000), UnitName: "1k requests"},
			{ID: 2, ServiceID: 1, TeamID: 1, Month: day("2026-07-01"), Category: CostObservability, Cost: 100},
			{ID: 3, ServiceID: 2, TeamID: 1, Month: day("2026-08-01"), Category: "compute", Cost: 500, Units: f64(1000), UnitName: "1k requests"},
			{ID: 4, TeamID: 1, Month: day("2026-08-01"), Category: CostObservability, Cost: 400}, // the team's own
			{ID: 5, ServiceID: 3, TeamID: 2, Month: day("2026-06-01"), Category: "compute", Cost: 1000, Units: f64(10), UnitName: "tenants"},
		},
		Stakeholder: []StakeholderScore{
			{ID: 1, Year: 2026, Quarter: 3, Group: "product", Score: 4, Responses: 10},
			{ID: 2, Year: 2026, Quarter: 3, Group: "support", Score: 3, Responses: 30},
			{ID: 3, Year: 2026, Quarter: 2, Group: "engineering", Score: 5, Responses: 5},
		},
	}
}

func TestProgramKPIs(t *testing.T) {
	q3 := NewQuarter(2026, 3, time.UTC)
	for _, tc := range []struct {
		name string
		in   func() Input
		p    Period
		want map[string]*float64
	}{
		{"organisation, Q3", programFixture, q3, map[string]*float64{
			KPIReliabilityAdoptionRate:   f64(1.0 / 4), // checkout only: ledger lacks a runbook, search an SLO, blog everything
			KPIRunbookCoverage:           f64(1.0 / 2), // tier 0/1: checkout yes, ledger no
			KPIPRRCoverage:               f64(1.0 / 4), // checkout; ledger's review is after Q3, search's failed
			KPIDRTestSuccessRate:         f64(2.0 / 3), // tests 2, 3, 5 are in Q3; 3 failed
			KPIDRTestedServicesRate:      f64(1),       // checkout (test 2), ledger (test 4, on the window's first day)
			KPIBackupRestoreVerifiedRate: f64(1.0 / 2), // RPO set: checkout (restore 1 is too old, failover 2 no restore), ledger (4)
			KPIAutomationCoverage:        f64(1.0 / 5), // 1 h automated of 1 + 3 + 1 h
			KPIToilHoursSavedPerWeek:     f64(1),
			KPICapacityHeadroomMin:       f64(0.15),          // checkout's July cpu
			KPIObservabilityCostShare:    f64(500.0 / 1900),  // (100 + 400) of 900 + 100 + 500 + 400
			KPIUnitCost:                  f64(1500.0 / 4000), // checkout July 1000 for 3000, ledger August 500 for 1000
			KPIStakeholderScore:          f64(130.0 / 40),    // (4 × 10 + 3 × 30) ÷ 40
		}},
		{"organisation, August reads Q3's survey", programFixture, NewMonth(2026, 8, time.UTC), map[string]*float64{
			KPIDRTestSuccessRate:      f64(1), // test 2 only
			KPICapacityHeadroomMin:    f64(0.3),
			KPIObservabilityCostShare: f64(400.0 / 900),
			KPIUnitCost:               f64(0.5),
			KPIStakeholderScore:       f64(3.25),
			KPIPRRCoverage:            f64(1.0 / 4), // search's review of 1 August failed
		}},
		{"Q4: the review and automation of 1 October count", programFixture, NewQuarter(2026, 4, time.UTC), map[string]*float64{
			KPIPRRCoverage:           f64(2.0 / 4),
			KPIAutomationCoverage:    f64(4.0 / 5),
			KPIToilHoursSavedPerWeek: f64(4),
			KPIDRTestSuccessRate:     nil,          // no test in Q4
			KPIDRTestedServicesRate:  f64(1.0 / 2), // ledger's test 4 (2025-10-01) left the window; its test 3 failed
			KPICapacityHeadroomMin:   nil,
			KPIUnitCost:              nil,
			KPIStakeholderScore:      nil,
		}},
		{"no data", func() Input { return Input{} }, q3, map[string]*float64{
			KPIReliabilityAdoptionRate: nil, KPIRunbookCoverage: nil, KPIPRRCoverage: nil, KPIDRTestSuccessRate: nil,
			KPIDRTestedServicesRate: nil, KPIBackupRestoreVerifiedRate: nil, KPIAutomationCoverage: nil,
			KPIToilHoursSavedPerWeek: nil, KPICapacityHeadroomMin: nil, KPIUnitCost: nil, KPIObservabilityCostShare: nil,
			KPIStakeholderScore: nil,
		}},
		{"mixed units have no unit cost", func() Input {
			in := programFixture()
			in.Costs[2].UnitName = "tenants"
			return in
		}, q3, map[string]*float64{KPIUnitCost: nil, KPIObservabilityCostShare: f64(500.0 / 1900)}},
		{"nothing automated is 0 hours saved, not no data", func() Input {
			in := programFixture()
			in.ToilTasks = in.ToilTasks[2:]
			return in
		}, q3, map[string]*float64{KPIAutomationCoverage: f64(0), KPIToilHoursSavedPerWeek: f64(0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Compute(tc.in(), tc.p, DefaultSettings())
			checkKPIs(t, r, tc.want)
		})
	}
}

func TestProgramCounts(t *testing.T) {
	r := Compute(programFixture(), NewQuarter(2026, 3, time.UTC), DefaultSettings())
	c := r.Counts
	if c.CapacityOverThreshold != 1 || c.CapacitySamples != 3 || c.DRTests != 3 || c.CriticalServices != 2 ||
		c.DataServices != 2 || c.ToilTasks != 3 || c.CostUnitMonths != 2 || c.StakeholderResponses != 40 || c.StakeholderGroups != 2 {
		t.Errorf("counts %+v", c)
	}
	if got := included(r, KPIDRTestedServicesRate); !reflect.DeepEqual(got, []int64{1, 2}) {
		t.Errorf("DR-tested services %v", got)
	}
}

// TestProgramScopes checks one service's figures and that merging the
// services' parts gives the organisation's.
func TestProgramScopes(t *testing.T) {
	in, q3 := programFixture(), NewQuarter(2026, 3, time.UTC)
	parts := SplitByService(in)
	checkout := parts[1]
	checkout.Services = in.Services[:1]
	checkKPIs(t, Compute(checkout, q3, DefaultSettings()), map[string]*float64{
		KPIReliabilityAdoptionRate: f64(1), KPIRunbookCoverage: f64(1), KPIDRTestedServicesRate: f64(1),
		KPIBackupRestoreVerifiedRate: f64(0),
		KPIAutomationCoverage:        f64(0.2),          // the team's inventory
		KPIObservabilityCostShare:    f64(500.0 / 1400), // its own rows and its team's
		KPIUnitCost:                  f64(1000.0 / 3000),
		KPIStakeholderScore:          f64(3.25), // the organisation's
	})
	var list []Input
	for _, id := range []int64{4, 2, 3, 1} {
		list = append(list, parts[id])
	}
	want, got := Compute(in, q3, DefaultSettings()), Compute(MergeInputs(list...), q3, DefaultSettings())
	if !reflect.DeepEqual(want.KPIs.Map(), got.KPIs.Map()) || want.Counts != got.Counts {
		t.Errorf("merge of split differs:\nwant %+v\ngot  %+v", want.Counts, got.Counts)
	}
}

// TestProgramReportingTimezone checks dates are civil dates of the
// reporting timezone: a test on 1 July counts in Q3 in Tokyo too.
func TestProgramReportingTimezone(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip(err)
	}
	r := Compute(programFixture(), NewQuarter(2026, 3, tokyo), DefaultSettings())
	checkKPIs(t, r, map[string]*float64{KPIDRTestSuccessRate: f64(2.0 / 3), KPIPRRCoverage: f64(1.0 / 4)})
}
