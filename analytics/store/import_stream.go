package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"sreport/analytics"
	"sreport/analytics/imports"
)

// ApplyStream applies one file whose records a parser hands over one at a
// time (feed runs the parser with the sink it is given, ingest.Stream), so
// a file of any size is applied in bounded memory: every record is written
// when it is read, inside the file's one transaction, and nothing of the
// file is held but its rejected rows (at most MaxRowErrors listed) and the
// services it names. The result is the one ApplyBatch gives for the same
// file, with the same all-or-nothing rule, dry run, bookkeeping and
// rollback:
//   - a key that occurs again (the last occurrence wins, as in a batch) is
//     found in the database: the earlier row's insert, update or row error
//     is undone when the later one is written, and one warning per kind
//     counts them, as a batch's does;
//   - service names are resolved (or created) when a record first names
//     them; an unknown one lists its first lines and counts its rows.
//
// When feed returns a batch without having streamed (a format that needs
// the whole file, ingest.Streams), the batch is applied with ApplyBatch.
func (s *Store) ApplyStream(ctx context.Context, opt ApplyOptions, feed func(imports.Sink) (*imports.Batch, error)) (ImportResult, error) {
	k := &streamSink{s: s, ctx: ctx, opt: opt, start: time.Now()}
	defer func() {
		if k.a != nil {
			k.a.abort()
		}
	}()
	b, err := feed(k)
	if err != nil {
		if k.a != nil {
			return *k.a.res, err
		}
		return ImportResult{FileName: opt.FileName, DryRun: opt.DryRun}, err
	}
	if k.a == nil {
		return s.ApplyBatch(ctx, b, opt)
	}
	a, st := k.a, k.a.stream
	if k.pg != nil {
		a.pageWarnings(k.pg)
	}
	if k.ai != nil {
		a.actionItemWarnings(k.ai)
	}
	warnings := st.dupWarnings()
	warnings = append(warnings, b.Warnings...)
	a.res.Warnings = append(warnings, a.res.Warnings...)
	st.parseRejects = len(b.Rejects)
	dups := 0
	for _, n := range st.dups {
		dups += n
	}
	a.res.Records = st.records - dups - st.invalid
	for _, r := range b.Rejects {
		a.res.Errors = append(a.res.Errors, RowError{Line: r.Line, Reason: r.Reason})
	}
	if _, err := a.tx.ExecContext(ctx, `DROP TABLE temp.import_seen`); err != nil {
		return *a.res, fmt.Errorf("store: drop import_seen: %w", err)
	}
	err = a.commit(k.start)
	return *a.res, err
}

// Outcomes of an earlier occurrence of a key that the database does not
// show by the row's import_id (temp.import_seen).
const (
	seenUnchanged = 1
	seenFailed    = 2
	seenInvalid   = 3 // rejected for a field over its limit: not a record of the file
)

// streamState is what a streamed file keeps beside the applier: counts,
// the record being written, and the statements of temp.import_seen, which
// holds the keys of rows that were unchanged or rejected (an insert or
// update is known by the row's import_id), so a later row with the same key
// can undo them.
type streamState struct {
	errs, parseRejects int            // store-time and parse-time rejected rows
	unknownAt          map[string]int // unknown service name → index in Unknown
	nSeen, nFailed     int            // rows of import_seen, of which rejected
	records, invalid   int            // records streamed; of the last occurrences, those over a field limit

	dups     map[string]int      // kind → duplicate rows
	dupIDs   map[string][]string // kind → the first few duplicate ids
	dupOrder []string

	// The record being written.
	what, fileKey string
	line          int
	u             *upserter
	dbKey         []any
	consumed      bool // an import_seen entry of its key was undone already
	counted       bool // counted as a duplicate
	errService    string

	seenSel, seenPut, seenDel, changeSel *sql.Stmt
}

func (st *streamState) rejected() int { return st.errs + st.parseRejects }

// dup counts the record being written as a duplicate of an earlier row.
func (st *streamState) dup() {
	if st.counted {
		return
	}
	st.counted = true
	if _, ok := st.dups[st.what]; !ok {
		st.dupOrder = append(st.dupOrder, st.what)
	}
	st.dups[st.what]++
	if len(st.dupIDs[st.what]) < 5 {
		st.dupIDs[st.what] = append(st.dupIDs[st.what], strings.SplitN(st.fileKey, ":", 2)[1])
	}
}

// dupWarnings are a batch's duplicate warnings (ingest's dedupe), in its
// order of kinds.
func (st *streamState) dupWarnings() []string {
	var out []string
	for _, what := range []string{"incidents", "deploys", "pages", "SLI days", "toil weeks", "action items"} {
		if n := st.dups[what]; n > 0 {
			out = append(out, fmt.Sprintf("%d duplicate %s in the file; the last occurrence of each was kept (e.g. %s)",
				n, what, strings.Join(st.dupIDs[what], ", ")))
		}
	}
	return out
}

// prior is what an earlier row of the file with the same key did to the
// stored record.
type prior struct {
	fresh  bool          // it inserted the record
	change int64         // its import_changes update (0 = none); the row's before image is then in cur
	imp    sql.NullInt64 // with change: the import_id before it
}

// prior finds the effect of an earlier row with the key of the record being
// written on the stored row (id, imp, cur as read). For an update, cur is
// replaced by the values before it, so this row is compared with what was
// stored before the import, as it would be alone.
func (st *streamState) prior(a *applier, u *upserter, id int64, imp sql.NullInt64, cur []any) (prior, error) {
	if !imp.Valid || imp.Int64 != a.importID {
		return prior{}, st.takeSeen(a)
	}
	st.dup()
	var change int64
	var before string
	err := st.changeSel.QueryRowContext(a.ctx, u.e.table, id, a.importID).Scan(&change, &before)
	if errors.Is(err, sql.ErrNoRows) {
		return prior{fresh: true}, nil
	}
	if err != nil {
		return prior{}, fmt.Errorf("store: look up earlier change of %s %d: %w", u.e.table, id, err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(before), &m); err != nil {
		return prior{}, fmt.Errorf("store: read earlier change of %s %d: %w", u.e.table, id, err)
	}
	for i, c := range u.e.cols {
		cur[i] = norm(m[c])
	}
	p := prior{change: change}
	if v, ok := norm(m["import_id"]).(int64); ok {
		p.imp = sql.NullInt64{Int64: v, Valid: true}
	}
	return p, nil
}

// restore puts back the row an earlier update of the file changed (cur
// holds its before image) and drops that update's import_changes row.
func (st *streamState) restore(a *applier, u *upserter, id int64, p prior, cur []any) error {
	var imp any
	if p.imp.Valid {
		imp = p.imp.Int64
	}
	if _, err := u.upd.ExecContext(a.ctx, append(append([]any{}, cur...), imp, id)...); err != nil {
		return fmt.Errorf("store: restore %s %d: %w", u.e.table, id, err)
	}
	if _, err := a.tx.ExecContext(a.ctx, `DELETE FROM import_changes WHERE rowid = ?`, p.change); err != nil {
		return fmt.Errorf("store: drop change of %s %d: %w", u.e.table, id, err)
	}
	return nil
}

// takeSeen undoes an earlier unchanged or rejected row with the key of the
// record being written.
func (st *streamState) takeSeen(a *applier) error {
	if st.nSeen == 0 || st.consumed {
		return nil
	}
	var outcome, line int
	var service string
	err := st.seenSel.QueryRowContext(a.ctx, st.fileKey).Scan(&outcome, &line, &service)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: look up earlier row of %s: %w", st.fileKey, err)
	}
	if _, err := st.seenDel.ExecContext(a.ctx, st.fileKey); err != nil {
		return fmt.Errorf("store: drop earlier row of %s: %w", st.fileKey, err)
	}
	st.consumed = true
	st.nSeen--
	st.dup()
	switch outcome {
	case seenUnchanged:
		a.res.Unchanged--
	case seenInvalid:
		st.invalid--
		st.nFailed--
		st.retractErr(a, line, service)
	case seenFailed:
		st.nFailed--
		st.retractErr(a, line, service)
	}
	return nil
}

// retractErr takes back a rejected row that a later row with its key
// replaces: its error, and its line of an unknown service.
func (st *streamState) retractErr(a *applier, line int, service string) {
	st.errs--
	if i := slices.IndexFunc(a.res.Errors, func(e RowError) bool { return e.Line == line }); i >= 0 {
		a.res.Errors = slices.Delete(a.res.Errors, i, i+1)
	}
	i, ok := st.unknownAt[service]
	if service == "" || !ok {
		return
	}
	u := &a.res.Unknown[i]
	u.Rows--
	if j := slices.Index(u.Lines, line); j >= 0 {
		u.Lines = slices.Delete(u.Lines, j, j+1)
	}
	if u.Rows > 0 {
		return
	}
	a.res.Unknown = slices.Delete(a.res.Unknown, i, i+1)
	clear(st.unknownAt)
	for j, u := range a.res.Unknown {
		st.unknownAt[u.Name] = j
	}
}

// put remembers the record being written as unchanged or rejected.
func (st *streamState) put(a *applier, outcome int) error {
	if _, err := st.seenPut.ExecContext(a.ctx, st.fileKey, outcome, st.line, st.errService); err != nil {
		return fmt.Errorf("store: remember row of %s: %w", st.fileKey, err)
	}
	st.nSeen++
	switch outcome {
	case seenInvalid:
		st.invalid++
		st.nFailed++
	case seenFailed:
		st.nFailed++
	}
	return nil
}

// inserted: a record was inserted; an earlier row of its key can only
// have been rejected.
func (a *applier) inserted() error {
	if a.stream == nil || a.stream.nFailed == 0 {
		return nil
	}
	return a.stream.takeSeen(a)
}

// unchanged: a record was found unchanged, which its row does not show.
func (a *applier) unchanged() error {
	if a.stream == nil {
		return nil
	}
	return a.stream.put(a, seenUnchanged)
}

// failed: the record being written was rejected. Whatever an earlier row
// with its key did is undone (a rejected last occurrence imports nothing),
// and the rejection is remembered for a later row with the key.
func (st *streamState) failed(a *applier, outcome int) error {
	if st.u != nil && st.dbKey != nil && !st.consumed {
		if err := st.undoWrite(a); err != nil {
			return err
		}
	}
	if err := st.takeSeen(a); err != nil {
		return err
	}
	return st.put(a, outcome)
}

// children are the rows of other tables an import links to a record it
// inserted (backLink), which go back to unlinked when the record does.
var children = map[string]struct{ table, col string }{
	"incidents": {"pages", "incident_id"},
	"deploys":   {"incidents", "caused_by_deploy_id"},
}

// undoWrite undoes an earlier row's insert or update of the record being
// written.
func (st *streamState) undoWrite(a *applier) error {
	u := st.u
	id, imp, cur, err := u.lookup(a.ctx, st.dbKey)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: look up %s: %w", st.fileKey, err)
	}
	p, err := st.prior(a, u, id, imp, cur)
	if err != nil || (!p.fresh && p.change == 0) {
		return err
	}
	if p.change != 0 {
		a.res.Updated--
		return st.restore(a, u, id, p, cur)
	}
	if c, ok := children[u.e.table]; ok {
		rows, err := a.tx.QueryContext(a.ctx, `SELECT id FROM `+c.table+` WHERE `+c.col+` = ?`, id)
		if err != nil {
			return fmt.Errorf("store: find %s linked to %s: %w", c.table, st.fileKey, err)
		}
		var linked []int64
		for rows.Next() {
			var x int64
			if err := rows.Scan(&x); err != nil {
				rows.Close()
				return err
			}
			linked = append(linked, x)
		}
		rows.Close()
		for _, x := range linked {
			if _, err := a.tx.ExecContext(a.ctx, `UPDATE `+c.table+` SET `+c.col+` = NULL WHERE id = ?`, x); err != nil {
				return fmt.Errorf("store: unlink %s %d: %w", c.table, x, err)
			}
			if _, err := a.tx.ExecContext(a.ctx, `DELETE FROM import_changes WHERE import_id = ? AND entity = ? AND entity_id = ? AND action = 'update'`,
				a.importID, c.table, x); err != nil {
				return fmt.Errorf("store: drop link change of %s %d: %w", c.table, x, err)
			}
			a.res.Linked--
		}
	}
	if _, err := a.tx.ExecContext(a.ctx, `DELETE FROM `+u.e.table+` WHERE `+u.e.idCol+` = ?`, id); err != nil {
		return fmt.Errorf("store: undo insert of %s: %w", st.fileKey, err)
	}
	a.res.Inserted--
	return nil
}

// streamSink is the imports.Sink of ApplyStream: Begin opens the file's
// transaction, each record is written as it comes.
type streamSink struct {
	s     *Store
	ctx   context.Context
	opt   ApplyOptions
	start time.Time
	a     *applier

	dep *deployWriter
	inc *incidentWriter
	pg  *pageWriter
	ai  *actionItemWriter
	sli *sliWriter
	tw  *toilWriter
}

// Begin implements imports.Sink.
func (k *streamSink) Begin(h imports.Header) error {
	if k.a != nil {
		return errors.New("store: stream begun twice")
	}
	tx, err := k.s.w.BeginTx(k.ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin import: %w", err)
	}
	res := &ImportResult{Format: h.Format, Source: h.Source, FileName: k.opt.FileName, DryRun: k.opt.DryRun, ServiceNames: map[string]string{}}
	st := &streamState{unknownAt: map[string]int{}, dups: map[string]int{}, dupIDs: map[string][]string{}}
	a := &applier{ctx: k.ctx, tx: tx, opt: k.opt, res: res, stream: st,
		b: &imports.Batch{Format: h.Format, Source: h.Source, KeepStored: h.KeepStored, Lines: map[string]int{}}}
	k.a = a
	if err := a.begin(k.start); err != nil {
		return err
	}
	if err := a.loadCatalogue(); err != nil {
		return err
	}
	// The keys of rows a later row may replace, in SQLite's temporary
	// store (a file, paged through its cache), not in memory.
	if _, err := tx.ExecContext(k.ctx, `CREATE TEMP TABLE IF NOT EXISTS import_seen (key TEXT PRIMARY KEY, outcome INTEGER NOT NULL,
		line INTEGER NOT NULL, service TEXT NOT NULL) WITHOUT ROWID`); err != nil {
		return fmt.Errorf("store: create import_seen: %w", err)
	}
	if _, err := tx.ExecContext(k.ctx, `DELETE FROM temp.import_seen`); err != nil {
		return fmt.Errorf("store: clear import_seen: %w", err)
	}
	for _, p := range []struct {
		st **sql.Stmt
		q  string
	}{
		{&st.seenSel, `SELECT outcome, line, service FROM temp.import_seen WHERE key = ?`},
		{&st.seenPut, `INSERT OR REPLACE INTO temp.import_seen (key, outcome, line, service) VALUES (?, ?, ?, ?)`},
		{&st.seenDel, `DELETE FROM temp.import_seen WHERE key = ?`},
		{&st.changeSel, `SELECT rowid, before_json FROM import_changes WHERE entity = ? AND entity_id = ? AND import_id = ? AND action = 'update'`},
	} {
		if *p.st, err = a.stmt(p.q); err != nil {
			return fmt.Errorf("store: prepare: %w", err)
		}
	}
	return nil
}

// record writes one streamed record: why is its field-limit fault ("" =
// none), dbKey its key in the table when known before writing, write
// writes it. A rejected record undoes an earlier row with its key.
func (k *streamSink) record(what, fileKey string, u *upserter, dbKey []any, line int, why string, write func() error) error {
	a := k.a
	st := a.stream
	a.tick()
	st.what, st.fileKey, st.line, st.u, st.dbKey = what, fileKey, line, u, dbKey
	st.consumed, st.counted, st.errService = false, false, ""
	st.records++
	if why != "" {
		a.addErr(RowError{Line: line, Reason: why})
		return st.failed(a, seenInvalid)
	}
	before := st.errs
	if err := write(); err != nil {
		return err
	}
	if st.errs > before {
		return st.failed(a, seenFailed)
	}
	return nil
}

// The record kinds of imports.Sink; each prepares its statements on its
// first record.

// Incident implements imports.Sink.
func (k *streamSink) Incident(line int, x analytics.Incident) error {
	if k.inc == nil {
		var err error
		if k.inc, err = k.a.incidentWriter(); err != nil {
			return err
		}
	}
	return k.keyed(k.inc.u, "incidents", imports.IncidentKey(x.ExternalID), x.ExternalID, line, imports.CheckIncident(x),
		func() error { return k.a.writeIncident(k.inc, line, x) })
}

// Deploy implements imports.Sink.
func (k *streamSink) Deploy(line int, x analytics.Deploy) error {
	if k.dep == nil {
		var err error
		if k.dep, err = k.a.deployWriter(); err != nil {
			return err
		}
	}
	return k.keyed(k.dep.u, "deploys", imports.DeployKey(x.ExternalID), x.ExternalID, line, imports.CheckDeploy(x),
		func() error { return k.a.writeDeploy(k.dep, line, x) })
}

// Page implements imports.Sink.
func (k *streamSink) Page(line int, x analytics.Page) error {
	if k.pg == nil {
		var err error
		if k.pg, err = k.a.pageWriter(); err != nil {
			return err
		}
	}
	return k.keyed(k.pg.u, "pages", imports.PageKey(x.ExternalID), x.ExternalID, line, imports.CheckPage(x),
		func() error { return k.a.writePage(k.pg, line, x) })
}

// ActionItem implements imports.Sink.
func (k *streamSink) ActionItem(line int, x analytics.ActionItem) error {
	if k.ai == nil {
		u, err := k.a.prepare(entActionItems)
		if err != nil {
			return err
		}
		k.ai = &actionItemWriter{u: u}
	}
	return k.keyed(k.ai.u, "action items", imports.ActionItemKey(x.ExternalID), x.ExternalID, line, imports.CheckActionItem(x),
		func() error { return k.a.writeActionItem(k.ai, line, x) })
}

// SLIDay implements imports.Sink.
func (k *streamSink) SLIDay(line int, x analytics.SLIDay) error {
	if k.sli == nil {
		u, err := k.a.prepare(entSLI)
		if err != nil {
			return err
		}
		k.sli = &sliWriter{u: u, slos: map[sloKey]int64{}}
	}
	// Its key in the table (SLO id, day) is known once its service is.
	return k.record("SLI days", imports.SLIKey(x), nil, nil, line, imports.CheckSLIDay(x),
		func() error { return k.a.writeSLIDay(k.sli, line, x) })
}

// Toil implements imports.Sink.
func (k *streamSink) Toil(line int, x analytics.ToilWeek) error {
	if k.tw == nil {
		u, err := k.a.prepare(entToil)
		if err != nil {
			return err
		}
		k.tw = &toilWriter{u: u, teams: map[string]int64{}}
	}
	return k.record("toil weeks", imports.ToilKey(x), nil, nil, line, imports.CheckToil(x),
		func() error { return k.a.writeToil(k.tw, line, x) })
}

// keyed records a record whose table key is (source, external id).
func (k *streamSink) keyed(u *upserter, what, fileKey, externalID string, line int, why string, write func() error) error {
	return k.record(what, fileKey, u, []any{k.a.b.Source, externalID}, line, why, write)
}
