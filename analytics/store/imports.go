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

	"sreport/analytics"
	"sreport/analytics/ingest"
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
	// CreateServices creates every service name that is neither an alias
	// nor an existing service; Create names only some of them.
	CreateServices bool
	Create         []string
	Tier           *int // tier of created services; nil = DefaultNewServiceTier
	// ServiceMap maps a name in the file to an existing service; each entry
	// is saved as a service alias of the batch's source so later imports
	// reuse it.
	ServiceMap map[string]string
	Objective  float64 // objective of SLOs created without one in the file; 0 = DefaultObjective
	// SkipInvalid imports the valid rows of a batch that has rejected rows;
	// without it a batch with any rejected row writes nothing.
	SkipInvalid bool
	// DryRun computes every count and rolls back.
	DryRun bool
	// Progress, when set, is called every few hundred records with how many
	// of the batch's records were written.
	Progress func(done, total int)
	// Audit says who runs the import and from where (web: Handler.Audit,
	// CLI: actor "cli"); ApplyBatch fills in the rest and writes one summary
	// row in the import's transaction. A dry run writes none.
	Audit Audit
}

// RowError is one row that was not imported, with its source line.
type RowError struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// UnknownService is a service name of a batch that matches no service or
// alias, with the lines that use it.
type UnknownService struct {
	Name  string
	Lines []int
}

// ImportResult is what ApplyBatch did (or, for a dry run or a refused batch,
// would have done).
type ImportResult struct {
	ImportID  int64 // 0 unless applied
	Format    string
	Source    string
	FileName  string
	Inserted  int
	Updated   int
	Unchanged int
	Rejected  int
	Removed   int        // stand-in pages of earlier imports this batch showed are not pages (PagerDuty triggers)
	Linked    int        // rows of earlier imports linked to this batch's records (pages → incidents, incidents → deploys)
	Errors    []RowError // every rejected row, by line
	Warnings  []string
	Unknown   []UnknownService
	Created   []string // services created
	DryRun    bool
	Applied   bool
	Took      time.Duration
}

// ImportError is returned by ApplyBatch when rows cannot be imported and
// SkipInvalid is off: nothing was written.
type ImportError struct {
	Errors  []RowError
	Unknown []UnknownService
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
			fmt.Fprintf(&b, "%q (%s)", u.Name, linesText(u.Lines))
		}
		b.WriteString(" — map them to existing services or create them; ")
	}
	fmt.Fprintf(&b, "%d rejected rows", len(e.Errors))
	for i, r := range e.Errors {
		if i == 5 {
			fmt.Fprintf(&b, "; … (%d more)", len(e.Errors)-5)
			break
		}
		fmt.Fprintf(&b, "; line %d: %s", r.Line, r.Reason)
	}
	return b.String()
}

func linesText(lines []int) string {
	if len(lines) == 1 {
		return "line " + strconv.Itoa(lines[0])
	}
	parts := make([]string, 0, min(len(lines), 10))
	for i, l := range lines {
		if i == 10 {
			parts = append(parts, fmt.Sprintf("… %d lines in all", len(lines)))
			break
		}
		parts = append(parts, strconv.Itoa(l))
	}
	return "lines " + strings.Join(parts, ", ")
}

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

// entity describes one upserted table: its key columns, the data columns
// compared for "unchanged", and the id column (rowid for sli_daily).
type entity struct {
	table string
	idCol string
	key   []string
	cols  []string
}

var (
	entIncidents = entity{"incidents", "id", []string{"source", "external_id"}, []string{"service_id", "title", "severity", "severity_raw",
		"status", "customer_impacting", "started_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at", "root_cause",
		"category", "problem_ref", "caused_by_ref", "caused_by_deploy_id", "postmortem_due_at", "postmortem_published_at",
		"postmortem_url", "url", "postmortem_tracked"}}
	entDeploys = entity{"deploys", "id", []string{"source", "external_id"}, []string{"service_id", "environment", "version",
		"started_at", "finished_at", "status", "is_rollback", "is_hotfix", "commit_at", "url"}}
	entPages = entity{"pages", "id", []string{"source", "external_id"}, []string{"service_id", "incident_id", "incident_ref", "title",
		"urgency", "triggered_at", "acknowledged_at", "resolved_at", "auto_resolved", "actionable"}}
	entActionItems = entity{"action_items", "id", []string{"source", "external_id"}, []string{"incident_id", "service_id", "title",
		"owner", "due_at", "closed_at", "url"}}
	entSLI  = entity{"sli_daily", "rowid", []string{"slo_id", "day"}, []string{"good", "total"}}
	entToil = entity{"toil_entries", "id", []string{"team_id", "week_start"}, []string{"toil_hours", "total_hours", "note"}}
)

// restorable lists, per table, the columns a rollback may write back.
var restorable = map[string]map[string]bool{}

func init() {
	for _, e := range []entity{entIncidents, entDeploys, entPages, entActionItems, entSLI, entToil} {
		m := map[string]bool{"import_id": true}
		for _, c := range e.cols {
			m[c] = true
		}
		restorable[e.table] = m
	}
}

// upserter holds one entity's prepared statements inside the import's transaction.
type upserter struct {
	e             entity
	sel, ins, upd *sql.Stmt
	keep          map[int]bool // column indexes whose stored value a batch's value never replaces (Batch.Derived)
}

func (a *applier) prepare(e entity) (*upserter, error) {
	u := &upserter{e: e, keep: map[int]bool{}}
	for _, c := range a.b.Derived[e.table] {
		for i, col := range e.cols {
			if col == c {
				u.keep[i] = true
			}
		}
	}
	where := make([]string, len(e.key))
	for i, k := range e.key {
		where[i] = k + " = ?"
	}
	var err error
	if u.sel, err = a.tx.PrepareContext(a.ctx, `SELECT `+e.idCol+`, import_id, `+strings.Join(e.cols, ", ")+` FROM `+e.table+
		` WHERE `+strings.Join(where, " AND ")); err != nil {
		return nil, fmt.Errorf("store: prepare %s: %w", e.table, err)
	}
	all := append(append([]string{}, e.key...), e.cols...)
	all = append(all, "import_id")
	if u.ins, err = a.tx.PrepareContext(a.ctx, `INSERT INTO `+e.table+` (`+strings.Join(all, ", ")+`) VALUES (?`+
		strings.Repeat(", ?", len(all)-1)+`)`); err != nil {
		return nil, fmt.Errorf("store: prepare %s: %w", e.table, err)
	}
	set := make([]string, 0, len(e.cols)+1)
	for _, c := range e.cols {
		set = append(set, c+" = ?")
	}
	set = append(set, "import_id = ?")
	if u.upd, err = a.tx.PrepareContext(a.ctx, `UPDATE `+e.table+` SET `+strings.Join(set, ", ")+` WHERE `+e.idCol+` = ?`); err != nil {
		return nil, fmt.Errorf("store: prepare %s: %w", e.table, err)
	}
	a.stmts = append(a.stmts, u.sel, u.ins, u.upd)
	return u, nil
}

// applier carries one ApplyBatch run.
type applier struct {
	ctx      context.Context
	tx       *sql.Tx
	b        *ingest.Batch
	opt      ApplyOptions
	res      *ImportResult
	importID int64
	stmts    []*sql.Stmt

	services   map[string]int64 // service name in the file → id (resolved)
	unknown    map[string][]int
	failed     map[string]bool // names that could not be resolved
	change     *sql.Stmt
	incByRef   *sql.Stmt
	done       int
	total      int
	badRecords int
}

func (a *applier) close() {
	for _, s := range a.stmts {
		s.Close()
	}
}

func (a *applier) rowErr(line int, format string, args ...any) {
	a.res.Errors = append(a.res.Errors, RowError{Line: line, Reason: fmt.Sprintf(format, args...)})
}

func (a *applier) tick() {
	a.done++
	if a.opt.Progress != nil && (a.done%500 == 0 || a.done == a.total) {
		a.opt.Progress(a.done, a.total)
	}
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
	cur := make([]any, len(vals))
	dst := make([]any, len(vals)+2)
	var id int64
	var imp sql.NullInt64
	dst[0], dst[1] = &id, &imp
	for i := range cur {
		dst[i+2] = &cur[i]
	}
	err := u.sel.QueryRowContext(a.ctx, key...).Scan(dst...)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		args := append(append(append([]any{}, key...), vals...), a.importID)
		r, err := u.ins.ExecContext(a.ctx, args...)
		if err != nil {
			a.rowErr(line, "%s: %s", label, sqlReason(err))
			return 0, nil
		}
		if id, err = r.LastInsertId(); err != nil {
			return 0, err
		}
		a.res.Inserted++
		return id, a.record(u.e.table, id, "insert", nil)
	case err != nil:
		return 0, fmt.Errorf("store: look up %s: %w", label, err)
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
		a.res.Unchanged++
		return id, nil
	}
	before := map[string]any{"import_id": norm(imp)}
	for i, c := range u.e.cols {
		before[c] = norm(cur[i])
	}
	if _, err := u.upd.ExecContext(a.ctx, append(append([]any{}, vals...), a.importID, id)...); err != nil {
		a.rowErr(line, "%s: %s", label, sqlReason(err))
		return 0, nil
	}
	a.res.Updated++
	return id, a.record(u.e.table, id, "update", before)
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
// records they name, and records the batch in imports and every change in
// import_changes so RollbackImport can undo it. incident_overrides are never
// touched, so users' corrections survive a re-import.
//
// When the batch has rejected rows (parse- or store-time) and
// opt.SkipInvalid is off, nothing is written and the error is an
// *ImportError; the result still carries the counts the import would have had.
func (s *Store) ApplyBatch(ctx context.Context, b *ingest.Batch, opt ApplyOptions) (ImportResult, error) {
	start := time.Now()
	res := ImportResult{Format: b.Format, Source: b.Source, FileName: opt.FileName, DryRun: opt.DryRun,
		Warnings: append([]string(nil), b.Warnings...)}
	for _, r := range b.Rejects {
		res.Errors = append(res.Errors, RowError{Line: r.Line, Reason: r.Reason})
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("store: begin import: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	a := &applier{ctx: ctx, tx: tx, b: b, opt: opt, res: &res, total: b.Records()}
	defer a.close()
	if err := a.run(start); err != nil {
		return res, err
	}
	sort.SliceStable(res.Errors, func(i, j int) bool { return res.Errors[i].Line < res.Errors[j].Line })
	res.Rejected = len(res.Errors)
	res.Took = time.Since(start)
	if len(res.Errors) > 0 && !opt.SkipInvalid {
		return res, &ImportError{Errors: res.Errors, Unknown: res.Unknown}
	}
	if opt.DryRun {
		return res, nil
	}
	errJSON, _ := json.Marshal(nonNil(res.Errors))
	warnJSON, _ := json.Marshal(nonNil(res.Warnings))
	if _, err := tx.ExecContext(ctx, `UPDATE imports SET status = 'done', finished_at = ?, inserted = ?, updated = ?,
		unchanged = ?, rejected = ?, errors = ?, warnings = ? WHERE id = ?`,
		FormatTime(time.Now()), res.Inserted, res.Updated, res.Unchanged, res.Rejected, string(errJSON), string(warnJSON), a.importID); err != nil {
		return res, fmt.Errorf("store: finish import: %w", err)
	}
	au := opt.Audit
	if au.Actor == "" && au.UserID == 0 {
		au.UserID, au.Actor = opt.UserID, opt.Actor
	}
	au.Action, au.Entity, au.EntityID = "import", "imports", strconv.FormatInt(a.importID, 10)
	au.After = importAudit{Format: b.Format, FileName: opt.FileName, SHA256: opt.SHA256, Inserted: res.Inserted, Updated: res.Updated,
		Unchanged: res.Unchanged, Rejected: res.Rejected, Removed: res.Removed, Linked: res.Linked, Created: res.Created}
	if err := WriteAudit(ctx, tx, au); err != nil {
		return res, err
	}
	a.close()
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("store: commit import: %w", err)
	}
	committed = true
	res.ImportID, res.Applied = a.importID, true
	res.Took = time.Since(start)
	return res, nil
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
	var user any
	if a.opt.UserID != 0 {
		user = a.opt.UserID
	}
	r, err := a.tx.ExecContext(a.ctx, `INSERT INTO imports (user_id, actor, format, file_name, sha256, started_at, status)
		VALUES (?, ?, ?, ?, ?, ?, 'running')`, user, a.opt.Actor, a.b.Format, a.opt.FileName, a.opt.SHA256, FormatTime(start))
	if err != nil {
		return fmt.Errorf("store: record import: %w", err)
	}
	if a.importID, err = r.LastInsertId(); err != nil {
		return err
	}
	if a.change, err = a.tx.PrepareContext(a.ctx, `INSERT INTO import_changes (import_id, entity, entity_id, action, before_json) VALUES (?, ?, ?, ?, ?)`); err != nil {
		return fmt.Errorf("store: prepare: %w", err)
	}
	a.stmts = append(a.stmts, a.change)
	if a.incByRef, err = a.tx.PrepareContext(a.ctx, `SELECT id, service_id FROM incidents WHERE source = ? AND external_id = ?`); err != nil {
		return fmt.Errorf("store: prepare: %w", err)
	}
	a.stmts = append(a.stmts, a.incByRef)
	if err := a.resolveServices(); err != nil {
		return err
	}
	for _, step := range []func() error{a.deploys, a.incidents, a.pages, a.actionItems, a.sliDays, a.toil} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// resolveServices maps every service name of the batch to a service id:
// opt.ServiceMap (saved as an alias), then an alias of the batch's source,
// then the exact service name, then creation when allowed.
func (a *applier) resolveServices() error {
	lines := map[string][]int{}
	var order []string
	add := func(name string, line int) {
		if name == "" {
			return
		}
		if _, ok := lines[name]; !ok {
			order = append(order, name)
		}
		lines[name] = append(lines[name], line)
	}
	b := a.b
	for _, x := range b.Deploys {
		add(x.Service, b.Line(ingest.DeployKey(x.ExternalID)))
	}
	for _, x := range b.Incidents {
		add(x.Service, b.Line(ingest.IncidentKey(x.ExternalID)))
	}
	for _, x := range b.Pages {
		add(x.Service, b.Line(ingest.PageKey(x.ExternalID)))
	}
	for _, x := range b.ActionItems {
		add(x.Service, b.Line(ingest.ActionItemKey(x.ExternalID)))
	}
	for _, x := range b.SLIDays {
		add(x.Service, b.Line(ingest.SLIKey(x)))
	}
	a.services = map[string]int64{}
	a.failed = map[string]bool{}
	if len(order) == 0 {
		return nil
	}
	byName := map[string]int64{}
	rows, err := a.tx.QueryContext(a.ctx, `SELECT id, name FROM services`)
	if err != nil {
		return fmt.Errorf("store: load services: %w", err)
	}
	for rows.Next() {
		var id int64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return err
		}
		byName[n] = id
	}
	rows.Close()
	aliases := map[string]int64{}
	rows, err = a.tx.QueryContext(a.ctx, `SELECT alias, service_id FROM service_aliases WHERE source = ?`, b.Source)
	if err != nil {
		return fmt.Errorf("store: load service aliases: %w", err)
	}
	for rows.Next() {
		var n string
		var id int64
		if err := rows.Scan(&n, &id); err != nil {
			rows.Close()
			return err
		}
		aliases[n] = id
	}
	rows.Close()
	create := map[string]bool{}
	for _, n := range a.opt.Create {
		create[n] = true
	}
	tier := DefaultNewServiceTier
	if a.opt.Tier != nil {
		tier = *a.opt.Tier
	}
	for _, name := range order {
		if target, ok := a.opt.ServiceMap[name]; ok && target != "" {
			id, ok := byName[target]
			if !ok {
				return fmt.Errorf("service map: %q → %q: no service named %q", name, target, target)
			}
			if _, err := a.tx.ExecContext(a.ctx, `INSERT INTO service_aliases (source, alias, service_id) VALUES (?, ?, ?)
				ON CONFLICT (source, alias) DO UPDATE SET service_id = excluded.service_id`, b.Source, name, id); err != nil {
				return fmt.Errorf("store: save service alias %q: %w", name, err)
			}
			a.services[name] = id
			continue
		}
		if id, ok := aliases[name]; ok {
			a.services[name] = id
			continue
		}
		if id, ok := byName[name]; ok {
			a.services[name] = id
			continue
		}
		if a.opt.CreateServices || create[name] {
			if tier < 0 || tier > 3 {
				return fmt.Errorf("tier %d for new services: must be 0..3", tier)
			}
			r, err := a.tx.ExecContext(a.ctx, `INSERT INTO services (name, tier) VALUES (?, ?)`, name, tier)
			if err != nil {
				return fmt.Errorf("store: create service %q: %w", name, err)
			}
			id, err := r.LastInsertId()
			if err != nil {
				return err
			}
			if err := a.record("services", id, "insert", nil); err != nil {
				return err
			}
			a.services[name], byName[name] = id, id
			a.res.Created = append(a.res.Created, name)
			continue
		}
		a.failed[name] = true
		ls := append([]int(nil), lines[name]...)
		sort.Ints(ls)
		a.res.Unknown = append(a.res.Unknown, UnknownService{Name: name, Lines: ls})
	}
	return nil
}

// service returns the id for a record's service name, or records a row error.
func (a *applier) service(name string, line int, label string) (int64, bool) {
	if id, ok := a.services[name]; ok {
		return id, true
	}
	a.rowErr(line, "%s: unknown service %q (map it to an existing service or create it)", label, name)
	return 0, false
}

func (a *applier) deploys() error {
	if len(a.b.Deploys) == 0 {
		return nil
	}
	u, err := a.prepare(entDeploys)
	if err != nil {
		return err
	}
	link, err := a.stmt(`SELECT id FROM incidents WHERE source = ? AND caused_by_ref = ? AND caused_by_deploy_id IS NULL`)
	if err != nil {
		return err
	}
	setLink, err := a.stmt(`UPDATE incidents SET caused_by_deploy_id = ? WHERE id = ?`)
	if err != nil {
		return err
	}
	src := a.b.Source
	waiting, err := a.exists(`SELECT EXISTS (SELECT 1 FROM incidents WHERE source = ? AND caused_by_ref != '' AND caused_by_deploy_id IS NULL)`, src)
	if err != nil {
		return err
	}
	for _, d := range a.b.Deploys {
		a.tick()
		line := a.b.Line(ingest.DeployKey(d.ExternalID))
		label := "deploy " + d.ExternalID
		sid, ok := a.service(d.Service, line, label)
		if !ok {
			continue
		}
		env := d.Environment
		if env == "" {
			env = "production"
		}
		id, err := a.upsert(u, line, label, []any{src, d.ExternalID}, []any{sid, env, d.Version, NullTime(d.StartedAt),
			FormatTime(d.FinishedAt), d.Status, d.IsRollback, d.IsHotfix, NullTime(d.CommitAt), d.URL})
		if err != nil {
			return err
		}
		// Incidents imported earlier that name this change.
		if id != 0 && waiting {
			if err := a.backLink(link, setLink, "incidents", "caused_by_deploy_id", []any{src, d.ExternalID}, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// exists runs a SELECT EXISTS query.
func (a *applier) exists(q string, args ...any) (bool, error) {
	var ok bool
	if err := a.tx.QueryRowContext(a.ctx, q, args...).Scan(&ok); err != nil {
		return false, fmt.Errorf("store: %w", err)
	}
	return ok, nil
}

// backLink points rows of earlier imports (found by find) at the record
// just written (target), recording each as an update.
func (a *applier) backLink(find, set *sql.Stmt, table, col string, findArgs []any, target int64) error {
	rows, err := find.QueryContext(a.ctx, findArgs...)
	if err != nil {
		return fmt.Errorf("store: link %s: %w", table, err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) == 0 {
		return nil
	}
	for _, id := range ids {
		if _, err := set.ExecContext(a.ctx, target, id); err != nil {
			return fmt.Errorf("store: link %s %d: %w", table, id, err)
		}
		if err := a.record(table, id, "update", map[string]any{col: nil}); err != nil {
			return err
		}
		a.res.Linked++
	}
	return nil
}

func (a *applier) incidents() error {
	if len(a.b.Incidents) == 0 {
		return nil
	}
	u, err := a.prepare(entIncidents)
	if err != nil {
		return err
	}
	deployByRef, err := a.stmt(`SELECT id FROM deploys WHERE source = ? AND external_id = ?`)
	if err != nil {
		return err
	}
	link, err := a.stmt(`SELECT id FROM pages WHERE source = ? AND incident_ref = ? AND incident_id IS NULL`)
	if err != nil {
		return err
	}
	setLink, err := a.stmt(`UPDATE pages SET incident_id = ? WHERE id = ?`)
	if err != nil {
		return err
	}
	src := a.b.Source
	waiting, err := a.exists(`SELECT EXISTS (SELECT 1 FROM pages WHERE source = ? AND incident_ref != '' AND incident_id IS NULL)`, src)
	if err != nil {
		return err
	}
	for _, in := range a.b.Incidents {
		a.tick()
		line := a.b.Line(ingest.IncidentKey(in.ExternalID))
		label := "incident " + in.ExternalID
		sid, ok := a.service(in.Service, line, label)
		if !ok {
			continue
		}
		var causedBy any
		if in.CausedByRef != "" {
			var id int64
			switch err := deployByRef.QueryRowContext(a.ctx, src, in.CausedByRef).Scan(&id); {
			case err == nil:
				causedBy = id
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("store: look up change %s: %w", in.CausedByRef, err)
			}
		} else if in.CausedByDeployID != nil {
			causedBy = *in.CausedByDeployID
		}
		status := in.Status
		if status == "" {
			status = analytics.StatusOpen
		}
		id, err := a.upsert(u, line, label, []any{src, in.ExternalID}, []any{sid, in.Title, in.Severity, in.SeverityRaw,
			status, in.CustomerImpacting, NullTime(in.StartedAt), FormatTime(in.DetectedAt), NullTime(in.AcknowledgedAt),
			NullTime(in.MitigatedAt), NullTime(in.ResolvedAt), in.RootCause, in.Category, in.ProblemRef, in.CausedByRef, causedBy,
			NullTime(in.PostmortemDueAt), NullTime(in.PostmortemPublishedAt), in.PostmortemURL, in.URL, in.PostmortemTracked})
		if err != nil {
			return err
		}
		// Pages imported earlier (log entries before incidents) that name this incident.
		if id != 0 && waiting {
			if err := a.backLink(link, setLink, "pages", "incident_id", []any{src, in.ExternalID}, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// incident finds an incident of the batch's source by its external id.
func (a *applier) incident(ref string) (id, serviceID int64, ok bool, err error) {
	err = a.incByRef.QueryRowContext(a.ctx, a.b.Source, ref).Scan(&id, &serviceID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("store: look up incident %s: %w", ref, err)
	}
	return id, serviceID, true, nil
}

func (a *applier) pages() error {
	if len(a.b.Pages) == 0 {
		return nil
	}
	u, err := a.prepare(entPages)
	if err != nil {
		return err
	}
	others, err := a.tx.PrepareContext(a.ctx, `SELECT EXISTS (SELECT 1 FROM pages WHERE source = ? AND incident_ref = ? AND external_id != ?)`)
	if err != nil {
		return fmt.Errorf("store: prepare: %w", err)
	}
	a.stmts = append(a.stmts, others)
	skipped := 0
	for _, pg := range a.b.Pages {
		a.tick()
		line := a.b.Line(ingest.PageKey(pg.ExternalID))
		label := "page " + pg.ExternalID
		if ref, ok := a.b.FallbackPages[pg.ExternalID]; ok && ref != "" {
			// A stand-in (PagerDuty trigger) for an incident whose real
			// pages an earlier file delivered: not a page, and gone if stored.
			var has bool
			if err := others.QueryRowContext(a.ctx, a.b.Source, ref, pg.ExternalID).Scan(&has); err != nil {
				return fmt.Errorf("store: look up pages of incident %s: %w", ref, err)
			}
			if has {
				skipped++
				if err := a.removePage(pg.ExternalID); err != nil {
					return err
				}
				continue
			}
		}
		var incID any
		var incService int64
		if pg.IncidentRef != "" {
			id, sid, ok, err := a.incident(pg.IncidentRef)
			if err != nil {
				return err
			}
			if ok {
				incID, incService = id, sid
			}
		}
		var sid int64
		if pg.Service == "" {
			if incID == nil {
				if pg.IncidentRef == "" {
					a.rowErr(line, "%s: no service and no incident", label)
				} else {
					a.rowErr(line, "%s: no service, and incident %s is not imported (import the incidents first)", label, pg.IncidentRef)
				}
				continue
			}
			sid = incService
		} else {
			var ok bool
			if sid, ok = a.service(pg.Service, line, label); !ok {
				continue
			}
		}
		var actionable any
		if pg.Actionable != nil {
			actionable = *pg.Actionable
		}
		title := pg.Title
		if title == "" && incID != nil {
			if err := a.tx.QueryRowContext(a.ctx, `SELECT title FROM incidents WHERE id = ?`, incID).Scan(&title); err != nil {
				return fmt.Errorf("store: look up incident title: %w", err)
			}
		}
		if _, err := a.upsert(u, line, label, []any{a.b.Source, pg.ExternalID}, []any{sid, incID, pg.IncidentRef, title,
			pg.Urgency, FormatTime(pg.TriggeredAt), NullTime(pg.AcknowledgedAt), NullTime(pg.ResolvedAt), pg.AutoResolved,
			actionable}); err != nil {
			return err
		}
	}
	inBatch := make(map[string]bool, len(a.b.Pages))
	for _, pg := range a.b.Pages {
		inBatch[pg.ExternalID] = true
	}
	for _, ext := range a.b.SupersededPages {
		if !inBatch[ext] {
			if err := a.removePage(ext); err != nil {
				return err
			}
		}
	}
	if skipped > 0 {
		a.res.Warnings = append(a.res.Warnings, fmt.Sprintf("%d trigger pages not imported: their incidents' notify pages are imported already", skipped))
	}
	if a.res.Removed > 0 {
		a.res.Warnings = append(a.res.Warnings, fmt.Sprintf("%d trigger pages of earlier imports removed: their incidents' notify pages replace them", a.res.Removed))
	}
	return nil
}

// removePage deletes a stored stand-in page of the batch's source, if
// there is one, recording the whole row so a rollback can put it back.
func (a *applier) removePage(externalID string) error {
	cols := append([]string{"id", "source", "external_id", "import_id"}, entPages.cols...)
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	err := a.tx.QueryRowContext(a.ctx, `SELECT `+strings.Join(cols, ", ")+` FROM pages WHERE source = ? AND external_id = ?`,
		a.b.Source, externalID).Scan(ptrs...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: look up page %s: %w", externalID, err)
	}
	before := make(map[string]any, len(cols))
	for i, c := range cols {
		before[c] = norm(vals[i])
	}
	id := before["id"].(int64)
	if _, err := a.tx.ExecContext(a.ctx, `DELETE FROM pages WHERE id = ?`, id); err != nil {
		return fmt.Errorf("store: remove page %s: %w", externalID, err)
	}
	a.res.Removed++
	return a.record("pages", id, "delete", before)
}

func (a *applier) actionItems() error {
	if len(a.b.ActionItems) == 0 {
		return nil
	}
	u, err := a.prepare(entActionItems)
	if err != nil {
		return err
	}
	for _, it := range a.b.ActionItems {
		a.tick()
		line := a.b.Line(ingest.ActionItemKey(it.ExternalID))
		label := "action item " + it.ExternalID
		var incID any
		var incService int64
		if it.IncidentRef != "" {
			id, sid, ok, err := a.incident(it.IncidentRef)
			if err != nil {
				return err
			}
			if ok {
				incID, incService = id, sid
			}
		}
		var sid int64
		if it.Service == "" {
			if incID == nil {
				a.rowErr(line, "%s: no service, and incident %q is not imported", label, it.IncidentRef)
				continue
			}
			sid = incService
		} else {
			var ok bool
			if sid, ok = a.service(it.Service, line, label); !ok {
				continue
			}
		}
		if _, err := a.upsert(u, line, label, []any{a.b.Source, it.ExternalID}, []any{incID, sid, it.Title, it.Owner,
			NullTime(it.DueAt), NullTime(it.ClosedAt), it.URL}); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) sliDays() error {
	if len(a.b.SLIDays) == 0 {
		return nil
	}
	u, err := a.prepare(entSLI)
	if err != nil {
		return err
	}
	type sloKey struct {
		service int64
		name    string
	}
	slos := map[sloKey]int64{}
	for _, d := range a.b.SLIDays {
		a.tick()
		line := a.b.Line(ingest.SLIKey(d))
		label := "SLI " + d.Service + "/" + d.SLO + " " + d.Day.Format(DayLayout)
		sid, ok := a.service(d.Service, line, label)
		if !ok {
			continue
		}
		k := sloKey{sid, d.SLO}
		slo, ok := slos[k]
		if !ok {
			err := a.tx.QueryRowContext(a.ctx, `SELECT id FROM slos WHERE service_id = ? AND name = ?`, sid, d.SLO).Scan(&slo)
			if errors.Is(err, sql.ErrNoRows) {
				obj := d.Objective
				if obj <= 0 {
					obj = a.opt.Objective
				}
				if obj <= 0 {
					obj = DefaultObjective
				}
				r, err := a.tx.ExecContext(a.ctx, `INSERT INTO slos (service_id, name, objective) VALUES (?, ?, ?)`, sid, d.SLO, obj)
				if err != nil {
					a.rowErr(line, "%s: create SLO: %s", label, sqlReason(err))
					continue
				}
				if slo, err = r.LastInsertId(); err != nil {
					return err
				}
				if err := a.record("slos", slo, "insert", nil); err != nil {
					return err
				}
			} else if err != nil {
				return fmt.Errorf("store: look up SLO: %w", err)
			}
			slos[k] = slo
		}
		if _, err := a.upsert(u, line, label, []any{slo, d.Day.Format(DayLayout)}, []any{d.Good, d.Total}); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) toil() error {
	if len(a.b.Toil) == 0 {
		return nil
	}
	u, err := a.prepare(entToil)
	if err != nil {
		return err
	}
	teams := map[string]int64{}
	for _, t := range a.b.Toil {
		a.tick()
		line := a.b.Line(ingest.ToilKey(t))
		label := "toil " + t.Team + " " + t.WeekStart.Format(DayLayout)
		team, ok := teams[t.Team]
		if !ok {
			err := a.tx.QueryRowContext(a.ctx, `SELECT id FROM teams WHERE name = ?`, t.Team).Scan(&team)
			if errors.Is(err, sql.ErrNoRows) {
				r, err := a.tx.ExecContext(a.ctx, `INSERT INTO teams (name) VALUES (?)`, t.Team)
				if err != nil {
					return fmt.Errorf("store: create team %q: %w", t.Team, err)
				}
				if team, err = r.LastInsertId(); err != nil {
					return err
				}
				if err := a.record("teams", team, "insert", nil); err != nil {
					return err
				}
			} else if err != nil {
				return fmt.Errorf("store: look up team: %w", err)
			}
			teams[t.Team] = team
		}
		if _, err := a.upsert(u, line, label, []any{team, t.WeekStart.Format(DayLayout)}, []any{t.ToilHours, t.TotalHours, t.Note}); err != nil {
			return err
		}
	}
	return nil
}

// Import is one recorded import batch.
type Import struct {
	ID           int64
	UserID       int64
	User         string // the user's email, else the actor
	Format       string
	FileName     string
	SHA256       string
	StartedAt    time.Time
	FinishedAt   *time.Time
	RolledBackAt *time.Time
	Status       string // running, done, failed, rolled_back
	Inserted     int
	Updated      int
	Unchanged    int
	Rejected     int
	Errors       []RowError
	Warnings     []string
}

const importCols = `i.id, COALESCE(i.user_id, 0), COALESCE(u.email, i.actor), i.format, i.file_name, i.sha256, i.started_at,
	i.finished_at, i.rolled_back_at, i.status, i.inserted, i.updated, i.unchanged, i.rejected, i.errors, i.warnings
	FROM imports i LEFT JOIN users u ON u.id = i.user_id`

func scanImport(sc interface{ Scan(...any) error }) (Import, error) {
	var (
		im                Import
		started           string
		finished, rolled  sql.NullString
		errJSON, warnJSON string
	)
	if err := sc.Scan(&im.ID, &im.UserID, &im.User, &im.Format, &im.FileName, &im.SHA256, &started, &finished, &rolled,
		&im.Status, &im.Inserted, &im.Updated, &im.Unchanged, &im.Rejected, &errJSON, &warnJSON); err != nil {
		return im, err
	}
	var err error
	if im.StartedAt, err = ParseTime(started); err != nil {
		return im, err
	}
	if im.FinishedAt, err = parseNullTime(finished); err != nil {
		return im, err
	}
	if im.RolledBackAt, err = parseNullTime(rolled); err != nil {
		return im, err
	}
	if err := json.Unmarshal([]byte(errJSON), &im.Errors); err != nil {
		return im, fmt.Errorf("import %d errors: %w", im.ID, err)
	}
	if err := json.Unmarshal([]byte(warnJSON), &im.Warnings); err != nil {
		return im, fmt.Errorf("import %d warnings: %w", im.ID, err)
	}
	return im, nil
}

// Imports returns the import history, newest first (at most limit, 0 = 200).
func (s *Store) Imports(ctx context.Context, limit int) ([]Import, error) {
	if limit <= 0 {
		limit = 200
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+importCols+` ORDER BY i.id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: load imports: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, scanImport)
}

// ImportByID returns one import or ErrNotFound.
func (s *Store) ImportByID(ctx context.Context, id int64) (Import, error) {
	im, err := scanImport(s.db.QueryRowContext(ctx, `SELECT `+importCols+` WHERE i.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return im, fmt.Errorf("store: import %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return im, fmt.Errorf("store: load import %d: %w", id, err)
	}
	return im, nil
}

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
		rows, err := tx.QueryContext(ctx, `SELECT c2.import_id, COUNT(DISTINCT c2.entity || ':' || c2.entity_id)
			FROM import_changes c1
			JOIN import_changes c2 ON c2.entity = c1.entity AND c2.entity_id = c1.entity_id AND c2.import_id > c1.import_id
			JOIN imports i ON i.id = c2.import_id AND i.status = 'done'
			WHERE c1.import_id = ? GROUP BY c2.import_id ORDER BY c2.import_id DESC`, id)
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
		for _, c := range changes {
			switch {
			case c.action == "insert" && c.entity == "services":
				// A service a user has since tied to a risk or an alias stays.
				if _, err := tx.ExecContext(ctx, `DELETE FROM services WHERE id = ?1
					AND NOT EXISTS (SELECT 1 FROM incidents WHERE service_id = ?1) AND NOT EXISTS (SELECT 1 FROM deploys WHERE service_id = ?1)
					AND NOT EXISTS (SELECT 1 FROM pages WHERE service_id = ?1) AND NOT EXISTS (SELECT 1 FROM slos WHERE service_id = ?1)
					AND NOT EXISTS (SELECT 1 FROM action_items WHERE service_id = ?1) AND NOT EXISTS (SELECT 1 FROM risk_services WHERE service_id = ?1)
					AND NOT EXISTS (SELECT 1 FROM service_aliases WHERE service_id = ?1)`, c.id); err != nil {
					return fmt.Errorf("store: remove service %d: %w", c.id, err)
				}
			case c.action == "insert" && c.entity == "teams":
				if _, err := tx.ExecContext(ctx, `DELETE FROM teams WHERE id = ?1
					AND NOT EXISTS (SELECT 1 FROM services WHERE team_id = ?1) AND NOT EXISTS (SELECT 1 FROM toil_entries WHERE team_id = ?1)`, c.id); err != nil {
					return fmt.Errorf("store: remove team %d: %w", c.id, err)
				}
			case c.action == "insert" && c.entity == "slos":
				if _, err := tx.ExecContext(ctx, `DELETE FROM slos WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM sli_daily WHERE slo_id = ?1)`, c.id); err != nil {
					return fmt.Errorf("store: remove SLO %d: %w", c.id, err)
				}
			case c.action == "insert":
				cols, ok := restorable[c.entity]
				if !ok || cols == nil {
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
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET status = 'rolled_back', rolled_back_at = ? WHERE id = ?`, FormatTime(time.Now()), id); err != nil {
			return fmt.Errorf("store: mark import %d rolled back: %w", id, err)
		}
		a.Action, a.Entity, a.EntityID = "rollback", "imports", strconv.FormatInt(id, 10)
		a.After = map[string]int{"deleted": out.Deleted, "restored": out.Restored}
		return WriteAudit(ctx, tx, a)
	})
	return out, err
}

// userDataOf describes the data users entered in sreport that hangs on
// rows import id inserted: deleting those rows would cascade to it
// (incident edits, action items created in the app, risk links, action
// item edits) or unlink it (an incident edit naming an imported deploy).
func userDataOf(ctx context.Context, tx *sql.Tx, id int64) ([]string, error) {
	const ins = `SELECT entity_id FROM import_changes WHERE import_id = ?1 AND action = 'insert' AND entity = `
	q := `SELECT 'incident #' || o.incident_id || ' has edits made in sreport (' || TRIM(
			CASE WHEN o.started_at IS NOT NULL THEN 'impact start, ' ELSE '' END ||
			CASE WHEN o.mitigated_at IS NOT NULL THEN 'mitigated time, ' ELSE '' END ||
			CASE WHEN o.severity IS NOT NULL THEN 'severity, ' ELSE '' END ||
			CASE WHEN o.customer_impacting IS NOT NULL THEN 'customer impact, ' ELSE '' END ||
			CASE WHEN o.not_deploy_related = 1 OR o.caused_by_deploy_id IS NOT NULL OR o.inferred_link_rejected = 1 THEN 'cause, ' ELSE '' END ||
			CASE WHEN o.fingerprint IS NOT NULL THEN 'fingerprint, ' ELSE '' END ||
			CASE WHEN o.postmortem_url IS NOT NULL OR o.postmortem_published_at IS NOT NULL OR o.postmortem_due_at IS NOT NULL THEN 'postmortem, ' ELSE '' END,
			', ') || ')'
		FROM incident_overrides o WHERE o.incident_id IN (` + ins + `'incidents')
	UNION ALL
	SELECT 'incident #' || o.incident_id || ' is linked in sreport to deploy #' || o.caused_by_deploy_id || ' of this import'
		FROM incident_overrides o WHERE o.caused_by_deploy_id IN (` + ins + `'deploys')
	UNION ALL
	SELECT 'incident #' || ai.incident_id || ' has action item #' || ai.id || ' created in sreport (' || ai.title || ')'
		FROM action_items ai WHERE ai.source = 'app' AND ai.incident_id IN (` + ins + `'incidents')
	UNION ALL
	SELECT 'incident #' || ri.incident_id || ' is linked to risk ' || r.code
		FROM risk_incidents ri JOIN risks r ON r.id = ri.risk_id WHERE ri.incident_id IN (` + ins + `'incidents')
	UNION ALL
	SELECT 'action item #' || o.action_item_id || ' has edits made in sreport'
		FROM action_item_overrides o WHERE o.action_item_id IN (` + ins + `'action_items')
		OR o.action_item_id IN (SELECT id FROM action_items WHERE incident_id IN (` + ins + `'incidents'))`
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

// SaveMapping stores a generic CSV column mapping (with its severity map
// and Jira columns) under its name, replacing one of the same name; a says
// who saves it, audited in the same transaction.
func (s *Store) SaveMapping(ctx context.Context, m ingest.Mapping, a Audit) error {
	m.Name = strings.TrimSpace(m.Name)
	if m.Name == "" {
		return errors.New("store: a mapping needs a name")
	}
	if err := ingest.ValidateMapping(&m); err != nil {
		return err
	}
	ms := mappingSpec{Columns: m.Columns, DateLayout: m.DateLayout, Source: m.Source, SeverityMap: m.SeverityMap}
	if m.Jira != (ingest.JiraFields{}) {
		ms.Jira = &m.Jira
	}
	spec, err := json.Marshal(ms)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := scanMapping(tx.QueryRowContext(ctx, `SELECT name, kind, spec_json FROM import_mappings WHERE name = ?`, m.Name))
		a.Action = "update"
		switch {
		case errors.Is(err, sql.ErrNoRows):
			a.Action = "create"
		case err != nil:
			return fmt.Errorf("store: load mapping %q: %w", m.Name, err)
		default:
			a.Before = mappingAudit(before)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO import_mappings (name, kind, spec_json, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, spec_json = excluded.spec_json, updated_at = excluded.updated_at`,
			m.Name, m.Kind, string(spec), FormatTime(time.Now())); err != nil {
			return fmt.Errorf("store: save mapping %q: %w", m.Name, err)
		}
		a.Entity, a.EntityID, a.After = "import_mappings", m.Name, mappingAudit(m)
		return WriteAudit(ctx, tx, a)
	})
}

type mappingSpec struct {
	Columns     map[string]string  `json:"columns"`
	DateLayout  string             `json:"date_layout,omitempty"`
	Source      string             `json:"source,omitempty"`
	SeverityMap map[string]int     `json:"severity_map,omitempty"`
	Jira        *ingest.JiraFields `json:"jira,omitempty"`
}

// mappingAudit is a mapping as the audit log shows it.
func mappingAudit(m ingest.Mapping) any {
	return struct {
		Kind string `json:"kind"`
		mappingSpec
	}{m.Kind, mappingSpec{Columns: m.Columns, DateLayout: m.DateLayout, Source: m.Source, SeverityMap: m.SeverityMap, Jira: &m.Jira}}
}

func scanMapping(sc interface{ Scan(...any) error }) (ingest.Mapping, error) {
	var m ingest.Mapping
	var spec string
	if err := sc.Scan(&m.Name, &m.Kind, &spec); err != nil {
		return m, err
	}
	var ms mappingSpec
	if err := json.Unmarshal([]byte(spec), &ms); err != nil {
		return m, fmt.Errorf("mapping %q: %w", m.Name, err)
	}
	m.Columns, m.DateLayout, m.Source, m.SeverityMap = ms.Columns, ms.DateLayout, ms.Source, ms.SeverityMap
	if ms.Jira != nil {
		m.Jira = *ms.Jira
	}
	return m, nil
}

// Mapping returns one saved mapping or ErrNotFound.
func (s *Store) Mapping(ctx context.Context, name string) (ingest.Mapping, error) {
	m, err := scanMapping(s.db.QueryRowContext(ctx, `SELECT name, kind, spec_json FROM import_mappings WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("store: mapping %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("store: load mapping %q: %w", name, err)
	}
	return m, nil
}

// Mappings returns every saved mapping by name.
func (s *Store) Mappings(ctx context.Context) ([]ingest.Mapping, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, kind, spec_json FROM import_mappings ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: load mappings: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, scanMapping)
}

// DeleteMapping removes a saved mapping; a says who, audited in the same
// transaction.
func (s *Store) DeleteMapping(ctx context.Context, name string, a Audit) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := scanMapping(tx.QueryRowContext(ctx, `SELECT name, kind, spec_json FROM import_mappings WHERE name = ?`, name))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: mapping %q: %w", name, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: load mapping %q: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM import_mappings WHERE name = ?`, name); err != nil {
			return fmt.Errorf("store: delete mapping %q: %w", name, err)
		}
		a.Action, a.Entity, a.EntityID, a.Before = "delete", "import_mappings", name, mappingAudit(before)
		return WriteAudit(ctx, tx, a)
	})
}

// stmt prepares q inside the import's transaction and keeps it for closing.
func (a *applier) stmt(q string) (*sql.Stmt, error) {
	st, err := a.tx.PrepareContext(a.ctx, q)
	if err == nil {
		a.stmts = append(a.stmts, st)
	}
	return st, err
}
