package store

import (
	"context"
	"fmt"

	"sreport/analytics"
)

// TierTargets returns every tier × KPI target.
func (s *Store) TierTargets(ctx context.Context) ([]analytics.Target, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT tier, kpi, target, direction FROM tier_targets ORDER BY tier, kpi`)
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

// DoraBands returns the DORA band thresholds.
func (s *Store) DoraBands(ctx context.Context) ([]analytics.DoraBand, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT metric, band, threshold FROM dora_bands ORDER BY metric, band`)
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
