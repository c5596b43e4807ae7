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
		ORDER BY r.likelihood * r.impact DESC, r.code`, serviceID)
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

// IsRiskSort reports whether key is a sort key Risks accepts.
func IsRiskSort(key string) bool { _, ok := riskSorts[key]; return ok }

// Risks returns the register filtered by f; by default highest score first.
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
	order := `r.likelihood * r.impact DESC, r.code`
	if col, ok := riskSorts[f.Sort]; ok {
		dir := ` ASC`
		if f.Desc {
			dir = ` DESC`
		}
		order = col + dir + `, r.code` + dir
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

// nextRiskCode is one past the highest R-number in use.
func nextRiskCode(ctx context.Context, tx *sql.Tx) (string, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(CAST(substr(code, 3) AS INTEGER)), 0) FROM risks WHERE code LIKE 'R-%'`).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("store: next risk code: %w", err)
	}
	return fmt.Sprintf("R-%03d", n+1), nil
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

// riskCodeRE is the register's own code form; only such codes are
// kept from an imported file.
var riskCodeRE = regexp.MustCompile(`^R-[0-9]{3,}$`)

// IsRiskCode reports whether code has the register's form.
func IsRiskCode(code string) bool { return riskCodeRE.MatchString(code) }

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

// LinkRiskIncident records an incident as evidence for a risk; linking an
// already linked incident changes nothing. A missing incident is ErrNotFound.
func (s *Store) LinkRiskIncident(ctx context.Context, code string, incidentID int64, a Audit) error {
	return s.changeRiskIncident(ctx, code, incidentID, true, a)
}

// UnlinkRiskIncident removes an incident from a risk's evidence.
func (s *Store) UnlinkRiskIncident(ctx context.Context, code string, incidentID int64, a Audit) error {
	return s.changeRiskIncident(ctx, code, incidentID, false, a)
}

func (s *Store) changeRiskIncident(ctx context.Context, code string, incidentID int64, link bool, a Audit) error {
	at := auditTime(a)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := riskByCode(ctx, tx, code)
		if err != nil {
			return err
		}
		return changeRiskIncident(ctx, tx, cur, incidentID, link, a, at)
	})
}

// changeRiskIncident links (or unlinks) one incident inside tx with its
// history event, the risk's touch and the audit row; no change, no rows.
func changeRiskIncident(ctx context.Context, tx *sql.Tx, cur analytics.Risk, incidentID int64, link bool, a Audit, at time.Time) error {
	code := cur.Code
	var q string
	if link {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM incidents WHERE id = ?`, incidentID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("incident %d: %w", incidentID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: find incident %d: %w", incidentID, err)
		}
		q = `INSERT OR IGNORE INTO risk_incidents (risk_id, incident_id) VALUES (?, ?)`
	} else {
		q = `DELETE FROM risk_incidents WHERE risk_id = ? AND incident_id = ?`
	}
	res, err := tx.ExecContext(ctx, q, cur.ID, incidentID)
	if err != nil {
		return fmt.Errorf("store: link risk %s incident %d: %w", code, incidentID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // already so
	}
	ch := analytics.RiskChange{Field: "incidents", New: "#" + strconv.FormatInt(incidentID, 10)}
	action := "link_incident"
	if !link {
		ch.Old, ch.New, action = ch.New, "", "unlink_incident"
	}
	if err := writeRiskEvent(ctx, tx, cur.ID, at, a.Actor, ch, ""); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE risks SET updated_at = ?, updated_by = ? WHERE id = ?`, FormatTime(at), a.Actor, cur.ID); err != nil {
		return fmt.Errorf("store: touch risk %s: %w", code, err)
	}
	a.Action, a.Entity, a.EntityID, a.After = action, "risks", code, map[string]int64{"incident_id": incidentID}
	return WriteAudit(ctx, tx, a)
}

// KnownIncidentIDs returns which of ids are stored incidents.
func (s *Store) KnownIncidentIDs(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		rows, err := s.db.QueryContext(ctx, `SELECT id FROM incidents WHERE id IN (`+
			strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")+`)`, toAny(chunk)...)
		if err != nil {
			return nil, fmt.Errorf("store: find incidents: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: find incidents: %w", err)
			}
			out[id] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: find incidents: %w", err)
		}
	}
	return out, nil
}

// RiskImport is a confirmed register upload for ImportRisks.
type RiskImport struct {
	// Rows are the file's risks. A row whose Code names a stored risk
	// updates it, provided the stored version is still the row's Version
	// (the one the preview diffed against; otherwise *RiskConflictError),
	// through the same path as an edit: one history row per changed field,
	// an "update" audit row. A row with a free R-code is created under
	// that code, a row without a code under the next free one. Each row's
	// IncidentIDs are linked (never unlinked); a missing one is ErrNotFound.
	Rows []analytics.Risk
	// CreateTier >= 0 creates services no row can resolve in that tier
	// first; -1 makes an unknown service fail the whole import.
	CreateTier int
	// Source names the file in the history comments.
	Source string
}

// ImportRisks applies an upload in one transaction: all or none. It
// returns the stored risks in row order.
func (s *Store) ImportRisks(ctx context.Context, imp RiskImport, a Audit) ([]analytics.Risk, error) {
	at := auditTime(a)
	out := make([]analytics.Risk, len(imp.Rows))
	comment := "Imported from " + imp.Source
	if imp.Source == "" {
		comment = "Imported"
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var created []string
		if imp.CreateTier >= 0 {
			for _, r := range imp.Rows {
				for _, name := range canonical(r).Services {
					if _, err := serviceIDs(ctx, tx, []string{name}); errors.Is(err, ErrUnknownService) {
						if _, err := tx.ExecContext(ctx, `INSERT INTO services (name, tier) VALUES (?, ?)`, name, imp.CreateTier); err != nil {
							return fmt.Errorf("store: create service %q: %w", name, err)
						}
						created = append(created, name)
					} else if err != nil {
						return err
					}
				}
			}
		}
		seen := map[string]bool{}
		for _, r := range imp.Rows {
			if r.Code != "" && seen[r.Code] {
				return fmt.Errorf("store: import: risk %s appears twice", r.Code)
			}
			seen[r.Code] = true
		}
		var newCodes, updated []string
		// Rows carrying a code go first, so that a code the file gives is
		// never handed to an uncoded row by nextRiskCode.
		for pass := 0; pass < 2; pass++ {
			for i, r := range imp.Rows {
				if (r.Code == "") != (pass == 1) {
					continue
				}
				var nr analytics.Risk
				var err error
				stored := false
				var cur analytics.Risk
				if r.Code != "" {
					cur, err = riskByCode(ctx, tx, r.Code)
					switch {
					case err == nil:
						stored = true
					case !errors.Is(err, ErrNotFound):
						return err
					}
				}
				switch {
				case stored && cur.Version != r.Version:
					return &RiskConflictError{Current: cur}
				case stored && len(analytics.DiffRisks(cur, canonical(r))) == 0:
					nr = cur // unchanged: no history, no comment, no touch
				case stored:
					if nr, _, err = updateRisk(ctx, tx, r.Code, r.Version, r, comment, a, at); err != nil {
						return err
					}
					updated = append(updated, nr.Code)
				default:
					if nr, err = createRisk(ctx, tx, r, a.Actor, at); err != nil {
						return err
					}
					newCodes = append(newCodes, nr.Code)
					if !r.CreatedAt.IsZero() || r.CreatedBy != "" {
						// The creation event keeps the file's origin; say
						// when and by whom it came into this register.
						if err := writeRiskEvent(ctx, tx, nr.ID, at, a.Actor, analytics.RiskChange{}, comment); err != nil {
							return err
						}
					}
				}
				for _, id := range r.IncidentIDs {
					if slices.Contains(nr.IncidentIDs, id) {
						continue
					}
					if err := changeRiskIncident(ctx, tx, nr, id, true, a, at); err != nil {
						return err
					}
				}
				if len(r.IncidentIDs) > 0 {
					if nr, err = riskByCode(ctx, tx, nr.Code); err != nil {
						return err
					}
				}
				out[i] = nr
			}
		}
		a.Action, a.Entity, a.EntityID, a.Before = "import", "risks", "", nil
		a.After = map[string]any{"risks": newCodes, "updated": updated, "created_services": created, "file": imp.Source}
		return WriteAudit(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
