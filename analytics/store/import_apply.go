package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"sreport/analytics/imports"
)

// DefaultObjective is the objective of an SLO created by an import when
// neither the file nor the options give one.
const DefaultObjective = 0.999

// DefaultNewServiceTier is the tier of services an import creates.
const DefaultNewServiceTier = 2

// ApplyOptions tunes ApplyBatch.
type ApplyOptions struct {
	UserID   int64  // signed-in user (0 = none, e.g. the CLI)
	Actor    string // who ran it, shown in the history ("alice@example.com", "cli:bob")
	FileName string
	SHA256   string
	// SHA256Of, when set, gives SHA256 once the file has been read: a
	// streamed file's hash is known only after its last record.
	SHA256Of func() string
	// CreateServices creates every service name that is neither an alias
	// nor an existing service; Create names only some of them.
	CreateServices bool
	Create         []string
	Tier           *int // tier of created services; nil = DefaultNewServiceTier
	// ServiceMap maps a name in the file to an existing service; each entry
	// is saved as a service alias so later imports reuse it. An alias
	// applies to every source unless SourceOnly names it: then only to the
	// batch's source.
	ServiceMap map[string]string
	SourceOnly map[string]bool
	Objective  float64 // objective of SLOs created without one in the file; 0 = DefaultObjective
	// SkipInvalid imports the valid rows of a batch that has rejected rows;
	// without it a batch with any rejected row writes nothing.
	SkipInvalid bool
	// DryRun computes every count and rolls back.
	DryRun bool
	// SkipUnchanged records nothing when the batch would change nothing
	// (every record unchanged): a repeated API request or webhook delivery
	// leaves no import, audit row or commit behind.
	SkipUnchanged bool
	// Progress, when set, is called every few hundred records with how many
	// of the batch's records were written.
	Progress func(done, total int)
	// Audit says who runs the import and from where (web: Handler.Audit,
	// CLI: actor "cli"); ApplyBatch fills in the rest and writes one summary
	// row in the import's transaction. A dry run writes none.
	Audit Audit
}

// RowError is one row that was not imported, with its source line.
// Service is set when the row's only fault is a service name the
// catalogue does not know (also listed in ImportResult.Unknown).
type RowError struct {
	Line    int    `json:"line"`
	Reason  string `json:"reason"`
	Service string `json:"service,omitempty"`
}

// UnknownService is a service name of a batch that matches no service or
// alias, with the lines that use it. NotCreated says why it was not
// created although creation was asked for (it breaks
// analytics.CheckServiceName), so it can only be mapped.
type UnknownService struct {
	Name string
	// Lines are the lines that name it: all of them for a batch
	// (ApplyBatch), the first maxUnknownLines for a stream (ApplyStream);
	// Rows counts them all.
	Lines      []int
	Rows       int
	NotCreated string
}

// maxUnknownLines is how many lines of one unknown service a streamed
// file's result lists; Rows counts them all.
const maxUnknownLines = 100

// MaxRowErrors is how many rejected rows a streamed file's result lists
// (ApplyStream), the first by line; ImportResult.Rejected counts them all.
// A batch lists every one.
const MaxRowErrors = 1000

// ImportResult is what ApplyBatch did (or, for a dry run or a refused batch,
// would have done).
type ImportResult struct {
	ImportID  int64 // 0 unless applied
	Format    string
	Source    string
	FileName  string
	Records   int // records of the file, duplicates and rows over a field limit not counted
	Inserted  int
	Updated   int
	Unchanged int
	Rejected  int        // rows not imported; a streamed file lists the first MaxRowErrors in Errors
	Removed   int        // stand-in pages of earlier imports this batch showed are not pages (PagerDuty triggers)
	Linked    int        // rows of earlier imports linked to this batch's records (pages → incidents, incidents → deploys)
	Errors    []RowError // the rejected rows, by line
	Warnings  []string
	Unknown   []UnknownService
	Created   []string // services created
	// ServiceNames maps every service name of the file that resolved (by
	// a mapping, an alias, its own name or creation) to the catalogue's
	// name, so a preview shows records as they will be stored.
	ServiceNames map[string]string
	SLOs         []SLOChange // what the batch's SLO definitions change (in file order)
	DryRun       bool
	Applied      bool
	Took         time.Duration
}

// ImportError is returned by ApplyBatch when rows cannot be imported and
// SkipInvalid is off: nothing was written.
type ImportError struct {
	Errors   []RowError
	Unknown  []UnknownService
	Rejected int // rejected rows, of which Errors lists the first (a streamed file lists at most MaxRowErrors)
}

func (e *ImportError) Error() string {
	var b strings.Builder
	b.WriteString("nothing imported: ")
	if len(e.Unknown) > 0 {
		b.WriteString("unknown services ")
		for i, u := range e.Unknown {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q (%s)", u.Name, linesText(u.Lines, u.Rows))
		}
		b.WriteString(" — map them to existing services or create them; ")
	}
	rejected := max(e.Rejected, len(e.Errors))
	fmt.Fprintf(&b, "%d rejected rows", rejected)
	for i, r := range e.Errors {
		if i == 5 {
			fmt.Fprintf(&b, "; … (%d more)", rejected-5)
			break
		}
		fmt.Fprintf(&b, "; line %d: %s", r.Line, r.Reason)
	}
	return b.String()
}

// linesText names the lines of an unknown service: rows is how many there
// are, of which lines holds the first (or all).
func linesText(lines []int, rows int) string {
	rows = max(rows, len(lines))
	if rows == 1 && len(lines) == 1 {
		return "line " + strconv.Itoa(lines[0])
	}
	parts := make([]string, 0, min(len(lines), 10))
	for i, l := range lines {
		if i == 10 {
			break
		}
		parts = append(parts, strconv.Itoa(l))
	}
	if rows > len(parts) {
		parts = append(parts, fmt.Sprintf("… %d lines in all", rows))
	}
	return "lines " + strings.Join(parts, ", ")
}

// applier carries one ApplyBatch run.
type applier struct {
	ctx      context.Context
	tx       *sql.Tx
	b        *imports.Batch
	opt      ApplyOptions
	res      *ImportResult
	importID int64
	stmts    []*sql.Stmt
	// committed says the transaction was committed (abort rolls back otherwise).
	committed bool

	services map[string]int64  // service name in the file → id (resolved)
	refused  map[string]string // names creation was asked for but the naming rule refuses → why
	cat      *catalogue        // services and aliases, once resolution started
	stream   *streamState      // set for ApplyStream: duplicates and errors of a file not held
	change   *sql.Stmt
	incByRef *sql.Stmt
	respOf   map[string]*sql.Stmt // table → its stored responders by key (responders.go)
	done     int
	total    int
}

func (a *applier) close() {
	for _, s := range a.stmts {
		s.Close()
	}
	a.stmts, a.respOf = nil, nil
}

func (a *applier) rowErr(line int, format string, args ...any) {
	a.addErr(RowError{Line: line, Reason: fmt.Sprintf(format, args...)})
}

// addErr records a rejected row: every one of a batch; of a stream, the
// first MaxRowErrors, and a count of all.
func (a *applier) addErr(e RowError) {
	if a.stream == nil {
		a.res.Errors = append(a.res.Errors, e)
		return
	}
	a.stream.errs++
	a.stream.errService = e.Service
	if len(a.res.Errors) < MaxRowErrors {
		a.res.Errors = append(a.res.Errors, e)
	}
}

func (a *applier) tick() {
	a.done++
	if a.opt.Progress != nil && (a.done%500 == 0 || a.done == a.total) {
		a.opt.Progress(a.done, a.total)
	}
}

// stmt prepares q inside the import's transaction and keeps it for closing.
func (a *applier) stmt(q string) (*sql.Stmt, error) {
	st, err := a.tx.PrepareContext(a.ctx, q)
	if err == nil {
		a.stmts = append(a.stmts, st)
	}
	return st, err
}

// exists runs a SELECT EXISTS query.
func (a *applier) exists(q string, args ...any) (bool, error) {
	var ok bool
	if err := a.tx.QueryRowContext(a.ctx, q, args...).Scan(&ok); err != nil {
		return false, fmt.Errorf("store: %w", err)
	}
	return ok, nil
}

func (a *applier) record(table string, id int64, action string, before map[string]any) error {
	var bj any
	if before != nil {
		j, err := json.Marshal(before)
		if err != nil {
			return err
		}
		bj = string(j)
	}
	if _, err := a.change.ExecContext(a.ctx, a.importID, table, id, action, bj); err != nil {
		return fmt.Errorf("store: record import change: %w", err)
	}
	return nil
}

// norm turns a value bound to or scanned from SQLite into a comparable form.
func norm(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case int:
		return int64(x)
	case int64:
		return x
	case bool:
		return int64(boolInt(x))
	case float64:
		if x == float64(int64(x)) {
			return int64(x)
		}
		return x
	case []byte:
		return string(x)
	case *int64:
		if x == nil {
			return nil
		}
		return *x
	case sql.NullInt64:
		if !x.Valid {
			return nil
		}
		return x.Int64
	}
	return v
}

// upsert writes one record: insert when the key is new, update when any
// stored column differs, nothing when every column is equal. A failing
// statement is a row error (SQLite undoes just that statement).
func (a *applier) upsert(u *upserter, line int, label string, key, vals []any) (int64, error) {
	for i := range vals {
		vals[i] = norm(vals[i])
	}
	st := a.stream
	if st != nil {
		st.u, st.dbKey = u, key
	}
	if u.tryInsert {
		// After a new record the next is likely new too: insert unless the
		// key exists, and look up only when it does. Any other refusal is
		// the row's error, as on the look-up path.
		r, err := u.insNew.ExecContext(a.ctx, append(append(append([]any{}, key...), vals...), a.importID)...)
		if err != nil {
			return 0, a.writeFailed(line, label, err)
		}
		if n, err := r.RowsAffected(); err != nil {
			return 0, err
		} else if n == 1 {
			id, err := r.LastInsertId()
			if err != nil {
				return 0, err
			}
			a.res.Inserted++
			return id, a.inserted()
		}
		u.tryInsert = false
		if u.late != nil {
			if err := u.late(vals); err != nil {
				return 0, err
			}
			for i := range vals {
				vals[i] = norm(vals[i])
			}
		}
	}
	u.late = nil
	id, imp, cur, err := u.lookup(a.ctx, key)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		args := append(append(append([]any{}, key...), vals...), a.importID)
		r, err := u.ins.ExecContext(a.ctx, args...)
		if err != nil {
			return 0, a.writeFailed(line, label, err)
		}
		if id, err = r.LastInsertId(); err != nil {
			return 0, err
		}
		// No import_changes row: the new row's import_id says which import
		// inserted it (RollbackImport, insertedBy).
		a.res.Inserted++
		u.tryInsert = true
		return id, a.inserted()
	case err != nil:
		return 0, fmt.Errorf("store: look up %s: %w", label, err)
	}
	// An earlier row of a streamed file with the same key: its effect
	// gives way to this one's (the last occurrence wins).
	var p prior
	if st != nil {
		if p, err = st.prior(a, u, id, imp, cur); err != nil {
			return 0, err
		}
		if p.fresh {
			// The earlier row inserted the record: this one is the
			// insert, as it would have been alone.
			if _, err := u.upd.ExecContext(a.ctx, append(append([]any{}, vals...), a.importID, id)...); err != nil {
				return 0, a.writeFailed(line, label, err)
			}
			return id, nil
		}
		if p.change != 0 {
			imp = p.imp
		}
	}
	// A less complete export of the same source (Batch.KeepStored) never
	// blanks a known value, and a derived value never replaces one, so
	// overlapping files converge whatever their order.
	for i := range vals {
		stored := norm(cur[i])
		if stored == nil || stored == "" {
			continue
		}
		if u.keep[i] || a.b.KeepStored && (vals[i] == nil || vals[i] == "") {
			vals[i] = stored
		}
	}
	same := true
	for i := range cur {
		if norm(cur[i]) != vals[i] {
			same = false
			break
		}
	}
	if same {
		if p.change != 0 {
			// The earlier row's update is undone: against what was stored,
			// this one changes nothing.
			if err := st.restore(a, u, id, p, cur); err != nil {
				return 0, err
			}
			a.res.Updated--
		}
		a.res.Unchanged++
		return id, a.unchanged()
	}
	if p.change != 0 {
		// Still an update of what was stored before the import: its
		// import_changes row (the before image) stands.
		if _, err := u.upd.ExecContext(a.ctx, append(append([]any{}, vals...), a.importID, id)...); err != nil {
			return 0, a.writeFailed(line, label, err)
		}
		return id, nil
	}
	before := map[string]any{"import_id": norm(imp)}
	for i, c := range u.e.cols {
		before[c] = norm(cur[i])
	}
	if _, err := u.upd.ExecContext(a.ctx, append(append([]any{}, vals...), a.importID, id)...); err != nil {
		return 0, a.writeFailed(line, label, err)
	}
	a.res.Updated++
	return id, a.record(u.e.table, id, "update", before)
}

// writeFailed handles a record's failed write. When the row is at fault
// (rowFault) it becomes a row error and the import goes on: SQLite undid
// just that statement. Any other failure is returned and aborts the whole
// file, because the transaction may be gone (SQLite rolls it back itself on
// SQLITE_FULL, IOERR, BUSY or NOMEM, and later statements would then run
// and commit one by one) and skipping the row would import a partial file.
func (a *applier) writeFailed(line int, label string, err error) error {
	if !rowFault(err) {
		return fmt.Errorf("store: write %s: %w", label, err)
	}
	a.rowErr(line, "%s: %s", label, sqlReason(err))
	return nil
}

// rowFault reports whether a failed statement was refused for the values
// of its row: a constraint (CHECK, NOT NULL, UNIQUE, FOREIGN KEY), a value
// of the wrong type, a value too big to store. Everything else — a full
// disk or database, a busy or broken database, a cancelled context — is
// not the row's fault.
func rowFault(err error) bool {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code {
	case sqlite3.ErrConstraint, sqlite3.ErrMismatch, sqlite3.ErrTooBig:
		return true
	}
	return false
}

// IsFull reports whether err comes from a write that failed because the
// database could not grow: its disk is full or it reached its size limit
// (SQLITE_FULL). Nothing of that write was kept.
func IsFull(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.Code == sqlite3.ErrFull
}

// IsBusy reports whether err comes from a write that gave up waiting for
// another writer — another process's import holding the database longer
// than the busy timeout (SQLITE_BUSY, SQLITE_LOCKED). Nothing of it was kept;
// the same write later succeeds.
func IsBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

// sqlReason makes a constraint failure readable.
func sqlReason(err error) string {
	s := err.Error()
	if i := strings.Index(s, "constraint failed: "); i >= 0 {
		return "value not allowed (" + s[i+len("constraint failed: "):] + ")"
	}
	return s
}

// ApplyBatch writes one parsed file in one transaction: it resolves service
// names, upserts every record, links pages, incidents and action items to the
// records they name, and records the batch in imports and every update,
// removal and created service, team or SLO in import_changes so
// RollbackImport can undo it (an inserted record is known by its import_id).
// incident_overrides are never touched, so users' corrections survive a
// re-import.
//
// Records with a field over its length limit (imports.Validate) are moved
// to b's rejects first. When the batch has rejected rows (parse- or store-time) and
// opt.SkipInvalid is off, nothing is written and the error is an
// *ImportError; the result still carries the counts the import would have had.
func (s *Store) ApplyBatch(ctx context.Context, b *imports.Batch, opt ApplyOptions) (ImportResult, error) {
	start := time.Now()
	// The field limits hold whoever built the batch: a record over one
	// becomes a rejected row here like any other.
	imports.Validate(b)
	res := ImportResult{Format: b.Format, Source: b.Source, FileName: opt.FileName, DryRun: opt.DryRun,
		Warnings: append([]string(nil), b.Warnings...)}
	for _, r := range b.Rejects {
		res.Errors = append(res.Errors, RowError{Line: r.Line, Reason: r.Reason})
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("store: begin import: %w", err)
	}
	res.Records = b.Records()
	a := &applier{ctx: ctx, tx: tx, b: b, opt: opt, res: &res, total: b.Records()}
	defer a.abort()
	if err := a.run(start); err != nil {
		return res, err
	}
	err = a.commit(start)
	return res, err
}

// abort rolls the import's transaction back unless it was committed.
func (a *applier) abort() {
	a.close()
	if !a.committed {
		_ = a.tx.Rollback()
	}
}

// commit ends an applied file: with rejected rows (and no SkipInvalid) it
// returns an *ImportError and writes nothing, a dry run writes nothing,
// otherwise it completes the import's row and audit and commits.
func (a *applier) commit(start time.Time) error {
	res, opt, ctx, tx := a.res, a.opt, a.ctx, a.tx
	sort.SliceStable(res.Errors, func(i, j int) bool { return res.Errors[i].Line < res.Errors[j].Line })
	res.Rejected = len(res.Errors)
	if a.stream != nil {
		res.Rejected = a.stream.rejected()
		if len(res.Errors) > MaxRowErrors {
			res.Errors = res.Errors[:MaxRowErrors]
		}
	}
	res.Took = time.Since(start)
	if res.Rejected > 0 && !opt.SkipInvalid {
		return &ImportError{Errors: res.Errors, Unknown: res.Unknown, Rejected: res.Rejected}
	}
	if opt.DryRun {
		return nil
	}
	if opt.SkipUnchanged && res.Inserted+res.Updated+res.Removed+res.Linked+len(res.Created) == 0 {
		return nil
	}
	if opt.SHA256Of != nil {
		opt.SHA256 = opt.SHA256Of()
	}
	errJSON, _ := json.Marshal(nonNil(res.Errors))
	warnJSON, _ := json.Marshal(nonNil(res.Warnings))
	if _, err := tx.ExecContext(ctx, `UPDATE imports SET status = 'done', finished_at = ?, inserted = ?, updated = ?,
		unchanged = ?, rejected = ?, errors = ?, warnings = ?, sha256 = ? WHERE id = ?`,
		FormatTime(time.Now()), res.Inserted, res.Updated, res.Unchanged, res.Rejected, string(errJSON), string(warnJSON),
		opt.SHA256, a.importID); err != nil {
		return fmt.Errorf("store: finish import: %w", err)
	}
	au := opt.Audit
	if au.Actor == "" && au.UserID == 0 {
		au.UserID, au.Actor = opt.UserID, opt.Actor
	}
	au.Action, au.Entity, au.EntityID = "import", "imports", strconv.FormatInt(a.importID, 10)
	au.After = importAudit{Format: a.b.Format, FileName: opt.FileName, SHA256: opt.SHA256, Inserted: res.Inserted, Updated: res.Updated,
		Unchanged: res.Unchanged, Rejected: res.Rejected, Removed: res.Removed, Linked: res.Linked, Created: res.Created}
	if err := WriteAudit(ctx, tx, au); err != nil {
		return err
	}
	a.close()
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit import: %w", err)
	}
	a.committed = true
	res.ImportID, res.Applied = a.importID, true
	res.Took = time.Since(start)
	return nil
}

// importAudit is an import's audit summary.
type importAudit struct {
	Format    string   `json:"format"`
	FileName  string   `json:"file_name"`
	SHA256    string   `json:"sha256"`
	Inserted  int      `json:"inserted"`
	Updated   int      `json:"updated"`
	Unchanged int      `json:"unchanged"`
	Rejected  int      `json:"rejected"`
	Removed   int      `json:"removed,omitempty"`
	Linked    int      `json:"linked,omitempty"`
	Created   []string `json:"created_services,omitempty"`
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func (a *applier) run(start time.Time) error {
	if err := a.begin(start); err != nil {
		return err
	}
	if err := a.resolveServices(); err != nil {
		return err
	}
	for _, step := range []func() error{a.deploys, a.incidents, a.pages, a.actionItems, a.sloDefinitions, a.sliDays, a.toil} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// begin records the import (unless a connector run made it) and prepares
// the statements every record kind uses.
func (a *applier) begin(start time.Time) error {
	var user any
	if a.opt.UserID != 0 {
		user = a.opt.UserID
	}
	// A connector run's pages all go into the run's one import
	// (applyRunBatch sets importID); a file makes its own.
	if a.importID == 0 {
		r, err := a.tx.ExecContext(a.ctx, `INSERT INTO imports (user_id, actor, format, file_name, sha256, started_at, status)
		VALUES (?, ?, ?, ?, ?, ?, 'running')`, user, a.opt.Actor, a.b.Format, a.opt.FileName, a.opt.SHA256, FormatTime(start))
		if err != nil {
			return fmt.Errorf("store: record import: %w", err)
		}
		if a.importID, err = r.LastInsertId(); err != nil {
			return err
		}
	}
	var err error
	if a.change, err = a.tx.PrepareContext(a.ctx, `INSERT INTO import_changes (import_id, entity, entity_id, action, before_json) VALUES (?, ?, ?, ?, ?)`); err != nil {
		return fmt.Errorf("store: prepare: %w", err)
	}
	a.stmts = append(a.stmts, a.change)
	if a.incByRef, err = a.tx.PrepareContext(a.ctx, `SELECT id, service_id FROM incidents WHERE source = ? AND external_id = ?`); err != nil {
		return fmt.Errorf("store: prepare: %w", err)
	}
	a.stmts = append(a.stmts, a.incByRef)
	return nil
}
