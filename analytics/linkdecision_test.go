package analytics

import (
	"fmt"
	"strings"
	"testing"
)

// TestDeployLinkOf checks the engine's link decision for each incident of
// deployScenario (October 2026) against the hand-worked links there.
func TestDeployLinkOf(t *testing.T) {
	in := deployScenario()
	for _, tc := range []struct {
		id          int64
		rule        string
		deploy      int64
		failed      bool
		nearest     int64 // 0: none
		noInference string
		namedBy     int64
	}{
		{id: 1, rule: LinkInferred, deploy: 1, failed: true, nearest: 1},
		{id: 3, rule: LinkInferred, deploy: 2, failed: true, nearest: 2},
		{id: 4}, // 24 h 1 s after #2: nothing near
		{id: 5}, // 10 days after #100
		{id: 6, nearest: 5, noInference: NoInferenceNotRelated},
		{id: 7, nearest: 5, noInference: NoInferenceRejected},
		{id: 8, rule: LinkInferred, deploy: 6, failed: true, nearest: 6},
		{id: 9, rule: LinkInferred, deploy: 7, nearest: 7}, // a rollback: no deployment, no failed change
		{id: 10, rule: LinkExplicit, deploy: 30, failed: true, nearest: 20, noInference: NoInferenceNamesDeploy},
		{id: 11, rule: LinkInferred, deploy: 20, failed: true, nearest: 20},
		{id: 12, rule: LinkExplicit, deploy: 999, nearest: 30, noInference: NoInferenceNamesDeploy}, // deploy not in the input
		// Service 3 names its causes (#12 at 10:30 is the earliest to do so): no guess.
		{id: 13, nearest: 30, noInference: NoInferenceCausesNamed, namedBy: 12},
	} {
		t.Run(fmt.Sprint(tc.id), func(t *testing.T) {
			got := DeployLinkOf(in, oct2026(), DefaultSettings(), tc.id)
			nearest, namedBy := int64(0), int64(0)
			if got.Nearest != nil {
				nearest = got.Nearest.ID
			}
			if got.NamedBy != nil {
				namedBy = got.NamedBy.ID
			}
			if !got.Found || got.Rule != tc.rule || got.DeployID != tc.deploy || got.FailedChange != tc.failed ||
				nearest != tc.nearest || got.NoInference != tc.noInference || namedBy != tc.namedBy {
				t.Errorf("got found %v rule %q deploy %d failed %v nearest %d no-inference %q named by %d",
					got.Found, got.Rule, got.DeployID, got.FailedChange, nearest, got.NoInference, namedBy)
			}
			if (got.Deploy != nil) != (tc.deploy != 0 && tc.deploy != 999) {
				t.Errorf("deploy record %v", got.Deploy)
			}
		})
	}
	t.Run("unknown incident", func(t *testing.T) {
		if got := DeployLinkOf(in, oct2026(), DefaultSettings(), 77); got.Found {
			t.Errorf("%+v", got)
		}
	})
	t.Run("outside the period's input window", func(t *testing.T) {
		// September's window ends Oct 2 00:00: incident #1 (Oct 5) is not seen.
		if got := DeployLinkOf(in, NewMonth(2026, 9, oct2026().Loc), DefaultSettings(), 1); got.Found {
			t.Errorf("%+v", got)
		}
	})
	t.Run("another service's incident naming a deploy", func(t *testing.T) {
		// Service 3's scope: #10 (service 2) comes as a link incident.
		part := SplitByService(in)[3]
		got := DeployLinkOf(part, oct2026(), DefaultSettings(), 10)
		if !got.Found || got.Rule != LinkExplicit || got.DeployID != 30 || !got.FailedChange || got.Nearest != nil {
			t.Errorf("%+v", got)
		}
	})
}

// TestDeployLinkOfAgreesWithCompute checks that every link DeployLinkOf
// calls a failed change is one Compute counts, and no other: Compute's
// failed-deploy-recovery evidence lists each incident linked to one of the
// period's deployments by rule (a) or (b).
func TestDeployLinkOfAgreesWithCompute(t *testing.T) {
	in := deployScenario()
	r := Compute(in, oct2026(), DefaultSettings())
	counted := map[int64]string{}
	for _, row := range r.Evidence.For(KPIFailedDeployRecoveryMedianMinutes) {
		counted[row.ID] = row.Note
	}
	for _, inc := range in.Incidents {
		got := DeployLinkOf(in, oct2026(), DefaultSettings(), inc.ID)
		note, ok := counted[inc.ID]
		if got.FailedChange != ok {
			t.Errorf("#%d: DeployLinkOf says failed change %v, Compute's evidence %q", inc.ID, got.FailedChange, note)
		}
		if ok && !strings.Contains(note, fmt.Sprintf("%s link to deploy #%d", got.Rule, got.DeployID)) {
			t.Errorf("#%d: %s link to #%d, Compute's evidence %q", inc.ID, got.Rule, got.DeployID, note)
		}
	}
}
