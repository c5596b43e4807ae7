package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sreport/analytics"
)

// ServiceSummary is a service with record counts for the catalogue list.
type ServiceSummary struct {
	analytics.Service
	Incidents     int
	OpenIncidents int
	Deploys       int
	Pages         int
}

const serviceCols = `s.id, s.name, s.tier, COALESCE(s.team_id, 0), COALESCE(t.name, ''), s.description, s.oncall_tz`

func scanService(sc interface{ Scan(...any) error }) (analytics.Service, error) {
	var sv analytics.Service
	err := sc.Scan(&sv.ID, &sv.Name, &sv.Tier, &sv.TeamID, &sv.Team, &sv.Description, &sv.OnCallTZ)
	return sv, err
}

// Services returns every service ordered by tier then name.
func (s *Store) Services(ctx context.Context) ([]analytics.Service, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+serviceCols+`
		FROM services s LEFT JOIN teams t ON t.id = s.team_id ORDER BY s.tier, s.name`)
	if err != nil {
		return nil, fmt.Errorf("store: load services: %w", err)
	}
	defer rows.Close()
	var out []analytics.Service
	for rows.Next() {
		sv, err := scanService(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan service: %w", err)
		}
		out = append(out, sv)
	}
	return out, rows.Err()
}

// ServiceByName returns one service or ErrNotFound.
func (s *Store) ServiceByName(ctx context.Context, name string) (analytics.Service, error) {
	sv, err := scanService(s.db.QueryRowContext(ctx, `SELECT `+serviceCols+`
		FROM services s LEFT JOIN teams t ON t.id = s.team_id WHERE s.name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return sv, ErrNotFound
	}
	if err != nil {
		return sv, fmt.Errorf("store: load service %q: %w", name, err)
	}
	return sv, nil
}

// ServiceCount returns how many services exist (the demo seed runs only on an empty catalogue).
func (s *Store) ServiceCount(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM services`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count services: %w", err)
	}
	return n, nil
}

// ServiceSummaries returns every service with its record counts inside [from, to).
func (s *Store) ServiceSummaries(ctx context.Context, r TimeRange) ([]ServiceSummary, error) {
	from, to := r.bounds()
	rows, err := s.db.QueryContext(ctx, `SELECT `+serviceCols+`,
		(SELECT COUNT(*) FROM incidents i LEFT JOIN incident_overrides o ON o.incident_id = i.id
			WHERE i.service_id = s.id AND `+effectiveDetected+` >= ? AND `+effectiveDetected+` < ?),
		(SELECT COUNT(*) FROM incidents i LEFT JOIN incident_overrides o ON o.incident_id = i.id
			WHERE i.service_id = s.id AND `+effectiveResolved+` IS NULL),
		(SELECT COUNT(*) FROM deploys d WHERE d.service_id = s.id AND d.finished_at >= ? AND d.finished_at < ?),
		(SELECT COUNT(*) FROM pages p WHERE p.service_id = s.id AND p.triggered_at >= ? AND p.triggered_at < ?)
		FROM services s LEFT JOIN teams t ON t.id = s.team_id ORDER BY s.tier, s.name`,
		from, to, from, to, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: load service summaries: %w", err)
	}
	defer rows.Close()
	var out []ServiceSummary
	for rows.Next() {
		var ss ServiceSummary
		if err := rows.Scan(&ss.ID, &ss.Name, &ss.Tier, &ss.TeamID, &ss.Team, &ss.Description, &ss.OnCallTZ,
			&ss.Incidents, &ss.OpenIncidents, &ss.Deploys, &ss.Pages); err != nil {
			return nil, fmt.Errorf("store: scan service summary: %w", err)
		}
		out = append(out, ss)
	}
	return out, rows.Err()
}

// Teams returns every team ordered by name.
func (s *Store) Teams(ctx context.Context) ([]analytics.Team, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM teams ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: load teams: %w", err)
	}
	defer rows.Close()
	var out []analytics.Team
	for rows.Next() {
		var t analytics.Team
		if err := rows.Scan(&t.ID, &t.Name); err != nil {
			return nil, fmt.Errorf("store: scan team: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
