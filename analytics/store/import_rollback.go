package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrRollbackConflict is returned when a later import changed rows of the
// import being rolled back.
var ErrRollbackConflict = errors.New("a later import changed the same rows")

// ErrRollbackUserData is returned when rows the import inserted carry data
// users entered in sreport (incident edits, action items, risk links) that
// deleting them would silently delete too.
var ErrRollbackUserData = errors.New("users' own data depends on rows of this import")

// ErrNotRollbackable is returned for an import that is not done (running,
// failed or already rolled back).
var ErrNotRollbackable = errors.New("only a finished import can be rolled back")

// RollbackResult says what RollbackImport undid.
type RollbackResult struct {
	Deleted  int // rows the import had inserted
	Restored int // rows the import had updated, back to their earlier values
}

// RollbackImport undoes one import: rows it inserted are deleted, rows it
// updated get their earlier values back, services, teams and SLOs it created
// are removed when nothing refers to them any more, pages it removed come
// back. It refuses when a later import (not rolled back) changed any of the
// same rows (ErrRollbackConflict: roll that one back first), and when users'
// own data hangs on rows it would delete (ErrRollbackUserData), because the
// foreign keys would silently delete that data too. a says who rolls back;
// its audit row is written in the same transaction.
func (s *Store) RollbackImport(ctx context.Context, id int64, a Audit) (RollbackResult, error) {
	var out RollbackResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM imports WHERE id = ?`, id).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: import %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: load import %d: %w", id, err)
		}
		if status != "done" {
			return fmt.Errorf("import %d cannot be rolled back: its status is %s: %w", id, strings.ReplaceAll(status, "_", " "), ErrNotRollbackable)
		}
		rows, err := tx.QueryContext(ctx, laterChanges, id)
		if err != nil {
			return fmt.Errorf("store: check later imports: %w", err)
		}
		var later []string
		for rows.Next() {
			var other, n int64
			if err := rows.Scan(&other, &n); err != nil {
				rows.Close()
				return err
			}
			later = append(later, fmt.Sprintf("import %d changed %d of its rows", other, n))
		}
		rows.Close()
		if len(later) > 0 {
			return fmt.Errorf("import %d cannot be rolled back: %s; roll back the later imports first (newest first): %w",
				id, strings.Join(later, ", "), ErrRollbackConflict)
		}
		type change struct {
			entity string
			id     int64
			action string
			before sql.NullString
		}
		var changes []change
		rows, err = tx.QueryContext(ctx, `SELECT entity, entity_id, action, before_json FROM import_changes WHERE import_id = ? ORDER BY rowid DESC`, id)
		if err != nil {
			return fmt.Errorf("store: load import changes: %w", err)
		}
		for rows.Next() {
			var c change
			if err := rows.Scan(&c.entity, &c.id, &c.action, &c.before); err != nil {
				rows.Close()
				return err
			}
			changes = append(changes, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if deps, err := userDataOf(ctx, tx, id); err != nil {
			return err
		} else if len(deps) > 0 {
			more := ""
			if len(deps) > 5 {
				deps, more = deps[:5], fmt.Sprintf("; … (%d in all)", len(deps))
			}
			return fmt.Errorf("import %d cannot be rolled back: %s%s; remove them first or keep the import: %w",
				id, strings.Join(deps, "; "), more, ErrRollbackUserData)
		}
		// Records first (newest change first, then the records the import
		// inserted), then the services, teams and SLOs it created, which
		// stay while any record uses them.
		var created []change
		for _, c := range changes {
			switch {
			case c.action == "insert" && (c.entity == "services" || c.entity == "teams" || c.entity == "slos"):
				created = append(created, c)
				continue
			case c.action == "insert": // an import before migration 00012 recorded its inserts
				if _, ok := restorable[c.entity]; !ok {
					return fmt.Errorf("store: rollback: unknown entity %q", c.entity)
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM `+c.entity+` WHERE rowid = ?`, c.id); err != nil {
					return fmt.Errorf("store: rollback %s %d: %w", c.entity, c.id, err)
				}
				out.Deleted++
			case c.action == "update":
				if err := restoreRow(ctx, tx, c.entity, c.id, c.before.String); err != nil {
					return err
				}
				out.Restored++
			case c.action == "delete":
				if err := reinsertRow(ctx, tx, c.entity, c.id, c.before.String); err != nil {
					return err
				}
				out.Restored++
			default:
				return fmt.Errorf("store: rollback: unknown change %q", c.action)
			}
		}
		// What still carries the import's id after its updates were undone
		// is what it inserted.
		for _, table := range recordTables {
			r, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE import_id = ?`, id)
			if err != nil {
				return fmt.Errorf("store: rollback %s of import %d: %w", table, id, err)
			}
			n, err := r.RowsAffected()
			if err != nil {
				return err
			}
			out.Deleted += int(n)
		}
		for _, c := range created {
			switch {
			case c.entity == "services":
				// A service a user has since tied to a risk, an initiative or an alias stays.
				if _, err := tx.ExecContext(ctx, `DELETE FROM services WHERE id = ?1
					AND NOT EXISTS (SELECT 1 FROM incidents WHERE service_id = ?1) AND NOT EXISTS (SELECT 1 FROM deploys WHERE service_id = ?1)
					AND NOT EXISTS (SELECT 1 FROM pages WHERE service_id = ?1) AND NOT EXISTS (SELECT 1 FROM slos WHERE service_id = ?1)
					AND NOT EXISTS (SELECT 1 FROM action_items WHERE service_id = ?1) AND NOT EXISTS (SELECT 1 FROM risk_services WHERE service_id = ?1)
					AND NOT EXISTS (SELECT 1 FROM initiative_services WHERE service_id = ?1)
					AND NOT EXISTS (SELECT 1 FROM service_aliases WHERE service_id = ?1)`, c.id); err != nil {
					return fmt.Errorf("store: remove service %d: %w", c.id, err)
				}
			case c.entity == "teams":
				if _, err := tx.ExecContext(ctx, `DELETE FROM teams WHERE id = ?1
					AND NOT EXISTS (SELECT 1 FROM services WHERE team_id = ?1) AND NOT EXISTS (SELECT 1 FROM toil_entries WHERE team_id = ?1)`, c.id); err != nil {
					return fmt.Errorf("store: remove team %d: %w", c.id, err)
				}
			case c.entity == "slos":
				if _, err := tx.ExecContext(ctx, `DELETE FROM slos WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM sli_daily WHERE slo_id = ?1)`, c.id); err != nil {
					return fmt.Errorf("store: remove SLO %d: %w", c.id, err)
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET status = 'rolled_back', rolled_back_at = ? WHERE id = ?`, FormatTime(time.Now()), id); err != nil {
			return fmt.Errorf("store: mark import %d rolled back: %w", id, err)
		}
		a.Action, a.Entity, a.EntityID = "rollback", "imports", strconv.FormatInt(id, 10)
		a.After = map[string]int{"deleted": out.Deleted, "restored": out.Restored}
		return WriteAudit(ctx, tx, a)
	})
	return out, err
}

// recordTables are the tables whose rows carry the import that last wrote
// them, in the order a rollback deletes what an import inserted (pages and
// action items before the incidents they name).
var recordTables = []string{"pages", "action_items", "sli_daily", "toil_entries", "incidents", "deploys"}

// laterChanges counts, per later finished import, the rows of import ?1 it
// changed: rows ?1 inserted or changed that a later import changed again
// (its before image names import ?1, or the row still carries ?1 — a link
// set by a later import leaves import_id alone), or rows both changed.
var laterChanges = `SELECT c2.import_id, COUNT(DISTINCT c2.entity || ':' || c2.entity_id)
	FROM import_changes c2 JOIN imports i ON i.id = c2.import_id AND i.status = 'done'
	WHERE c2.import_id > ?1 AND (
		json_extract(c2.before_json, '$.import_id') = ?1
		OR EXISTS (SELECT 1 FROM import_changes c1 WHERE c1.import_id = ?1 AND c1.entity = c2.entity AND c1.entity_id = c2.entity_id)` +
	func() string {
		var b strings.Builder
		for _, t := range recordTables {
			b.WriteString("\n\t\tOR c2.entity = '" + t + "' AND EXISTS (SELECT 1 FROM " + t + " r WHERE r.rowid = c2.entity_id AND r.import_id = ?1)")
		}
		return b.String()
	}() + `)
	GROUP BY c2.import_id ORDER BY c2.import_id DESC`

// insertedBy selects the rows of table that import ?1 inserted, legacy
// import_changes rows included: those still carrying its id that it did not
// merely update.
func insertedBy(table string) string {
	return `SELECT id FROM ` + table + ` WHERE import_id = ?1 AND id NOT IN (SELECT entity_id FROM import_changes
		WHERE import_id = ?1 AND entity = '` + table + `' AND action = 'update')
		UNION SELECT entity_id FROM import_changes WHERE import_id = ?1 AND action = 'insert' AND entity = '` + table + `'`
}

// userDataOf describes the data users entered in sreport that hangs on
// rows import id inserted: deleting those rows would cascade to it
// (incident edits, action items created in the app, risk links, action
// item edits) or unlink it (an incident edit naming an imported deploy).
func userDataOf(ctx context.Context, tx *sql.Tx, id int64) ([]string, error) {

	q := `SELECT 'incident #' || o.incident_id || ' has edits made in sreport (' || TRIM(
			CASE WHEN o.started_at IS NOT NULL THEN 'impact start, ' ELSE '' END ||
			CASE WHEN o.detected_at IS NOT NULL THEN 'detected time, ' ELSE '' END ||
			CASE WHEN o.acknowledged_at IS NOT NULL THEN 'acknowledged time, ' ELSE '' END ||
			CASE WHEN o.mitigated_at IS NOT NULL THEN 'mitigated time, ' ELSE '' END ||
			CASE WHEN o.resolved_at IS NOT NULL THEN 'resolved time, ' ELSE '' END ||
			CASE WHEN o.severity IS NOT NULL THEN 'severity, ' ELSE '' END ||
			CASE WHEN o.customer_impacting IS NOT NULL THEN 'customer impact, ' ELSE '' END ||
			CASE WHEN o.not_deploy_related = 1 OR o.caused_by_deploy_id IS NOT NULL OR o.inferred_link_rejected = 1 THEN 'cause, ' ELSE '' END ||
			CASE WHEN o.fingerprint IS NOT NULL THEN 'fingerprint, ' ELSE '' END ||
			CASE WHEN o.postmortem_url IS NOT NULL OR o.postmortem_published_at IS NOT NULL OR o.postmortem_due_at IS NOT NULL THEN 'postmortem, ' ELSE '' END,
			', ') || ')'
		FROM incident_overrides o WHERE o.incident_id IN (` + insertedBy("incidents") + `)
	UNION ALL
	SELECT 'incident #' || o.incident_id || ' is linked in sreport to deploy #' || o.caused_by_deploy_id || ' of this import'
		FROM incident_overrides o WHERE o.caused_by_deploy_id IN (` + insertedBy("deploys") + `)
	UNION ALL
	SELECT 'incident #' || ai.incident_id || ' has action item #' || ai.id || ' created in sreport (' || ai.title || ')'
		FROM action_items ai WHERE ai.source = 'app' AND ai.incident_id IN (` + insertedBy("incidents") + `)
	UNION ALL
	SELECT 'incident #' || ri.incident_id || ' is linked to risk ' || r.code
		FROM risk_incidents ri JOIN risks r ON r.id = ri.risk_id WHERE ri.incident_id IN (` + insertedBy("incidents") + `)
	UNION ALL
	SELECT 'action item #' || o.action_item_id || ' has edits made in sreport'
		FROM action_item_overrides o WHERE o.action_item_id IN (` + insertedBy("action_items") + `)
		OR o.action_item_id IN (SELECT id FROM action_items WHERE incident_id IN (` + insertedBy("incidents") + `))`
	rows, err := tx.QueryContext(ctx, q, id)
	if err != nil {
		return nil, fmt.Errorf("store: check users' data of import %d: %w", id, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, strings.Replace(s, " ()", "", 1))
	}
	return out, rows.Err()
}

// reinsertRow puts a row an import deleted back, with its id; column names
// are checked against the table's restorable and key columns.
func reinsertRow(ctx context.Context, tx *sql.Tx, table string, id int64, before string) error {
	allowed, ok := restorable[table]
	if !ok {
		return fmt.Errorf("store: rollback: unknown entity %q", table)
	}
	m, err := decodeBefore(table, id, before)
	if err != nil {
		return err
	}
	cols := make([]string, 0, len(m))
	for c := range m {
		if !allowed[c] && c != "id" && c != "source" && c != "external_id" {
			return fmt.Errorf("store: rollback %s %d: column %q cannot be restored", table, id, c)
		}
		cols = append(cols, c)
	}
	sort.Strings(cols)
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = m[c]
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) VALUES (?`+strings.Repeat(", ?", len(cols)-1)+`)`, args...); err != nil {
		return fmt.Errorf("store: rollback %s %d: %w", table, id, err)
	}
	return nil
}

// decodeBefore reads a before image, numbers as int64 or float64.
func decodeBefore(table string, id int64, before string) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(before)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("store: rollback %s %d: before image: %w", table, id, err)
	}
	for k, v := range m {
		if n, ok := v.(json.Number); ok {
			if iv, err := n.Int64(); err == nil {
				m[k] = iv
			} else if fv, err := n.Float64(); err == nil {
				m[k] = fv
			}
		}
	}
	return m, nil
}

// restoreRow writes an update's before image back; column names are checked
// against the table's restorable columns.
func restoreRow(ctx context.Context, tx *sql.Tx, table string, id int64, before string) error {
	allowed, ok := restorable[table]
	if !ok {
		return fmt.Errorf("store: rollback: unknown entity %q", table)
	}
	m, err := decodeBefore(table, id, before)
	if err != nil {
		return err
	}
	cols := make([]string, 0, len(m))
	for c := range m {
		if !allowed[c] {
			return fmt.Errorf("store: rollback %s %d: column %q cannot be restored", table, id, c)
		}
		cols = append(cols, c)
	}
	sort.Strings(cols)
	set := make([]string, len(cols))
	args := make([]any, 0, len(cols)+1)
	for i, c := range cols {
		set[i] = c + " = ?"
		args = append(args, m[c])
	}
	args = append(args, id)
	if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET `+strings.Join(set, ", ")+` WHERE rowid = ?`, args...); err != nil {
		return fmt.Errorf("store: rollback %s %d: %w", table, id, err)
	}
	return nil
}
