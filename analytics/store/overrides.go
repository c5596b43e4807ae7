package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"sreport/analytics"
)

// IncidentOverride is what a user recorded about an incident in the app.
// A nil field means "no override": the imported value applies. Overrides
// live in incident_overrides, which no import touches, so a re-import never
// overwrites them.
type IncidentOverride struct {
	StartedAt             *time.Time `json:"started_at,omitempty"`
	DetectedAt            *time.Time `json:"detected_at,omitempty"`
	AcknowledgedAt        *time.Time `json:"acknowledged_at,omitempty"`
	MitigatedAt           *time.Time `json:"mitigated_at,omitempty"`
	ResolvedAt            *time.Time `json:"resolved_at,omitempty"`
	Severity              *int       `json:"severity,omitempty"`
	CustomerImpacting     *bool      `json:"customer_impacting,omitempty"`
	NotDeployRelated      bool       `json:"not_deploy_related"`
	CausedByDeployID      *int64     `json:"caused_by_deploy_id,omitempty"`
	InferredLinkRejected  bool       `json:"inferred_link_rejected"`
	Fingerprint           *string    `json:"fingerprint,omitempty"`
	PostmortemURL         *string    `json:"postmortem_url,omitempty"`
	PostmortemPublishedAt *time.Time `json:"postmortem_published_at,omitempty"`
	PostmortemDueAt       *time.Time `json:"postmortem_due_at,omitempty"`
	UpdatedBy             int64      `json:"-"`
	UpdatedAt             time.Time  `json:"-"`
	// Version counts the saves of the override (0 = never edited); an edit
	// form carries the version it was loaded at, so a save over a newer
	// one is refused instead of silently replacing it.
	Version int `json:"-"`
}

// IsZero reports whether the override changes nothing.
func (o IncidentOverride) IsZero() bool {
	return o.StartedAt == nil && o.DetectedAt == nil && o.AcknowledgedAt == nil && o.MitigatedAt == nil &&
		o.ResolvedAt == nil && o.Severity == nil && o.CustomerImpacting == nil &&
		!o.NotDeployRelated && o.CausedByDeployID == nil && !o.InferredLinkRejected && o.Fingerprint == nil &&
		o.PostmortemURL == nil && o.PostmortemPublishedAt == nil && o.PostmortemDueAt == nil
}

// importedIncidentCols selects an incident's imported values only, the
// counterpart of incidentCols, so a page can show both side by side.
const importedIncidentCols = `i.id, i.source, i.external_id, i.service_id, s.name, i.title,
	i.severity, i.severity_raw, i.status, i.customer_impacting,
	i.started_at, i.detected_at, i.acknowledged_at, i.mitigated_at, i.resolved_at,
	i.root_cause, i.category, i.problem_ref, '', i.caused_by_ref, i.caused_by_deploy_id,
	0, 0, i.postmortem_due_at, i.postmortem_published_at, i.postmortem_url, i.url, i.postmortem_tracked, i.responders`

// ImportedIncident returns an incident as its source delivered it, without
// any user override, or ErrNotFound.
func (s *Store) ImportedIncident(ctx context.Context, id int64) (analytics.Incident, error) {
	in, err := scanIncident(s.db.QueryRowContext(ctx, `SELECT `+importedIncidentCols+`
		FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return in, ErrNotFound
	}
	if err != nil {
		return in, fmt.Errorf("store: load imported incident %d: %w", id, err)
	}
	return in, nil
}

// IncidentOverride returns the user's override of an incident; an incident
// nobody edited has the zero override.
func (s *Store) IncidentOverride(ctx context.Context, id int64) (IncidentOverride, error) {
	return loadOverride(ctx, s.db, id)
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func loadOverride(ctx context.Context, q queryRower, id int64) (IncidentOverride, error) {
	var (
		o                                 IncidentOverride
		started, mitig, pub, due, updated sql.NullString
		detected, acked, resolved         sql.NullString
		sev, cust, causedBy, by           sql.NullInt64
		notDeploy, rejected               int
		fp, pmURL                         sql.NullString
		version                           int
	)
	err := q.QueryRowContext(ctx, `SELECT started_at, mitigated_at, severity, customer_impacting, not_deploy_related,
		caused_by_deploy_id, inferred_link_rejected, fingerprint, postmortem_url, postmortem_published_at,
		postmortem_due_at, updated_by, updated_at, version, detected_at, acknowledged_at, resolved_at
		FROM incident_overrides WHERE incident_id = ?`, id).
		Scan(&started, &mitig, &sev, &cust, &notDeploy, &causedBy, &rejected, &fp, &pmURL, &pub, &due, &by, &updated, &version,
			&detected, &acked, &resolved)
	if errors.Is(err, sql.ErrNoRows) {
		return o, nil
	}
	if err != nil {
		return o, fmt.Errorf("store: load override of incident %d: %w", id, err)
	}
	o.NotDeployRelated, o.InferredLinkRejected, o.Version = notDeploy != 0, rejected != 0, version
	if sev.Valid {
		v := int(sev.Int64)
		o.Severity = &v
	}
	if cust.Valid {
		v := cust.Int64 != 0
		o.CustomerImpacting = &v
	}
	if causedBy.Valid {
		v := causedBy.Int64
		o.CausedByDeployID = &v
	}
	if fp.Valid {
		o.Fingerprint = &fp.String
	}
	if pmURL.Valid {
		o.PostmortemURL = &pmURL.String
	}
	o.UpdatedBy = by.Int64
	for _, p := range []struct {
		src sql.NullString
		dst **time.Time
	}{{started, &o.StartedAt}, {mitig, &o.MitigatedAt}, {pub, &o.PostmortemPublishedAt}, {due, &o.PostmortemDueAt},
		{detected, &o.DetectedAt}, {acked, &o.AcknowledgedAt}, {resolved, &o.ResolvedAt}} {
		if *p.dst, err = parseNullTime(p.src); err != nil {
			return o, fmt.Errorf("store: override of incident %d: %w", id, err)
		}
	}
	if updated.Valid {
		if o.UpdatedAt, err = ParseTime(updated.String); err != nil {
			return o, fmt.Errorf("store: override of incident %d: %w", id, err)
		}
	}
	return o, nil
}

// IncidentOverrideConflictError is returned by SaveIncidentOverride when
// the override changed since the editor loaded the form: Current is the
// stored override, so the editor can see the other person's change.
type IncidentOverrideConflictError struct {
	Current IncidentOverride
}

func (e *IncidentOverrideConflictError) Error() string {
	return fmt.Sprintf("store: incident override changed meanwhile (now version %d)", e.Current.Version)
}

// SaveIncidentOverride replaces the user's override of incident id with o,
// provided the stored override is still at version (the one the edit form
// was loaded with); otherwise it returns *IncidentOverrideConflictError and
// changes nothing. The audit row (before and after) is written in the same
// transaction. Clearing every field makes the imported values apply again.
// A caused-by deploy must exist.
func (s *Store) SaveIncidentOverride(ctx context.Context, id int64, version int, o IncidentOverride, a Audit) error {
	return s.UpdateIncidentOverride(ctx, id, a, func(cur *IncidentOverride) error {
		if cur.Version != version {
			return &IncidentOverrideConflictError{Current: *cur}
		}
		*cur = o
		return nil
	})
}

// UpdateIncidentOverride loads the override of incident id, lets change
// edit it, and stores the result with its audit row, all in one
// transaction, so a change of a few fields (the deploy-link buttons) never
// loses another editor's edit. Every stored change bumps the version; a
// change that changes nothing stores and audits nothing.
func (s *Store) UpdateIncidentOverride(ctx context.Context, id int64, a Audit, change func(*IncidentOverride) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var exists int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM incidents WHERE id = ?`, id).Scan(&exists)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: incident %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: load incident %d: %w", id, err)
		}
		before, err := loadOverride(ctx, tx, id)
		if err != nil {
			return err
		}
		after := before
		if err := change(&after); err != nil {
			return err
		}
		if sameOverride(before, after) {
			return nil
		}
		if after.CausedByDeployID != nil {
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM deploys WHERE id = ?`, *after.CausedByDeployID).Scan(&exists)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("store: deploy %d: %w", *after.CausedByDeployID, ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("store: load deploy %d: %w", *after.CausedByDeployID, err)
			}
		}
		// An override that changes nothing keeps its row (all NULL, so the
		// imported values apply) so the version never goes back to a value
		// an old form could still carry.
		after.Version = before.Version + 1
		if err := writeOverride(ctx, tx, id, after, a); err != nil {
			return err
		}
		a.Action, a.Entity, a.EntityID = "update", "incident_overrides", fmt.Sprint(id)
		a.Before, a.After = overrideAudit(before), overrideAudit(after)
		return WriteAudit(ctx, tx, a)
	})
}

// sameOverride reports whether a and b override the same fields with the
// same values (who saved them, when, and the version aside).
func sameOverride(a, b IncidentOverride) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// overrideAudit is nil for "no override", so the audit row shows a clean
// before/after.
func overrideAudit(o IncidentOverride) any {
	if o.IsZero() {
		return nil
	}
	return o
}

func writeOverride(ctx context.Context, tx *sql.Tx, id int64, o IncidentOverride, a Audit) error {
	at := a.At
	if at.IsZero() {
		at = time.Now()
	}
	var sev, cust, causedBy, by, fp, pmURL any
	if o.Severity != nil {
		sev = *o.Severity
	}
	if o.CustomerImpacting != nil {
		cust = boolInt(*o.CustomerImpacting)
	}
	if o.CausedByDeployID != nil {
		causedBy = *o.CausedByDeployID
	}
	if a.UserID != 0 {
		by = a.UserID
	}
	if o.Fingerprint != nil {
		fp = *o.Fingerprint
	}
	if o.PostmortemURL != nil {
		pmURL = *o.PostmortemURL
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO incident_overrides (incident_id, started_at, mitigated_at, severity,
		customer_impacting, not_deploy_related, caused_by_deploy_id, inferred_link_rejected, fingerprint, postmortem_url,
		postmortem_published_at, postmortem_due_at, updated_by, updated_at, version, detected_at, acknowledged_at, resolved_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (incident_id) DO UPDATE SET started_at = excluded.started_at, mitigated_at = excluded.mitigated_at,
		severity = excluded.severity, customer_impacting = excluded.customer_impacting,
		not_deploy_related = excluded.not_deploy_related, caused_by_deploy_id = excluded.caused_by_deploy_id,
		inferred_link_rejected = excluded.inferred_link_rejected, fingerprint = excluded.fingerprint,
		postmortem_url = excluded.postmortem_url, postmortem_published_at = excluded.postmortem_published_at,
		postmortem_due_at = excluded.postmortem_due_at, updated_by = excluded.updated_by, updated_at = excluded.updated_at,
		version = excluded.version, detected_at = excluded.detected_at, acknowledged_at = excluded.acknowledged_at,
		resolved_at = excluded.resolved_at`,
		id, NullTime(o.StartedAt), NullTime(o.MitigatedAt), sev, cust, boolInt(o.NotDeployRelated), causedBy,
		boolInt(o.InferredLinkRejected), fp, pmURL, NullTime(o.PostmortemPublishedAt), NullTime(o.PostmortemDueAt),
		by, FormatTime(at), o.Version, NullTime(o.DetectedAt), NullTime(o.AcknowledgedAt), NullTime(o.ResolvedAt))
	if err != nil {
		return fmt.Errorf("store: save override of incident %d: %w", id, err)
	}
	return nil
}

// DeployCandidates returns a service's deploys finished in [from, to),
// newest first: the choices for an incident's caused-by deploy.
func (s *Store) DeployCandidates(ctx context.Context, serviceID int64, from, to time.Time) ([]analytics.Deploy, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+deployCols+deployFrom+`
		WHERE d.service_id = ? AND d.finished_at >= ? AND d.finished_at < ? ORDER BY d.finished_at DESC, d.id DESC`,
		serviceID, FormatTime(from), FormatTime(to))
	if err != nil {
		return nil, fmt.Errorf("store: load deploy candidates of service %d: %w", serviceID, err)
	}
	defer rows.Close()
	return collectAll(rows, scanDeploy)
}
