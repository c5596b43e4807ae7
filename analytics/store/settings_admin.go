package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"

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

// ReplaceTierTargets makes rows the whole tier_targets table, in one
// transaction with one audit row (the table before and after). A tier/KPI
// absent from rows has no target (status "no data").
func (s *Store) ReplaceTierTargets(ctx context.Context, rows []analytics.Target, a Audit) error {
	for _, t := range rows {
		if t.Tier < 0 || t.Tier > 3 || t.KPI == "" || (t.Direction != analytics.DirectionMin && t.Direction != analytics.DirectionMax) {
			return fmt.Errorf("store: tier target %d/%s/%s is not valid", t.Tier, t.KPI, t.Direction)
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := s.TierTargets(ctx)
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

// ReplaceDoraBands makes rows the whole dora_bands table, audited in the
// same transaction. A band left out is skipped by analytics.DoraBands.
func (s *Store) ReplaceDoraBands(ctx context.Context, rows []analytics.DoraBand, a Audit) error {
	for _, b := range rows {
		switch b.Band {
		case analytics.BandElite, analytics.BandHigh, analytics.BandMedium:
		default:
			return fmt.Errorf("store: dora band %q is not elite, high or medium", b.Band)
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := s.DoraBands(ctx)
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
