package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"sreport/analytics"
)

// hourLayout reads the first 13 characters of a stored instant ("2026-10-05T14").
const hourLayout = "2006-01-02T15"

// ReportMonths returns the calendar months, in loc, that hold at least one
// incident, deploy or page, newest first: the periods a report can cover.
// Records are grouped by UTC hour in SQL, so a month is found without
// reading every row and its boundary in loc is still exact for whole-hour
// zones.
func (s *Store) ReportMonths(ctx context.Context, loc *time.Location) ([]analytics.Period, error) {
	if loc == nil {
		loc = time.UTC
	}
	rows, err := s.db.QueryContext(ctx, `SELECT substr(detected_at, 1, 13) FROM incidents
		UNION SELECT substr(detected_at, 1, 13) FROM incident_overrides WHERE detected_at IS NOT NULL
		UNION SELECT substr(finished_at, 1, 13) FROM deploys
		UNION SELECT substr(triggered_at, 1, 13) FROM pages`)
	if err != nil {
		return nil, fmt.Errorf("store: load report months: %w", err)
	}
	defer rows.Close()
	seen := map[string]analytics.Period{}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("store: scan report month: %w", err)
		}
		t, err := time.Parse(hourLayout, h)
		if err != nil {
			continue // a malformed timestamp cannot place a record in a month
		}
		m := analytics.MonthOf(t, loc)
		seen[m.Label] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: load report months: %w", err)
	}
	out := make([]analytics.Period, 0, len(seen))
	for _, m := range seen {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b analytics.Period) int { return b.From.Compare(a.From) })
	return out, nil
}
