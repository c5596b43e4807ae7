package report

import (
	"strings"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/scorecard"
)

// cell builds a scorecard cell the way scorecard.Build does, on samples
// of 10 records in both periods and the same targets in force in both.
func cell(k string, cur, prev *float64, tier int, ts analytics.TargetSet) scorecard.Cell {
	return sampled(k, cur, prev, 10, 10, tier, ts)
}

// sampled is cell on samples of n and prevN records (minimum 5).
func sampled(k string, cur, prev *float64, n, prevN float64, tier int, ts analytics.TargetSet) scorecard.Cell {
	c := scorecard.Cell{Value: cur, Previous: prev, N: n, PreviousN: prevN, MinSample: 5}
	if cur != nil && prev != nil {
		d := *cur - *prev
		c.Change = &d
	}
	t, ok := ts.Get(tier, k)
	if ok {
		v := t.Target
		c.Target, c.PreviousTarget, c.Direction = &v, &v, t.Direction
	}
	c.Status = analytics.Judge(cur, n, 5, t, ok)
	c.PreviousStatus = analytics.Judge(prev, prevN, 5, t, ok)
	return c
}

// history is earlier periods' results with the given MTTRs over 10
// resolved incidents each, and the default rules in force in each.
func history(mttrs ...float64) ([]analytics.Result, []analytics.Rules) {
	var rs []analytics.Result
	var rules []analytics.Rules
	for _, v := range mttrs {
		rs = append(rs, analytics.Result{KPIs: analytics.KPIs{MTTRMinutes: f(v)}, Counts: analytics.Counts{ResolvedIncidents: 10}})
		rules = append(rules, analytics.Rules{Settings: analytics.DefaultSettings(), Targets: analytics.NewTargetSet(analytics.DefaultTargets())})
	}
	return rs, rules
}

func TestSummaryFromCraftedData(t *testing.T) {
	ts := analytics.NewTargetSet(analytics.DefaultTargets())
	p := analytics.NewQuarter(2026, 3, time.UTC)
	tier0 := 0
	row := func(kind, name string, tier *int, vals map[string][2]*float64) scorecard.Row {
		r := scorecard.Row{Kind: kind, Name: name, Tier: tier, KPIs: map[string]scorecard.Cell{}}
		for _, k := range analytics.KPINames {
			v := vals[k]
			tt := -1
			if tier != nil {
				tt = *tier
			}
			r.KPIs[k] = cell(k, v[0], v[1], tt, ts)
		}
		return r
	}
	tierRow := row("tier", "Tier 0", &tier0, map[string][2]*float64{
		analytics.KPIMTTRMinutes:  {f(25), f(52)},          // improving, target (30) newly met
		analytics.KPIAvailability: {f(0.9990), f(0.99995)}, // worsening, target (0.9999) newly missed
	})
	svc := row("service", "checkout", &tier0, map[string][2]*float64{
		analytics.KPIMTTRMinutes:       {f(90), f(20)},
		analytics.KPIChangeFailureRate: {f(0.12), f(0.05)},
	})
	org := row("org", "Organisation", nil, map[string][2]*float64{
		analytics.KPISev1Count: {f(1), f(3)}, analytics.KPISev2Count: {f(0), f(1)},
		analytics.KPICustomerImpactingIncidents: {f(0), f(0)},
		analytics.KPIPagesAfterHours:            {f(1), f(2)},
		// change failure rate and postmortems: no data
	})
	incs := []analytics.Incident{
		{ID: 1, Service: "checkout", Title: "DB pool exhausted", Fingerprint: "Connection pool exhausted", RootCause: "Connection pool exhausted", Severity: 1},
		{ID: 2, Service: "payments-api", Title: "DB pool again", Fingerprint: "connection  pool exhausted", Severity: 3},
		{ID: 3, Service: "checkout", Title: "One-off", Severity: 2},
	}
	risks := []analytics.Risk{{ID: 1, Code: "R-001", Likelihood: 4, Impact: 5, Status: analytics.RiskOpen},
		{ID: 2, Code: "R-002", Likelihood: 1, Impact: 2, Status: analytics.RiskClosed}}
	events := []analytics.RiskEvent{
		{RiskID: 1, RiskCode: "R-001", Field: "status", New: "open"},
		{RiskID: 2, RiskCode: "R-002", Field: "status", Old: "mitigating", New: "closed"},
		{RiskID: 99, RiskCode: "R-099", Field: "status", Old: "open", New: "closed"}, // another scope
	}
	hist, rules := history(40, 45)
	d := Data{Period: p, Prev: p.Prev(), ScopeName: "the organisation", AsOf: p.To, Settings: analytics.DefaultSettings(),
		Card:         &scorecard.Card{Services: []scorecard.Row{svc}, Tiers: []scorecard.Row{tierRow}, Org: org},
		Earlier:      []analytics.Period{p.Prev().Prev().Prev(), p.Prev().Prev()},
		EarlierTiers: map[int][]analytics.Result{0: hist}, EarlierRules: rules,
		Incidents: incs, Risks: risks, RiskEvents: events}
	r := Build(d)
	got := strings.Join(r.Summary, "\n")
	for _, want := range []string{
		"The organisation had 1 Sev1 or Sev2 incident in Q3 2026, down from 4 in Q2 2026.",
		"The organisation had no customer-impacting incidents in Q3 2026, the same as in Q2 2026.",
		"MTTR for tier-0 services fell from 52 to 25 minutes (−52 %), meeting the 30-minute target for the first time in four quarters.",
		"Availability for tier-0 services fell from 99.995 % to 99.900 % (−0.095 pp), missing the 99.99 % target after meeting it last quarter.",
		"The change failure rate for the organisation has no data for Q3 2026 or Q2 2026.",
		"The organisation had 1 after-hours page in Q3 2026, down from 2 in Q2 2026.",
		"The largest worsening against a tier target: MTTR for checkout (tier 0) rose from 20 to 90 minutes (+350 %), missing the 30-minute target after meeting it last quarter.",
		"The most frequent repeat theme, “Connection pool exhausted”, accounted for 2 incidents across 2 services.",
		"1 risk was opened and 1 closed in Q3 2026; the one risk in play is rated high or critical.",
		"No service improved on a KPI that was off its tier target.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks\n  %s\ngot:\n%s", want, got)
		}
	}
	if len(r.RiskMoves) != 2 || r.RiskMoves[0].Kind != MoveNew || r.RiskMoves[1].Kind != MoveClosed {
		t.Errorf("risk moves = %+v", r.RiskMoves)
	}
	if len(r.Worst) != 1 || r.Worst[0].KPI != analytics.KPIMTTRMinutes {
		t.Errorf("worst = %+v (MTTR 20→90 against 30 outweighs CFR 5→12 %% against 10 %%)", r.Worst)
	}
	if len(r.TopIncidents) != 2 || r.TopIncidents[0].Incident.ID != 1 || r.TopIncidents[0].Postmortem != PMOpen {
		t.Errorf("top incidents = %+v", r.TopIncidents)
	}
}

// scopeCard builds a card with one service per tier (tiers given) whose
// MTTR and availability are cur and prev against the default targets.
func scopeCard(tiers ...int) *scorecard.Card {
	ts := analytics.NewTargetSet(analytics.DefaultTargets())
	c := &scorecard.Card{Org: scorecard.Row{Kind: "org", KPIs: map[string]scorecard.Cell{}}}
	for _, tier := range tiers {
		tr := tier
		row := scorecard.Row{Kind: "tier", Name: "Tier", Tier: &tr, KPIs: map[string]scorecard.Cell{
			analytics.KPIMTTRMinutes:  cell(analytics.KPIMTTRMinutes, f(50), f(70), tr, ts),
			analytics.KPIAvailability: cell(analytics.KPIAvailability, f(0.999), f(0.999), tr, ts),
		}}
		c.Tiers = append(c.Tiers, row)
	}
	return c
}

// TestSummaryNamesTheScope checks that a team report's tier sentences say
// whose tier they measure, and that a tier-2 or tier-3 report speaks of
// its own tier.
func TestSummaryNamesTheScope(t *testing.T) {
	p := analytics.NewQuarter(2026, 3, time.UTC)
	two, three := 2, 3
	cases := []struct {
		name        string
		team        string
		tier        *int
		tiers       []int
		want, avoid []string
	}{
		{"team report", "payments", nil, []int{0, 1, 2}, []string{"MTTR for payments' tier-0 services fell", "Availability for payments' tier-1 services"},
			[]string{"MTTR for tier-0 services", "tier-2 services"}},
		{"team not ending in s", "checkout", nil, []int{0}, []string{"MTTR for checkout's tier-0 services"}, nil},
		{"tier-2 report", "", &two, []int{2}, []string{"MTTR for tier-2 services fell from 70 to 50 minutes", "Availability for tier-2 services"}, nil},
		{"team and tier-3 report", "payments", &three, []int{3}, []string{"MTTR for payments' tier-3 services"}, nil},
		{"organisation", "", nil, []int{0, 1, 2, 3}, []string{"MTTR for tier-0 services", "MTTR for tier-1 services"},
			[]string{"tier-2 services", "tier-3 services"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Data{Period: p, Prev: p.Prev(), ScopeName: ScopeSubject(tc.team, tc.tier), Team: tc.team, Tier: tc.tier,
				AsOf: p.To, Settings: analytics.DefaultSettings(), Card: scopeCard(tc.tiers...)}
			got := strings.Join(Build(d).Summary, "\n")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("summary lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tc.avoid {
				if strings.Contains(got, w) {
					t.Errorf("summary has %q:\n%s", w, got)
				}
			}
		})
	}
	// A streak as long as the loaded history is a lower bound.
	d := Data{Period: p, Prev: p.Prev(), ScopeName: "the organisation", AsOf: p.To, Settings: analytics.DefaultSettings(),
		Card: scopeCard(0), EarlierTiers: map[int][]analytics.Result{}}
	for range MaxHistory - 1 {
		hist, rules := history(90)
		d.EarlierTiers[0] = append(d.EarlierTiers[0], hist...)
		d.EarlierRules = append(d.EarlierRules, rules...)
	}
	for _, c := range []struct {
		capped bool
		want   string
	}{
		{true, "missing the 30-minute target for at least the thirteenth quarter in a row."},
		{false, "missing the 30-minute target for the thirteenth quarter in a row."},
	} {
		d.EarlierCapped = c.capped
		if got := strings.Join(Build(d).Summary, "\n"); !strings.Contains(got, "MTTR for tier-0 services fell from 70 to 50 minutes (−29 %), "+c.want) {
			t.Errorf("capped=%v: summary lacks %q:\n%s", c.capped, c.want, got)
		}
	}
	if got := ScopeSubject("payments", &two); got != "payments' tier-2 services" {
		t.Errorf("ScopeSubject = %q", got)
	}
}

// TestBestAndWorst checks the most improved services: better than before
// on a KPI that was off target, largest move first, one KPI per service.
func TestBestAndWorst(t *testing.T) {
	ts := analytics.NewTargetSet(analytics.DefaultTargets())
	p := analytics.NewMonth(2026, 10, time.UTC)
	zero := 0
	svc := func(name string, vals map[string][2]*float64) scorecard.Row {
		r := scorecard.Row{Kind: "service", Name: name, Tier: &zero, KPIs: map[string]scorecard.Cell{}}
		for k, v := range vals {
			r.KPIs[k] = cell(k, v[0], v[1], 0, ts)
		}
		return r
	}
	rows := []scorecard.Row{
		svc("checkout", map[string][2]*float64{analytics.KPIMTTRMinutes: {f(25), f(90)}}),         // missed → met, large
		svc("search", map[string][2]*float64{analytics.KPIMTTRMinutes: {f(40), f(60)}}),           // missed → still off, smaller
		svc("ledger", map[string][2]*float64{analytics.KPIMTTRMinutes: {f(5), f(20)}}),            // already met: not an improvement that counts
		svc("auth", map[string][2]*float64{analytics.KPIMTTRMinutes: {f(120), f(40)}}),            // worse
		svc("tiny", map[string][2]*float64{analytics.KPIMTTRMinutes: {f(40.2), f(40.4)}}),         // invisible at the shown precision
		svc("billing", map[string][2]*float64{analytics.KPIChangeFailureRate: {f(0.08), f(0.2)}}), // ratio, missed → met
		svc("both", map[string][2]*float64{analytics.KPIMTTRMinutes: {f(100), f(35)}, analytics.KPIChangeFailureRate: {f(0.05), f(0.3)}}),
	}
	best := Best(rows, MaxBest)
	var names []string
	for _, b := range best {
		names = append(names, b.Service+":"+b.KPI)
	}
	if got := strings.Join(names, " "); got != "both:change_failure_rate checkout:mttr_minutes billing:change_failure_rate search:mttr_minutes" {
		t.Errorf("best = %s", got)
	}
	worst := Worst(rows, MaxWorst)
	names = nil
	for _, w := range worst {
		names = append(names, w.Service+":"+w.KPI)
	}
	if got := strings.Join(names, " "); got != "auth:mttr_minutes both:mttr_minutes" {
		t.Errorf("worst = %s", got)
	}
	d := Data{Period: p, Prev: p.Prev(), ScopeName: "the organisation", AsOf: p.To, Settings: analytics.DefaultSettings(),
		Card: &scorecard.Card{Services: rows, Org: scorecard.Row{KPIs: map[string]scorecard.Cell{}}}}
	got := strings.Join(Build(d).Summary, "\n")
	want := "The largest improvement against a tier target: the change failure rate for both (tier 0) fell from 30.0 % to 5.0 % (−25.0 pp), meeting the 10 % target after missing it last month."
	if !strings.Contains(got, want) {
		t.Errorf("summary lacks\n  %s\ngot:\n%s", want, got)
	}
}

// TestRiskSummaryAndMarks checks the risk sentences ("all 4 risks", past
// target only when some are) and the top risks' marks at the period end.
func TestRiskSummaryAndMarks(t *testing.T) {
	p := analytics.NewQuarter(2026, 3, time.UTC)
	date := func(m time.Month, d int) *time.Time { v := time.Date(2026, m, d, 0, 0, 0, 0, time.UTC); return &v }
	risks := []analytics.Risk{
		{ID: 1, Code: "R-001", Likelihood: 4, Impact: 5, Status: analytics.RiskOpen, TargetDate: date(9, 1), NextReviewDate: date(8, 1)},
		{ID: 2, Code: "R-002", Likelihood: 3, Impact: 4, Status: analytics.RiskMitigating, TargetDate: date(9, 30), NextReviewDate: date(10, 15)},
		{ID: 3, Code: "R-003", Likelihood: 5, Impact: 5, Status: analytics.RiskMitigating, TargetDate: date(7, 2)},
		{ID: 4, Code: "R-004", Likelihood: 2, Impact: 5, Status: analytics.RiskOpen},
		{ID: 5, Code: "R-005", Likelihood: 5, Impact: 5, Status: analytics.RiskAccepted, TargetDate: date(7, 1)}, // accepted: no target to miss
	}
	d := Data{Period: p, Prev: p.Prev(), ScopeName: "the organisation", AsOf: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
		Settings: analytics.DefaultSettings(), Card: scopeCard(), Risks: risks,
		RiskEvents: []analytics.RiskEvent{{ID: 7, RiskID: 2, RiskCode: "R-002", Field: "status", Old: "open", New: "mitigating"},
			{ID: 8, RiskID: 4, RiskCode: "R-004", Field: "status", New: "open"}},
		MoveScores: map[int64]int{7: 6}}
	r := Build(d)
	got := strings.Join(r.Summary, "\n")
	for _, w := range []string{"1 risk was opened and none closed in Q3 2026; all 4 risks in play are rated high or critical.",
		"2 mitigations are past their target date."} {
		if !strings.Contains(got, w) {
			t.Errorf("summary lacks %q:\n%s", w, got)
		}
	}
	marks := map[string][2]bool{}
	for _, tr := range r.TopRisks {
		marks[tr.Risk.Code] = [2]bool{tr.PastTarget, tr.ReviewOverdue}
	}
	want := map[string][2]bool{"R-001": {true, true}, "R-002": {false, false}, "R-003": {true, false}, "R-004": {false, false}, "R-005": {false, false}}
	for code, w := range want {
		if marks[code] != w {
			t.Errorf("%s: past target, review overdue = %v, want %v (judged at the period end, not now)", code, marks[code], w)
		}
	}
	if len(r.RiskMoves) != 2 || r.RiskMoves[0].Score != 6 || r.RiskMoves[1].Score != 10 {
		t.Errorf("moves = %+v: want the score after the move (6), else the score at the period end (10)", r.RiskMoves)
	}

	// Two of three high; none past target: no sentence about targets.
	d.Risks = []analytics.Risk{risks[1], risks[3], {ID: 9, Code: "R-009", Likelihood: 1, Impact: 2, Status: analytics.RiskOpen}}
	got = strings.Join(Build(d).Summary, "\n")
	if !strings.Contains(got, "2 of the 3 risks in play are rated high or critical.") || strings.Contains(got, "past") {
		t.Errorf("summary:\n%s", got)
	}
	// A period still running is judged at the knowledge cut-off.
	d.Period, d.Prev = analytics.NewQuarter(2026, 4, time.UTC), p
	d.Risks = []analytics.Risk{{ID: 10, Code: "R-010", Likelihood: 3, Impact: 3, Status: analytics.RiskOpen, TargetDate: date(12, 1)}}
	if r := Build(d); r.PastTarget != 0 || r.TopRisks[0].PastTarget {
		t.Errorf("a target date after the cut-off counts as past: %+v", r.TopRisks)
	}
}

func TestPostmortemStatus(t *testing.T) {
	s := analytics.DefaultSettings()
	// Resolved Friday 2 Oct 2026: Sev1 due end of Friday 9 Oct.
	res := time.Date(2026, 10, 2, 12, 0, 0, 0, time.UTC)
	at := func(d int) *time.Time { v := time.Date(2026, 10, d, 12, 0, 0, 0, time.UTC); return &v }
	cases := []struct {
		name string
		inc  analytics.Incident
		asOf time.Time
		want string
	}{
		{"sev3 needs none", analytics.Incident{Severity: 3, ResolvedAt: &res}, *at(30), PMNotRequired},
		{"open incident", analytics.Incident{Severity: 1}, *at(30), PMOpen},
		{"on time", analytics.Incident{Severity: 1, ResolvedAt: &res, PostmortemPublishedAt: at(9)}, *at(30), PMOnTime},
		{"late", analytics.Incident{Severity: 1, ResolvedAt: &res, PostmortemPublishedAt: at(12)}, *at(30), PMLate},
		{"overdue", analytics.Incident{Severity: 1, ResolvedAt: &res, PostmortemTracked: true}, *at(30), PMOverdue},
		{"still due", analytics.Incident{Severity: 2, ResolvedAt: &res, PostmortemTracked: true}, *at(5), PMDue},
		{"published after as-of counts as not yet", analytics.Incident{Severity: 1, ResolvedAt: &res, PostmortemPublishedAt: at(8)}, *at(6), PMDue},
		{"no postmortem data is unknown, not overdue", analytics.Incident{Severity: 1, ResolvedAt: &res}, *at(30), PMUnknown},
		{"a user's due date makes it expected", analytics.Incident{Severity: 1, ResolvedAt: &res, PostmortemDueAt: at(7)}, *at(30), PMOverdue},
		{"linked without a date", analytics.Incident{Severity: 1, ResolvedAt: &res, PostmortemURL: "https://wiki/pm"}, *at(30), PMUndated},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := PostmortemStatus(tc.inc, s, time.UTC, tc.asOf); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestWorstAndBestNeedSufficientSamples is issue 14's headline: "postmortems
// on time for payments-api fell from 100.0 % to 0.0 % (−100.0 pp)" on a
// single postmortem. Moves from or to a value below the minimum sample are
// neither the largest worsening nor the largest improvement; a move judged
// on enough records in both periods is.
func TestWorstAndBestNeedSufficientSamples(t *testing.T) {
	ts := analytics.NewTargetSet(analytics.DefaultTargets())
	one := 1
	svc := func(name string, c scorecard.Cell, k string) scorecard.Row {
		return scorecard.Row{Kind: "service", Name: name, Tier: &one, KPIs: map[string]scorecard.Cell{k: c}}
	}
	pm := analytics.KPIPostmortemOnTimeRate
	rows := []scorecard.Row{
		// 1 of 1 on time, then 0 of 1: both below the minimum of 5.
		svc("payments-api", sampled(pm, f(0), f(1), 1, 1, 1, ts), pm),
		// 6 of 6, then 3 of 6: judged in both periods, missed now.
		svc("ledger", sampled(pm, f(0.5), f(1), 6, 6, 1, ts), pm),
		// 2 of 8 then 8 of 8, but the earlier period had 8 due and this one only 4: not judged now.
		svc("search", sampled(pm, f(1), f(0.25), 4, 8, 1, ts), pm),
		// 2 of 8, then 7 of 7: a judged improvement.
		svc("billing", sampled(pm, f(1), f(0.25), 7, 8, 1, ts), pm),
	}
	var names []string
	for _, w := range Worst(rows, MaxWorst) {
		names = append(names, w.Service)
	}
	if got := strings.Join(names, " "); got != "ledger" {
		t.Errorf("worst = %q, want ledger only (payments-api has 1 postmortem in each month)", got)
	}
	names = nil
	for _, b := range Best(rows, MaxBest) {
		names = append(names, b.Service)
	}
	if got := strings.Join(names, " "); got != "billing" {
		t.Errorf("best = %q, want billing only (search has 4 postmortems due now)", got)
	}
	if c := rows[0].KPIs[pm]; c.Status != analytics.StatusLowSample || c.PreviousStatus != analytics.StatusLowSample {
		t.Errorf("payments-api statuses %s/%s, want low_sample", c.Status, c.PreviousStatus)
	}
	p := analytics.NewMonth(2026, 10, time.UTC)
	d := Data{Period: p, Prev: p.Prev(), ScopeName: "the organisation", AsOf: p.To, Settings: analytics.DefaultSettings(),
		Card: &scorecard.Card{Services: rows, Org: scorecard.Row{KPIs: map[string]scorecard.Cell{}}}}
	got := strings.Join(Build(d).Summary, "\n")
	want := "The largest worsening against a tier target: the share of postmortems on time for ledger (tier 1) fell from 100.0 % to 50.0 % (−50.0 pp), missing the 90 % target after meeting it last month."
	if !strings.Contains(got, want) || strings.Contains(got, "payments-api") {
		t.Errorf("summary lacks\n  %s\nor names payments-api:\n%s", want, got)
	}
}

// TestImprovementJudgesThePreviousPeriodByItsOwnTarget: a KPI that met
// last month's target is not "improved where it was needed" because this
// month's target is stricter.
func TestImprovementJudgesThePreviousPeriodByItsOwnTarget(t *testing.T) {
	zero := 0
	v30, v60 := 30.0, 60.0
	c := scorecard.Cell{Value: f(40), Previous: f(55), N: 10, PreviousN: 10, MinSample: 5, Target: &v30, PreviousTarget: &v60,
		Direction: analytics.DirectionMax, Status: analytics.StatusMissed, PreviousStatus: analytics.StatusMet}
	rows := []scorecard.Row{{Kind: "service", Name: "checkout", Tier: &zero, KPIs: map[string]scorecard.Cell{analytics.KPIMTTRMinutes: c}}}
	if got := Best(rows, MaxBest); len(got) != 0 {
		t.Errorf("best = %+v: 55 minutes met the 60-minute target in force then", got)
	}
	c.PreviousTarget, c.PreviousStatus = &v30, analytics.StatusMissed
	rows[0].KPIs[analytics.KPIMTTRMinutes] = c
	if got := Best(rows, MaxBest); len(got) != 1 {
		t.Errorf("best = %+v: 55 minutes missed the 30-minute target in force then", got)
	}
}
