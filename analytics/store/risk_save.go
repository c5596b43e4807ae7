package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sreport/analytics"
)

// ErrUnknownService is returned when a risk names a service that does not exist.
var ErrUnknownService = errors.New("unknown service")

// RiskConflictError is returned by UpdateRisk when the risk changed since
// the editor loaded it: Current is the stored risk, so the editor can see
// the other person's change before deciding.
type RiskConflictError struct {
	Current analytics.Risk
}

func (e *RiskConflictError) Error() string {
	return fmt.Sprintf("store: risk %s changed meanwhile (now version %d)", e.Current.Code, e.Current.Version)
}

// riskCodeRE is the register's own code form; only such codes are
// kept from an imported file.
var riskCodeRE = regexp.MustCompile(`^R-[0-9]{3,}$`)

// IsRiskCode reports whether code has the register's form.
func IsRiskCode(code string) bool { return riskCodeRE.MatchString(code) }

// CreateRisk stores a new risk under the next free code (R-001, …) with
// its creation event and audit row in one transaction. The caller
// validates r first; unknown services yield ErrUnknownService.
func (s *Store) CreateRisk(ctx context.Context, r analytics.Risk, a Audit) (analytics.Risk, error) {
	at := auditTime(a)
	var out analytics.Risk
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if out, err = createRisk(ctx, tx, r, a.Actor, at); err != nil {
			return err
		}
		a.Action, a.Entity, a.EntityID, a.After = "create", "risks", out.Code, riskAudit(out)
		return WriteAudit(ctx, tx, a)
	})
	return out, err
}

// createRisk inserts r inside tx and its "created" event, and returns the
// stored risk. The code is r.Code when set (an import keeping a risk's
// identity; the caller checks it is free), otherwise the next free one.
// A non-zero r.CreatedAt and non-empty r.CreatedBy (an imported risk's
// origin) date the risk and its creation event; otherwise at and actor do.
func createRisk(ctx context.Context, tx *sql.Tx, r analytics.Risk, actor string, at time.Time) (analytics.Risk, error) {
	r = canonical(r)
	code := r.Code
	if code == "" {
		var err error
		if code, err = nextRiskCode(ctx, tx); err != nil {
			return r, err
		}
	} else if !IsRiskCode(code) {
		return r, fmt.Errorf("store: create risk: code %q is not of the form R-001", code)
	}
	createdAt, createdBy := at, actor
	if !r.CreatedAt.IsZero() {
		createdAt = r.CreatedAt
	}
	if strings.TrimSpace(r.CreatedBy) != "" {
		createdBy = strings.TrimSpace(r.CreatedBy)
	}
	var closed any
	if r.Status == analytics.RiskClosed {
		closed = FormatTime(at)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO risks (code, title, description, category, likelihood, impact,
		residual_likelihood, residual_impact, owner, status, mitigation, acceptance_rationale, accepted_by,
		target_date, next_review_date, version, created_at, created_by, updated_at, updated_by, closed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)`,
		code, r.Title, r.Description, r.Category, r.Likelihood, r.Impact, nullInt(r.ResidualLikelihood), nullInt(r.ResidualImpact),
		r.Owner, r.Status, r.Mitigation, r.AcceptanceRationale, r.AcceptedBy, nullDay(r.TargetDate), nullDay(r.NextReviewDate),
		FormatTime(createdAt), createdBy, FormatTime(at), actor, closed)
	if err != nil {
		return r, fmt.Errorf("store: create risk %s: %w", code, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return r, fmt.Errorf("store: create risk: %w", err)
	}
	if err := setRiskServices(ctx, tx, id, r.Services); err != nil {
		return r, err
	}
	if err := writeRiskEvent(ctx, tx, id, createdAt, createdBy, analytics.RiskChange{Field: "status", New: r.Status}, "Risk created"); err != nil {
		return r, err
	}
	return riskByCode(ctx, tx, code)
}

// UpdateRisk saves the editable fields of r over the stored risk code,
// provided the stored version is still version (optimistic concurrency;
// otherwise *RiskConflictError). Each changed field becomes one history
// row carrying comment; the audit row and the version bump go in the same
// transaction. Saving without any change stores nothing.
func (s *Store) UpdateRisk(ctx context.Context, code string, version int, r analytics.Risk, comment string, a Audit) (analytics.Risk, []analytics.RiskChange, error) {
	at := auditTime(a)
	var out analytics.Risk
	var changes []analytics.RiskChange
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, changes, err = updateRisk(ctx, tx, code, version, r, comment, a, at)
		return err
	})
	return out, changes, err
}

// updateRisk is UpdateRisk inside tx: the one path by which a form edit and
// an imported row change a risk, with its history and audit rows.
func updateRisk(ctx context.Context, tx *sql.Tx, code string, version int, r analytics.Risk, comment string, a Audit, at time.Time) (analytics.Risk, []analytics.RiskChange, error) {
	r = canonical(r)
	comment = strings.TrimSpace(comment)
	cur, err := riskByCode(ctx, tx, code)
	if err != nil {
		return cur, nil, err
	}
	if cur.Version != version {
		return cur, nil, &RiskConflictError{Current: cur}
	}
	changes := analytics.DiffRisks(cur, r)
	if len(changes) == 0 {
		if comment == "" {
			return cur, nil, nil
		}
		return cur, nil, addRiskComment(ctx, tx, cur, comment, a, at)
	}
	closed := NullTime(cur.ClosedAt)
	if r.Status == analytics.RiskClosed && cur.Status != analytics.RiskClosed {
		closed = FormatTime(at)
	} else if r.Status != analytics.RiskClosed {
		closed = nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE risks SET title = ?, description = ?, category = ?, likelihood = ?, impact = ?,
		residual_likelihood = ?, residual_impact = ?, owner = ?, status = ?, mitigation = ?, acceptance_rationale = ?,
		accepted_by = ?, target_date = ?, next_review_date = ?, version = version + 1, updated_at = ?, updated_by = ?, closed_at = ?
		WHERE id = ? AND version = ?`,
		r.Title, r.Description, r.Category, r.Likelihood, r.Impact, nullInt(r.ResidualLikelihood), nullInt(r.ResidualImpact),
		r.Owner, r.Status, r.Mitigation, r.AcceptanceRationale, r.AcceptedBy, nullDay(r.TargetDate), nullDay(r.NextReviewDate),
		FormatTime(at), a.Actor, closed, cur.ID, version)
	if err != nil {
		return cur, nil, fmt.Errorf("store: update risk %s: %w", code, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return cur, nil, &RiskConflictError{Current: cur}
	}
	if slices.ContainsFunc(changes, func(c analytics.RiskChange) bool { return c.Field == "services" }) {
		if err := setRiskServices(ctx, tx, cur.ID, r.Services); err != nil {
			return cur, nil, err
		}
	}
	for _, ch := range changes {
		if err := writeRiskEvent(ctx, tx, cur.ID, at, a.Actor, ch, comment); err != nil {
			return cur, nil, err
		}
	}
	out, err := riskByCode(ctx, tx, code)
	if err != nil {
		return cur, nil, err
	}
	a.Action, a.Entity, a.EntityID, a.Before, a.After = "update", "risks", code, riskAudit(cur), riskAudit(out)
	return out, changes, WriteAudit(ctx, tx, a)
}

// AddRiskComment appends a comment to a risk's history (with its audit row).
func (s *Store) AddRiskComment(ctx context.Context, code, comment string, a Audit) error {
	at := auditTime(a)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := riskByCode(ctx, tx, code)
		if err != nil {
			return err
		}
		return addRiskComment(ctx, tx, cur, strings.TrimSpace(comment), a, at)
	})
}

func addRiskComment(ctx context.Context, tx *sql.Tx, cur analytics.Risk, comment string, a Audit, at time.Time) error {
	if err := writeRiskEvent(ctx, tx, cur.ID, at, a.Actor, analytics.RiskChange{}, comment); err != nil {
		return err
	}
	// A comment is history, not a field edit: it moves updated_at but not
	// the version, so an editor's open form stays valid.
	if _, err := tx.ExecContext(ctx, `UPDATE risks SET updated_at = ?, updated_by = ? WHERE id = ?`, FormatTime(at), a.Actor, cur.ID); err != nil {
		return fmt.Errorf("store: touch risk %s: %w", cur.Code, err)
	}
	a.Action, a.Entity, a.EntityID, a.After = "comment", "risks", cur.Code, map[string]string{"comment": comment}
	return WriteAudit(ctx, tx, a)
}

// canonical trims and normalises what a form or file gave, so history
// compares like with like.
func canonical(r analytics.Risk) analytics.Risk {
	r.Title = strings.TrimSpace(r.Title)
	r.Owner = strings.TrimSpace(r.Owner)
	r.AcceptedBy = strings.TrimSpace(r.AcceptedBy)
	var svcs []string
	for _, s := range r.Services {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(svcs, s) {
			svcs = append(svcs, s)
		}
	}
	r.Services = svcs
	return r
}

// nextRiskCode is one past the highest R-number in use.
func nextRiskCode(ctx context.Context, tx *sql.Tx) (string, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(CAST(substr(code, 3) AS INTEGER)), 0) FROM risks WHERE code LIKE 'R-%'`).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("store: next risk code: %w", err)
	}
	return fmt.Sprintf("R-%03d", n+1), nil
}

// riskAudit is the audited form of a risk (all fields, as text).
func riskAudit(r analytics.Risk) map[string]any {
	m := map[string]any{"code": r.Code, "version": r.Version}
	for _, f := range analytics.RiskFields {
		m[f] = r.FieldValue(f)
	}
	ids := make([]string, len(r.IncidentIDs))
	for i, id := range r.IncidentIDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	m["incidents"] = strings.Join(ids, ", ")
	return m
}

func nullInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func nullDay(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format(DayLayout)
}

// serviceIDs resolves service names (case-insensitively) inside tx.
func serviceIDs(ctx context.Context, tx *sql.Tx, names []string) ([]int64, error) {
	var ids []int64
	for _, n := range names {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM services WHERE name = ? COLLATE NOCASE`, n).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("store: service %q: %w", n, ErrUnknownService)
		}
		if err != nil {
			return nil, fmt.Errorf("store: resolve service %q: %w", n, err)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func setRiskServices(ctx context.Context, tx *sql.Tx, riskID int64, names []string) error {
	ids, err := serviceIDs(ctx, tx, names)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM risk_services WHERE risk_id = ?`, riskID); err != nil {
		return fmt.Errorf("store: clear risk services: %w", err)
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO risk_services (risk_id, service_id) VALUES (?, ?)`, riskID, id); err != nil {
			return fmt.Errorf("store: link risk service: %w", err)
		}
	}
	return nil
}

func writeRiskEvent(ctx context.Context, tx *sql.Tx, riskID int64, at time.Time, actor string, ch analytics.RiskChange, comment string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO risk_events (risk_id, at, actor, field, old_value, new_value, comment) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		riskID, FormatTime(at), actor, ch.Field, ch.Old, ch.New, comment)
	if err != nil {
		return fmt.Errorf("store: write risk event: %w", err)
	}
	return nil
}
