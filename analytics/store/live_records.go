package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"sreport/analytics"
)

// ImportedIncidentByRef is ImportedIncident by source and external id, so
// a change to one field can be applied as a whole record through
// ApplyBatch.
func (s *Store) ImportedIncidentByRef(ctx context.Context, source, externalID string) (analytics.Incident, error) {
	in, err := scanIncident(s.db.QueryRowContext(ctx, `SELECT `+importedIncidentCols+`
		FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.source = ? AND i.external_id = ?`, source, externalID))
	if errors.Is(err, sql.ErrNoRows) {
		return in, fmt.Errorf("store: incident %s/%s: %w", source, externalID, ErrNotFound)
	}
	if err != nil {
		return in, fmt.Errorf("store: load incident %s/%s: %w", source, externalID, err)
	}
	return in, nil
}

// PageAcknowledgedAt returns when a stored page was acknowledged (nil when
// it was not), or ErrNotFound.
func (s *Store) PageAcknowledgedAt(ctx context.Context, source, externalID string) (*time.Time, error) {
	var ack sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT acknowledged_at FROM pages WHERE source = ? AND external_id = ?`, source, externalID).Scan(&ack)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: page %s/%s: %w", source, externalID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: load page %s/%s: %w", source, externalID, err)
	}
	return parseNullTime(ack)
}
