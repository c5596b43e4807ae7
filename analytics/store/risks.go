package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"sreport/analytics"
)

const riskCols = `r.id, r.code, r.title, r.description, r.category, r.likelihood, r.impact,
	r.residual_likelihood, r.residual_impact, r.owner, r.status, r.mitigation, r.acceptance_rationale,
	r.accepted_by, r.target_date, r.next_review_date, r.version, r.created_at, r.created_by,
	r.updated_at, r.updated_by, r.closed_at,
	COALESCE((SELECT group_concat(s.name, char(31) ORDER BY s.name) FROM risk_services rs JOIN services s ON s.id = rs.service_id WHERE rs.risk_id = r.id), ''),
	COALESCE((SELECT group_concat(ri.incident_id ORDER BY ri.incident_id) FROM risk_incidents ri WHERE ri.risk_id = r.id), '')`

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
		ORDER BY `+closedLast+`, r.likelihood * r.impact DESC, r.code`, serviceID)
	if err != nil {
		return nil, fmt.Errorf("store: load risks of service %d: %w", serviceID, err)
	}
	defer rows.Close()
	return collectAll(rows, scanRisk)
}

// RiskFilter narrows the register; zero values match everything.
type RiskFilter struct {
	// Statuses keeps risks in any of these statuses.
	Statuses  []string
	ServiceID int64
	Tier      *int // risks naming at least one service of this tier
	Owner     string
	Category  string
	// ReviewOverdueAt keeps risks not closed whose next review date is
	// before this instant's calendar date in its own location: pass the
	// clock converted to the reporting timezone (now.In(loc)), as
	// analytics.Risk.ReviewOverdueIn does; zero = no filter.
	ReviewOverdueAt time.Time
	Likelihood      int // 0 = any
	Impact          int
	// Sort is a public key (code, title, score, status, owner, category,
	// review, target, updated); Desc reverses it.
	Sort string
	Desc bool
}

var riskSorts = map[string]string{
	"code":     `r.code`,
	"title":    `r.title COLLATE NOCASE`,
	"score":    `r.likelihood * r.impact`,
	"status":   `CASE r.status WHEN 'open' THEN 0 WHEN 'mitigating' THEN 1 WHEN 'accepted' THEN 2 ELSE 3 END`,
	"owner":    `r.owner COLLATE NOCASE`,
	"category": `r.category`,
	"review":   `COALESCE(r.next_review_date, '9999')`,
	"target":   `COALESCE(r.target_date, '9999')`,
	"updated":  `r.updated_at`,
}

// closedLast orders closed risks after the others whatever the sort (but
// the status sort, which orders by status itself): a closed risk is
// history, and the register is read for what is still live.
const closedLast = `(r.status = 'closed')`

// IsRiskSort reports whether key is a sort key Risks accepts.
func IsRiskSort(key string) bool { _, ok := riskSorts[key]; return ok }

// Risks returns the register filtered by f; by default highest score first,
// closed risks after all others.
func (s *Store) Risks(ctx context.Context, f RiskFilter) ([]analytics.Risk, error) {
	var w where
	if len(f.Statuses) > 0 {
		w.add(`r.status IN (`+strings.TrimSuffix(strings.Repeat("?,", len(f.Statuses)), ",")+`)`, toAny(f.Statuses)...)
	}
	if f.ServiceID != 0 {
		w.add(`r.id IN (SELECT risk_id FROM risk_services WHERE service_id = ?)`, f.ServiceID)
	}
	if f.Tier != nil {
		w.add(`r.id IN (SELECT rs.risk_id FROM risk_services rs JOIN services s ON s.id = rs.service_id WHERE s.tier = ?)`, *f.Tier)
	}
	if f.Owner != "" {
		w.add(`r.owner = ? COLLATE NOCASE`, f.Owner)
	}
	if f.Category != "" {
		w.add(`r.category = ?`, f.Category)
	}
	if !f.ReviewOverdueAt.IsZero() {
		w.add(`r.status != 'closed' AND r.next_review_date IS NOT NULL AND r.next_review_date < ?`, f.ReviewOverdueAt.Format(DayLayout))
	}
	if f.Likelihood != 0 {
		w.add(`r.likelihood = ?`, f.Likelihood)
	}
	if f.Impact != 0 {
		w.add(`r.impact = ?`, f.Impact)
	}
	order := closedLast + `, r.likelihood * r.impact DESC, r.code`
	if col, ok := riskSorts[f.Sort]; ok {
		dir := ` ASC`
		if f.Desc {
			dir = ` DESC`
		}
		order = col + dir + `, r.code` + dir
		if f.Sort != "status" {
			order = closedLast + `, ` + order
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+riskCols+` FROM risks r`+w.sql()+` ORDER BY `+order, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: load risks: %w", err)
	}
	defer rows.Close()
	out, err := collectAll(rows, scanRisk)
	if err != nil {
		return nil, fmt.Errorf("store: load risks: %w", err)
	}
	return out, nil
}

func toAny[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// RiskOwners lists the distinct owners named in the register, for the filter.
func (s *Store) RiskOwners(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT owner FROM risks WHERE owner != '' ORDER BY owner COLLATE NOCASE`)
	if err != nil {
		return nil, fmt.Errorf("store: load risk owners: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, fmt.Errorf("store: scan risk owner: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// RiskByCode returns one risk or ErrNotFound.
func (s *Store) RiskByCode(ctx context.Context, code string) (analytics.Risk, error) {
	return riskByCode(ctx, s.db, code)
}

// riskRower is a reader pool or a transaction.
type riskRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func riskByCode(ctx context.Context, q riskRower, code string) (analytics.Risk, error) {
	r, err := scanRisk(q.QueryRowContext(ctx, `SELECT `+riskCols+` FROM risks r WHERE r.code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("risk %s: %w", code, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("store: load risk %s: %w", code, err)
	}
	return r, nil
}

const riskEventCols = `e.id, e.risk_id, r.code, r.title, e.at, e.actor, e.field, e.old_value, e.new_value, e.comment`

func scanRiskEvent(sc interface{ Scan(...any) error }) (analytics.RiskEvent, error) {
	var e analytics.RiskEvent
	var at string
	if err := sc.Scan(&e.ID, &e.RiskID, &e.RiskCode, &e.Title, &at, &e.Actor, &e.Field, &e.Old, &e.New, &e.Comment); err != nil {
		return e, err
	}
	var err error
	e.At, err = ParseTime(at)
	return e, err
}

// RiskEvents returns a risk's history, newest first.
func (s *Store) RiskEvents(ctx context.Context, riskID int64) ([]analytics.RiskEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+riskEventCols+` FROM risk_events e JOIN risks r ON r.id = e.risk_id
		WHERE e.risk_id = ? ORDER BY e.at DESC, e.id DESC`, riskID)
	if err != nil {
		return nil, fmt.Errorf("store: load risk %d history: %w", riskID, err)
	}
	defer rows.Close()
	out, err := collectAll(rows, scanRiskEvent)
	if err != nil {
		return nil, fmt.Errorf("store: load risk %d history: %w", riskID, err)
	}
	return out, nil
}

// RiskEventsBetween returns the status events in [from, to), oldest first,
// for period reports: a risk's creation (Field "status", Old ""), its
// closing (New "closed") and every other status change.
func (s *Store) RiskEventsBetween(ctx context.Context, from, to time.Time) ([]analytics.RiskEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+riskEventCols+` FROM risk_events e JOIN risks r ON r.id = e.risk_id
		WHERE e.field = 'status' AND e.at >= ? AND e.at < ? ORDER BY e.at, e.id`, FormatTime(from), FormatTime(to))
	if err != nil {
		return nil, fmt.Errorf("store: load risk events: %w", err)
	}
	defer rows.Close()
	out, err := collectAll(rows, scanRiskEvent)
	if err != nil {
		return nil, fmt.Errorf("store: load risk events: %w", err)
	}
	return out, nil
}
