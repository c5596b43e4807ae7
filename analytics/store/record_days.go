package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"

	"sreport/analytics"
)

// Record days (migration 00026) keep, per day, the deploys and pages the
// KPI engine loads packed in one blob (record_days_codec.go), so a
// quarter's report reads a thousand blobs instead of stepping 300,000
// rows through cgo. They are derived data and exact by construction:
//
//   - triggers on deploys and pages (recordDaysTriggers) mark the day of
//     the old and the new row dirty on every insert, update and delete,
//     whichever code writes — imports, rollbacks, edits, merges, cascades
//     of a service delete, the seed;
//   - a load (packedDeploys, packedPages) uses a day's blob only while
//     the day is clean, and reads dirty days from the records, in one
//     read transaction;
//   - RefreshRecordDays repacks dirty days in small write transactions,
//     and only packs a day whose records come back from the blob equal to
//     the records as loaded (reflect.DeepEqual); a day that cannot (a
//     time not in the canonical layout) is kept with a NULL blob and is
//     always read from the records.
//
// A day is the first ten characters of finished_at / triggered_at: the
// UTC date of a canonical timestamp, and for any text a prefix, so that
// every record of a day sorts after every record of the days before it.

// recordKind is a packed record table.
type recordKind struct {
	code  int    // record_days_dirty.kind
	table string // the records
	days  string // the blobs
	time  string // the time a day is taken from, an expression over from
	from  string // the records as the load joins them
}

var (
	deployDays   = recordKind{0, "deploys", "deploy_days", "finished_at", "deploys"}
	pageDays     = recordKind{1, "pages", "page_days", "triggered_at", "pages"}
	incidentDays = recordKind{2, "incidents", "incident_days", effectiveDetected, incidentFrom[len(" FROM "):]}
	recordKinds  = []recordKind{deployDays, pageDays, incidentDays}
)

// markDay is a trigger statement marking the day of time (an expression)
// dirty for kind k; a NULL time marks nothing. It tests for the row
// rather than relying on INSERT OR IGNORE: the conflict clause of the
// statement that fires a trigger overrides the trigger's own, so an
// upsert of a record would fail on a day already dirty.
func markDay(k recordKind, time string) string {
	return fmt.Sprintf(`INSERT INTO record_days_dirty (kind, day) SELECT %d, substr(%s, 1, 10) WHERE %[2]s IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM record_days_dirty WHERE kind = %[1]d AND day = substr(%[2]s, 1, 10));`, k.code, time)
}

// recordDaysTriggers are the triggers marking dirty days of the kinds,
// by name.
func recordDaysTriggers(kinds []recordKind) map[string]string {
	out := map[string]string{}
	add := func(table, event, body string) {
		name := "record_days_" + table + "_" + event
		out[name] = `CREATE TRIGGER ` + name + ` AFTER ` + strings.ToUpper(event) + ` ON ` + table + ` FOR EACH ROW BEGIN ` + body + ` END`
	}
	for _, k := range kinds {
		if k != incidentDays {
			mark := func(row string) string { return markDay(k, row+"."+k.time) }
			add(k.table, "insert", mark("NEW"))
			add(k.table, "update", mark("OLD")+` `+mark("NEW"))
			add(k.table, "delete", mark("OLD"))
			continue
		}
		// An incident's day is that of its effective detection,
		// COALESCE(override, imported): a write to either table marks the
		// days of both times, before and after — a superset of the old
		// and the new effective day, whichever of the two rows a cascade
		// removes first. A service's name is in every incident of it.
		incident := func(row string) string {
			return markDay(k, row+`.detected_at`) + ` ` + markDay(k, `(SELECT detected_at FROM incident_overrides WHERE incident_id = `+row+`.id)`)
		}
		override := func(row string) string {
			return markDay(k, row+`.detected_at`) + ` ` + markDay(k, `(SELECT detected_at FROM incidents WHERE id = `+row+`.incident_id)`)
		}
		service := func(row string) string {
			return fmt.Sprintf(`INSERT INTO record_days_dirty (kind, day) SELECT DISTINCT %d, substr(%s, 1, 10)
		FROM incidents i LEFT JOIN incident_overrides o ON o.incident_id = i.id WHERE i.service_id = %s.id AND %[2]s IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM record_days_dirty WHERE kind = %[1]d AND day = substr(%[2]s, 1, 10));`, k.code, effectiveDetected, row)
		}
		for _, w := range []struct {
			table string
			mark  func(string) string
		}{{"incidents", incident}, {"incident_overrides", override}} {
			add(w.table, "insert", w.mark("NEW"))
			add(w.table, "update", w.mark("OLD")+` `+w.mark("NEW"))
			add(w.table, "delete", w.mark("OLD"))
		}
		add("services", "insert", service("NEW"))
		add("services", "delete", service("OLD"))
		name := "record_days_services_update"
		out[name] = `CREATE TRIGGER ` + name + ` AFTER UPDATE OF id, name ON services FOR EACH ROW
		WHEN OLD.id IS NOT NEW.id OR OLD.name IS NOT NEW.name BEGIN ` + service("OLD") + ` ` + service("NEW") + ` END`
	}
	return out
}

// ensureRecordDaysTriggers creates the dirty-marking triggers of every
// kind whose days table exists when a trigger is missing or not as this
// version writes it (a migration just ran, a later migration rebuilt a
// table and so dropped them, another version defined them), marking
// every day of those kinds dirty in the same transaction: a write made
// while a trigger was missing is then never trusted to a blob. It drops
// the triggers of the kinds whose tables are gone (a migration rolled
// back).
func ensureRecordDaysTriggers(ctx context.Context, db *sql.DB) error {
	have := map[string]string{} // trigger → its CREATE statement
	tables := map[string]bool{}
	rows, err := db.QueryContext(ctx, `SELECT type, name, COALESCE(sql, '') FROM sqlite_master WHERE type IN ('table', 'trigger')`)
	if err != nil {
		return fmt.Errorf("store: record days triggers: %w", err)
	}
	for rows.Next() {
		var typ, name, create string
		if err := rows.Scan(&typ, &name, &create); err != nil {
			rows.Close()
			return fmt.Errorf("store: record days triggers: %w", err)
		}
		if typ == "trigger" {
			have[name] = create
		} else {
			tables[name] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: record days triggers: %w", err)
	}
	var kinds []recordKind
	if tables["record_days_dirty"] {
		for _, k := range recordKinds {
			if tables[k.days] {
				kinds = append(kinds, k)
			}
		}
	}
	want := recordDaysTriggers(kinds)
	var stmts []string
	for name := range recordDaysTriggers(recordKinds) {
		if _, ok := have[name]; ok && want[name] == "" {
			stmts = append(stmts, `DROP TRIGGER `+quoteIdent(name))
		}
	}
	// Blobs of another format (written by another version) are repacked;
	// a load would read their days from the records. The check reads, so
	// an up-to-date database opens without a write.
	for _, k := range kinds {
		stale := fmt.Sprintf(`SELECT %d, day FROM %s WHERE data IS NOT NULL AND substr(data, 1, 1) <> x'%02x'`, k.code, k.days, recordDaysFormat)
		var found bool
		if err := db.QueryRowContext(ctx, `SELECT EXISTS (`+stale+`)`).Scan(&found); err != nil {
			return fmt.Errorf("store: record days format: %w", err)
		}
		if found {
			stmts = append(stmts, `INSERT OR IGNORE INTO record_days_dirty (kind, day) `+stale)
		}
	}
	missing := false
	for name, create := range want {
		missing = missing || have[name] != create
	}
	if !missing {
		return execAll(ctx, db, stmts)
	}
	for name, create := range want {
		if _, ok := have[name]; ok {
			stmts = append(stmts, `DROP TRIGGER `+quoteIdent(name))
		}
		stmts = append(stmts, create)
	}
	for _, k := range kinds {
		stmts = append(stmts,
			fmt.Sprintf(`INSERT OR IGNORE INTO record_days_dirty (kind, day) SELECT DISTINCT %d, substr(%s, 1, 10) FROM %s WHERE %[2]s IS NOT NULL`, k.code, k.time, k.from),
			fmt.Sprintf(`INSERT OR IGNORE INTO record_days_dirty (kind, day) SELECT %d, day FROM %s`, k.code, k.days))
	}
	return execAll(ctx, db, stmts)
}

// execAll runs stmts in one transaction.
func execAll(ctx context.Context, db *sql.DB, stmts []string) error {
	if len(stmts) == 0 {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: record days triggers: %w", err)
	}
	defer tx.Rollback()
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("store: record days triggers: %s: %w", s, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: record days triggers: %w", err)
	}
	return nil
}

// recordDaysBatch is how many dirty days one write transaction of
// RefreshRecordDays packs: a few milliseconds of the writer at a time.
const recordDaysBatch = 32

// RefreshRecordDays packs every dirty record day and returns how many days
// it looked at. It writes in small transactions, so requests and
// webhooks are not held up behind it; loads are exact whether it has run
// or not, it only makes them cheaper.
func (s *Store) RefreshRecordDays(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.refreshRecordDays(ctx, recordDaysBatch)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// DirtyRecordDays counts the record days waiting to be packed.
func (s *Store) DirtyRecordDays(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM record_days_dirty`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count dirty record days: %w", err)
	}
	return n, nil
}

func (s *Store) refreshRecordDays(ctx context.Context, limit int) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT rowid, kind, typeof(day), CAST(day AS TEXT) FROM record_days_dirty ORDER BY kind, day LIMIT ?`, limit)
		if err != nil {
			return fmt.Errorf("store: dirty record days: %w", err)
		}
		type dirty struct {
			rowid    int64
			kind     int
			typ, day string
		}
		var ds []dirty
		for rows.Next() {
			var d dirty
			if err := rows.Scan(&d.rowid, &d.kind, &d.typ, &d.day); err != nil {
				rows.Close()
				return fmt.Errorf("store: dirty record days: %w", err)
			}
			ds = append(ds, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: dirty record days: %w", err)
		}
		for _, d := range ds {
			k := recordKinds[0]
			for _, c := range recordKinds {
				if c.code == d.kind {
					k = c
				}
			}
			// A day that is not text comes from a time stored as a blob,
			// which no load with text bounds reads: nothing to pack.
			if d.typ == "text" {
				if err := packDay(ctx, tx, k, d.day); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM record_days_dirty WHERE rowid = ?`, d.rowid); err != nil {
				return fmt.Errorf("store: clean record day: %w", err)
			}
		}
		n = len(ds)
		return nil
	})
	return n, err
}

// plainDay reports whether day is ten ASCII bytes: then its records are
// exactly those whose time lies in [day, dayEnd(day)).
func plainDay(day string) bool {
	if len(day) != 10 {
		return false
	}
	for i := 0; i < len(day); i++ {
		if day[i] >= 0x80 || day[i] == 0x7f {
			return false
		}
	}
	return true
}

// dayEnd is the least text greater than every text starting with the
// plain day.
func dayEnd(day string) string { return day[:9] + string(day[9]+1) }

// packDay writes k's blob for day from the records, in tx.
func packDay(ctx context.Context, tx *sql.Tx, k recordKind, day string) error {
	if !plainDay(day) {
		// Loads never use such a day's blob (they read the records); keep
		// a NULL one so that a load sees the day exists.
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+k.from+` WHERE substr(`+k.time+`, 1, 10) = ?`, day).Scan(&n); err != nil {
			return fmt.Errorf("store: pack %s day %q: %w", k.table, day, err)
		}
		return putDay(ctx, tx, k, day, n, nil)
	}
	var (
		n    int
		blob []byte
		err  error
	)
	switch k {
	case deployDays:
		n, blob, err = packDeployDay(ctx, tx, day)
	case pageDays:
		n, blob, err = packPageDay(ctx, tx, day)
	default:
		n, blob, err = packIncidentDay(ctx, tx, day)
	}
	if err != nil {
		return err
	}
	return putDay(ctx, tx, k, day, n, blob)
}

func putDay(ctx context.Context, tx *sql.Tx, k recordKind, day string, n int, blob []byte) error {
	var err error
	if n == 0 {
		_, err = tx.ExecContext(ctx, `DELETE FROM `+k.days+` WHERE day = ?`, day)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO `+k.days+` (day, n, data) VALUES (?, ?, ?)
			ON CONFLICT (day) DO UPDATE SET n = excluded.n, data = excluded.data`, day, n, blob)
	}
	if err != nil {
		return fmt.Errorf("store: write %s day %s: %w", k.table, day, err)
	}
	return nil
}

// canonicalTime reports whether s is a timestamp stored in TimeLayout,
// which comes back the same from its unix seconds.
func canonicalTime(s string) bool {
	if len(s) != len(TimeLayout) {
		return false
	}
	t, err := time.Parse(TimeLayout, s)
	return err == nil && FormatTime(t) == s
}

func canonicalNullTime(ns sql.NullString) bool {
	return !ns.Valid || ns.String == "" || canonicalTime(ns.String)
}

// everything keeps every record.
var everything = dayFilter{from: math.MinInt64, to: math.MaxInt64, all: true}

// packDeployDay loads day's deploys as leanDeploys does and packs them;
// the blob is nil when they cannot be packed exactly.
func packDeployDay(ctx context.Context, tx *sql.Tx, day string) (int, []byte, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+leanDeployCols+` FROM deploys d WHERE d.finished_at >= ? AND d.finished_at < ? ORDER BY d.finished_at, d.id`, day, dayEnd(day))
	if err != nil {
		return 0, nil, fmt.Errorf("store: pack deploys of %s: %w", day, err)
	}
	defer rows.Close()
	var (
		names interner
		row   leanDeployRow
		ds    []analytics.Deploy
	)
	exact := true
	for rows.Next() {
		if err := row.scan(rows); err != nil {
			return 0, nil, fmt.Errorf("store: pack deploys of %s: %w", day, err)
		}
		d, err := row.deploy(&names)
		exact = exact && err == nil && canonicalTime(string(row.finished)) && canonicalNullTime(row.commit)
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("store: pack deploys of %s: %w", day, err)
	}
	if !exact || len(ds) == 0 {
		return len(ds), nil, nil
	}
	blob := encodeDeploys(ds)
	var sl daySlabs
	back, err := decodeDeploys(blob, &everything, &sl, nil)
	if err != nil || !reflect.DeepEqual(back, ds) {
		return len(ds), nil, nil
	}
	return len(ds), blob, nil
}

// packPageDay loads day's pages as leanPages does and packs them; the
// blob is nil when they cannot be packed exactly.
func packPageDay(ctx context.Context, tx *sql.Tx, day string) (int, []byte, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+leanPageCols+` FROM pages p WHERE p.triggered_at >= ? AND p.triggered_at < ? ORDER BY p.triggered_at, p.id`, day, dayEnd(day))
	if err != nil {
		return 0, nil, fmt.Errorf("store: pack pages of %s: %w", day, err)
	}
	defer rows.Close()
	var (
		names interner
		row   leanPageRow
		ps    []analytics.Page
	)
	exact := true
	for rows.Next() {
		if err := row.scan(rows); err != nil {
			return 0, nil, fmt.Errorf("store: pack pages of %s: %w", day, err)
		}
		p, err := row.page(&names)
		exact = exact && err == nil && canonicalTime(string(row.triggered)) && canonicalNullTime(row.ack) && canonicalNullTime(row.resolved)
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("store: pack pages of %s: %w", day, err)
	}
	if !exact || len(ps) == 0 {
		return len(ps), nil, nil
	}
	blob := encodePages(ps)
	var sl daySlabs
	back, err := decodePages(blob, &everything, &sl, nil)
	if err != nil || !reflect.DeepEqual(back, ps) {
		return len(ps), nil, nil
	}
	return len(ps), blob, nil
}

// MaintainRecordDays packs dirty record days until ctx ends, for a
// long-running server. Every interval it looks at the dirty set, and
// packs once the set has not changed for a whole interval — so an import
// running in another process is not slowed by repacking the days it is
// still writing — or after ten intervals of steady change (a trickle of
// webhooks). It holds no connection between looks. Errors go to report
// and the next interval tries again.
func (s *Store) MaintainRecordDays(ctx context.Context, interval time.Duration, report func(error)) {
	type mark struct{ n, top int64 }
	last, waited := mark{-1, -1}, 0
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// A write to a day not yet dirty adds a row with a new rowid.
		var m mark
		if err := s.db.QueryRowContext(ctx, `SELECT count(*), COALESCE(max(rowid), 0) FROM record_days_dirty`).Scan(&m.n, &m.top); err != nil {
			if ctx.Err() == nil {
				report(fmt.Errorf("store: record days maintainer: %w", err))
			}
			continue
		}
		if m.n == 0 {
			last, waited = m, 0
			continue
		}
		if m != last && waited < 10 {
			last = m
			waited++
			continue
		}
		last, waited = mark{-1, -1}, 0
		if _, err := s.RefreshRecordDays(ctx); err != nil && ctx.Err() == nil {
			report(err)
		}
	}
}
