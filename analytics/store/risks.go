package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"sreport/analytics"
)

const riskCols = `r.id, r.code, r.title, r.description, r.category, r.likelihood, r.impact,
	r.residual_likelihood, r.residual_impact, r.owner, r.status, r.mitigation, r.acceptance_rationale,
	r.accepted_by, r.target_date, r.next_review_date, r.version, r.created_at, r.created_by,
	r.updated_at, r.updated_by, r.closed_at,
	COALESCE((SELECT group_concat(s.name, char(31)) FROM risk_services rs JOIN services s ON s.id = rs.service_id WHERE rs.risk_id = r.id), ''),
	COALESCE((SELECT group_concat(ri.incident_id) FROM risk_incidents ri WHERE ri.risk_id = r.id), '')`

func scanRisk(sc interface{ Scan(...any) error }) (analytics.Risk, error) {
	var (
		r                              analytics.Risk
		resL, resI                     sql.NullInt64
		target, review, closed         sql.NullString
		created, updated, svcs, incids string
	)
	err := sc.Scan(&r.ID, &r.Code, &r.Title, &r.Description, &r.Category, &r.Likelihood, &r.Impact,
		&resL, &resI, &r.Owner, &r.Status, &r.Mitigation, &r.AcceptanceRationale, &r.AcceptedBy,
		&target, &review, &r.Version, &created, &r.CreatedBy, &updated, &r.UpdatedBy, &closed, &svcs, &incids)
	if err != nil {
		return r, err
	}
	if resL.Valid {
		v := int(resL.Int64)
		r.ResidualLikelihood = &v
	}
	if resI.Valid {
		v := int(resI.Int64)
		r.ResidualImpact = &v
	}
	if r.CreatedAt, err = ParseTime(created); err != nil {
		return r, err
	}
	if r.UpdatedAt, err = ParseTime(updated); err != nil {
		return r, err
	}
	if r.TargetDate, err = parseNullDate(target); err != nil {
		return r, err
	}
	if r.NextReviewDate, err = parseNullDate(review); err != nil {
		return r, err
	}
	if r.ClosedAt, err = parseNullTime(closed); err != nil {
		return r, err
	}
	if svcs != "" {
		r.Services = strings.Split(svcs, "\x1f")
	}
	if incids != "" {
		for _, s := range strings.Split(incids, ",") {
			var id int64
			if _, err := fmt.Sscan(s, &id); err == nil {
				r.IncidentIDs = append(r.IncidentIDs, id)
			}
		}
	}
	return r, nil
}

// RisksForService returns the risks that name a service, highest score first.
func (s *Store) RisksForService(ctx context.Context, serviceID int64) ([]analytics.Risk, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+riskCols+` FROM risks r
		WHERE r.id IN (SELECT risk_id FROM risk_services WHERE service_id = ?)
		ORDER BY r.likelihood * r.impact DESC, r.code`, serviceID)
	if err != nil {
		return nil, fmt.Errorf("store: load risks of service %d: %w", serviceID, err)
	}
	defer rows.Close()
	return collectAll(rows, scanRisk)
}
