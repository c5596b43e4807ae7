package scorecard_test

import (
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/scorecard"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(v float64) *float64 { return &v }

// env is the default settings and targets in force since the beginning,
// with knowledge cut-off asOf.
func env(asOf time.Time, services ...analytics.Service) scorecard.Env {
	rules := analytics.Rules{Settings: analytics.DefaultSettings(), Targets: analytics.NewTargetSet(analytics.DefaultTargets())}
	e := scorecard.Env{Rules: analytics.FixedRules(rules), AsOf: asOf, Services: services}
	e.Settings = e.SettingsFor(analytics.MonthOf(asOf, time.UTC))
	return e
}

// resolved is an incident of service sid detected at det and resolved
// minutes later.
func resolved(id, sid int64, det string, minutes float64) analytics.Incident {
	d := at(det)
	r := d.Add(time.Duration(minutes * float64(time.Minute)))
	return analytics.Incident{ID: id, ServiceID: sid, Title: "incident " + det, Severity: analytics.Sev3, Status: analytics.StatusResolved,
		DetectedAt: d, ResolvedAt: &r}
}

// TestCellSamplesAndStatuses is issue 14 items 3 and 4 on hand-computed
// records: every cell carries its n; below the minimum sample the status
// is low_sample, a value without a target no_target, no records no_data.
func TestCellSamplesAndStatuses(t *testing.T) {
	svcA := analytics.Service{ID: 1, Name: "checkout", Tier: 0, TeamID: 1, Team: "payments", OnCallTZ: "UTC"}
	svcB := analytics.Service{ID: 2, Name: "ledger", Tier: 0, TeamID: 1, Team: "payments", OnCallTZ: "UTC"}
	in := analytics.Input{Services: []analytics.Service{svcA, svcB}}
	// checkout: 2 incidents in October (20 and 40 minutes); ledger: 6
	// (10, 20, 30, 40, 50, 60 minutes). September: checkout 1 of 15 minutes.
	in.Incidents = append(in.Incidents, resolved(1, 1, "2026-10-03T10:00:00Z", 20), resolved(2, 1, "2026-10-10T10:00:00Z", 40),
		resolved(3, 1, "2026-09-10T10:00:00Z", 15))
	for i, m := range []float64{10, 20, 30, 40, 50, 60} {
		in.Incidents = append(in.Incidents, resolved(int64(10+i), 2, "2026-10-1"+string(rune('1'+i))+"T08:00:00Z", m))
	}
	e := env(at("2026-11-15T13:00:00Z"), svcA, svcB)
	card := scorecard.Compute(e, in, e.Services, analytics.NewMonth(2026, 10, time.UTC))
	if card.ToDate {
		t.Error("October is not in progress on November 15th")
	}
	row := func(name string) scorecard.Row {
		for _, r := range append(append(append([]scorecard.Row{}, card.Services...), card.Tiers...), append(card.Teams, card.Org)...) {
			if r.Name == name {
				return r
			}
		}
		t.Fatalf("no row %s", name)
		return scorecard.Row{}
	}
	cases := []struct {
		row, kpi   string
		value      *float64
		n          float64
		status     string
		prev       *float64
		prevN      float64
		prevStatus string
	}{
		// checkout MTTR: (20 + 40) / 2 = 30 over 2 < 5: low_sample, not "met".
		{"checkout", analytics.KPIMTTRMinutes, ptr(30), 2, analytics.StatusLowSample, ptr(15), 1, analytics.StatusLowSample},
		// ledger MTTR: (10+…+60) / 6 = 35 over 6 ≥ 5, against 30: 35 > 33 → missed.
		{"ledger", analytics.KPIMTTRMinutes, ptr(35), 6, analytics.StatusMissed, nil, 0, analytics.StatusNoData},
		// Tier 0: (60 + 210) / 8 = 33.75 over 8, > 33 → missed; September 15 over 1.
		{"Tier 0", analytics.KPIMTTRMinutes, ptr(33.75), 8, analytics.StatusMissed, ptr(15), 1, analytics.StatusLowSample},
		// The organisation has no target: a value is no_target, not no_data;
		// September's one incident is too few, target or not.
		{"Organisation", analytics.KPIMTTRMinutes, ptr(33.75), 8, analytics.StatusNoTarget, ptr(15), 1, analytics.StatusLowSample},
		// No deploys at all: change failure rate null, no_data (target or not).
		{"checkout", analytics.KPIChangeFailureRate, nil, 0, analytics.StatusNoData, nil, 0, analytics.StatusNoData},
		{"Organisation", analytics.KPIChangeFailureRate, nil, 0, analytics.StatusNoData, nil, 0, analytics.StatusNoData},
		// A count: n is the records it counts; no target.
		{"checkout", analytics.KPIIncidentsTotal, ptr(2), 2, analytics.StatusNoTarget, ptr(1), 1, analytics.StatusNoTarget},
		// A team row judges team figures only: MTTR has no target there.
		{"payments", analytics.KPIMTTRMinutes, ptr(33.75), 8, analytics.StatusNoTarget, ptr(15), 1, analytics.StatusLowSample},
	}
	for _, tc := range cases {
		c := row(tc.row).KPIs[tc.kpi]
		if !same(c.Value, tc.value) || c.N != tc.n || c.Status != tc.status || !same(c.Previous, tc.prev) || c.PreviousN != tc.prevN ||
			c.PreviousStatus != tc.prevStatus {
			t.Errorf("%s %s: value %v n %v %s, previous %v n %v %s; want %v n %v %s, previous %v n %v %s", tc.row, tc.kpi,
				str(c.Value), c.N, c.Status, str(c.Previous), c.PreviousN, c.PreviousStatus,
				str(tc.value), tc.n, tc.status, str(tc.prev), tc.prevN, tc.prevStatus)
		}
		if want := 5; tc.kpi == analytics.KPIMTTRMinutes && c.MinSample != want {
			t.Errorf("%s MTTR min sample %d, want %d", tc.row, c.MinSample, want)
		}
	}

	// A lower minimum from the settings judges checkout's two incidents.
	rules := analytics.Rules{Settings: analytics.DefaultSettings(), Targets: analytics.NewTargetSet(analytics.DefaultTargets())}
	rules.Settings.MinSample = map[string]int{analytics.KPIMTTRMinutes: 2}
	e.Rules = analytics.FixedRules(rules)
	card = scorecard.Compute(e, in, e.Services, analytics.NewMonth(2026, 10, time.UTC))
	if c := card.Services[0].KPIs[analytics.KPIMTTRMinutes]; c.Status != analytics.StatusMet || c.MinSample != 2 {
		t.Errorf("checkout MTTR 30 over 2 with a minimum of 2: %s (min %d), want met", c.Status, c.MinSample)
	}
}

// TestTeamFiguresOnTeamRows is issue 14 item 10: toil, recorded per team,
// is on the team's row and the roll-ups, not repeated on each service row.
func TestTeamFiguresOnTeamRows(t *testing.T) {
	svcs := []analytics.Service{
		{ID: 1, Name: "checkout", Tier: 1, TeamID: 1, Team: "payments", OnCallTZ: "UTC"},
		{ID: 2, Name: "ledger", Tier: 2, TeamID: 1, Team: "payments", OnCallTZ: "UTC"},
		{ID: 3, Name: "search", Tier: 2, TeamID: 2, Team: "discovery", OnCallTZ: "UTC"},
	}
	week := func(team int64, day string, toil, total float64) analytics.ToilWeek {
		return analytics.ToilWeek{TeamID: team, WeekStart: at(day + "T00:00:00Z"), ToilHours: toil, TotalHours: total}
	}
	// October 2026's Mondays are the 5th, 12th, 19th and 26th.
	in := analytics.Input{Services: svcs, Toil: []analytics.ToilWeek{
		week(1, "2026-10-05", 50, 100), week(1, "2026-10-12", 30, 100), week(1, "2026-10-19", 20, 100), week(1, "2026-10-26", 0, 100),
		week(2, "2026-10-05", 10, 40),
	}}
	e := env(at("2026-11-15T13:00:00Z"), svcs...)
	card := scorecard.Compute(e, in, svcs, analytics.NewMonth(2026, 10, time.UTC))
	for _, r := range card.Services {
		if _, ok := r.KPIs[analytics.KPIToilRatio]; ok {
			t.Errorf("service %s repeats its team's toil", r.Name)
		}
		if _, ok := r.KPIs[analytics.KPIMTTRMinutes]; !ok {
			t.Errorf("service %s lost its MTTR cell", r.Name)
		}
	}
	if len(card.Teams) != 2 || card.Teams[0].Name != "discovery" || card.Teams[1].Name != "payments" {
		t.Fatalf("teams %+v", card.Teams)
	}
	pay := card.Teams[1]
	// payments: (50 + 30 + 20 + 0) / 400 = 25 % over 4 weeks; its most
	// critical service is tier 1, whose toil target is 40 %: met.
	c := pay.KPIs[analytics.KPIToilRatio]
	if c.Value == nil || *c.Value != 0.25 || c.N != 4 || c.Target == nil || *c.Target != 0.40 || c.Status != analytics.StatusMet ||
		pay.TargetTier == nil || *pay.TargetTier != 1 || pay.Kind != scorecard.KindTeam {
		t.Errorf("payments toil %v n %v target %v %s (target tier %v)", str(c.Value), c.N, str(c.Target), c.Status, pay.TargetTier)
	}
	// discovery: 10 / 40 = 25 % over 1 week; tier 2's target 50 %; a toil
	// week is a whole team-week, so the minimum is 1: judged.
	if c := card.Teams[0].KPIs[analytics.KPIToilRatio]; c.Value == nil || *c.Value != 0.25 || c.N != 1 || c.Status != analytics.StatusMet {
		t.Errorf("discovery toil %v n %v %s", str(c.Value), c.N, c.Status)
	}
	// The organisation counts each team once: (100 + 10) / 440 = 25 %.
	if c := card.Org.KPIs[analytics.KPIToilRatio]; c.Value == nil || *c.Value != 0.25 || c.N != 5 {
		t.Errorf("organisation toil %v n %v", str(c.Value), c.N)
	}
}

// TestCardJudgesEachPeriodByItsRules is issue 14 item 5 in the scorecard:
// the tier-0 MTTR target goes from 30 to 120 minutes from November 2026
// on. October keeps 30; November is judged by 120 and its previous period
// (October) by 30.
func TestCardJudgesEachPeriodByItsRules(t *testing.T) {
	svc := analytics.Service{ID: 1, Name: "checkout", Tier: 0, TeamID: 1, Team: "payments", OnCallTZ: "UTC"}
	var in analytics.Input
	in.Services = []analytics.Service{svc}
	for i := range 5 { // five incidents of 100 minutes in each month
		in.Incidents = append(in.Incidents, resolved(int64(1+i), 1, "2026-10-0"+string(rune('1'+i))+"T08:00:00Z", 100),
			resolved(int64(10+i), 1, "2026-11-0"+string(rune('1'+i))+"T08:00:00Z", 100))
	}
	var targets []analytics.TargetVersion
	for _, d := range analytics.DefaultTargets() {
		v := d.Target
		targets = append(targets, analytics.TargetVersion{Tier: d.Tier, KPI: d.KPI, Target: &v, Direction: d.Direction})
	}
	targets = append(targets, analytics.TargetVersion{From: "2026-11", Tier: 0, KPI: analytics.KPIMTTRMinutes, Target: ptr(120), Direction: analytics.DirectionMax})
	book := analytics.NewRuleBook(nil, targets, nil)
	e := scorecard.Env{Rules: book, AsOf: at("2026-12-10T00:00:00Z"), Services: in.Services}
	oct := scorecard.Compute(e, in, in.Services, analytics.NewMonth(2026, 10, time.UTC)).Services[0].KPIs[analytics.KPIMTTRMinutes]
	nov := scorecard.Compute(e, in, in.Services, analytics.NewMonth(2026, 11, time.UTC)).Services[0].KPIs[analytics.KPIMTTRMinutes]
	if *oct.Target != 30 || oct.Status != analytics.StatusMissed {
		t.Errorf("October: target %v %s, want 30 missed", *oct.Target, oct.Status)
	}
	if *nov.Target != 120 || nov.Status != analytics.StatusMet || *nov.PreviousTarget != 30 || nov.PreviousStatus != analytics.StatusMissed {
		t.Errorf("November: target %v %s, previous target %v %s; want 120 met, 30 missed", *nov.Target, nov.Status, *nov.PreviousTarget, nov.PreviousStatus)
	}
	// Q4 is judged by what is in force in December, its last month: 120.
	q4 := scorecard.Compute(e, in, in.Services, analytics.NewQuarter(2026, 4, time.UTC)).Services[0].KPIs[analytics.KPIMTTRMinutes]
	if *q4.Target != 120 || *q4.PreviousTarget != 30 {
		t.Errorf("Q4: target %v, previous %v; want 120 and Q3's 30", *q4.Target, *q4.PreviousTarget)
	}
}

// TestCardToDate is issue 14 item 6 on December, nine hours old ("Deploys/
// week 0 ▼ 3.27", "Alert noise ✗ 100 % ▲ 71.4 pp"): the previous period is
// November's first nine hours, and one noise page is too few to judge.
func TestCardToDate(t *testing.T) {
	svc := analytics.Service{ID: 1, Name: "checkout", Tier: 0, TeamID: 1, Team: "payments", OnCallTZ: "UTC"}
	in := analytics.Input{Services: []analytics.Service{svc}}
	noise := func(id int64, ts string) analytics.Page {
		tr := at(ts)
		r := tr.Add(2 * time.Minute)
		return analytics.Page{ID: id, ServiceID: 1, TriggeredAt: tr, ResolvedAt: &r, AutoResolved: true}
	}
	acked := func(id int64, ts string) analytics.Page {
		tr := at(ts)
		a := tr.Add(3 * time.Minute)
		return analytics.Page{ID: id, ServiceID: 1, TriggeredAt: tr, AcknowledgedAt: &a, ResolvedAt: &a}
	}
	// November: two pages in its first nine hours (one noise), more later;
	// a deploy every day at noon. December so far: one noise page.
	in.Pages = []analytics.Page{noise(1, "2026-11-01T02:00:00Z"), acked(2, "2026-11-01T05:00:00Z"),
		acked(3, "2026-11-10T05:00:00Z"), acked(4, "2026-11-20T05:00:00Z"), noise(5, "2026-12-01T03:00:00Z")}
	for d := 1; d <= 30; d++ {
		in.Deploys = append(in.Deploys, analytics.Deploy{ID: int64(d), ServiceID: 1, Environment: "prod", Status: analytics.DeploySuccess,
			FinishedAt: time.Date(2026, 11, d, 12, 0, 0, 0, time.UTC)})
	}
	e := env(at("2026-12-01T09:00:00Z"), svc)
	card := scorecard.Compute(e, in, in.Services, analytics.NewMonth(2026, 12, time.UTC))
	if !card.ToDate || card.PreviousFrom != "2026-11-01T00:00:00Z" || card.PreviousTo != "2026-11-01T09:00:00Z" {
		t.Fatalf("to date %v, previous [%s, %s)", card.ToDate, card.PreviousFrom, card.PreviousTo)
	}
	r := card.Services[0]
	// Alert noise: 1 of 1 now (100 %), 1 of 2 in November's first nine
	// hours (50 %): both below 5 pages, so neither is judged.
	c := r.KPIs[analytics.KPIAlertNoiseRatio]
	if *c.Value != 1 || c.N != 1 || c.Status != analytics.StatusLowSample || *c.Previous != 0.5 || c.PreviousN != 2 ||
		c.PreviousStatus != analytics.StatusLowSample || *c.Change != 0.5 {
		t.Errorf("alert noise %v n %v %s, previous %v n %v %s", *c.Value, c.N, c.Status, str(c.Previous), c.PreviousN, c.PreviousStatus)
	}
	// Deploys per week: none yet in December (0 over 1 day), none in
	// November's first nine hours either: no change, not "▼ 3.27"; over
	// all of November it would have been 30 ÷ 30 × 7 = 7.
	d := r.KPIs[analytics.KPIDeploysPerWeek]
	if *d.Value != 0 || *d.Previous != 0 || *d.Change != 0 {
		t.Errorf("deploys per week %v, previous %v, change %v; want 0, 0, 0", *d.Value, str(d.Previous), str(d.Change))
	}
	if r.Counts.Days != 1 || r.PrevRes.Counts.Days != 1 {
		t.Errorf("days %d against %d, want 1 against 1", r.Counts.Days, r.PrevRes.Counts.Days)
	}
	// November seen whole from December 10th: 7 deploys a week.
	later := scorecard.Compute(env(at("2026-12-10T00:00:00Z"), svc), in, in.Services, analytics.NewMonth(2026, 11, time.UTC))
	if v := later.Services[0].KPIs[analytics.KPIDeploysPerWeek].Value; later.ToDate || v == nil || *v != 7 {
		t.Errorf("November, ended: deploys per week %v (to date %v), want 7", str(v), later.ToDate)
	}
}

func same(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return abs(*a-*b) < 1e-9
}

func str(v *float64) any {
	if v == nil {
		return "null"
	}
	return *v
}
