package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"sreport/analytics"
)

// SLOItem is one SLO with where its SLI days come from.
type SLOItem struct {
	analytics.SLO
	QueryType string // metric source of its definition's queries ("" = none)
	Days      int    // SLI days stored
	LastDay   time.Time
}

// SLOList returns every SLO, by service and name.
func (s *Store) SLOList(ctx context.Context) ([]SLOItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT o.id, o.service_id, s.name, o.name, o.objective, o.window_days, o.calendar, o.query_type,
		(SELECT COUNT(*) FROM sli_daily d WHERE d.slo_id = o.id), COALESCE((SELECT MAX(day) FROM sli_daily d WHERE d.slo_id = o.id), '')
		FROM slos o JOIN services s ON s.id = o.service_id ORDER BY s.name, o.name`)
	if err != nil {
		return nil, fmt.Errorf("store: load SLOs: %w", err)
	}
	return collectAll(rows, scanSLOItem)
}

// SLOByID returns one SLO, ErrNotFound if none.
func (s *Store) SLOByID(ctx context.Context, id int64) (SLOItem, error) {
	row := s.db.QueryRowContext(ctx, `SELECT o.id, o.service_id, s.name, o.name, o.objective, o.window_days, o.calendar, o.query_type,
		(SELECT COUNT(*) FROM sli_daily d WHERE d.slo_id = o.id), COALESCE((SELECT MAX(day) FROM sli_daily d WHERE d.slo_id = o.id), '')
		FROM slos o JOIN services s ON s.id = o.service_id WHERE o.id = ?`, id)
	it, err := scanSLOItem(row)
	if errors.Is(err, sql.ErrNoRows) {
		return it, ErrNotFound
	}
	if err != nil {
		return it, fmt.Errorf("store: load SLO %d: %w", id, err)
	}
	return it, nil
}

func scanSLOItem(sc interface{ Scan(...any) error }) (SLOItem, error) {
	var it SLOItem
	var last string
	if err := sc.Scan(&it.ID, &it.ServiceID, &it.Service, &it.Name, &it.Objective, &it.WindowDays, &it.Calendar, &it.QueryType,
		&it.Days, &last); err != nil {
		return it, err
	}
	if last != "" {
		it.LastDay, _ = time.Parse(DayLayout, last)
	}
	return it, nil
}

// SLIDaysOfSLO returns one SLO's SLI days whose date lies in [from, to).
func (s *Store) SLIDaysOfSLO(ctx context.Context, sloID int64, from, to time.Time) ([]analytics.SLIDay, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.slo_id, o.service_id, s.name, o.name, o.objective, d.day, d.good, d.total
		FROM sli_daily d JOIN slos o ON o.id = d.slo_id JOIN services s ON s.id = o.service_id
		WHERE d.slo_id = ? AND d.day >= ? AND d.day < ? ORDER BY d.day`, sloID, from.Format(DayLayout), to.Format(DayLayout))
	if err != nil {
		return nil, fmt.Errorf("store: load SLI days of SLO %d: %w", sloID, err)
	}
	return collectAll(rows, func(sc interface{ Scan(...any) error }) (analytics.SLIDay, error) {
		var d analytics.SLIDay
		var day string
		if err := sc.Scan(&d.SLOID, &d.ServiceID, &d.Service, &d.SLO, &d.Objective, &day, &d.Good, &d.Total); err != nil {
			return d, err
		}
		var err error
		d.Day, err = time.Parse(DayLayout, day)
		return d, err
	})
}
