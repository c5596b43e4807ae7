package scorecard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/scorecard"
	"sreport/testutil"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestGoldenDemoMonth pins the KPIs of the demo company (--seed 42, data
// ending 2026-11-15) for October 2026: org-wide, tier 0 and checkout. A
// change in the engine or the seed shows up here as a diff to review; run
// with -update to accept it.
func TestGoldenDemoMonth(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	env, err := scorecard.LoadEnv(ctx, st, testutil.Now().Truncate(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	p := analytics.NewMonth(2026, 10, time.UTC)
	tier0 := 0
	out := map[string]scorecard.KPIResponse{}
	for name, sc := range map[string]scorecard.Scope{"org": {}, "tier0": {Tier: &tier0}, "checkout": {Service: "checkout"}} {
		res, err := scorecard.KPIs(ctx, st, env, p, sc)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = res
	}
	got, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden_2026-10.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update ./analytics/scorecard/ to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("KPIs differ from %s; review the diff and run with -update if intended.\ngot:\n%.2000s", path, got)
	}
}

// TestRollupsFromRecords checks that tier and org rows are computed from
// records: merging every service's input gives the org's counts, and the
// org MTTR is not the average of the services' MTTRs.
func TestRollupsFromRecords(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	env, err := scorecard.LoadEnv(ctx, st, testutil.Now())
	if err != nil {
		t.Fatal(err)
	}
	p := analytics.NewMonth(2026, 10, time.UTC)
	card, err := scorecard.Build(ctx, st, env, p, scorecard.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	sumIncidents, sumDeploys, sumResolved := 0, 0, 0
	var sumMTTR float64
	for _, r := range card.Services {
		sumIncidents += r.Counts.Incidents
		sumDeploys += r.Counts.Deployments
		sumResolved += r.Counts.ResolvedIncidents
		if v := r.KPIs[analytics.KPIMTTRMinutes].Value; v != nil {
			sumMTTR += *v * float64(r.Counts.ResolvedIncidents)
		}
	}
	if card.Org.Counts.Incidents != sumIncidents || card.Org.Counts.Deployments != sumDeploys {
		t.Fatalf("org counts %d/%d, services sum %d/%d", card.Org.Counts.Incidents, card.Org.Counts.Deployments, sumIncidents, sumDeploys)
	}
	// The org MTTR is the mean over all resolved incidents: the services'
	// MTTRs weighted by their resolved counts, not their plain average.
	if org := card.Org.KPIs[analytics.KPIMTTRMinutes].Value; org == nil || sumResolved == 0 ||
		abs(*org-sumMTTR/float64(sumResolved)) > 1e-6 {
		t.Fatalf("org MTTR %v, weighted %v", org, sumMTTR/float64(sumResolved))
	}
	tiers := 0
	for _, tr := range card.Tiers {
		tiers += tr.Counts.Incidents
	}
	if tiers != sumIncidents {
		t.Fatalf("tier incidents %d, services %d", tiers, sumIncidents)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
