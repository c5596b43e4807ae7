package migrations_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"

	"sreport/analytics/store"
	"sreport/migrations"
)

// fixtures are rows a database at each schema version could hold, written
// right after that version is applied. Every later migration must keep
// them. A migration without an entry adds no table a user fills.
var fixtures = map[int64]string{
	1: `
INSERT INTO teams (id, name) VALUES (1, 'payments');
INSERT INTO services (id, name, tier, team_id, oncall_tz) VALUES (1, 'checkout', 0, 1, 'Europe/Berlin'), (2, 'ledger', 1, 1, 'UTC');
INSERT INTO service_aliases (source, alias, service_id) VALUES ('pagerduty', 'Checkout API', 1);
INSERT INTO users (id, email, role, password_hash) VALUES (1, 'lead@example.com', 'editor', 'x'), (2, 'vp@example.com', 'viewer', 'y');
INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES ('h1', 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2099-01-01T00:00:00Z');
INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES (1, 1, 'ci', 'th1', '2026-01-01T00:00:00Z');
INSERT INTO imports (id, user_id, format, file_name, sha256, started_at, finished_at, status, inserted)
  VALUES (1, 1, 'pagerduty', 'incidents.csv', 'abc', '2026-01-02T00:00:00Z', '2026-01-02T00:00:01Z', 'done', 2);
INSERT INTO deploys (id, source, external_id, service_id, finished_at, status, import_id) VALUES
  (1, 'github', 'd-1', 1, '2026-01-03T10:00:00Z', 'failed', 1), (2, 'github', 'd-2', 1, '2026-01-03T11:00:00Z', 'success', NULL);
INSERT INTO incidents (id, source, external_id, service_id, title, severity, status, detected_at, resolved_at, caused_by_deploy_id, import_id)
  VALUES (1, 'pagerduty', 'P1', 1, 'Checkout 500s', 1, 'resolved', '2026-01-03T10:05:00Z', '2026-01-03T10:45:00Z', 1, 1),
         (2, 'pagerduty', 'P2', 2, 'Ledger lag', 3, 'open', '2026-01-04T08:00:00Z', NULL, NULL, 1);
INSERT INTO import_changes (import_id, entity, entity_id, action) VALUES (1, 'incidents', 1, 'insert'), (1, 'incidents', 2, 'insert');
INSERT INTO incident_overrides (incident_id, severity, fingerprint, updated_by, updated_at) VALUES (1, 2, 'checkout-5xx', 1, '2026-01-05T00:00:00Z');
INSERT INTO action_items (id, incident_id, service_id, title, owner, due_at, closed_at, source, external_id) VALUES
  (1, 1, 1, 'Add canary', 'lead', '2026-02-01', NULL, 'app', 'a-1'),
  (2, 1, 1, 'Alert on 5xx', 'lead', '2026-02-01', '2026-01-20T00:00:00Z', 'jira', 'OPS-1'),
  (3, 2, 2, 'Shard ledger', 'ops', '2026-03-01', NULL, 'jira', 'OPS-2');
INSERT INTO pages (id, source, external_id, service_id, incident_id, triggered_at, acknowledged_at) VALUES (1, 'pagerduty', 'pg-1', 1, 1, '2026-01-03T10:04:00Z', '2026-01-03T10:06:00Z');
INSERT INTO slos (id, service_id, name, objective) VALUES (1, 1, 'availability', 0.999);
INSERT INTO sli_daily (slo_id, day, good, total) VALUES (1, '2026-01-03', 999, 1000);
INSERT INTO toil_entries (team_id, week_start, toil_hours, total_hours) VALUES (1, '2025-12-29', 10, 40);
INSERT INTO settings (key, value) VALUES ('business_hours_start', '09:00');
INSERT INTO audit_log (at, user_id, actor, action, entity, entity_id) VALUES ('2026-01-05T00:00:00Z', 1, 'lead@example.com', 'update', 'incident', '1');
INSERT INTO risks (id, code, title, likelihood, impact, created_at, updated_at) VALUES (1, 'R-001', 'Single region', 3, 5, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
INSERT INTO risk_services (risk_id, service_id) VALUES (1, 1);
INSERT INTO risk_incidents (risk_id, incident_id) VALUES (1, 1);
INSERT INTO risk_events (risk_id, at, actor, field, old_value, new_value) VALUES (1, '2026-01-01T00:00:00Z', 'lead', 'status', '', 'open');
INSERT INTO import_mappings (name, kind, spec_json, updated_at) VALUES ('legacy', 'incidents', '{}', '2026-01-01T00:00:00Z');
`,
	// Rules edited before they were effective-dated (version 13): a
	// target, a DORA threshold and a setting, one row per key.
	2: `
UPDATE tier_targets SET target = 45 WHERE tier = 0 AND kpi = 'mttr_minutes';
UPDATE dora_bands SET threshold = 20 WHERE metric = 'lead_time_hours' AND band = 'elite';
INSERT INTO settings (key, value) VALUES ('noise_auto_resolve_minutes', '7');
`,
	// A connector with a run, an import and a reported reject: the
	// rebuild of version 20 keeps them.
	14: `
INSERT INTO connectors (id, name, kind, base_url, credential, since, status, cursor, created_at, updated_at)
  VALUES (1, 'pd', 'pagerduty', 'https://api.pagerduty.com', 'sealed', '2026-01-01T00:00:00Z', 'ok', '{"streams":{}}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
INSERT INTO connector_runs (id, connector_id, import_id, trigger, started_at, finished_at, status, inserted) VALUES (1, 1, 1, 'schedule', '2026-01-02T00:00:00Z', '2026-01-02T00:00:05Z', 'ok', 2);
INSERT INTO connector_rejects (connector_id, reason_hash) VALUES (1, 'abc');
`,
	// Prometheus sources of version 18 (one without authentication, with
	// a position for SLO 1; one with a sealed token): version 20 makes
	// them connectors.
	18: `
UPDATE slos SET query_type = 'prometheus', good_query = 'up{job="a"}', total_query = 'up' WHERE id = 1;
INSERT INTO prometheus_sources (id, name, base_url, auth, backfill_days, created_at) VALUES (1, 'prom', 'http://prom:9090', 'none', 30, '2026-02-01T10:00:00Z');
INSERT INTO prometheus_sources (id, name, base_url, auth, secret_sealed, backfill_days, created_at) VALUES (2, 'pd', 'https://prom.example', 'bearer', 'sealed', 90, '2026-02-01T10:00:00Z');
INSERT INTO prometheus_cursors (source_id, slo_id, last_day) VALUES (1, 1, '2026-01-31');
`,
	3: `INSERT INTO login_failures (email, client_addr, at) VALUES ('vp@example.com', '192.0.2.7', '2026-01-06T00:00:00Z');`,
	// Edits of imported action items as version 6 stored them: every field,
	// closed_at '' for "the user reopened it".
	6: `
INSERT INTO action_item_overrides (action_item_id, title, owner, due_at, closed_at, url, updated_by, updated_at) VALUES
  (2, 'Alert on 5xx', 'lead', '2026-02-15', '', '', 1, '2026-01-21T00:00:00Z'),
  (3, 'Shard the ledger', 'ops', '2026-03-01', '', '', 1, '2026-01-21T00:00:00Z');
`,
}

func versions(t *testing.T, db *sql.DB) []int64 {
	t.Helper()
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, s := range p.ListSources() {
		out = append(out, s.Version)
	}
	return out
}

func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_foreign_keys=on&_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}

// tableCounts counts the rows of every user table.
func tableCounts(t *testing.T, db *sql.DB) map[string]int {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	out := map[string]int{}
	for _, n := range names {
		var c int
		if err := db.QueryRow(`SELECT count(*) FROM "` + n + `"`).Scan(&c); err != nil {
			t.Fatal(err)
		}
		out[n] = c
	}
	return out
}

func checkHealthy(t *testing.T, db *sql.DB) {
	t.Helper()
	var res string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity_check: %q %v", res, err)
	}
	rows, err := db.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if rows.Next() {
		var table string
		var rowid sql.NullInt64
		var parent string
		var fkid int
		_ = rows.Scan(&table, &rowid, &parent, &fkid)
		t.Fatalf("foreign key violation: %s row %v → %s", table, rowid.Int64, parent)
	}
}

// TestMigrateFromEmpty applies every migration to a new file through the
// path the app uses at start-up.
func TestMigrateFromEmpty(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "empty.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	st.Close()
	db := openRaw(t, path)
	defer db.Close()
	latest, err := store.LatestSchemaVersion()
	if err != nil {
		t.Fatal(err)
	}
	vs := versions(t, db)
	if latest != vs[len(vs)-1] {
		t.Fatalf("LatestSchemaVersion %d, sources end at %d", latest, vs[len(vs)-1])
	}
	got, err := store.SchemaVersion(ctx, db)
	if err != nil || got != latest {
		t.Fatalf("schema version %d (%v), want %d", got, err, latest)
	}
	var targets int
	if err := db.QueryRow(`SELECT count(*) FROM tier_targets`).Scan(&targets); err != nil || targets == 0 {
		t.Fatalf("default tier targets: %d %v", targets, err)
	}
	checkHealthy(t, db)
}

// TestMigrateFromEveryVersion stops at each earlier schema version with
// rows written as that version allowed, then lets the app migrate the rest
// of the way, and checks that nothing was lost and the data still reads.
func TestMigrateFromEveryVersion(t *testing.T) {
	ctx := context.Background()
	probe := openRaw(t, filepath.Join(t.TempDir(), "probe.db"))
	all := versions(t, probe)
	probe.Close()
	for _, stop := range all[:len(all)-1] {
		t.Run(fmt.Sprintf("from-%d", stop), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "old.db")
			db := openRaw(t, path)
			p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.FS)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range all {
				if v > stop {
					break
				}
				if _, err := p.UpTo(ctx, v); err != nil {
					t.Fatalf("up to %d: %v", v, err)
				}
				if sqlText := fixtures[v]; sqlText != "" {
					if _, err := db.ExecContext(ctx, sqlText); err != nil {
						t.Fatalf("fixture for version %d: %v", v, err)
					}
				}
			}
			before := tableCounts(t, db)
			db.Close()

			st, err := store.Open(ctx, path)
			if err != nil {
				t.Fatalf("migrate from %d: %v", stop, err)
			}
			// The migrated data reads through the store like new data.
			if svc, err := st.ServiceByName(ctx, "checkout"); err != nil || svc.Tier != 0 {
				t.Errorf("service after migration: %+v %v", svc, err)
			}
			if u, err := st.UserByEmail(ctx, "LEAD@example.com"); err != nil || u.Role != "editor" {
				t.Errorf("user after migration: %+v %v", u, err)
			}
			if stop >= 2 {
				checkRulesKept(ctx, t, st)
			}
			st.Close()

			db = openRaw(t, path)
			defer db.Close()
			latest, _ := store.LatestSchemaVersion()
			if v, err := store.SchemaVersion(ctx, db); err != nil || v != latest {
				t.Fatalf("version after migration %d (%v), want %d", v, err, latest)
			}
			after := tableCounts(t, db)
			for table, n := range before {
				if moved[table] {
					continue
				}
				if after[table] < n {
					t.Errorf("table %s: %d rows before migrating from %d, %d after", table, n, stop, after[table])
				}
			}
			var title, fingerprint string
			var sev, version int
			if err := db.QueryRow(`SELECT i.title, o.severity, o.fingerprint, o.version FROM incidents i JOIN incident_overrides o ON o.incident_id = i.id WHERE i.id = 1`).
				Scan(&title, &sev, &fingerprint, &version); err != nil {
				t.Fatalf("incident and its override: %v", err)
			}
			if title != "Checkout 500s" || sev != 2 || fingerprint != "checkout-5xx" || version < 1 {
				t.Errorf("incident override after migration: %q sev %d %q version %d", title, sev, fingerprint, version)
			}
			if stop == 6 {
				checkActionItemOverrides(t, db)
			}
			if stop >= 18 && stop < 20 {
				checkPrometheusSourcesMoved(t, db)
			}
			checkHealthy(t, db)
		})
	}
}

// moved are tables a migration drops after moving their rows elsewhere
// (checked by their own check).
var moved = map[string]bool{"prometheus_sources": true, "prometheus_cursors": true}

// checkPrometheusSourcesMoved holds version 20: each Prometheus source is a
// prometheus connector; its positions are the cursor, with the queries they
// were read with; a sealed credential cannot move, so that connector is
// stopped until it is set again; a name taken by a connector gets a suffix.
func checkPrometheusSourcesMoved(t *testing.T, db *sql.DB) {
	t.Helper()
	type row struct{ name, base, cred, since, status, msg, cursor string }
	rows, err := db.Query(`SELECT name, base_url, credential, since, status, status_message, cursor FROM connectors WHERE kind = 'prometheus' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.name, &r.base, &r.cred, &r.since, &r.status, &r.msg, &r.cursor); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if len(got) != 2 {
		t.Fatalf("prometheus connectors %+v", got)
	}
	open, sealed := got[0], got[1]
	if open.name != "prom" || open.base != "http://prom:9090" || open.cred != "" || open.since != "2026-01-02T00:00:00Z" || open.status != "new" ||
		open.cursor != `{"streams":{"slos":{"1":{"last_day":"2026-01-31","good":"up{job=\"a\"}","bad":"","total":"up"}}}}` {
		t.Errorf("source without authentication became %+v", open)
	}
	if sealed.name != "pd (prometheus)" || sealed.cred != "" || sealed.status != "stopped" || !strings.Contains(sealed.msg, "set the bearer token again") ||
		sealed.cursor != `{"streams":{"slos":{}}}` {
		t.Errorf("source with a token became %+v", sealed)
	}
}

// checkRulesKept: rules edited before effective dating are in force since
// the beginning, so every month, old or new, reads the edited values.
func checkRulesKept(ctx context.Context, t *testing.T, st *store.Store) {
	t.Helper()
	book, err := st.Rules(ctx)
	if err != nil {
		t.Fatalf("rules after migration: %v", err)
	}
	for _, month := range []string{"2020-01", "2026-01"} {
		r := book.At(month)
		if tg, ok := r.Targets[0]["mttr_minutes"]; !ok || tg.Target != 45 {
			t.Errorf("%s: tier-0 MTTR target %+v (%v), want 45", month, tg, ok)
		}
		if r.Settings.NoiseAutoResolve != 7*time.Minute {
			t.Errorf("%s: noise auto-resolve %v, want 7m", month, r.Settings.NoiseAutoResolve)
		}
		found := false
		for _, b := range r.Bands {
			if b.Metric == "lead_time_hours" && b.Band == "elite" {
				found = b.Threshold == 20
			}
		}
		if !found {
			t.Errorf("%s: elite lead-time band %+v, want 20", month, r.Bands)
		}
	}
}

// checkActionItemOverrides holds the data conversion of version 7: an
// all-fields edit becomes per-field overrides, and an empty closed_at becomes an
// explicit reopen only where the source had closed the item.
func checkActionItemOverrides(t *testing.T, db *sql.DB) {
	t.Helper()
	type row struct {
		title, owner, due, closed, url sql.NullString
		reopened                       int
	}
	read := func(id int) row {
		var r row
		if err := db.QueryRow(`SELECT title, owner, due_at, closed_at, url, reopened FROM action_item_overrides WHERE action_item_id = ?`, id).
			Scan(&r.title, &r.owner, &r.due, &r.closed, &r.url, &r.reopened); err != nil {
			t.Fatalf("override %d: %v", id, err)
		}
		return r
	}
	// Item 2 was closed by the source: the edit reopened it and moved its due date.
	r2 := read(2)
	if r2.reopened != 1 || r2.closed.Valid || r2.title.Valid || r2.owner.Valid || r2.due.String != "2026-02-15" {
		t.Errorf("override of closed item: %+v", r2)
	}
	// Item 3 was open at the source: closed_at '' was an edit, not a reopen;
	// only the changed title still overrides.
	r3 := read(3)
	if r3.reopened != 0 || r3.closed.Valid || r3.title.String != "Shard the ledger" || r3.owner.Valid || r3.due.Valid {
		t.Errorf("override of open item: %+v", r3)
	}
}

// TestNewerDatabaseRefused: a database migrated by a newer sreport is not
// opened by an older binary, and the message says what to do.
func TestNewerDatabaseRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "future.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	latest, _ := store.LatestSchemaVersion()
	db := openRaw(t, path)
	if _, err := db.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, 1)`, latest+1); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = store.Open(ctx, path)
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("open of a newer database: %v, want ErrSchemaTooNew", err)
	}
	for _, want := range []string{fmt.Sprintf("schema version %d", latest+1), fmt.Sprintf("up to %d", latest), "newer"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
}
