package analytics

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// syntheticInput builds a deterministic org-wide year of records (2026,
// about 200 000 in total) for benchmarks: 200 services in 40 teams.
func syntheticInput() Input {
	r := rand.New(rand.NewPCG(42, 2026))
	start := at("2026-01-01T00:00:00Z")
	year := 365 * 24 * time.Hour
	when := func() time.Time { return start.Add(time.Duration(r.Int64N(int64(year)))) }
	minutesLater := func(t time.Time, max int) *time.Time {
		x := t.Add(time.Duration(r.IntN(max)+1) * time.Minute)
		return &x
	}
	zones := []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"}
	titles := []string{"High latency on api-%d", "Disk full on db-%d", "5xx rate above %d%%", "Certificate expires in %d days",
		"Pod web-%x crashloop", "Timeout to 10.0.%d.7:5432", "Queue backlog %d messages", "Replica lag %ds"}
	var in Input
	const services, teams = 200, 40
	for i := range services {
		in.Services = append(in.Services, Service{ID: int64(i + 1), Name: fmt.Sprintf("svc-%d", i+1), Tier: i % 4,
			TeamID: int64(i%teams + 1), OnCallTZ: zones[i%len(zones)]})
	}
	for i := range 60000 {
		fin := when()
		d := Deploy{ID: int64(i + 1), ServiceID: int64(r.IntN(services) + 1), Environment: "production",
			Status: DeploySuccess, FinishedAt: fin, CommitAt: func() *time.Time { x := fin.Add(-time.Duration(r.IntN(200)) * time.Hour); return &x }()}
		k := r.IntN(20)
		varyDeploy(&d, k)
		if k == 3 {
			d.Environment = "staging"
		}
		// Regression flags on three deploys in four, from the index so
		// the random sequence (and every other figure) stays as it was.
		if i%4 != 0 {
			flag := i%9 == 1
			d.PerfRegression = &flag
		}
		in.Deploys = append(in.Deploys, d)
	}
	for i := range 30000 {
		det := when()
		inc := Incident{ID: int64(i + 1), ServiceID: int64(r.IntN(services) + 1), Severity: r.IntN(5), CustomerImpacting: r.IntN(4) == 0,
			Title:      fmt.Sprintf(titles[r.IntN(len(titles))], r.IntN(1000)),
			DetectedAt: det, StartedAt: func() *time.Time { x := det.Add(-time.Duration(r.IntN(30)) * time.Minute); return &x }(),
			AcknowledgedAt: minutesLater(det, 20), MitigatedAt: minutesLater(det, 120)}
		if r.IntN(10) > 0 {
			inc.ResolvedAt = minutesLater(det, 600)
			if r.IntN(2) == 0 {
				inc.PostmortemPublishedAt = minutesLater(*inc.ResolvedAt, 20000)
			}
		}
		if r.IntN(10) == 0 {
			inc.CausedByDeployID = i64(int64(r.IntN(60000) + 1))
		}
		in.Incidents = append(in.Incidents, inc)
	}
	for i := range 80000 {
		trig := when()
		pg := Page{ID: int64(i + 1), ServiceID: int64(r.IntN(services) + 1), Title: "alert", TriggeredAt: trig,
			ResolvedAt: minutesLater(trig, 60)}
		if r.IntN(5) != 0 { // a fifth of pages name no responder
			pg.Responder = fmt.Sprintf("person-%d", (pg.ServiceID*7+int64(r.IntN(4)))%60)
		}
		if r.IntN(2) == 0 {
			pg.AcknowledgedAt = minutesLater(trig, 15)
		}
		in.Pages = append(in.Pages, pg)
	}
	for slo := range 50 {
		for d := range 365 {
			total := int64(r.IntN(100000) + 1)
			in.SLIDays = append(in.SLIDays, SLIDay{SLOID: int64(slo + 1), ServiceID: int64(slo*4 + 1), Objective: 0.999,
				Day: start.AddDate(0, 0, d), Total: total, Good: total - int64(r.IntN(int(total/500)+1))})
		}
	}
	for i := range 10000 {
		due := when()
		a := ActionItem{ID: int64(i + 1), ServiceID: int64(r.IntN(services) + 1), Title: "fix", DueAt: &due}
		if r.IntN(3) > 0 {
			a.ClosedAt = minutesLater(due.Add(-48*time.Hour), 5000)
		}
		in.ActionItems = append(in.ActionItems, a)
	}
	for team := range teams {
		for w := range 52 {
			in.Toil = append(in.Toil, ToilWeek{TeamID: int64(team + 1), WeekStart: at("2025-12-29T00:00:00Z").AddDate(0, 0, 7*w),
				ToilHours: float64(r.IntN(40)), TotalHours: 160})
		}
	}
	addSyntheticProgram(&in, r, services, teams)
	return in
}

// addSyntheticProgram adds program records (readiness, DR tests, toil
// tasks, capacity, cost, surveys) for every service and team of the year.
func addSyntheticProgram(in *Input, r *rand.Rand, services, teams int) {
	for i := range services {
		id := int64(i + 1)
		rd := ServiceReadiness{ServiceID: id, HasSLO: i%4 == 0, DashboardURL: "https://d/" + strconv.Itoa(i)}
		if r.IntN(3) > 0 {
			rd.RunbookURL = "https://r/" + strconv.Itoa(i)
		}
		if r.IntN(2) == 0 {
			rd.PRRDate, rd.PRRResult = new(day("2026-03-01")), []string{PRRPass, PRRConditional, PRRFail}[r.IntN(3)]
		}
		if i%3 == 0 {
			rd.RPOMinutes = new(float64(15))
		}
		in.Readiness = append(in.Readiness, rd)
		for k, kind := range []string{DRFailover, DRRestore, DRBackupVerify} {
			in.DRTests = append(in.DRTests, DRTest{ID: id*3 + int64(k), ServiceID: id, Kind: kind,
				Date: day("2026-01-05").AddDate(0, 0, r.IntN(360)), Passed: r.IntN(5) > 0})
		}
		for m := range 12 {
			in.Capacity = append(in.Capacity, CapacitySample{ID: id*12 + int64(m), ServiceID: id, Resource: "cpu",
				Month: day("2026-01-01").AddDate(0, m, 0), PeakPct: float64(r.IntN(100)), SafePct: 80})
			for k, cat := range []string{"compute", CostObservability} {
				e := CostEntry{ID: (id*12+int64(m))*2 + int64(k), ServiceID: id, TeamID: int64(i%teams + 1), Month: day("2026-01-01").AddDate(0, m, 0),
					Category: cat, Cost: float64(r.IntN(5000) + 1)}
				if k == 0 {
					e.Units, e.UnitName = new(float64(r.IntN(90000)+1000)), "1k requests"
				}
				in.Costs = append(in.Costs, e)
			}
		}
	}
	for t := range teams {
		for k := range 5 {
			task := ToilTask{ID: int64(t*5 + k + 1), TeamID: int64(t + 1), Task: "task", RunsPerWeek: float64(r.IntN(10) + 1), MinutesPerRun: 30}
			if k < 2 {
				task.AutomatedSince = new(day("2026-02-01"))
			}
			in.ToilTasks = append(in.ToilTasks, task)
		}
	}
	for q := 1; q <= 4; q++ {
		for g, group := range []string{"product", "support", "security"} {
			in.Stakeholder = append(in.Stakeholder, StakeholderScore{ID: int64(q*10 + g), Year: 2026, Quarter: q, Group: group,
				Score: 3 + float64(r.IntN(20))/10, Responses: r.IntN(30) + 5})
		}
	}
}

func recordCount(in Input) int {
	return len(in.Incidents) + len(in.Deploys) + len(in.Pages) + len(in.SLIDays) + len(in.ActionItems) + len(in.Toil)
}

// BenchmarkComputeOrgMonth computes one month org-wide and then every
// service's scorecard via SplitByService, over about 200 000 records.
func BenchmarkComputeOrgMonth(b *testing.B) {
	in := syntheticInput()
	p := oct2026()
	s := DefaultSettings()
	b.ReportMetric(float64(recordCount(in)), "records")
	b.ResetTimer()
	for b.Loop() {
		org := Compute(in, p, s)
		if org.KPIs.IncidentsTotal == nil || *org.KPIs.IncidentsTotal == 0 {
			b.Fatal("no incidents in the month")
		}
		for _, part := range SplitByService(in) {
			Compute(part, p, s)
		}
	}
}

// TestSyntheticSplitMergeAgree checks on the synthetic data set that the
// org result equals the result over the merged per-service inputs (roll-ups
// never average averages) and that no KPI is NaN.
func TestSyntheticSplitMergeAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("large synthetic data set")
	}
	in := syntheticInput()
	if n := recordCount(in); n < 190000 {
		t.Fatalf("only %d records", n)
	}
	p := oct2026()
	s := DefaultSettings()
	org := Compute(in, p, s)
	var parts []Input
	for _, x := range SplitByService(in) {
		parts = append(parts, x)
	}
	merged := Compute(MergeInputs(parts...), p, s)
	if !closeEnough(org.Counts.BudgetEvents, merged.Counts.BudgetEvents) {
		t.Errorf("budget events %v != %v", org.Counts.BudgetEvents, merged.Counts.BudgetEvents)
	}
	org.Counts.BudgetEvents, merged.Counts.BudgetEvents = 0, 0 // float sums depend on order
	if org.Counts != merged.Counts {
		t.Errorf("counts differ:\n%+v\n%+v", org.Counts, merged.Counts)
	}
	for _, name := range KPINames {
		a, m := org.KPIs.Get(name), merged.KPIs.Get(name)
		if (a == nil) != (m == nil) || a != nil && !closeEnough(*a, *m) {
			t.Errorf("%s: org %v, merged %v", name, fmtp(a), fmtp(m))
		}
		if a == nil && name != KPIPostmortemOnTimeRate {
			t.Errorf("%s has no data on the synthetic set", name)
		}
	}
}

// closeEnough tolerates float summation order (merged inputs are reordered).
func closeEnough(a, b float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= 1e-9*max(1, a, -a)
}
