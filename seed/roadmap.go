package seed

import (
	"fmt"
	"time"
)

// Performance-regression flags and the reliability roadmap. Both are
// derived without drawing from the generators' random streams, so adding
// them leaves every other record, and every other KPI, as it was.

// perfCheckFrom is when each team's pipelines began to flag performance
// regressions (a load-test gate against the previous release); deploys
// before it, and teams without one, carry no flag.
var perfCheckFrom = map[string]time.Time{
	"payments": time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC),
	"identity": time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	"platform": time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	"search":   time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
}

// perfGateLive is when payments' blocking performance gate (initiative
// I-001) went live: flagged regressions on checkout and payments-api fall
// from about one deploy in nine to one in thirty.
var perfGateLive = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)

// perfFlag is a deploy's regression flag: nil where the team does not
// check, else true for a share of production deploys (rollbacks are not
// checked). The draw is a hash of the seed and the deploy id.
func (g *gen) perfFlag(s *svcState, d *deploy) any {
	from, ok := perfCheckFrom[s.def.team]
	if !ok || d.rollback || d.env != "production" || d.finished < from.Unix() {
		return nil
	}
	p := 0.06
	if s.def.name == "checkout" || s.def.name == "payments-api" {
		p = 0.11
		if d.finished >= perfGateLive.Unix() {
			p = 0.033
		}
	}
	return b2i(unitHash(uint64(g.opt.Seed), uint64(d.id)) < p)
}

// unitHash maps (seed, n) to [0, 1) with splitmix64.
func unitHash(seed, n uint64) float64 {
	x := seed*0x9E3779B97F4A7C15 + n + 0x632BE59BD9B4E019
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

// initiativeDef is one roadmap item of the demo company.
type initiativeDef struct {
	title, desc, team      string
	start, end, status     string
	kpi, kind              string
	target                 float64
	services               []string
	risks                  []int // 1-based positions in risks (R-00n)
	createdDays, editedDay int   // days before End it was created and last changed
}

var initiatives = []initiativeDef{
	{title: "Blocking performance gate in the payments pipelines", team: "payments", start: "2026-Q2", end: "2026-Q3", status: "delivered",
		desc: "Load test every release candidate against the previous release; block the rollout on a p95 regression over 10 %.",
		kpi:  "perf_regression_rate", kind: "change", target: -0.05, services: []string{"checkout", "payments-api"}, risks: []int{4},
		createdDays: 260, editedDay: 50},
	{title: "Multi-AZ cluster for the payments database", team: "payments", start: "2026-Q2", end: "2026-Q3", status: "delivered",
		desc: "Move the payments PostgreSQL primary to a Multi-AZ cluster with automatic failover.",
		kpi:  "mttr_minutes", kind: "change", target: -15, services: []string{"payments-api", "checkout"}, risks: []int{1},
		createdDays: 250, editedDay: 48},
	{title: "Alert clean-up on the platform", team: "platform", start: "2026-Q3", end: "2026-Q3", status: "delivered",
		desc: "Delete or fix alerts that auto-resolve unacknowledged; every remaining page has a runbook.",
		kpi:  "alert_noise_ratio", kind: "value", target: 0.6, services: []string{"api-gateway", "ingress-controller"},
		createdDays: 170, editedDay: 46},
	{title: "Canary stage for Friday deploys", team: "platform", start: "2026-Q3", end: "2026-Q3", status: "dropped",
		desc: "Superseded by the deploy freeze policy agreed in August.",
		kpi:  "change_failure_rate", kind: "change", target: -0.03, services: []string{"api-gateway"}, risks: []int{11},
		createdDays: 160, editedDay: 100},
	{title: "Lag-based SLO and burn-rate alerts for the event pipeline", team: "data", start: "2026-Q4", end: "2027-Q1", status: "in_progress",
		desc: "Consumer lag as an SLI; page on fast burn, ticket on slow burn.",
		kpi:  "slo_attainment", kind: "value", target: 0.99, services: []string{"event-pipeline", "data-warehouse"}, risks: []int{5},
		createdDays: 75, editedDay: 20},
	{title: "Replica promotion for the session store", team: "identity", start: "2026-Q4", end: "2026-Q4", status: "planned",
		desc: "Managed Multi-AZ cache with automatic replica promotion.",
		kpi:  "mttr_minutes", kind: "value", target: 45, services: []string{"session-store", "auth"}, risks: []int{6},
		createdDays: 60, editedDay: 60},
	{title: "Secondary card PSP with error-rate routing", team: "payments", start: "2027-Q1", end: "2027-Q2", status: "planned",
		desc: "Integrate Stripe as a second PSP; route on error rate.",
		kpi:  "availability", kind: "value", target: 0.9995, services: []string{"checkout", "payments-api"}, risks: []int{2},
		createdDays: 30, editedDay: 30},
}

// roadmap writes the initiatives with their services and risks.
func (g *gen) roadmap() error {
	for i, d := range initiatives {
		id := int64(i + 1)
		tm := teams[teamIndex(d.team)]
		created := g.end - int64(d.createdDays)*day_
		edited := g.end - int64(d.editedDay)*day_
		if err := g.w.exec(stInitiative, id, fmt.Sprintf("I-%03d", id), d.title, d.desc, tm.people[0], d.start, d.end, d.status,
			d.kpi, d.kind, d.target, tsStr(created), tm.people[1%len(tm.people)], tsStr(edited), tm.people[0]); err != nil {
			return err
		}
		for _, name := range d.services {
			if err := g.w.exec(stInitiativeService, id, int64(serviceIndex(name)+1)); err != nil {
				return err
			}
		}
		for _, r := range d.risks {
			if err := g.w.exec(stInitiativeRisk, id, int64(r)); err != nil {
				return err
			}
		}
	}
	return nil
}
