package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// kpiVersionExempt are the tables whose writes never change what a cached
// computation shows: sign-in, session and token bookkeeping, the audit
// trail and webhook delivery attempts. A session is renewed on requests
// and an audit row accompanies every edit, so counting them would empty
// the caches for nothing (and the audit row's edit moves the version
// anyway). Every other table moves the version: a table forgotten here is
// a cache emptied too often, never a stale number.
var kpiVersionExempt = map[string]bool{
	"sessions":           true,
	"login_failures":     true,
	"api_tokens":         true,
	"audit_log":          true,
	"webhook_deliveries": true,
	"kpi_version":        true,
	// An import's change log is written beside its imports row, which
	// moves the version.
	"import_changes": true,
	// Record days (record_days.go) are derived from deploys, pages and incidents,
	// whose writes move the version; packing them changes no result.
	"deploy_days":       true,
	"page_days":         true,
	"incident_days":     true,
	"record_days_dirty": true,
}

// kpiVersionIgnored are columns whose updates change nothing a computation
// shows: a sign-in stamps the user's last sign-in, and must not empty the
// caches.
var kpiVersionIgnored = map[string]map[string]bool{
	"users": {"last_sign_in_at": true},
}

// kpiTriggerPrefix names the triggers ensureKPIVersionTriggers keeps.
const kpiTriggerPrefix = "kpi_version_"

// ensureKPIVersionTriggers gives every table not exempt an insert, update
// and delete trigger that moves kpi_version (migration 00025), and drops
// them all should the table be gone (a migration rolled back). It writes
// only when a trigger is missing, so an up-to-date database opens without
// a write.
func ensureKPIVersionTriggers(ctx context.Context, db *sql.DB) error {
	have := map[string]bool{}
	tables := []string{}
	rows, err := db.QueryContext(ctx, `SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		return fmt.Errorf("store: kpi version triggers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var typ, name string
		if err := rows.Scan(&typ, &name); err != nil {
			return fmt.Errorf("store: kpi version triggers: %w", err)
		}
		if typ == "trigger" {
			have[name] = true
		} else {
			tables = append(tables, name)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: kpi version triggers: %w", err)
	}
	rows.Close()
	var stmts []string
	versioned := false
	for _, t := range tables {
		versioned = versioned || t == "kpi_version"
	}
	if !versioned {
		for name := range have {
			if strings.HasPrefix(name, kpiTriggerPrefix) {
				stmts = append(stmts, `DROP TRIGGER `+quoteIdent(name))
			}
		}
	} else {
		for _, t := range tables {
			if kpiVersionExempt[t] {
				continue
			}
			var cols []string
			for _, ev := range []string{"insert", "update", "delete"} {
				name := kpiTriggerPrefix + t + "_" + ev
				if have[name] {
					continue
				}
				if cols == nil {
					if cols, err = tableColumns(ctx, db, t); err != nil {
						return err
					}
				}
				stmts = append(stmts, kpiTrigger(name, t, ev, cols))
			}
		}
	}
	if len(stmts) == 0 {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: kpi version triggers: %w", err)
	}
	defer tx.Rollback()
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("store: kpi version triggers: %s: %w", s, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: kpi version triggers: %w", err)
	}
	return nil
}

// kpiTrigger is the statement creating trigger name on table t for event
// ev (insert, update, delete), given t's columns.
//
// A record table's row written by an import (import_id set to it) does not
// move the version itself: the import writes its imports row in the same
// transaction (inserted, then its counts and status updated), which moves
// it once, instead of once per record — a per-row counter update cost a
// million-row import a quarter of its time. Rows written any other way
// (an edit, a merge of services, a rollback's delete) still move it: an
// insert without import_id, an update that keeps the row's import_id, and
// every delete.
func kpiTrigger(name, t, ev string, cols []string) string {
	on := ` AFTER ` + strings.ToUpper(ev) + ` ON ` + quoteIdent(t)
	if ev == "update" && kpiVersionIgnored[t] != nil {
		var of []string
		for _, c := range cols {
			if !kpiVersionIgnored[t][c] {
				of = append(of, quoteIdent(c))
			}
		}
		on = ` AFTER UPDATE OF ` + strings.Join(of, ", ") + ` ON ` + quoteIdent(t)
	}
	when := ""
	if slices.Contains(cols, "import_id") {
		switch ev {
		case "insert":
			when = ` WHEN NEW.import_id IS NULL`
		case "update":
			when = ` WHEN NEW.import_id IS NULL OR NEW.import_id IS OLD.import_id`
		}
	}
	return `CREATE TRIGGER ` + quoteIdent(name) + on + ` FOR EACH ROW` + when +
		` BEGIN UPDATE kpi_version SET version = version + 1 WHERE id = 1; END`
}

// tableColumns lists t's columns.
func tableColumns(ctx context.Context, db *sql.DB, t string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, t)
	if err != nil {
		return nil, fmt.Errorf("store: columns of %s: %w", t, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("store: columns of %s: %w", t, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// quoteIdent quotes a name from the schema as an SQL identifier.
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
