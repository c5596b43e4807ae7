package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"sreport/analytics"
)

const pageCols = `p.id, p.source, p.external_id, p.service_id, s.name, p.incident_id, p.incident_ref, p.title,
	p.urgency, p.triggered_at, p.acknowledged_at, p.resolved_at, p.auto_resolved, p.actionable, p.responder, p.responders`

const pageFrom = ` FROM pages p JOIN services s ON s.id = p.service_id`

func scanPage(sc interface{ Scan(...any) error }) (analytics.Page, error) {
	var (
		pg            analytics.Page
		incident      sql.NullInt64
		triggered     string
		ack, resolved sql.NullString
		auto          int
		actionable    sql.NullInt64
		responders    string
	)
	err := sc.Scan(&pg.ID, &pg.Source, &pg.ExternalID, &pg.ServiceID, &pg.Service, &incident, &pg.IncidentRef,
		&pg.Title, &pg.Urgency, &triggered, &ack, &resolved, &auto, &actionable, &pg.Responder, &responders)
	if err != nil {
		return pg, err
	}
	if pg.Responders, err = decodeResponders(responders); err != nil {
		return pg, fmt.Errorf("page %d: %w", pg.ID, err)
	}
	if incident.Valid {
		id := incident.Int64
		pg.IncidentID = &id
	}
	if actionable.Valid {
		a := actionable.Int64 != 0
		pg.Actionable = &a
	}
	pg.AutoResolved = auto != 0
	if pg.TriggeredAt, err = ParseTime(triggered); err != nil {
		return pg, fmt.Errorf("page %d triggered_at: %w", pg.ID, err)
	}
	if pg.AcknowledgedAt, err = parseNullTime(ack); err != nil {
		return pg, fmt.Errorf("page %d: %w", pg.ID, err)
	}
	if pg.ResolvedAt, err = parseNullTime(resolved); err != nil {
		return pg, fmt.Errorf("page %d: %w", pg.ID, err)
	}
	return pg, nil
}

var pageSorts = []sortKey{
	{name: "triggered", column: "p.triggered_at"},
	{name: "urgency", column: "p.urgency"},
}

// Pages returns one page of pages (alerts) matching f. Status: "acked",
// "unacked", "linked" (to an incident).
func (s *Store) Pages(ctx context.Context, f ListFilter) (Page[analytics.Page], error) {
	return s.PagesWhere(ctx, f, nil)
}

// PagesWhere is Pages narrowed further by keep, a rule SQL cannot state
// (a normalised title, a local weekday and hour, the noise verdict): rows
// are read in list order and the first f.Limit that keep accepts make the
// page, so the cursor works as in Pages. A nil keep keeps every row.
func (s *Store) PagesWhere(ctx context.Context, f ListFilter, keep func(analytics.Page) bool) (Page[analytics.Page], error) {
	var w where
	f.scope(&w, "p.service_id", "p.triggered_at")
	switch f.Status {
	case "acked":
		w.add("p.acknowledged_at IS NOT NULL")
	case "unacked":
		w.add("p.acknowledged_at IS NULL")
	case "linked":
		w.add("p.incident_id IS NOT NULL")
	}
	k := pickSort(pageSorts, f.Sort)
	tail, limit, err := applyKeyset(&w, k, f, "p.id")
	if err != nil {
		return Page[analytics.Page]{}, err
	}
	if keep != nil {
		// Rows the predicate drops must not count against the limit: read
		// on until the page is full (collectPageKeep stops there).
		tail = strings.TrimSuffix(tail, fmt.Sprintf(" LIMIT %d", limit+1))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+pageCols+`, `+k.column+pageFrom+w.sql()+tail, w.args...)
	if err != nil {
		return Page[analytics.Page]{}, fmt.Errorf("store: load pages: %w", err)
	}
	defer rows.Close()
	return collectPageKeep(rows, limit, scanPage, func(p analytics.Page) int64 { return p.ID }, keep)
}

// PageByID returns one page or ErrNotFound.
func (s *Store) PageByID(ctx context.Context, id int64) (analytics.Page, error) {
	pg, err := scanPage(s.db.QueryRowContext(ctx, `SELECT `+pageCols+pageFrom+` WHERE p.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return pg, ErrNotFound
	}
	if err != nil {
		return pg, fmt.Errorf("store: load page %d: %w", id, err)
	}
	return pg, nil
}

// PagesInRange returns every page triggered in r for the services (nil = all), oldest first.
func (s *Store) PagesInRange(ctx context.Context, serviceIDs []int64, r TimeRange) ([]analytics.Page, error) {
	var w where
	ListFilter{Range: r}.scope(&w, "p.service_id", "p.triggered_at")
	inIDs(&w, "p.service_id", serviceIDs)
	rows, err := s.db.QueryContext(ctx, `SELECT `+pageCols+pageFrom+w.sql()+` ORDER BY p.triggered_at, p.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: load pages: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, scanPage)
}

// PagesForIncident returns the pages linked to one incident.
func (s *Store) PagesForIncident(ctx context.Context, incidentID int64) ([]analytics.Page, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+pageCols+pageFrom+` WHERE p.incident_id = ? ORDER BY p.triggered_at, p.id`, incidentID)
	if err != nil {
		return nil, fmt.Errorf("store: load pages of incident %d: %w", incidentID, err)
	}
	defer rows.Close()
	return collectAll(rows, scanPage)
}
