package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/testutil"
)

func TestMigrationsFromEmpty(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	tables := []string{"teams", "services", "service_aliases", "incidents", "incident_overrides", "action_items",
		"deploys", "pages", "slos", "sli_daily", "toil_entries", "tier_targets", "dora_bands", "settings",
		"risks", "risk_events", "risk_services", "risk_incidents", "users", "sessions", "api_tokens",
		"audit_log", "imports", "import_changes", "import_mappings"}
	for _, tb := range tables {
		var n int
		if err := st.Writer().QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name=?`, tb).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s: n=%d err=%v", tb, n, err)
		}
	}
	var mode string
	if err := st.Writer().QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v", mode, err)
	}
	var fk int
	if err := st.Writer().QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v", fk, err)
	}
	targets, err := st.TierTargets(ctx)
	if err != nil || len(targets) != len(analytics.DefaultTargets()) {
		t.Fatalf("tier targets = %d, %v", len(targets), err)
	}
	bands, err := st.DoraBands(ctx)
	if err != nil || len(bands) != 12 {
		t.Fatalf("dora bands = %d, %v", len(bands), err)
	}
	st.Close()
	// Re-opening applies nothing new and keeps the data.
	st, err = store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if n, err := st.ServiceCount(ctx); err != nil || n != 0 {
		t.Fatalf("services = %d, %v", n, err)
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	def, err := st.Settings(ctx)
	if err != nil || def.ReportingTZ != "UTC" || def.DeployLinkWindow != 24*time.Hour {
		t.Fatalf("defaults: %+v %v", def, err)
	}
	for k, v := range map[string]string{store.SettingReportingTZ: "Europe/Berlin", store.SettingDeployLinkH: "12",
		store.SettingProdEnvs: "prod, live", store.SettingPMDaysSev1: "3"} {
		if err := st.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.ReportingTZ != "Europe/Berlin" || got.DeployLinkWindow != 12*time.Hour || len(got.ProdEnvironments) != 2 || got.PostmortemDaysSev1 != 3 {
		t.Fatalf("got %+v", got)
	}
	for k, v := range map[string]string{store.SettingReportingTZ: "Mars/Olympus", store.SettingShiftDays: "seven"} {
		if err := st.SetSetting(ctx, k, v); err == nil {
			t.Errorf("%s=%s accepted", k, v)
		}
	}
}

// TestKeysetPagination walks every page of incidents in both directions and
// checks order, completeness and that the cursor is tamper-evident.
func TestKeysetPagination(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	all, err := st.IncidentsInRange(ctx, nil, store.TimeRange{})
	if err != nil || len(all) < 200 {
		t.Fatalf("incidents = %d, %v", len(all), err)
	}
	for _, desc := range []bool{false, true} {
		f := store.ListFilter{Limit: 37, Desc: desc}
		var got []int64
		for {
			page, err := st.Incidents(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range page.Rows {
				got = append(got, in.ID)
			}
			if page.Next == "" {
				break
			}
			f.After = page.Next
		}
		if len(got) != len(all) {
			t.Fatalf("desc=%v: walked %d of %d", desc, len(got), len(all))
		}
		seen := map[int64]bool{}
		for _, id := range got {
			if seen[id] {
				t.Fatalf("desc=%v: %d twice", desc, id)
			}
			seen[id] = true
		}
	}
	// Severity sort with ties stays complete.
	f := store.ListFilter{Limit: 50, Sort: "severity"}
	n := 0
	last := 0
	for {
		page, err := st.Incidents(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range page.Rows {
			if in.Severity < last {
				t.Fatalf("severity order broken: %d after %d", in.Severity, last)
			}
			last = in.Severity
			n++
		}
		if page.Next == "" {
			break
		}
		f.After = page.Next
	}
	if n != len(all) {
		t.Fatalf("severity walk %d of %d", n, len(all))
	}
	if _, err := st.Incidents(ctx, store.ListFilter{After: "not-a-cursor"}); !errors.Is(err, store.ErrBadCursor) {
		t.Fatalf("bad cursor: %v", err)
	}
}

func TestNotFound(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	if _, err := st.ServiceByName(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("service: %v", err)
	}
	if _, err := st.IncidentByID(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("incident: %v", err)
	}
	if _, err := st.DeployByID(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deploy: %v", err)
	}
	if _, err := st.PageByID(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("page: %v", err)
	}
}

func TestFilters(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	sv, err := st.ServiceByName(ctx, "checkout")
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 3, 0)
	tier := 0
	page, err := st.Incidents(ctx, store.ListFilter{ServiceID: sv.ID, Tier: &tier, Range: store.TimeRange{From: from, To: to}, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range page.Rows {
		if in.Service != "checkout" || in.DetectedAt.Before(from) || !in.DetectedAt.Before(to) {
			t.Fatalf("leaked %+v", in)
		}
	}
	deps, err := st.Deploys(ctx, store.ListFilter{Status: "failed", Limit: 500})
	if err != nil || len(deps.Rows) == 0 {
		t.Fatalf("failed deploys: %d %v", len(deps.Rows), err)
	}
	for _, d := range deps.Rows {
		if d.Status != "failed" {
			t.Fatalf("status filter leaked %s", d.Status)
		}
	}
}
