package analytics

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// partialInput is a random month and a half of records of six services in
// three teams, dense enough that rule (b) infers links, with incidents
// naming deploys of their own service, of other services (of the same
// group and not), deploys outside the input and outside the deploy window,
// rollbacks and hotfixes, non-production and oddly written environments,
// repeated titles, and pages reaching people across services and under
// two names.
func partialInput(r *rand.Rand) Input {
	start := at("2026-09-20T00:00:00Z")
	span := 45 * 24 * time.Hour
	when := func() time.Time { return start.Add(time.Duration(r.Int64N(int64(span)))) }
	var in Input
	const services = 6
	for i := range services {
		in.Services = append(in.Services, Service{ID: int64(i + 1), Name: fmt.Sprintf("svc-%d", i+1), Tier: i % 3,
			TeamID: int64(i%3 + 1), Team: fmt.Sprintf("team-%d", i%3+1), OnCallTZ: []string{"UTC", "Europe/Berlin"}[i%2]})
	}
	envs := []string{"production", "production", "Production ", "staging"}
	for i := range 40 + r.IntN(200) {
		fin := when()
		d := Deploy{ID: int64(i + 1), ServiceID: int64(r.IntN(services) + 1), Environment: envs[r.IntN(len(envs))],
			Status: DeploySuccess, FinishedAt: fin}
		varyDeploy(&d, r.IntN(8))
		if r.IntN(3) > 0 {
			c := fin.Add(-time.Duration(r.IntN(100)+1) * time.Hour)
			d.CommitAt = &c
		}
		in.Deploys = append(in.Deploys, d)
	}
	titles := []string{"High latency on api-%d", "Disk full on db-%d", "Queue backlog %d", "Replica lag"}
	for i := range 20 + r.IntN(120) {
		det := when()
		if r.IntN(2) == 0 && len(in.Deploys) > 0 { // soon after a deploy, for rule (b)
			det = in.Deploys[r.IntN(len(in.Deploys))].FinishedAt.Add(time.Duration(r.IntN(30*60)) * time.Minute)
		}
		inc := Incident{ID: int64(i + 1), ServiceID: int64(r.IntN(services) + 1), Severity: r.IntN(5),
			Title: fmt.Sprintf(titles[r.IntN(len(titles))], r.IntN(3)), DetectedAt: det}
		if r.IntN(5) > 0 {
			res := det.Add(time.Duration(r.IntN(600)+1) * time.Minute)
			inc.ResolvedAt = &res
		}
		switch r.IntN(10) {
		case 0, 1: // names a deploy, often another service's
			id := int64(r.IntN(len(in.Deploys)+3) + 1) // a few name no deploy loaded
			inc.CausedByDeployID = &id
		case 2:
			inc.NotDeployRelated = true
		case 3:
			inc.InferredLinkRejected = true
		}
		in.Incidents = append(in.Incidents, inc)
	}
	// Pages reaching a few people, some under two names, across services.
	people := []string{"Ana", "ana@example.com", "Bo", "Cy", "", "Dee"}
	for i := range r.IntN(150) {
		trig := when()
		pg := Page{ID: int64(i + 1), ServiceID: int64(r.IntN(services) + 1), Title: "page", TriggeredAt: trig,
			Responder: people[r.IntN(len(people))]}
		if r.IntN(3) > 0 {
			ack := trig.Add(time.Duration(r.IntN(40)+1) * time.Minute)
			pg.AcknowledgedAt = &ack
		}
		if r.IntN(4) == 0 {
			res := trig.Add(time.Duration(r.IntN(10)+1) * time.Minute)
			pg.ResolvedAt = &res
		}
		in.Pages = append(in.Pages, pg)
	}
	in.People = People{"ana@example.com": "Ana"}
	// An incident of a service outside the input naming a deploy in it.
	if len(in.Deploys) > 0 {
		id := in.Deploys[r.IntN(len(in.Deploys))].ID
		in.LinkIncidents = append(in.LinkIncidents, Incident{ID: 10_000, ServiceID: 99, Title: "elsewhere",
			DetectedAt: when(), CausedByDeployID: &id})
	}
	return in
}

// TestPartialsMatchRecompute: a roll-up computed from its services'
// partials (ComputeKPIsOf, and Rollup from the parts themselves) is
// exactly the roll-up computed from its records, for every group of the services (a tier, a team, any subset)
// and for the input split as a whole, and MergeParts gives what
// MergeInputs gives for a split of distinct records.
func TestPartialsMatchRecompute(t *testing.T) {
	s := DefaultSettings()
	p := oct2026()
	for seed := uint64(1); seed <= 60; seed++ {
		r := rand.New(rand.NewPCG(seed, 31))
		in := partialInput(r)
		bySvc := SplitByService(in)
		parts := make([]Input, len(in.Services))
		partials := make([]Partial, len(in.Services))
		for i, sv := range in.Services {
			parts[i] = bySvc[sv.ID]
			parts[i].Services = []Service{sv}
			_, partials[i] = ComputeKPIsPartial(parts[i], p, s)
		}
		for mask := 1; mask < 1<<len(parts); mask++ {
			var ins []Input
			var ps []Partial
			for i := range parts {
				if mask&(1<<i) != 0 {
					ins = append(ins, parts[i])
					ps = append(ps, partials[i])
				}
			}
			merged := MergeParts(ins...)
			if want := MergeInputs(ins...); !reflect.DeepEqual(merged, want) {
				t.Fatalf("seed %d group %b: MergeParts differs from MergeInputs", seed, mask)
			}
			want := ComputeKPIs(merged, p, s)
			sameKPIs(t, fmt.Sprintf("seed %d group %b", seed, mask), ComputeKPIsOf(merged, p, s, ps), want)
			sameKPIs(t, fmt.Sprintf("seed %d rollup %b", seed, mask), NewRollup(ins...).ComputeKPIs(p, s, ps), want)
		}
		sameKPIs(t, fmt.Sprintf("seed %d whole", seed), ComputeKPIsOf(in, p, s, partials), ComputeKPIs(in, p, s))
	}
}

// TestPartialsRefuseCrossNamedGroup: a group in which one service's
// incident names another's deploy computes its deploy figures from the
// records, and so does a part computed for another period.
func TestPartialsRefuseCrossNamedGroup(t *testing.T) {
	s := DefaultSettings()
	p := oct2026()
	dep := int64(2)
	in := Input{
		Services: []Service{{ID: 1, Name: "a"}, {ID: 2, Name: "b"}},
		Deploys: []Deploy{
			{ID: 1, ServiceID: 1, Environment: "prod", Status: DeploySuccess, FinishedAt: at("2026-10-05T10:00:00Z")},
			{ID: 2, ServiceID: 2, Environment: "prod", Status: DeploySuccess, FinishedAt: at("2026-10-06T10:00:00Z")},
		},
		Incidents: []Incident{
			{ID: 1, ServiceID: 1, Title: "a down", DetectedAt: at("2026-10-05T11:00:00Z")}, // rule (b) would link it to deploy 1
			{ID: 2, ServiceID: 1, Title: "b caused", DetectedAt: at("2026-10-06T11:00:00Z"), CausedByDeployID: &dep},
		},
	}
	bySvc := SplitByService(in)
	var ps []Partial
	var ins []Input
	for _, sv := range in.Services {
		part := bySvc[sv.ID]
		part.Services = []Service{sv}
		_, x := ComputeKPIsPartial(part, p, s)
		ps, ins = append(ps, x), append(ins, part)
	}
	c := newComputer(MergeParts(ins...), p, s, nil)
	if _, ok, _ := c.merged(ps); ok {
		t.Error("a group whose incident names another member's deploy took the partials")
	}
	// Alone, service a names causes (deploy 2 is not its own), so deploy 1
	// is not inferred; together deploy 2 is b's, and rule (b) links
	// incident 1 to deploy 1.
	got := ComputeKPIsOf(MergeParts(ins...), p, s, ps)
	if got.Counts.FailedChanges != 2 || got.Counts.InferredLinks != 1 {
		t.Errorf("together: %d failed changes, %d inferred; want 2 and 1", got.Counts.FailedChanges, got.Counts.InferredLinks)
	}
	_, other := ComputeKPIsPartial(ins[0], NewMonth(2026, 9, time.UTC), s)
	c = newComputer(ins[0], p, s, nil)
	if _, ok, _ := c.merged([]Partial{other}); ok {
		t.Error("a part of another period was taken")
	}
}

// varyDeploy makes d a rollback, a hotfix or a failed deploy for k 0, 1
// and 2, and leaves it a plain deploy otherwise.
func varyDeploy(d *Deploy, k int) {
	switch k {
	case 0:
		d.IsRollback = true
	case 1:
		d.IsHotfix = true
	case 2:
		d.Status = DeployFailed
	}
}

func sameKPIs(t *testing.T, what string, got, want Result) {
	t.Helper()
	for _, x := range []struct {
		name string
		g, w any
	}{{"kpis", got.KPIs, want.KPIs}, {"counts", got.Counts, want.Counts}} {
		g, _ := json.Marshal(x.g)
		w, _ := json.Marshal(x.w)
		if string(g) != string(w) {
			t.Fatalf("%s %s:\n got %s\nwant %s", what, x.name, g, w)
		}
	}
}

// TestGroupPartialsMatchRecompute: the partial of a group of services
// (ComputeKPIsPartial of their merged parts, as a report computes a tier
// of an earlier period) is one a roll-up over groups can take: the
// organisation computed from its groups' partials is exactly the
// organisation computed from its records, for the input's tiers, its teams
// and random partitions of its services, and so is every union of groups.
func TestGroupPartialsMatchRecompute(t *testing.T) {
	s := DefaultSettings()
	p := oct2026()
	for seed := uint64(1); seed <= 60; seed++ {
		r := rand.New(rand.NewPCG(seed, 59))
		in := partialInput(r)
		bySvc := SplitByService(in)
		partitions := map[string]func(Service) int{
			"tiers":  func(sv Service) int { return sv.Tier },
			"teams":  func(sv Service) int { return int(sv.TeamID) },
			"random": func(Service) int { return r.IntN(3) },
		}
		for name, groupOf := range partitions {
			members := map[int][]Input{}
			var order []int
			for _, sv := range in.Services {
				g := groupOf(sv)
				if _, ok := members[g]; !ok {
					order = append(order, g)
				}
				part := bySvc[sv.ID]
				part.Services = []Service{sv}
				members[g] = append(members[g], part)
			}
			groups := make([]Input, len(order))
			partials := make([]Partial, len(order))
			for i, g := range order {
				groups[i] = MergeParts(members[g]...)
				_, partials[i] = ComputeKPIsPartial(groups[i], p, s)
			}
			what := fmt.Sprintf("seed %d %s", seed, name)
			sameKPIs(t, what+" whole", ComputeKPIsOf(in, p, s, partials), ComputeKPIs(in, p, s))
			for mask := 1; mask < 1<<len(groups); mask++ {
				var ins []Input
				var ps []Partial
				for i := range groups {
					if mask&(1<<i) != 0 {
						ins = append(ins, groups[i])
						ps = append(ps, partials[i])
					}
				}
				merged := MergeInputs(ins...)
				sameKPIs(t, fmt.Sprintf("%s groups %b", what, mask), ComputeKPIsOf(merged, p, s, ps), ComputeKPIs(merged, p, s))
			}
		}
	}
}

// TestRollupRereadsPagesInItsZones: a part that read a service's pages in
// UTC, not knowing the service, gives a roll-up that knows the service's
// zone no page figures or on-call tally: the roll-up reads those pages
// again, in the service's zone.
func TestRollupRereadsPagesInItsZones(t *testing.T) {
	s := DefaultSettings()
	p := oct2026()
	berlin := Service{ID: 1, Name: "a", OnCallTZ: "Europe/Berlin"}
	ack := at("2026-10-06T08:40:00Z")
	// 08:30 UTC on a Tuesday is after hours in UTC, 10:30 in Berlin is not.
	pg := Page{ID: 1, ServiceID: 1, TriggeredAt: at("2026-10-06T08:30:00Z"), AcknowledgedAt: &ack, Responder: "Ana"}
	unknowing := Input{Pages: []Page{pg}}
	knowing := Input{Services: []Service{berlin, {ID: 2, Name: "b"}}}
	var ps []Partial
	for _, x := range []Input{unknowing, knowing} {
		_, part := ComputeKPIsPartial(x, p, s)
		ps = append(ps, part)
	}
	if ps[0].pg.afterHours != 1 {
		t.Fatalf("the part alone counts %d pages after hours, want 1", ps[0].pg.afterHours)
	}
	want := ComputeKPIs(MergeParts(unknowing, knowing), p, s)
	if want.Counts.PagesAfterHours != 0 || want.Counts.InterruptionsBusiness != 1 {
		t.Fatalf("recomputed: %d after hours, %d business interruptions; want 0 and 1", want.Counts.PagesAfterHours, want.Counts.InterruptionsBusiness)
	}
	sameKPIs(t, "rollup", NewRollup(unknowing, knowing).ComputeKPIs(p, s, ps), want)
	sameKPIs(t, "merged", ComputeKPIsOf(MergeParts(unknowing, knowing), p, s, ps), want)
}
