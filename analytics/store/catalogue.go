package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"sreport/analytics"
)

// ErrNameTaken is returned when a service name is already in use.
var ErrNameTaken = errors.New("name taken")

// ServiceInput is the editable part of a catalogue entry. Team is a team
// name, created when it does not exist yet; empty means no team.
type ServiceInput struct {
	Name        string `json:"name"`
	Tier        int    `json:"tier"`
	Team        string `json:"team"`
	OnCallTZ    string `json:"oncall_tz"`
	Description string `json:"description"`
}

// ServiceByID returns one service or ErrNotFound.
func (s *Store) ServiceByID(ctx context.Context, id int64) (analytics.Service, error) {
	return serviceByID(ctx, s.db, id)
}

func serviceByID(ctx context.Context, q queryRower, id int64) (analytics.Service, error) {
	sv, err := scanService(q.QueryRowContext(ctx, `SELECT `+serviceCols+`
		FROM services s LEFT JOIN teams t ON t.id = s.team_id WHERE s.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return sv, fmt.Errorf("store: service %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return sv, fmt.Errorf("store: load service %d: %w", id, err)
	}
	return sv, nil
}

// teamID returns the id of the team called name, creating it; 0 for "".
func teamID(ctx context.Context, tx *sql.Tx, name string) (any, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO teams (name) VALUES (?) ON CONFLICT (name) DO NOTHING`, name); err != nil {
		return nil, fmt.Errorf("store: create team %q: %w", name, err)
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM teams WHERE name = ?`, name).Scan(&id); err != nil {
		return nil, fmt.Errorf("store: load team %q: %w", name, err)
	}
	return id, nil
}

func nameTaken(ctx context.Context, tx *sql.Tx, name string, except int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM services WHERE name = ? AND id != ?`, name, except).Scan(&n); err != nil {
		return fmt.Errorf("store: check service name: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("store: service %q: %w", name, ErrNameTaken)
	}
	return nil
}

// CreateService adds a service (and its team, if new), audited. A name
// that breaks analytics.CheckServiceName is refused (ErrServiceName).
func (s *Store) CreateService(ctx context.Context, in ServiceInput, a Audit) (analytics.Service, error) {
	var sv analytics.Service
	if err := analytics.CheckServiceName(in.Name); err != nil {
		return sv, fmt.Errorf("store: service %q: %w", in.Name, err)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := nameTaken(ctx, tx, in.Name, 0); err != nil {
			return err
		}
		team, err := teamID(ctx, tx, in.Team)
		if err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, `INSERT INTO services (name, tier, team_id, oncall_tz, description) VALUES (?, ?, ?, ?, ?)`,
			in.Name, in.Tier, team, in.OnCallTZ, in.Description)
		if err != nil {
			return fmt.Errorf("store: create service %q: %w", in.Name, err)
		}
		id, err := r.LastInsertId()
		if err != nil {
			return err
		}
		if sv, err = serviceByID(ctx, tx, id); err != nil {
			return err
		}
		a.Action, a.Entity, a.EntityID, a.After = "create", "services", strconv.FormatInt(id, 10), sv
		return WriteAudit(ctx, tx, a)
	})
	return sv, err
}

// UpdateService renames a service and sets its tier, team and on-call
// timezone, audited. Aliases keep pointing at the service by id, so
// imports that name it the old way still find it.
func (s *Store) UpdateService(ctx context.Context, id int64, in ServiceInput, a Audit) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := serviceByID(ctx, tx, id)
		if err != nil {
			return err
		}
		// A name kept as it is stays valid, even one from before the
		// naming rule; a new name follows it.
		if in.Name != before.Name {
			if err := analytics.CheckServiceName(in.Name); err != nil {
				return fmt.Errorf("store: service %q: %w", in.Name, err)
			}
		}
		if err := nameTaken(ctx, tx, in.Name, id); err != nil {
			return err
		}
		team, err := teamID(ctx, tx, in.Team)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE services SET name = ?, tier = ?, team_id = ?, oncall_tz = ?, description = ? WHERE id = ?`,
			in.Name, in.Tier, team, in.OnCallTZ, in.Description, id); err != nil {
			return fmt.Errorf("store: update service %d: %w", id, err)
		}
		after, err := serviceByID(ctx, tx, id)
		if err != nil {
			return err
		}
		a.Action, a.Entity, a.EntityID, a.Before, a.After = "update", "services", strconv.FormatInt(id, 10), before, after
		return WriteAudit(ctx, tx, a)
	})
}

// MergeResult counts what a merge moved.
type MergeResult struct {
	Incidents   int64 `json:"incidents"`
	Deploys     int64 `json:"deploys"`
	Pages       int64 `json:"pages"`
	SLOs        int64 `json:"slos"`
	ActionItems int64 `json:"action_items"`
	Risks       int64 `json:"risks"`
	Aliases     int64 `json:"aliases"`
}

// MergeServices moves every record of service from into service into —
// incidents, deploys, pages, SLOs (with their SLI days), action items, risk
// links and source-name aliases — and deletes from, in one transaction
// with one audit row. An SLO whose name the target already uses is renamed
// "name (from-service)" so no SLI day is lost or double-counted. The old
// name stays resolvable: every source that named from gets an alias for it.
func (s *Store) MergeServices(ctx context.Context, from, into int64, a Audit) (MergeResult, error) {
	var res MergeResult
	if from == into {
		return res, errors.New("store: a service cannot be merged into itself")
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		src, err := serviceByID(ctx, tx, from)
		if err != nil {
			return err
		}
		dst, err := serviceByID(ctx, tx, into)
		if err != nil {
			return err
		}
		exec := func(n *int64, q string, args ...any) error {
			r, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("store: merge %s into %s: %w", src.Name, dst.Name, err)
			}
			if n != nil {
				*n, _ = r.RowsAffected()
			}
			return nil
		}
		steps := []struct {
			n    *int64
			q    string
			args []any
		}{
			{&res.Incidents, `UPDATE incidents SET service_id = ? WHERE service_id = ?`, []any{into, from}},
			{&res.Deploys, `UPDATE deploys SET service_id = ? WHERE service_id = ?`, []any{into, from}},
			{&res.Pages, `UPDATE pages SET service_id = ? WHERE service_id = ?`, []any{into, from}},
			{&res.ActionItems, `UPDATE action_items SET service_id = ? WHERE service_id = ?`, []any{into, from}},
			// Same-named SLOs stay apart under a distinguishing name.
			{nil, `UPDATE slos SET name = name || ' (' || ? || ')' WHERE service_id = ?
				AND name IN (SELECT name FROM slos WHERE service_id = ?)`, []any{src.Name, from, into}},
			{&res.SLOs, `UPDATE slos SET service_id = ? WHERE service_id = ?`, []any{into, from}},
			{&res.Risks, `INSERT OR IGNORE INTO risk_services (risk_id, service_id) SELECT risk_id, ? FROM risk_services WHERE service_id = ?`, []any{into, from}},
			{nil, `DELETE FROM risk_services WHERE service_id = ?`, []any{from}},
			{nil, `INSERT OR IGNORE INTO initiative_services (initiative_id, service_id) SELECT initiative_id, ? FROM initiative_services WHERE service_id = ?`, []any{into, from}},
			{nil, `DELETE FROM initiative_services WHERE service_id = ?`, []any{from}},
			// The old name keeps resolving for every source that used it.
			{nil, `INSERT OR IGNORE INTO service_aliases (source, alias, service_id)
				SELECT DISTINCT source, ?, ? FROM (SELECT source FROM incidents WHERE service_id = ?
				UNION SELECT source FROM deploys WHERE service_id = ? UNION SELECT source FROM pages WHERE service_id = ?)`,
				[]any{src.Name, into, into, into, into}},
			{&res.Aliases, `UPDATE OR REPLACE service_aliases SET service_id = ? WHERE service_id = ?`, []any{into, from}},
			// Program records move too; where the target already has one
			// with the same natural key, the target's is kept and the
			// source's goes with it (ON DELETE CASCADE).
			{nil, `UPDATE OR IGNORE service_readiness SET service_id = ? WHERE service_id = ?`, []any{into, from}},
			{nil, `UPDATE OR IGNORE dr_tests SET service_id = ? WHERE service_id = ?`, []any{into, from}},
			{nil, `UPDATE OR IGNORE capacity_samples SET service_id = ? WHERE service_id = ?`, []any{into, from}},
			{nil, `UPDATE OR IGNORE cost_entries SET service_id = ? WHERE service_id = ?`, []any{into, from}},
			{nil, `DELETE FROM services WHERE id = ?`, []any{from}},
		}
		for _, st := range steps {
			if err := exec(st.n, st.q, st.args...); err != nil {
				return err
			}
		}
		a.Action, a.Entity, a.EntityID = "merge", "services", strconv.FormatInt(into, 10)
		a.Before = map[string]any{"from": src, "into": dst}
		a.After = map[string]any{"into": dst.Name, "moved": res}
		return WriteAudit(ctx, tx, a)
	})
	return res, err
}

// SetServiceAlias makes alias (as source names it) mean the service with
// id serviceID, replacing an earlier mapping of the same alias; audited.
func (s *Store) SetServiceAlias(ctx context.Context, source, alias string, serviceID int64, a Audit) error {
	source, alias = strings.TrimSpace(source), strings.TrimSpace(alias)
	if err := CheckAlias(source, alias); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		sv, err := serviceByID(ctx, tx, serviceID)
		if err != nil {
			return err
		}
		var before any
		var prev string
		err = tx.QueryRowContext(ctx, `SELECT s.name FROM service_aliases a JOIN services s ON s.id = a.service_id
			WHERE a.source = ? AND a.alias = ?`, source, alias).Scan(&prev)
		switch {
		case err == nil:
			before = ServiceAlias{Source: source, Alias: alias, Service: prev}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("store: load alias %s/%s: %w", source, alias, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO service_aliases (source, alias, service_id) VALUES (?, ?, ?)
			ON CONFLICT (source, alias) DO UPDATE SET service_id = excluded.service_id`, source, alias, serviceID); err != nil {
			return fmt.Errorf("store: save alias %s/%s: %w", source, alias, err)
		}
		a.Action, a.Entity, a.EntityID = "update", "service_aliases", source+"/"+alias
		a.Before, a.After = before, ServiceAlias{Source: source, Alias: alias, ServiceID: serviceID, Service: sv.Name}
		return WriteAudit(ctx, tx, a)
	})
}

// RemoveServiceAlias deletes one alias (ErrNotFound when absent); audited.
func (s *Store) RemoveServiceAlias(ctx context.Context, source, alias string, a Audit) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var prev string
		err := tx.QueryRowContext(ctx, `SELECT s.name FROM service_aliases a JOIN services s ON s.id = a.service_id
			WHERE a.source = ? AND a.alias = ?`, source, alias).Scan(&prev)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: alias %s/%s: %w", source, alias, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: load alias %s/%s: %w", source, alias, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM service_aliases WHERE source = ? AND alias = ?`, source, alias); err != nil {
			return fmt.Errorf("store: delete alias %s/%s: %w", source, alias, err)
		}
		a.Action, a.Entity, a.EntityID = "delete", "service_aliases", source+"/"+alias
		a.Before = ServiceAlias{Source: source, Alias: alias, Service: prev}
		return WriteAudit(ctx, tx, a)
	})
}
