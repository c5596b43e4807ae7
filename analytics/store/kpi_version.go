package store

import (
	"context"
	"database/sql"
	"fmt"
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
			for _, ev := range []string{"insert", "update", "delete"} {
				name := kpiTriggerPrefix + t + "_" + ev
				if have[name] {
					continue
				}
				stmts = append(stmts, `CREATE TRIGGER `+quoteIdent(name)+` AFTER `+strings.ToUpper(ev)+` ON `+quoteIdent(t)+
					` BEGIN UPDATE kpi_version SET version = version + 1 WHERE id = 1; END`)
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

// quoteIdent quotes a name from the schema as an SQL identifier.
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
