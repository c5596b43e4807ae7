package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"sreport/analytics"
)

// TestSeedMigrateKPI runs the commands a new user runs: seed a database,
// migrate it again (a no-op), and print KPIs as JSON and as a table.
func TestSeedMigrateKPI(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "cli.db")
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"seed", "--db", db, "--end", "2026-10", "--months", "4"}, &out, &errb); err != nil {
		t.Fatalf("seed: %v %s", err, errb.String())
	}
	if !strings.Contains(out.String(), "24 services") {
		t.Fatalf("seed output %q", out.String())
	}
	// Seeding twice is refused: the demo only fills an empty database.
	if err := run(ctx, []string{"seed", "--db", db, "--end", "2026-10"}, &out, &errb); err == nil {
		t.Fatal("second seed accepted")
	}
	if err := run(ctx, []string{"migrate", "--db", db}, &out, &errb); err != nil {
		t.Fatalf("migrate: %v", err)
	}

	out.Reset()
	if err := run(ctx, []string{"kpi", "--db", db, "--period", "2026-09", "--service", "checkout", "--json"}, &out, &errb); err != nil {
		t.Fatalf("kpi: %v %s", err, errb.String())
	}
	var res struct {
		Period string              `json:"period"`
		From   string              `json:"from"`
		Scope  map[string]any      `json:"scope"`
		KPIs   map[string]*float64 `json:"kpis"`
		Counts map[string]float64  `json:"counts"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("kpi json: %v\n%s", err, out.String())
	}
	if res.Period != "2026-09" || res.From != "2026-09-01T00:00:00Z" || res.Scope["service"] != "checkout" || len(res.KPIs) != len(analytics.KPINames) {
		t.Fatalf("kpi json: %+v", res)
	}
	if d := res.KPIs["deployments"]; d == nil || *d != res.Counts["deployments"] || *d == 0 {
		t.Fatalf("deployments %v vs counts %v", d, res.Counts["deployments"])
	}
	// The demo's payments pipelines flag performance regressions.
	if p, k := res.KPIs["perf_regression_rate"], res.Counts["deployments_with_perf_flag"]; p == nil || k == 0 || *p != res.Counts["perf_regressions"]/k {
		t.Fatalf("perf_regression_rate %v vs counts %v of %v", p, res.Counts["perf_regressions"], k)
	}

	out.Reset()
	if err := run(ctx, []string{"kpi", "--db", db, "--period", "2026-Q3", "--tier", "0", "--tz", "Europe/Berlin"}, &out, &errb); err != nil {
		t.Fatalf("kpi table: %v", err)
	}
	for _, want := range []string{"2026-Q3", "Europe/Berlin", "tier 0", "MTTR", " min", " %", "Counts:", "DORA bands:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("kpi table lacks %q:\n%s", want, out.String())
		}
	}
	for _, bad := range [][]string{
		{"kpi", "--db", db},
		{"kpi", "--db", db, "--period", "2026-13"},
		{"kpi", "--db", db, "--period", "2026-10", "--service", "checkout", "--tier", "1"},
		{"kpi", "--db", db, "--period", "2026-10", "--service", "nope"},
		{"kpi", "--db", db, "--period", "2026-10", "--tz", "Mars/Base"},
		{"nope"},
	} {
		if err := run(ctx, bad, &out, &errb); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
