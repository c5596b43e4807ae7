package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"sreport/analytics"
)

// reportMonthColumns are the instants that place a record in a month, each
// indexed so that the first one at or after a bound is one index seek.
var reportMonthColumns = []struct{ table, column string }{
	{"incidents", "detected_at"},
	{"incident_overrides", "detected_at"},
	{"deploys", "finished_at"},
	{"pages", "triggered_at"},
}

// ReportMonths returns the calendar months, in loc, that hold at least one
// incident, deploy or page, newest first: the periods a report can cover.
// It skips through each table's time index a month at a time — the first
// instant at or after a bound, its month, then the first instant after that
// month — so it costs one index seek per month and table however many
// records a month holds (grouping every row by hour read them all: 0.6 s
// at scale 10). Instants are stored as UTC text, whose order is time order,
// as every range query here assumes.
func (s *Store) ReportMonths(ctx context.Context, loc *time.Location) ([]analytics.Period, error) {
	if loc == nil {
		loc = time.UTC
	}
	seen := map[string]analytics.Period{}
	for _, c := range reportMonthColumns {
		// Both names are constants above, never user input.
		q := `SELECT min(` + c.column + `) FROM ` + c.table + ` WHERE ` + c.column + ` >= ?`
		for from := ""; ; {
			var at sql.NullString
			if err := s.db.QueryRowContext(ctx, q, from).Scan(&at); err != nil {
				return nil, fmt.Errorf("store: load report months from %s: %w", c.table, err)
			}
			if !at.Valid {
				break
			}
			t, err := ParseTime(at.String)
			if err != nil {
				from = at.String + "\x00" // a malformed instant places nothing: step past it
				continue
			}
			m := analytics.MonthOf(t, loc)
			seen[m.Label] = m
			from = FormatTime(m.To)
		}
	}
	out := make([]analytics.Period, 0, len(seen))
	for _, m := range seen {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b analytics.Period) int { return b.From.Compare(a.From) })
	return out, nil
}
