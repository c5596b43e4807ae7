package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"strconv"

	"sreport/analytics"
)

// SettingKeys lists every stored setting key, in the order the settings page shows them.
var SettingKeys = []string{
	SettingReportingTZ, SettingBusinessStart, SettingBusinessEnd, SettingSleepStart, SettingSleepEnd,
	SettingShiftDays, SettingProdEnvs, SettingDeployLinkH, SettingNoiseMinutes, SettingRepeatDays,
	SettingPMDaysSev1, SettingPMDaysSev2,
}

// SettingValues returns the raw stored settings (key → value); keys not
// stored use their default.
func (s *Store) SettingValues(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return nil, fmt.Errorf("store: load settings: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("store: scan setting: %w", err)
		}
		out[k] = v
	}
	return out, rows.Err()
}

// SaveSettings stores several settings in one transaction with one audit
// row holding the stored values before and after. Each value must parse
// (the caller validates ranges and shows messages beside the fields).
func (s *Store) SaveSettings(ctx context.Context, values map[string]string, a Audit) error {
	st := analytics.DefaultSettings()
	for k, v := range values {
		if err := applySetting(&st, k, v); err != nil {
			return fmt.Errorf("store: setting %s: %w", k, err)
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := settingsIn(ctx, tx)
		if err != nil {
			return err
		}
		for k, v := range values {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES (?, ?)
				ON CONFLICT(key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
				return fmt.Errorf("store: save setting %s: %w", k, err)
			}
		}
		after := maps.Clone(before)
		maps.Copy(after, values)
		a.Action, a.Entity, a.Before, a.After = "update", "settings", before, after
		return WriteAudit(ctx, tx, a)
	})
}

func settingsIn(ctx context.Context, tx *sql.Tx) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return nil, fmt.Errorf("store: load settings: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// TargetDirection returns the direction kpi's targets must have, and false
// for a KPI this build does not know (either direction is accepted). It is
// the KPI's better direction (analytics.KPIDef.Better): "max" (at most the
// target) for durations, counts and rates of bad things, "min" (at least)
// for availability, attainment, on-time rates, deploy frequency and the
// error budget left. A target in the other direction would call the worse
// result "met".
func TargetDirection(kpi string) (string, bool) {
	d, ok := analytics.KPIDefOf(kpi)
	return d.Better, ok
}

// ReplaceTierTargets makes rows the whole tier_targets table, in one
// transaction with one audit row (the table before and after, the before
// read inside the transaction). A tier/KPI absent from rows has no target
// (status "no data"). A KPI's direction must be its TargetDirection.
func (s *Store) ReplaceTierTargets(ctx context.Context, rows []analytics.Target, a Audit) error {
	for _, t := range rows {
		if t.Tier < 0 || t.Tier > 3 || t.KPI == "" || (t.Direction != analytics.DirectionMin && t.Direction != analytics.DirectionMax) {
			return fmt.Errorf("store: tier target %d/%s/%s is not valid", t.Tier, t.KPI, t.Direction)
		}
		if d, ok := TargetDirection(t.KPI); ok && t.Direction != d {
			return fmt.Errorf("store: tier target %d/%s: direction %s, want %s", t.Tier, t.KPI, t.Direction, d)
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := tierTargetsIn(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM tier_targets`); err != nil {
			return fmt.Errorf("store: replace tier targets: %w", err)
		}
		for _, t := range rows {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tier_targets (tier, kpi, target, direction) VALUES (?, ?, ?, ?)
				ON CONFLICT (tier, kpi) DO UPDATE SET target = excluded.target, direction = excluded.direction`,
				t.Tier, t.KPI, t.Target, t.Direction); err != nil {
				return fmt.Errorf("store: save tier target %d/%s: %w", t.Tier, t.KPI, err)
			}
		}
		a.Action, a.Entity, a.Before, a.After = "update", "tier_targets", before, rows
		return WriteAudit(ctx, tx, a)
	})
}

// tierTargetsIn is TierTargets read inside tx, so an audit row's "before"
// is the table this transaction replaces, not an older snapshot.
func tierTargetsIn(ctx context.Context, tx *sql.Tx) ([]analytics.Target, error) {
	rows, err := tx.QueryContext(ctx, `SELECT tier, kpi, target, direction FROM tier_targets ORDER BY tier, kpi`)
	if err != nil {
		return nil, fmt.Errorf("store: load tier targets: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, func(sc interface{ Scan(...any) error }) (analytics.Target, error) {
		var t analytics.Target
		err := sc.Scan(&t.Tier, &t.KPI, &t.Target, &t.Direction)
		return t, err
	})
}

// doraBandsIn is DoraBands read inside tx (see tierTargetsIn).
func doraBandsIn(ctx context.Context, tx *sql.Tx) ([]analytics.DoraBand, error) {
	rows, err := tx.QueryContext(ctx, `SELECT metric, band, threshold FROM dora_bands ORDER BY metric, band`)
	if err != nil {
		return nil, fmt.Errorf("store: load dora bands: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, func(sc interface{ Scan(...any) error }) (analytics.DoraBand, error) {
		var b analytics.DoraBand
		err := sc.Scan(&b.Metric, &b.Band, &b.Threshold)
		return b, err
	})
}

// DoraBandProblem is a DORA threshold out of order with the band above it.
type DoraBandProblem struct {
	Metric, Band string
	Message      string
}

// DoraBandOrder checks that each metric's bands get stricter towards
// elite: for change_failure_rate, lead_time_hours and recovery_hours a
// smaller threshold is stricter, so elite < high < medium; for
// deploy_frequency elite ≥ high (deploy-days per week; medium counts per
// month, so it is not compared). A band left out is skipped, and the next
// one is compared with the band above the gap.
func DoraBandOrder(rows []analytics.DoraBand) []DoraBandProblem {
	th := map[string]map[string]float64{}
	for _, b := range rows {
		if th[b.Metric] == nil {
			th[b.Metric] = map[string]float64{}
		}
		th[b.Metric][b.Band] = b.Threshold
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	var out []DoraBandProblem
	for _, m := range []string{analytics.DoraChangeFailureRate, analytics.DoraLeadTimeHours, analytics.DoraRecoveryHours} {
		prev, prevName := 0.0, ""
		for _, b := range []string{analytics.BandElite, analytics.BandHigh, analytics.BandMedium} {
			t, ok := th[m][b]
			if !ok {
				continue
			}
			if prevName != "" && t <= prev {
				out = append(out, DoraBandProblem{Metric: m, Band: b, Message: "Must be more than the " + prevName + " threshold (" + num(prev) +
					"): a smaller threshold is stricter, and " + b + " must be less strict than " + prevName + "."})
			}
			prev, prevName = t, b
		}
	}
	m := analytics.DoraDeployFrequency
	if e, ok := th[m][analytics.BandElite]; ok {
		if h, ok := th[m][analytics.BandHigh]; ok && h > e {
			out = append(out, DoraBandProblem{Metric: m, Band: analytics.BandHigh, Message: "Must be at most the elite threshold (" + num(e) +
				" deploy-days per week): high cannot ask for more than elite."})
		}
	}
	return out
}

// ReplaceDoraBands makes rows the whole dora_bands table, audited in the
// same transaction (the before read inside it). A band left out is skipped
// by analytics.DoraBands; the bands must be in order (DoraBandOrder).
func (s *Store) ReplaceDoraBands(ctx context.Context, rows []analytics.DoraBand, a Audit) error {
	for _, b := range rows {
		switch b.Band {
		case analytics.BandElite, analytics.BandHigh, analytics.BandMedium:
		default:
			return fmt.Errorf("store: dora band %q is not elite, high or medium", b.Band)
		}
	}
	if p := DoraBandOrder(rows); len(p) > 0 {
		return fmt.Errorf("store: dora band %s/%s: %s", p[0].Metric, p[0].Band, p[0].Message)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := doraBandsIn(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM dora_bands`); err != nil {
			return fmt.Errorf("store: replace dora bands: %w", err)
		}
		for _, b := range rows {
			if _, err := tx.ExecContext(ctx, `INSERT INTO dora_bands (metric, band, threshold) VALUES (?, ?, ?)
				ON CONFLICT (metric, band) DO UPDATE SET threshold = excluded.threshold`, b.Metric, b.Band, b.Threshold); err != nil {
				return fmt.Errorf("store: save dora band %s/%s: %w", b.Metric, b.Band, err)
			}
		}
		a.Action, a.Entity, a.Before, a.After = "update", "dora_bands", before, rows
		return WriteAudit(ctx, tx, a)
	})
}
