package report

import (
	"strings"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/scorecard"
)

// cell builds a scorecard cell the way scorecard.Build does.
func cell(k string, cur, prev *float64, tier int, ts analytics.TargetSet) scorecard.Cell {
	c := scorecard.Cell{Value: cur, Previous: prev, Status: analytics.StatusNoData}
	if cur != nil && prev != nil {
		d := *cur - *prev
		c.Change = &d
	}
	if t, ok := ts.Get(tier, k); ok {
		v := t.Target
		c.Target, c.Direction = &v, t.Direction
		c.Status = analytics.Status(cur, t, true)
	}
	return c
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
		{ID: 1, Service: "checkout", Title: "DB pool exhausted", RootCause: "Connection pool exhausted", Severity: 1},
		{ID: 2, Service: "payments-api", Title: "DB pool again", RootCause: "connection  pool exhausted", Severity: 3},
		{ID: 3, Service: "checkout", Title: "One-off", Severity: 2},
	}
	risks := []analytics.Risk{{ID: 1, Code: "R-001", Likelihood: 4, Impact: 5, Status: analytics.RiskOpen},
		{ID: 2, Code: "R-002", Likelihood: 1, Impact: 2, Status: analytics.RiskClosed}}
	events := []analytics.RiskEvent{
		{RiskID: 1, RiskCode: "R-001", Field: "status", New: "open"},
		{RiskID: 2, RiskCode: "R-002", Field: "status", Old: "mitigating", New: "closed"},
		{RiskID: 99, RiskCode: "R-099", Field: "status", Old: "open", New: "closed"}, // another scope
	}
	d := Data{Period: p, Prev: p.Prev(), ScopeName: "the organisation", AsOf: p.To, Settings: analytics.DefaultSettings(),
		Card:         &scorecard.Card{Services: []scorecard.Row{svc}, Tiers: []scorecard.Row{tierRow}, Org: org},
		EarlierTiers: map[int][]analytics.KPIs{0: {{MTTRMinutes: f(40)}, {MTTRMinutes: f(45)}}},
		Incidents:    incs, Risks: risks, RiskEvents: events}
	r := Build(d)
	got := strings.Join(r.Summary, "\n")
	for _, want := range []string{
		"The organisation had 1 Sev1 or Sev2 incident in Q3 2026, down from 4 in Q2 2026.",
		"The organisation had no customer-impacting incidents in Q3 2026, the same as in Q2 2026.",
		"MTTR for tier-0 services fell from 52 to 25 minutes (−52 %), meeting the 30-minute target for the first time in four quarters.",
		"Availability for tier-0 services fell from 99.995 % to 99.9 % (−0.095 pp), missing the 99.99 % target after meeting it last quarter.",
		"The change failure rate for the organisation has no data for Q3 2026 or Q2 2026.",
		"The organisation had 1 after-hours page in Q3 2026, down from 2 in Q2 2026.",
		"The largest worsening against a tier target: MTTR for checkout (tier 0) rose from 20 to 90 minutes (+350 %), missing the 30-minute target after meeting it last quarter.",
		"The most frequent repeat theme, “Connection pool exhausted”, accounted for 2 incidents across 2 services.",
		"1 risk was opened and 1 closed in Q3 2026; the one risk in play is rated high or critical.",
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
		{"overdue", analytics.Incident{Severity: 1, ResolvedAt: &res}, *at(30), PMOverdue},
		{"still due", analytics.Incident{Severity: 2, ResolvedAt: &res}, *at(5), PMDue},
		{"published after as-of counts as not yet", analytics.Incident{Severity: 1, ResolvedAt: &res, PostmortemPublishedAt: at(8)}, *at(6), PMDue},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := PostmortemStatus(tc.inc, s, time.UTC, tc.asOf); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
