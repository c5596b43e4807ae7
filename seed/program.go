package seed

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// The reliability program's records (analytics/program): readiness, DR
// tests, the toil inventory, capacity, cost and stakeholder surveys. Each
// comes from its own random streams (subRNG kinds 20–25) and is written
// after everything else, so the rest of the data set is the same as
// without them.

// dataServices hold data: they have an RPO target and restore tests.
var dataServices = []string{"payments-api", "order-service", "billing-worker", "invoice-pdf", "auth", "user-profile",
	"session-store", "secrets-vault", "event-pipeline", "data-warehouse"}

// toilInventory is each team's recurring manual work; auto is the month
// index (from the data set's start) it was automated in, -1 for still
// manual, -2 for automated before the data set starts.
var toilInventory = map[string][]struct {
	task       string
	runs, mins float64
	auto       int
}{
	"payments": {{"Reconcile PSP settlement reports", 5, 35, 7}, {"Replay stuck payment webhooks", 8, 15, -1}, {"Rotate PSP API keys", 0.25, 90, -2}, {"Refund escalations by hand", 6, 20, 13}},
	"identity": {{"Unlock locked-out enterprise accounts", 12, 8, 10}, {"Renew SAML certificates", 0.1, 120, -1}, {"GDPR export requests", 4, 30, 4}},
	"platform": {{"Resize full node disks", 3, 40, 5}, {"Renew TLS certificates", 0.5, 60, -2}, {"Patch base images", 1, 180, 11}, {"Clean up orphaned load balancers", 2, 25, -1}, {"Scale node pools before peaks", 1, 45, 15}},
	"search":   {{"Rebuild corrupted index shards", 1, 90, -1}, {"Synonym list updates", 2, 20, 9}},
	"growth":   {{"Re-send failed campaign batches", 3, 30, -1}, {"Purge bounced addresses", 1, 45, 12}, {"A/B experiment clean-up", 1, 60, -1}},
	"data":     {{"Backfill failed pipeline partitions", 4, 50, 8}, {"Warehouse vacuum and analyse", 1, 120, -2}, {"Ad-hoc data pulls for finance", 3, 40, -1}},
}

var surveyGroups = []struct {
	name      string
	base      float64
	responses int
}{{"Engineering leadership", 3.7, 12}, {"Product management", 3.5, 26}, {"Customer support", 3.3, 34}, {"Security", 3.8, 8}}

func (g *gen) program() error {
	for _, step := range []func() error{g.readiness, g.drTests, g.toilTasks, g.capacity, g.costs, g.surveys} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// monthStarts are the first days of the data set's complete months.
func (g *gen) completeMonths() []time.Time {
	var out []time.Time
	for i := 0; i+1 < len(g.months); i++ {
		if g.months[i+1] <= g.end+1 {
			out = append(out, time.Unix(g.months[i], 0).UTC())
		}
	}
	return out
}

func (g *gen) programRow(st int, args ...any) error {
	if err := g.w.exec(st, args...); err != nil {
		return err
	}
	g.sum.ProgramRecords++
	return nil
}

func rto(tier int) float64 { return []float64{30, 60, 240, 1440}[tier] }
func rpo(tier int) float64 { return []float64{5, 15, 60, 1440}[tier] }

func (g *gen) readiness() error {
	for _, s := range g.svcs {
		r := g.subRNG(20, uint64(s.idx))
		d := s.def
		data := slices.Contains(dataServices, d.name)
		has := func(byTier ...float64) bool { return r.Float64() < byTier[d.tier] }
		var dash, runbook, rotation, prrDate, prrResult, drPlan, rtoV, rpoV any
		if has(1, 1, 0.8, 0.5) {
			dash = "https://grafana.acme.example/d/" + d.name
		}
		// Most tier 1 services have runbooks: user-profile's was never written.
		if has(1, 1, 0.6, 0.3) && d.name != "user-profile" {
			runbook = "https://runbooks.acme.example/" + d.name
		}
		if has(1, 1, 1, 0.5) {
			rotation = d.team + "-primary"
		}
		if has(1, 1, 0.5, 0) {
			prrDate = day(g.start + int64(20+r.IntN(150))*day_)
			prrResult = "pass"
			switch {
			case d.name == "login-web":
				prrResult = "conditional"
			case d.tier == 2 && chance(r, 0.3):
				prrResult = "fail"
			}
		}
		if d.tier <= 1 {
			drPlan = "https://wiki.acme.example/dr/" + d.name
			rtoV = rto(d.tier)
		}
		if data {
			rtoV, rpoV = rto(d.tier), rpo(d.tier)
		}
		if err := g.programRow(stReadiness, s.id, dash, runbook, rotation, prrDate, prrResult, drPlan, rtoV, rpoV); err != nil {
			return err
		}
	}
	return nil
}

// drTests: tier 0 services fail over each quarter, tier 1 twice a year;
// services with data restore a backup twice a year (tier 0/1) or verify
// one once a year (tier 2/3).
func (g *gen) drTests() error {
	for _, s := range g.svcs {
		r := g.subRNG(21, uint64(s.idx))
		d := s.def
		data := slices.Contains(dataServices, d.name)
		for _, m := range g.completeMonths() {
			q := int(m.Month()-1) % 3 // month of the quarter
			var kinds []string
			switch {
			case d.tier == 0 && q == 1:
				kinds = append(kinds, "failover")
			case d.tier == 1 && q == 1 && (m.Month() <= 6) == (s.idx%2 == 0): // half in H1, half in H2
				kinds = append(kinds, "failover")
			}
			if data && q == 2 && ((d.tier <= 1 && m.Month()%6 == 3) || (d.tier >= 2 && int(m.Month()) == 3+3*(s.idx%4))) {
				kind := "restore"
				if d.tier >= 2 {
					kind = "backup_verification"
				}
				kinds = append(kinds, kind)
			}
			for _, kind := range kinds {
				on := m.AddDate(0, 0, 3+r.IntN(20))
				target := rto(d.tier)
				achieved := math.Round(target * (0.35 + 0.8*r.Float64()))
				pass := achieved <= target && !chance(r, 0.05) // a few fail on something else (a missed step)
				result := "fail"
				if pass {
					result = "pass"
				}
				var rpoT, rpoA any
				if data {
					t := rpo(d.tier)
					rpoT, rpoA = t, math.Round(t*(0.2+0.7*r.Float64()))
				}
				if err := g.programRow(stDRTest, on.Format(time.DateOnly), s.id, kind, target, achieved, rpoT, rpoA, result,
					fmt.Sprintf("https://wiki.acme.example/dr-tests/%s-%s", d.name, on.Format("2006-01-02"))); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (g *gen) toilTasks() error {
	start := time.Unix(g.start, 0).UTC()
	for ti, tm := range teams {
		for _, t := range toilInventory[tm.name] {
			var auto any
			switch {
			case t.auto == -2:
				auto = start.AddDate(0, -5, 11).Format(time.DateOnly)
			case t.auto >= 0 && t.auto < g.opt.Months:
				if a := start.AddDate(0, t.auto, 9); a.Unix() <= g.end {
					auto = a.Format(time.DateOnly)
				}
			}
			if err := g.programRow(stToilTask, ti+1, t.task, t.runs, t.mins, auto); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *gen) capacity() error {
	months := g.completeMonths()
	for _, s := range g.svcs {
		r := g.subRNG(22, uint64(s.idx))
		d := s.def
		resources := []struct {
			name string
			safe float64
		}{{"cpu", 75}, {"memory", 80}}
		if slices.Contains(dataServices, d.name) {
			resources = append(resources, struct {
				name string
				safe float64
			}{"storage", 85})
		}
		for _, res := range resources {
			base := 35 + 35*r.Float64()
			growth := 0.6 * r.Float64() // points a month
			switch {                    // the services the demo's capacity reviews talk about
			case d.name == "ingress-controller" && res.name == "cpu", d.name == "data-warehouse" && res.name == "storage":
				base, growth = 68, 1.1
			case d.name == "session-store" && res.name == "memory":
				base, growth = 72, 0.5
			}
			for i, m := range months {
				peak := base + growth*float64(i) + 4*r.NormFloat64()
				peak = math.Round(math.Max(5, math.Min(99, peak))*10) / 10
				if err := g.programRow(stCapacity, s.id, m.Format("2006-01"), res.name, peak, res.safe); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func money(v float64) float64 { return math.Round(v*100) / 100 }

// costs: each service's compute (with its requests as units), storage for
// services with data and observability; the platform team pays the shared
// observability platform and tooling licences itself.
func (g *gen) costs() error {
	months := g.completeMonths()
	for _, s := range g.svcs {
		r := g.subRNG(23, uint64(s.idx))
		d := s.def
		price := 15 + 30*r.Float64() // per million requests
		for i, m := range months {
			days := float64(m.AddDate(0, 1, 0).Sub(m).Hours() / 24)
			units := math.Max(0.1, math.Round(d.traffic*days/1e6*(0.95+0.1*r.Float64())*10)/10)
			eff := 1 - 0.01*float64(i) // efficiency work lowers the unit price over time
			compute := money(400 + units*price*eff)
			if err := g.programRow(stCost, s.id, nil, m.Format("2006-01"), "compute", compute, units, "1M requests"); err != nil {
				return err
			}
			if slices.Contains(dataServices, d.name) {
				if err := g.programRow(stCost, s.id, nil, m.Format("2006-01"), "storage", money(compute*(0.2+0.2*r.Float64())), nil, nil); err != nil {
					return err
				}
			}
			if err := g.programRow(stCost, s.id, nil, m.Format("2006-01"), "observability", money(compute*(0.08+0.06*r.Float64())), nil, nil); err != nil {
				return err
			}
		}
	}
	platform := teamIndex("platform") + 1
	r := g.subRNG(23, 1000)
	for _, m := range months {
		if err := g.programRow(stCost, nil, platform, m.Format("2006-01"), "observability", money(18000+1500*r.Float64()), nil, nil); err != nil {
			return err
		}
		if err := g.programRow(stCost, nil, platform, m.Format("2006-01"), "licences", money(6500+500*r.Float64()), nil, nil); err != nil {
			return err
		}
	}
	return nil
}

// surveys: a stakeholder survey at the end of each complete quarter,
// slowly improving.
func (g *gen) surveys() error {
	start := time.Unix(g.start, 0).UTC()
	for i, gr := range surveyGroups {
		r := g.subRNG(24, uint64(i))
		q := time.Date(start.Year(), time.Month(3*((int(start.Month())-1)/3)+1), 1, 0, 0, 0, 0, time.UTC)
		for n := 0; q.AddDate(0, 3, 0).Unix() <= g.end+1; n++ {
			if q.Unix() >= g.start {
				score := math.Round(math.Min(5, gr.base+0.07*float64(n)+0.15*r.NormFloat64())*100) / 100
				resp := max(3, gr.responses+r.IntN(9)-4)
				label := fmt.Sprintf("%d-Q%d", q.Year(), (int(q.Month())-1)/3+1)
				if err := g.programRow(stStakeholder, label, gr.name, math.Max(1, score), resp); err != nil {
					return err
				}
			}
			q = q.AddDate(0, 3, 0)
		}
	}
	return nil
}
