package analytics

import (
	"maps"
	"slices"
	"testing"
	"time"
)

// deployScenario is one October 2026 (UTC) history of two services with
// hand-worked links; see the comments on each record.
func deployScenario() Input {
	prod := func(id, svc int64, fin string) Deploy {
		return Deploy{ID: id, ServiceID: svc, Environment: "prod", Status: DeploySuccess, FinishedAt: at(fin)}
	}
	d1 := prod(1, 1, "2026-10-05T10:00:00Z")
	d1.CommitAt = atp("2026-10-05T08:00:00Z") // lead time 2 h
	d2 := prod(2, 1, "2026-10-05T14:00:00Z")
	d2.CommitAt = atp("2026-10-05T15:00:00Z") // commit after finish: excluded
	stg := prod(3, 1, "2026-10-05T12:00:00Z")
	stg.Environment = "staging" // never linked or counted
	failed := prod(4, 1, "2026-10-05T13:00:00Z")
	failed.Status = DeployFailed // never linked or counted
	d5 := prod(5, 1, "2026-10-12T10:00:00Z")
	d5.CommitAt = atp("2026-10-11T10:00:00Z") // lead time 24 h
	r7 := prod(7, 1, "2026-10-20T12:00:00Z")
	r7.IsRollback = true // rule (c) fails #6; not a deployment
	h9 := prod(9, 1, "2026-10-26T09:00:00Z")
	h9.IsHotfix = true // 23 h after #8: fails #8; is itself a deployment
	h11 := prod(11, 1, "2026-10-29T11:00:00Z")
	h11.IsHotfix = true // 25 h after #10: does not fail it
	deploys := []Deploy{
		prod(100, 1, "2026-09-10T10:00:00Z"), // weeks old
		d1, d2, stg, failed, d5,
		prod(6, 1, "2026-10-20T10:00:00Z"),
		r7,
		prod(8, 1, "2026-10-25T10:00:00Z"),
		h9,
		prod(10, 1, "2026-10-28T10:00:00Z"),
		h11,
		prod(20, 2, "2026-10-05T09:00:00Z"),
		prod(30, 3, "2026-10-05T08:00:00Z"), // service 3 records causes explicitly
	}
	inc := func(id, svc int64, det string, resolveMin int) Incident {
		x := Incident{ID: id, ServiceID: svc, Title: "incident", DetectedAt: at(det)}
		if resolveMin >= 0 {
			r := x.DetectedAt.Add(time.Duration(resolveMin) * time.Minute)
			x.ResolvedAt = &r
		}
		return x
	}
	i6 := inc(6, 1, "2026-10-12T10:00:00Z", 5)
	i6.NotDeployRelated = true
	i7 := inc(7, 1, "2026-10-12T11:00:00Z", 5)
	i7.InferredLinkRejected = true
	i10 := inc(10, 2, "2026-10-05T11:00:00Z", 120)
	i10.CausedByDeployID = i64(30) // explicit, names service 3's deploy
	i12 := inc(12, 3, "2026-10-05T10:30:00Z", 5)
	i12.CausedByDeployID = i64(999)              // names a deploy we do not have: not inferred either
	i13 := inc(13, 3, "2026-10-05T09:00:00Z", 5) // 1 h after #30, but service 3 names its causes: no inference
	incidents := []Incident{
		inc(1, 1, "2026-10-05T11:00:00Z", 30), // → #1 (1 h after; #3 staging and #4 failed ignored)
		inc(2, 1, "2026-10-05T15:00:00Z", 90), // → #2
		inc(3, 1, "2026-10-05T16:00:00Z", 60), // → #2 as well: still one failed change
		inc(4, 1, "2026-10-06T14:00:01Z", 5),  // 24 h 1 s after #2: no link
		inc(5, 1, "2026-09-20T00:00:00Z", 5),  // 10 days after #100: no link
		i6, i7,
		inc(8, 1, "2026-10-20T10:00:00Z", 15), // exactly at #6's finish → #6
		inc(9, 1, "2026-10-20T13:00:00Z", 5),  // after rollback #7 → #7 (not a deployment)
		i10,
		inc(11, 2, "2026-10-05T12:00:00Z", -1), // → #20, unresolved
		i12, i13,
	}
	return Input{Deploys: deploys, Incidents: incidents}
}

func TestInferDeployLinks(t *testing.T) {
	in := deployScenario()
	got := InferDeployLinks(in.Incidents, in.Deploys, DefaultSettings())
	want := map[int64]int64{1: 1, 2: 2, 3: 2, 8: 6, 9: 7, 11: 20}
	if !maps.Equal(got, want) {
		t.Errorf("links = %v\nwant    %v", got, want)
	}
	t.Run("input order does not matter", func(t *testing.T) {
		rev := slices.Clone(in.Deploys)
		slices.Reverse(rev)
		if got := InferDeployLinks(in.Incidents, rev, DefaultSettings()); !maps.Equal(got, want) {
			t.Errorf("reversed deploys: %v", got)
		}
	})
	t.Run("same finish time: higher ID is the later deploy", func(t *testing.T) {
		deps := []Deploy{
			{ID: 2, ServiceID: 1, Environment: "prod", Status: DeploySuccess, FinishedAt: at("2026-10-05T10:00:00Z")},
			{ID: 1, ServiceID: 1, Environment: "prod", Status: DeploySuccess, FinishedAt: at("2026-10-05T10:00:00Z")},
		}
		incs := []Incident{{ID: 1, ServiceID: 1, DetectedAt: at("2026-10-05T10:01:00Z")}}
		if got := InferDeployLinks(incs, deps, DefaultSettings()); got[1] != 2 {
			t.Errorf("got %v", got)
		}
	})
	t.Run("exactly DeployLinkWindow after is linked, one second more is not", func(t *testing.T) {
		deps := []Deploy{{ID: 1, ServiceID: 1, Environment: "prod", Status: DeploySuccess, FinishedAt: at("2026-10-05T00:00:00Z")}}
		incs := []Incident{
			{ID: 1, ServiceID: 1, DetectedAt: at("2026-10-06T00:00:00Z")},
			{ID: 2, ServiceID: 1, DetectedAt: at("2026-10-06T00:00:01Z")},
			{ID: 3, ServiceID: 1, DetectedAt: at("2026-10-04T23:59:59Z")}, // before the deploy
		}
		if got := InferDeployLinks(incs, deps, DefaultSettings()); !maps.Equal(got, map[int64]int64{1: 1}) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("a deploy weeks old is never linked", func(t *testing.T) {
		deps := []Deploy{{ID: 1, ServiceID: 1, Environment: "prod", Status: DeploySuccess, FinishedAt: at("2026-09-01T00:00:00Z")}}
		incs := []Incident{{ID: 1, ServiceID: 1, DetectedAt: at("2026-10-05T00:00:00Z")}}
		if got := InferDeployLinks(incs, deps, DefaultSettings()); len(got) != 0 {
			t.Errorf("got %v", got)
		}
	})
}

func TestChangeFailure(t *testing.T) {
	r := Compute(deployScenario(), oct2026(), DefaultSettings())
	// Deployments: #1 #2 #5 #6 #8 #9 #10 #11 (service 1), #20, #30 = 10.
	// Failed: #1 (inc 1), #2 (inc 2, 3), #6 (rollback #7, inc 8), #8 (hotfix #9),
	// #20 (inc 11), #30 (explicit, inc 10) = 6. #10's hotfix came 25 h later.
	// Recovery over linked resolved incidents: 30, 90, 60, 15, 120 → median 60.
	checkKPIs(t, r, map[string]*float64{
		KPIDeployments:                       f64(10),
		KPIDeploysPerWeek:                    f64(10 / (31.0 / 7)),
		KPIChangeFailureRate:                 f64(6.0 / 10),
		KPIRollbackRate:                      f64(1.0 / 11),
		KPILeadTimeMedianHours:               f64(13),
		KPIFailedDeployRecoveryMedianMinutes: f64(60),
	})
	c := r.Counts
	if c.Deployments != 10 || c.FailedChanges != 6 || c.Rollbacks != 1 || c.Hotfixes != 2 ||
		c.DeploymentsWithCommit != 2 || c.InferredLinks != 5 || c.FailedDeployIncidents != 5 {
		t.Errorf("counts %+v", c)
	}
	failed := included(r, KPIChangeFailureRate)
	slices.Sort(failed)
	if want := []int64{1, 2, 6, 8, 20, 30}; !slices.Equal(failed, want) {
		t.Errorf("failed = %v, want %v", failed, want)
	}
	for _, row := range r.Evidence[KPIChangeFailureRate] {
		if row.ID == 6 && row.Note != "inferred link to incident #8; rollback deploy #7 2h0m0s later" {
			t.Errorf("note for #6: %q", row.Note)
		}
	}
}

// TestNoInferenceWhereCausesAreNamed: once any incident names a deploy of a
// service, rule (b) stops guessing for that service (docs/metrics.md).
func TestNoInferenceWhereCausesAreNamed(t *testing.T) {
	deps := []Deploy{
		{ID: 1, ServiceID: 1, Environment: "prod", Status: DeploySuccess, FinishedAt: at("2026-10-05T10:00:00Z")},
		{ID: 2, ServiceID: 1, Environment: "prod", Status: DeploySuccess, FinishedAt: at("2026-10-10T10:00:00Z")},
	}
	named := Incident{ID: 1, ServiceID: 1, DetectedAt: at("2026-10-05T11:00:00Z"), CausedByDeployID: i64(1)}
	guess := Incident{ID: 2, ServiceID: 1, DetectedAt: at("2026-10-10T11:00:00Z")}
	in := Input{Deploys: deps, Incidents: []Incident{named, guess}}
	if got := InferDeployLinks(in.Incidents, in.Deploys, DefaultSettings()); len(got) != 0 {
		t.Errorf("inferred %v for a service whose causes are named", got)
	}
	r := Compute(in, oct2026(), DefaultSettings())
	if r.Counts.FailedChanges != 1 || r.Counts.InferredLinks != 0 {
		t.Errorf("failed %d inferred %d, want 1 and 0", r.Counts.FailedChanges, r.Counts.InferredLinks)
	}
	// Without the explicit link the same incident pair is inferred.
	in.Incidents[0].CausedByDeployID = nil
	if got := InferDeployLinks(in.Incidents, in.Deploys, DefaultSettings()); len(got) != 2 {
		t.Errorf("without explicit links: %v", got)
	}
}

func TestChangeFailureEdges(t *testing.T) {
	p := oct2026()
	prod := func(id int64, fin string) Deploy {
		return Deploy{ID: id, ServiceID: 1, Environment: "PROD", Status: DeploySuccess, FinishedAt: at(fin)}
	}
	inc := func(id int64, det string) Incident {
		return Incident{ID: id, ServiceID: 1, Title: "x", DetectedAt: at(det)}
	}
	for _, tc := range []struct {
		name            string
		in              Input
		cfr, rollback   *float64
		failed, deploys int
	}{
		{
			name:     "no deploys → nil ratios",
			in:       Input{Incidents: []Incident{inc(1, "2026-10-05T00:00:00Z")}},
			cfr:      nil,
			rollback: nil,
		},
		{
			name: "five incidents after one deploy: one failed change, CFR 100 % not 500 %",
			in: Input{
				Deploys: []Deploy{prod(1, "2026-10-05T00:00:00Z")},
				Incidents: []Incident{inc(1, "2026-10-05T01:00:00Z"), inc(2, "2026-10-05T02:00:00Z"), inc(3, "2026-10-05T03:00:00Z"),
					inc(4, "2026-10-05T04:00:00Z"), inc(5, "2026-10-05T05:00:00Z")},
			},
			cfr: f64(1), rollback: f64(0), failed: 1, deploys: 1,
		},
		{
			name: "deploy at the end of the period fails by an incident after the period",
			in: Input{
				Deploys:   []Deploy{prod(1, "2026-10-31T23:00:00Z")},
				Incidents: []Incident{inc(1, "2026-11-01T05:00:00Z")},
			},
			cfr: f64(1), rollback: f64(0), failed: 1, deploys: 1,
		},
		{
			name: "deploy before the period is not counted even though its incident is in the period",
			in: Input{
				Deploys:   []Deploy{prod(1, "2026-09-30T23:00:00Z"), prod(2, "2026-10-10T00:00:00Z")},
				Incidents: []Incident{inc(1, "2026-10-01T01:00:00Z")},
			},
			cfr: f64(0), rollback: f64(0), failed: 0, deploys: 1,
		},
		{
			name: "only a rollback: no deployments, rollback rate 100 %",
			in: Input{Deploys: []Deploy{func() Deploy {
				d := prod(1, "2026-10-05T00:00:00Z")
				d.IsRollback = true
				return d
			}()}},
			cfr: nil, rollback: f64(1), failed: 0, deploys: 0,
		},
		{
			name: "rollback fails only the most recent deployment",
			in: Input{Deploys: []Deploy{prod(1, "2026-10-05T00:00:00Z"), prod(2, "2026-10-05T01:00:00Z"), func() Deploy {
				d := prod(3, "2026-10-05T02:00:00Z")
				d.IsRollback = true
				return d
			}()}},
			cfr: f64(0.5), rollback: f64(1.0 / 3), failed: 1, deploys: 2,
		},
		{
			name: "cancelled and non-production deploys are ignored",
			in: Input{Deploys: []Deploy{
				{ID: 1, ServiceID: 1, Environment: "prod", Status: DeployCancelled, FinishedAt: at("2026-10-05T00:00:00Z")},
				{ID: 2, ServiceID: 1, Environment: "dev", Status: DeploySuccess, FinishedAt: at("2026-10-05T00:00:00Z")},
				{ID: 3, ServiceID: 1, Environment: " Live ", Status: DeploySuccess, FinishedAt: at("2026-10-05T00:00:00Z")},
			}},
			cfr: f64(0), rollback: f64(0), failed: 0, deploys: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Compute(tc.in, p, DefaultSettings())
			wantF(t, KPIChangeFailureRate, r.KPIs.ChangeFailureRate, tc.cfr)
			wantF(t, KPIRollbackRate, r.KPIs.RollbackRate, tc.rollback)
			if r.Counts.FailedChanges != tc.failed || r.Counts.Deployments != tc.deploys {
				t.Errorf("failed %d / deployments %d, want %d / %d", r.Counts.FailedChanges, r.Counts.Deployments, tc.failed, tc.deploys)
			}
			if v := r.KPIs.ChangeFailureRate; v != nil && *v > 1 {
				t.Errorf("CFR %v > 1", *v)
			}
		})
	}
}
