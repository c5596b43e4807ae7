package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/migrations"
	"sreport/testutil"
)

func targetAt(t *testing.T, st *store.Store, month string, tier int, kpi string) (float64, bool) {
	t.Helper()
	book, err := st.Rules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v, ok := book.At(month).Targets.Get(tier, kpi)
	return v.Target, ok
}

// TestTargetsAreEffectiveDated: a change applies from its month on, a past
// month keeps what was in force then, a later change stays, removing a
// target from a month leaves it before, and undoing a change removes it.
func TestTargetsAreEffectiveDated(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	a := store.Audit{Actor: "admin@example.com", At: time.Date(2026, 11, 15, 13, 0, 0, 0, time.UTC)}
	with := func(month string, edit func(ts analytics.TargetSet, rows []analytics.Target) []analytics.Target) {
		t.Helper()
		book, err := st.Rules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cur := book.At(month).Targets
		var rows []analytics.Target
		for _, byKPI := range cur {
			for _, r := range byKPI {
				rows = append(rows, r)
			}
		}
		if err := st.SaveTierTargets(ctx, month, edit(cur, rows), a); err != nil {
			t.Fatal(err)
		}
	}
	set := func(tier int, kpi string, v float64) func(analytics.TargetSet, []analytics.Target) []analytics.Target {
		return func(_ analytics.TargetSet, rows []analytics.Target) []analytics.Target {
			for i := range rows {
				if rows[i].Tier == tier && rows[i].KPI == kpi {
					rows[i].Target = v
				}
			}
			return rows
		}
	}
	mttr := analytics.KPIMTTRMinutes
	// The migration keeps the seeded defaults as in force since the beginning.
	if v, ok := targetAt(t, st, "1999-01", 0, mttr); !ok || v != 30 {
		t.Fatalf("tier-0 MTTR before any change: %v %v, want 30", v, ok)
	}
	with("2026-11", set(0, mttr, 120))
	with("2027-02", set(0, mttr, 60))
	for _, tc := range []struct {
		month string
		want  float64
	}{{"2026-09", 30}, {"2026-10", 30}, {"2026-11", 120}, {"2027-01", 120}, {"2027-02", 60}, {"2030-01", 60}} {
		if v, _ := targetAt(t, st, tc.month, 0, mttr); v != tc.want {
			t.Errorf("%s: tier-0 MTTR %v, want %v", tc.month, v, tc.want)
		}
	}
	// A correction dated in between applies until the next change.
	with("2026-12", set(0, mttr, 90))
	if v, _ := targetAt(t, st, "2027-01", 0, mttr); v != 90 {
		t.Errorf("2027-01 after a change from 2026-12: %v, want 90", v)
	}
	if v, _ := targetAt(t, st, "2027-02", 0, mttr); v != 60 {
		t.Errorf("2027-02 keeps its own change: %v, want 60", v)
	}
	// Removing tier 3's toil target from 2026-11 leaves it before.
	with("2026-11", func(_ analytics.TargetSet, rows []analytics.Target) []analytics.Target {
		var out []analytics.Target
		for _, r := range rows {
			if r.Tier != 3 || r.KPI != analytics.KPIToilRatio {
				out = append(out, r)
			}
		}
		return out
	})
	if _, ok := targetAt(t, st, "2026-11", 3, analytics.KPIToilRatio); ok {
		t.Error("tier-3 toil target still in force from 2026-11")
	}
	if v, ok := targetAt(t, st, "2026-10", 3, analytics.KPIToilRatio); !ok || v != 0.5 {
		t.Errorf("tier-3 toil target in 2026-10: %v %v, want 0.5", v, ok)
	}
	// Setting 2026-12 back to what 2026-11 has removes the change.
	with("2026-12", set(0, mttr, 120))
	changes, err := st.RuleChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var months []string
	for _, c := range changes {
		if c.Kind == store.ChangeTarget && c.KPI == mttr && c.Tier == 0 {
			months = append(months, c.From)
		}
	}
	if strings.Join(months, " ") != "2027-02 2026-11" {
		t.Errorf("tier-0 MTTR changes from %v, want 2027-02 and 2026-11", months)
	}
	for _, c := range changes {
		if c.From == "2026-11" && c.KPI == mttr && c.Tier == 0 {
			if c.OldNum == nil || *c.OldNum != 30 || c.NewNum == nil || *c.NewNum != 120 || c.SavedBy != "admin@example.com" ||
				c.SavedAt != "2026-11-15T13:00:00Z" {
				t.Errorf("2026-11 change: %+v", c)
			}
		}
		if c.From == "2026-11" && c.KPI == analytics.KPIToilRatio && (c.NewNum != nil || c.OldNum == nil || *c.OldNum != 0.5) {
			t.Errorf("toil removal: %+v", c)
		}
	}
	if err := st.SaveTierTargets(ctx, "", nil, a); err == nil {
		t.Error("a change without a month was accepted")
	}
	if err := st.SaveTierTargets(ctx, "2026-13", nil, a); err == nil {
		t.Error("month 13 was accepted")
	}
}

// TestSettingsAndBandsAreEffectiveDated: settings and DORA thresholds too;
// the reporting timezone applies to every period.
func TestSettingsAndBandsAreEffectiveDated(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	a := store.Audit{Actor: "admin@example.com"}
	if err := st.SaveSettings(ctx, "2026-11", map[string]string{store.SettingNoiseMinutes: "5",
		store.MinSampleKey(analytics.KPIMTTRMinutes): "3", store.SettingReportingTZ: "Europe/Berlin"}, a); err != nil {
		t.Fatal(err)
	}
	book, err := st.Rules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	oct, nov := book.At("2026-10").Settings, book.At("2026-11").Settings
	if oct.NoiseAutoResolve != 10*time.Minute || nov.NoiseAutoResolve != 5*time.Minute {
		t.Errorf("noise threshold %v / %v, want 10m / 5m", oct.NoiseAutoResolve, nov.NoiseAutoResolve)
	}
	if oct.MinSampleOf(analytics.KPIMTTRMinutes) != 5 || nov.MinSampleOf(analytics.KPIMTTRMinutes) != 3 {
		t.Errorf("MTTR minimum %d / %d, want 5 / 3", oct.MinSampleOf(analytics.KPIMTTRMinutes), nov.MinSampleOf(analytics.KPIMTTRMinutes))
	}
	if nov.MinSampleOf(analytics.KPIChangeFailureRate) != 5 {
		t.Error("an unset minimum is not the registry's default")
	}
	if oct.ReportingTZ != "Europe/Berlin" || nov.ReportingTZ != "Europe/Berlin" {
		t.Errorf("timezone %s / %s: it applies to every period", oct.ReportingTZ, nov.ReportingTZ)
	}
	if vals, _ := st.SettingValuesAt(ctx, "2026-10"); vals[store.SettingNoiseMinutes] != "" {
		t.Errorf("October's stored noise threshold %q, want none (default)", vals[store.SettingNoiseMinutes])
	}
	if err := st.SaveSettings(ctx, "2026-11", map[string]string{store.MinSampleKey(analytics.KPIMTTRMinutes): "-1"}, a); err == nil {
		t.Error("a negative minimum sample was accepted")
	}

	bands := analytics.DefaultDoraBands()
	for i := range bands {
		if bands[i].Metric == analytics.DoraLeadTimeHours && bands[i].Band == analytics.BandElite {
			bands[i].Threshold = 12
		}
	}
	if err := st.SaveDoraBands(ctx, "2026-11", bands, a); err != nil {
		t.Fatal(err)
	}
	book, _ = st.Rules(ctx)
	lead := func(month string) float64 {
		for _, b := range book.At(month).Bands {
			if b.Metric == analytics.DoraLeadTimeHours && b.Band == analytics.BandElite {
				return b.Threshold
			}
		}
		return -1
	}
	if lead("2026-10") != 24 || lead("2026-11") != 12 {
		t.Errorf("elite lead time %v / %v, want 24 / 12", lead("2026-10"), lead("2026-11"))
	}
	if got, _ := st.Settings(ctx); got.NoiseAutoResolve != 5*time.Minute {
		t.Errorf("Settings (latest) noise %v, want 5m", got.NoiseAutoResolve)
	}
}

// TestEffectiveRulesMigration applies the migrations up to the one before
// *_effective_rules.sql, writes rows as that version stored them, and
// checks the migration keeps each as in force since the beginning, then
// that down and up again keep the latest values.
func TestEffectiveRulesMigration(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "m.db")+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	var version int64
	for _, src := range p.ListSources() {
		if strings.HasSuffix(src.Path, "_effective_rules.sql") {
			version = src.Version
		}
	}
	if version == 0 {
		t.Fatal("no *_effective_rules.sql migration")
	}
	if _, err := p.UpTo(ctx, version-1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE tier_targets SET target = 45 WHERE tier = 0 AND kpi = 'mttr_minutes';
		INSERT INTO settings (key, value) VALUES ('noise_auto_resolve_minutes', '7');
		UPDATE dora_bands SET threshold = 20 WHERE metric = 'lead_time_hours' AND band = 'elite'`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM tier_targets WHERE effective_from <> '' OR target IS NULL`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("dated or empty targets after migrating: %d %v", n, err)
	}
	var target float64
	var from string
	if err := db.QueryRowContext(ctx, `SELECT target, effective_from FROM tier_targets WHERE tier = 0 AND kpi = 'mttr_minutes'`).Scan(&target, &from); err != nil ||
		target != 45 || from != "" {
		t.Errorf("tier-0 MTTR after migrating: %v %q %v", target, from, err)
	}
	var value string
	if err := db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'noise_auto_resolve_minutes' AND effective_from = ''`).Scan(&value); err != nil || value != "7" {
		t.Errorf("setting after migrating: %q %v", value, err)
	}
	// A dated change, then down: the latest value wins.
	if _, err := db.ExecContext(ctx, `INSERT INTO tier_targets (tier, kpi, effective_from, target, direction) VALUES (0, 'mttr_minutes', '2026-11', 120, 'max')`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, version-1); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT target FROM tier_targets WHERE tier = 0 AND kpi = 'mttr_minutes'`).Scan(&target); err != nil || target != 120 {
		t.Errorf("tier-0 MTTR after down: %v %v, want 120", target, err)
	}
	var threshold float64
	if err := db.QueryRowContext(ctx, `SELECT threshold FROM dora_bands WHERE metric = 'lead_time_hours' AND band = 'elite'`).Scan(&threshold); err != nil || threshold != 20 {
		t.Errorf("band after down: %v %v", threshold, err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
}
