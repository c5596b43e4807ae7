package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"sreport/analytics"
)

// ErrUnknownRisk is returned when an initiative names a risk code the
// register does not hold.
var ErrUnknownRisk = errors.New("unknown risk")

// InvalidInitiativeError is an initiative that fails analytics.Initiative
// Validate; Fields holds the messages by field.
type InvalidInitiativeError struct{ Fields map[string]string }

func (e *InvalidInitiativeError) Error() string {
	var parts []string
	for _, f := range analytics.InitiativeFields {
		if m, ok := e.Fields[f]; ok {
			parts = append(parts, f+": "+m)
		}
	}
	return "store: invalid initiative: " + strings.Join(parts, "; ")
}

const initiativeCols = `i.id, i.code, i.title, i.description, i.owner, i.start_quarter, i.end_quarter, i.status,
	i.kpi, i.target_kind, i.target, i.created_at, i.created_by, i.updated_at, i.updated_by,
	COALESCE((SELECT group_concat(s.name, char(31) ORDER BY s.name) FROM initiative_services x JOIN services s ON s.id = x.service_id WHERE x.initiative_id = i.id), ''),
	COALESCE((SELECT group_concat(r.code, char(31) ORDER BY r.code) FROM initiative_risks x JOIN risks r ON r.id = x.risk_id WHERE x.initiative_id = i.id), '')`

func scanInitiative(sc interface{ Scan(...any) error }) (analytics.Initiative, error) {
	var (
		in                            analytics.Initiative
		created, updated, svcs, risks string
	)
	err := sc.Scan(&in.ID, &in.Code, &in.Title, &in.Description, &in.Owner, &in.StartQuarter, &in.EndQuarter, &in.Status,
		&in.KPI, &in.TargetKind, &in.Target, &created, &in.CreatedBy, &updated, &in.UpdatedBy, &svcs, &risks)
	if err != nil {
		return in, err
	}
	if in.CreatedAt, err = ParseTime(created); err != nil {
		return in, err
	}
	if in.UpdatedAt, err = ParseTime(updated); err != nil {
		return in, err
	}
	if svcs != "" {
		in.Services = strings.Split(svcs, "\x1f")
	}
	if risks != "" {
		in.Risks = strings.Split(risks, "\x1f")
	}
	return in, nil
}

// Initiatives returns the roadmap, by start quarter and code.
func (s *Store) Initiatives(ctx context.Context) ([]analytics.Initiative, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+initiativeCols+` FROM initiatives i ORDER BY i.start_quarter, i.code`)
	if err != nil {
		return nil, fmt.Errorf("store: load initiatives: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, scanInitiative)
}

// InitiativesForRisk returns the initiatives that mitigate the risk with code.
func (s *Store) InitiativesForRisk(ctx context.Context, code string) ([]analytics.Initiative, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+initiativeCols+` FROM initiatives i
		WHERE i.id IN (SELECT x.initiative_id FROM initiative_risks x JOIN risks r ON r.id = x.risk_id WHERE r.code = ?)
		ORDER BY i.start_quarter, i.code`, code)
	if err != nil {
		return nil, fmt.Errorf("store: load initiatives of risk %s: %w", code, err)
	}
	defer rows.Close()
	return collectAll(rows, scanInitiative)
}

// InitiativeByCode returns one initiative, or ErrNotFound.
func (s *Store) InitiativeByCode(ctx context.Context, code string) (analytics.Initiative, error) {
	return initiativeByCode(ctx, s.db, code)
}

func initiativeByCode(ctx context.Context, q queryRower, code string) (analytics.Initiative, error) {
	in, err := scanInitiative(q.QueryRowContext(ctx, `SELECT `+initiativeCols+` FROM initiatives i WHERE i.code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return in, fmt.Errorf("initiative %s: %w", code, ErrNotFound)
	}
	if err != nil {
		return in, fmt.Errorf("store: load initiative %s: %w", code, err)
	}
	return in, nil
}

// CreateInitiative stores a new initiative under the next free code (or
// the code it carries, when free), audited with every field.
func (s *Store) CreateInitiative(ctx context.Context, in analytics.Initiative, a Audit) (analytics.Initiative, error) {
	var out analytics.Initiative
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = createInitiative(ctx, tx, in, a, auditTime(a))
		return err
	})
	return out, err
}

// UpdateInitiative saves an edit of the initiative with code. The audit
// row holds the changed fields only, before and after; an edit that
// changes nothing writes nothing and returns no changes.
func (s *Store) UpdateInitiative(ctx context.Context, code string, in analytics.Initiative, a Audit) (analytics.Initiative, []analytics.FieldChange, error) {
	var (
		out analytics.Initiative
		chs []analytics.FieldChange
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := initiativeByCode(ctx, tx, code)
		if err != nil {
			return err
		}
		out, chs, err = updateInitiative(ctx, tx, cur, in, a, auditTime(a))
		return err
	})
	return out, chs, err
}

// DeleteInitiative removes an initiative, its links going with it; the
// audit row keeps every field.
func (s *Store) DeleteInitiative(ctx context.Context, code string, a Audit) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := initiativeByCode(ctx, tx, code)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM initiatives WHERE id = ?`, cur.ID); err != nil {
			return fmt.Errorf("store: delete initiative %s: %w", code, err)
		}
		a.Action, a.Entity, a.EntityID, a.Before, a.After = "delete", "initiatives", code, initiativeAudit(cur), nil
		return WriteAudit(ctx, tx, a)
	})
}

// InitiativeImportResult says what an import did, by code.
type InitiativeImportResult struct {
	Created, Updated, Unchanged []string
}

// InitiativeImport is one roadmap file to apply.
type InitiativeImport struct {
	// Rows are the file's initiatives. A row whose Code names a stored
	// initiative updates it (nothing when it is the same), any other row
	// creates one (keeping a free code).
	Rows   []analytics.Initiative
	Source string // the file's name, for the audit row
	// Expect, when not nil, holds for every coded row the Fingerprint its
	// initiative had when the preview was shown, "" for a code that was
	// free then; a row whose initiative is in another state now fails the
	// whole import with *InitiativeConflictError.
	Expect map[string]string
}

// InitiativeConflictError is an import whose preview is stale: the
// initiative with Code changed, appeared or was deleted since. Current is
// the stored one, nil when it is gone.
type InitiativeConflictError struct {
	Code    string
	Current *analytics.Initiative
}

func (e *InitiativeConflictError) Error() string {
	if e.Current == nil {
		return fmt.Sprintf("store: initiative %s was deleted meanwhile", e.Code)
	}
	return fmt.Sprintf("store: initiative %s changed meanwhile (by %s)", e.Code, e.Current.UpdatedBy)
}

// ImportInitiatives applies a roadmap file in one transaction: every row
// or none.
func (s *Store) ImportInitiatives(ctx context.Context, imp InitiativeImport, a Audit) (InitiativeImportResult, error) {
	var res InitiativeImportResult
	rows, source := imp.Rows, imp.Source
	at := auditTime(a)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		seen := map[string]bool{}
		for _, r := range rows {
			if r.Code != "" && seen[r.Code] {
				return fmt.Errorf("store: import: initiative %s appears twice", r.Code)
			}
			seen[r.Code] = true
		}
		if imp.Expect != nil {
			if err := checkInitiativeExpect(ctx, tx, rows, imp.Expect); err != nil {
				return err
			}
		}
		// Coded rows first, so a code the file gives is never handed to an
		// uncoded row.
		for pass := 0; pass < 2; pass++ {
			for _, r := range rows {
				if (r.Code == "") != (pass == 1) {
					continue
				}
				var (
					cur analytics.Initiative
					err error
				)
				if r.Code != "" {
					cur, err = initiativeByCode(ctx, tx, r.Code)
				}
				switch {
				case r.Code != "" && err == nil:
					_, chs, err := updateInitiative(ctx, tx, cur, r, a, at)
					if err != nil {
						return err
					}
					if len(chs) == 0 {
						res.Unchanged = append(res.Unchanged, cur.Code)
					} else {
						res.Updated = append(res.Updated, cur.Code)
					}
				case r.Code == "" || errors.Is(err, ErrNotFound):
					nr, err := createInitiative(ctx, tx, r, a, at)
					if err != nil {
						return err
					}
					res.Created = append(res.Created, nr.Code)
				default:
					return err
				}
			}
		}
		if len(res.Created)+len(res.Updated) == 0 {
			return nil // a re-import of the same file: no audit row either
		}
		a.Action, a.Entity, a.EntityID, a.Before = "import", "initiatives", "", nil
		a.After = map[string]any{"created": res.Created, "updated": res.Updated, "file": source}
		return WriteAudit(ctx, tx, a)
	})
	if err != nil {
		return InitiativeImportResult{}, err
	}
	return res, nil
}

// checkInitiativeExpect fails with *InitiativeConflictError when a coded
// row's initiative is not in the state the preview showed.
func checkInitiativeExpect(ctx context.Context, tx *sql.Tx, rows []analytics.Initiative, expect map[string]string) error {
	for _, r := range rows {
		if r.Code == "" {
			continue
		}
		cur, err := initiativeByCode(ctx, tx, r.Code)
		switch {
		case errors.Is(err, ErrNotFound):
			if expect[r.Code] != "" {
				return &InitiativeConflictError{Code: r.Code}
			}
		case err != nil:
			return err
		case cur.Fingerprint() != expect[r.Code]:
			return &InitiativeConflictError{Code: r.Code, Current: &cur}
		}
	}
	return nil
}

func createInitiative(ctx context.Context, tx *sql.Tx, in analytics.Initiative, a Audit, at time.Time) (analytics.Initiative, error) {
	in, svcIDs, riskIDs, err := canonicalInitiative(ctx, tx, in)
	if err != nil {
		return in, err
	}
	code := in.Code
	if code == "" {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(CAST(substr(code, 3) AS INTEGER)), 0) FROM initiatives WHERE code LIKE 'I-%'`).Scan(&n); err != nil {
			return in, fmt.Errorf("store: next initiative code: %w", err)
		}
		code = fmt.Sprintf("I-%03d", n+1)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO initiatives (code, title, description, owner, start_quarter, end_quarter, status,
		kpi, target_kind, target, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		code, in.Title, in.Description, in.Owner, in.StartQuarter, in.EndQuarter, in.Status, in.KPI, in.TargetKind, in.Target,
		FormatTime(at), a.Actor, FormatTime(at), a.Actor)
	if err != nil {
		return in, fmt.Errorf("store: create initiative %s: %w", code, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return in, fmt.Errorf("store: create initiative %s: %w", code, err)
	}
	if err := setInitiativeLinks(ctx, tx, id, svcIDs, riskIDs); err != nil {
		return in, err
	}
	out, err := initiativeByCode(ctx, tx, code)
	if err != nil {
		return out, err
	}
	a.Action, a.Entity, a.EntityID, a.Before, a.After = "create", "initiatives", code, nil, initiativeAudit(out)
	return out, WriteAudit(ctx, tx, a)
}

func updateInitiative(ctx context.Context, tx *sql.Tx, cur, in analytics.Initiative, a Audit, at time.Time) (analytics.Initiative, []analytics.FieldChange, error) {
	in, svcIDs, riskIDs, err := canonicalInitiative(ctx, tx, in)
	if err != nil {
		return cur, nil, err
	}
	chs := analytics.DiffInitiatives(cur, in)
	if len(chs) == 0 {
		return cur, nil, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE initiatives SET title = ?, description = ?, owner = ?, start_quarter = ?, end_quarter = ?,
		status = ?, kpi = ?, target_kind = ?, target = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
		in.Title, in.Description, in.Owner, in.StartQuarter, in.EndQuarter, in.Status, in.KPI, in.TargetKind, in.Target,
		FormatTime(at), a.Actor, cur.ID); err != nil {
		return cur, nil, fmt.Errorf("store: update initiative %s: %w", cur.Code, err)
	}
	if err := setInitiativeLinks(ctx, tx, cur.ID, svcIDs, riskIDs); err != nil {
		return cur, nil, err
	}
	out, err := initiativeByCode(ctx, tx, cur.Code)
	if err != nil {
		return cur, nil, err
	}
	before, after := map[string]string{}, map[string]string{}
	for _, ch := range chs {
		before[ch.Field], after[ch.Field] = ch.Old, ch.New
	}
	a.Action, a.Entity, a.EntityID, a.Before, a.After = "update", "initiatives", cur.Code, before, after
	return out, chs, WriteAudit(ctx, tx, a)
}

// canonicalInitiative validates in and resolves its services and risks to
// the stored names and codes (sorted), so a diff compares like with like.
func canonicalInitiative(ctx context.Context, tx *sql.Tx, in analytics.Initiative) (analytics.Initiative, []int64, []int64, error) {
	if errs := in.Validate(); len(errs) > 0 {
		return in, nil, nil, &InvalidInitiativeError{Fields: errs}
	}
	var svcIDs, riskIDs []int64
	var names, codes []string
	for _, n := range in.Services {
		var id int64
		var name string
		err := tx.QueryRowContext(ctx, `SELECT id, name FROM services WHERE name = ? COLLATE NOCASE`, strings.TrimSpace(n)).Scan(&id, &name)
		if errors.Is(err, sql.ErrNoRows) {
			return in, nil, nil, fmt.Errorf("store: service %q: %w", n, ErrUnknownService)
		}
		if err != nil {
			return in, nil, nil, fmt.Errorf("store: resolve service %q: %w", n, err)
		}
		if !slices.Contains(svcIDs, id) {
			svcIDs, names = append(svcIDs, id), append(names, name)
		}
	}
	for _, c := range in.Risks {
		var id int64
		var code string
		err := tx.QueryRowContext(ctx, `SELECT id, code FROM risks WHERE code = ? COLLATE NOCASE`, strings.TrimSpace(c)).Scan(&id, &code)
		if errors.Is(err, sql.ErrNoRows) {
			return in, nil, nil, fmt.Errorf("store: risk %q: %w", c, ErrUnknownRisk)
		}
		if err != nil {
			return in, nil, nil, fmt.Errorf("store: resolve risk %q: %w", c, err)
		}
		if !slices.Contains(riskIDs, id) {
			riskIDs, codes = append(riskIDs, id), append(codes, code)
		}
	}
	slices.Sort(names)
	slices.Sort(codes)
	in.Services, in.Risks = names, codes
	return in, svcIDs, riskIDs, nil
}

func setInitiativeLinks(ctx context.Context, tx *sql.Tx, id int64, svcIDs, riskIDs []int64) error {
	steps := []struct {
		del, ins string
		ids      []int64
	}{
		{`DELETE FROM initiative_services WHERE initiative_id = ?`, `INSERT INTO initiative_services (initiative_id, service_id) VALUES (?, ?)`, svcIDs},
		{`DELETE FROM initiative_risks WHERE initiative_id = ?`, `INSERT INTO initiative_risks (initiative_id, risk_id) VALUES (?, ?)`, riskIDs},
	}
	for _, st := range steps {
		if _, err := tx.ExecContext(ctx, st.del, id); err != nil {
			return fmt.Errorf("store: link initiative %d: %w", id, err)
		}
		for _, x := range st.ids {
			if _, err := tx.ExecContext(ctx, st.ins, id, x); err != nil {
				return fmt.Errorf("store: link initiative %d: %w", id, err)
			}
		}
	}
	return nil
}

// initiativeAudit is the audited form of an initiative: every field as text.
func initiativeAudit(in analytics.Initiative) map[string]string {
	m := map[string]string{"code": in.Code}
	for _, f := range analytics.InitiativeFields {
		m[f] = in.FieldValue(f)
	}
	return m
}
