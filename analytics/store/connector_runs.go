package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"sreport/analytics/imports"
)

// Connector run states (connector_runs.status).
const (
	RunRunning     = "running"
	RunOK          = "ok"
	RunFailed      = "failed"
	RunStopped     = "stopped"
	RunInterrupted = "interrupted"
)

// keepRuns is how many of a connector's newest runs the history keeps
// besides those that wrote an import.
const keepRuns = 500

// maxStoredRejects bounds the rejected rows kept in a run's import; the
// count stays exact.
const maxStoredRejects = 1000

// ConnectorRun is one sync run of a connector.
type ConnectorRun struct {
	ID          int64
	ConnectorID int64
	ImportID    int64 // 0 until a page with records was written
	Trigger     string
	Actor       string
	StartedAt   time.Time
	FinishedAt  *time.Time
	Status      string
	Error       string
	Warnings    []string
	Pages       int
	Fetched     int
	Inserted    int
	Updated     int
	Unchanged   int
	Rejected    int
	Requests    int
	Retries     int

	// Set by BeginConnectorRun for the runner's later calls.
	owner    string
	name     string
	kind     string
	userID   int64
	leaseFor time.Duration
	clientIP string
}

const runCols = `id, connector_id, COALESCE(import_id, 0), trigger, actor, started_at, finished_at, status, error, warnings,
	pages, fetched, inserted, updated, unchanged, rejected, requests, retries`

func scanRun(sc interface{ Scan(...any) error }) (ConnectorRun, error) {
	var (
		r        ConnectorRun
		started  string
		finished sql.NullString
		warnings string
	)
	if err := sc.Scan(&r.ID, &r.ConnectorID, &r.ImportID, &r.Trigger, &r.Actor, &started, &finished, &r.Status, &r.Error, &warnings,
		&r.Pages, &r.Fetched, &r.Inserted, &r.Updated, &r.Unchanged, &r.Rejected, &r.Requests, &r.Retries); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(warnings), &r.Warnings); err != nil {
		return r, fmt.Errorf("connector run %d warnings: %w", r.ID, err)
	}
	var err error
	if r.StartedAt, err = ParseTime(started); err != nil {
		return r, err
	}
	r.FinishedAt, err = parseNullTime(finished)
	return r, err
}

// maxRunWarnings bounds the warnings a run keeps.
const maxRunWarnings = 50

// addWarnings merges a page's warnings into the run's, once each.
func (r *ConnectorRun) addWarnings(ws []string) bool {
	changed := false
	for _, w := range ws {
		if len(r.Warnings) >= maxRunWarnings || slices.Contains(r.Warnings, w) {
			continue
		}
		r.Warnings = append(r.Warnings, w)
		changed = true
	}
	return changed
}

// ConnectorRuns returns a connector's runs, newest first (at most limit, 0 = 50).
func (s *Store) ConnectorRuns(ctx context.Context, connectorID int64, limit int) ([]ConnectorRun, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+runCols+` FROM connector_runs WHERE connector_id = ? ORDER BY id DESC LIMIT ?`, connectorID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: load connector runs: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, scanRun)
}

// RunStart says who starts a run and for how long its lease holds without
// a committed page.
type RunStart struct {
	Owner    string // unique per runner process
	Trigger  string // schedule, manual, cli
	Actor    string // "connector:<name>", or the user who asked
	UserID   int64
	ClientIP string
	LeaseFor time.Duration
	Now      time.Time
}

// BeginConnectorRun takes the connector's lease and records a new run. A
// run left 'running' by a runner that died (its lease expired) is closed as
// interrupted and its import finished, so what it committed can be rolled
// back; the new run resumes from the cursor those pages saved. It returns
// ErrConnectorBusy while another runner's lease holds.
func (s *Store) BeginConnectorRun(ctx context.Context, id int64, st RunStart) (Connector, *ConnectorRun, error) {
	var c Connector
	var run *ConnectorRun
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if c, err = s.connector(ctx, tx, `id = ?`, id); err != nil {
			return err
		}
		if c.LeaseUntil != nil && c.LeaseUntil.After(st.Now) && c.LeaseOwner != st.Owner {
			return fmt.Errorf("store: connector %s: %w (until %s)", c.Name, ErrConnectorBusy, FormatTime(*c.LeaseUntil))
		}
		now := FormatTime(st.Now)
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET status = 'done', finished_at = ? WHERE status = 'running'
			AND id IN (SELECT import_id FROM connector_runs WHERE connector_id = ? AND status = 'running')`, now, id); err != nil {
			return fmt.Errorf("store: finish interrupted connector imports: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE connector_runs SET status = 'interrupted', finished_at = ?,
			error = 'the process running it stopped; the next run resumed from the last committed page'
			WHERE connector_id = ? AND status = 'running'`, now, id); err != nil {
			return fmt.Errorf("store: close interrupted connector runs: %w", err)
		}
		until := FormatTime(st.Now.Add(st.LeaseFor))
		if _, err := tx.ExecContext(ctx, `UPDATE connectors SET lease_owner = ?, lease_until = ?, status = 'running' WHERE id = ?`,
			st.Owner, until, id); err != nil {
			return fmt.Errorf("store: lease connector %s: %w", c.Name, err)
		}
		r, err := tx.ExecContext(ctx, `INSERT INTO connector_runs (connector_id, trigger, actor, started_at) VALUES (?, ?, ?, ?)`,
			id, st.Trigger, st.Actor, now)
		if err != nil {
			return fmt.Errorf("store: record connector run: %w", err)
		}
		rid, err := r.LastInsertId()
		if err != nil {
			return err
		}
		run = &ConnectorRun{ID: rid, ConnectorID: id, Trigger: st.Trigger, Actor: st.Actor, StartedAt: st.Now.UTC().Truncate(time.Second),
			Status: RunRunning, owner: st.Owner, name: c.Name, kind: c.Kind, userID: st.UserID, leaseFor: st.LeaseFor, clientIP: st.ClientIP}
		return nil
	})
	if err != nil {
		return c, nil, err
	}
	c.Status, c.LeaseOwner = ConnectorRunning, st.Owner
	return c, run, nil
}

// ConnectorPage is one page a run fetched: its records, and where the
// connector goes on after it.
type ConnectorPage struct {
	Batch    *imports.Batch  // nil or empty: only the cursor moves
	Cursor   json.RawMessage // nil: unchanged
	Progress float64         // back-fill done, 0..1; < 0: unchanged
	CaughtUp bool            // the back-fill reached the present
	Fetched  int             // API objects on the page
	Requests int             // HTTP requests made since the last page
	Retries  int             // 429/5xx answers waited out since the last page
	Now      time.Time
	// Apply carries CreateServices and Tier; the rest is filled in.
	Apply ApplyOptions
}

// ApplyConnectorPage writes one page in one transaction: its records go into
// the run's import (created with the first page that has any) through the
// same upserts, links and change records as a file import, and the
// connector's cursor advances in the same transaction, so a crash or kill
// never loses or repeats a committed page. Rows that cannot be stored are
// row errors of the import (valid rows are always kept: an API stream has
// no "fix the file and retry"). It fails with ErrLeaseLost when another
// runner took the connector over.
func (s *Store) ApplyConnectorPage(ctx context.Context, run *ConnectorRun, p ConnectorPage) (ImportResult, error) {
	start := time.Now()
	var res ImportResult
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("store: begin connector page: %w", err)
	}
	committed := false
	importID := run.ImportID
	defer func() {
		if !committed {
			_ = tx.Rollback()
			run.ImportID = importID // an import made by this page is gone with it
		}
	}()
	var owner sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT lease_owner FROM connectors WHERE id = ?`, run.ConnectorID).Scan(&owner); err != nil {
		return res, fmt.Errorf("store: check connector lease: %w", err)
	}
	if owner.String != run.owner {
		return res, fmt.Errorf("store: connector %s: %w", run.name, ErrLeaseLost)
	}
	b := p.Batch
	if b != nil && (b.Records() > 0 || len(b.Rejects) > 0) {
		if res, err = s.applyRunBatch(ctx, tx, run, b, p.Apply, start); err != nil {
			return res, err
		}
	}
	warnings := run.Warnings
	if b != nil {
		// Page warnings repeat on every page and run (skipped branches,
		// unfinished deploys): each is kept once per run.
		w := *run
		w.Warnings = append([]string(nil), run.Warnings...)
		w.addWarnings(b.Warnings)
		warnings = w.Warnings
	}
	wj, _ := json.Marshal(nonNil(warnings))
	if _, err := tx.ExecContext(ctx, `UPDATE connector_runs SET pages = pages + 1, fetched = fetched + ?, inserted = inserted + ?,
		updated = updated + ?, unchanged = unchanged + ?, rejected = rejected + ?, requests = requests + ?, retries = retries + ?,
		import_id = NULLIF(?, 0), warnings = ? WHERE id = ?`,
		p.Fetched, res.Inserted, res.Updated, res.Unchanged, res.Rejected, p.Requests, p.Retries, run.ImportID, string(wj), run.ID); err != nil {
		return res, fmt.Errorf("store: count connector run: %w", err)
	}
	set := `lease_until = ?`
	args := []any{FormatTime(p.Now.Add(run.leaseFor))}
	if p.Cursor != nil {
		set += `, cursor = ?`
		args = append(args, string(p.Cursor))
	}
	if p.Progress >= 0 {
		set += `, progress = ?`
		args = append(args, min(p.Progress, 1))
	}
	if p.CaughtUp {
		set += `, caught_up_at = COALESCE(caught_up_at, ?)`
		args = append(args, FormatTime(p.Now))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE connectors SET `+set+` WHERE id = ?`, append(args, run.ConnectorID)...); err != nil {
		return res, fmt.Errorf("store: save connector cursor: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("store: commit connector page: %w", err)
	}
	committed = true
	run.Warnings = warnings
	run.Pages++
	run.Fetched += p.Fetched
	run.Inserted += res.Inserted
	run.Updated += res.Updated
	run.Unchanged += res.Unchanged
	run.Rejected += res.Rejected
	run.Requests += p.Requests
	run.Retries += p.Retries
	res.ImportID, res.Applied, res.Took = run.ImportID, true, time.Since(start)
	return res, nil
}

// applyRunBatch upserts one page's batch into the run's import inside tx.
func (s *Store) applyRunBatch(ctx context.Context, tx *sql.Tx, run *ConnectorRun, b *imports.Batch, opt ApplyOptions, start time.Time) (ImportResult, error) {
	res := ImportResult{Format: b.Format, Source: b.Source, Warnings: append([]string(nil), b.Warnings...)}
	for _, r := range b.Rejects {
		res.Errors = append(res.Errors, RowError{Line: r.Line, Reason: r.Reason})
	}
	fresh := run.ImportID == 0
	if fresh {
		var user any
		if run.userID != 0 {
			user = run.userID
		}
		r, err := tx.ExecContext(ctx, `INSERT INTO imports (user_id, actor, format, file_name, sha256, started_at, status)
			VALUES (?, ?, ?, ?, '', ?, 'running')`, user, "connector:"+run.name, "connector:"+run.kind,
			fmt.Sprintf("connector %s, run %d", run.name, run.ID), FormatTime(run.StartedAt))
		if err != nil {
			return res, fmt.Errorf("store: record connector import: %w", err)
		}
		id, err := r.LastInsertId()
		if err != nil {
			return res, err
		}
		run.ImportID = id
	}
	opt.SkipInvalid = true
	a := &applier{ctx: ctx, tx: tx, b: b, opt: opt, res: &res, importID: run.ImportID, total: b.Records()}
	defer a.close()
	if err := a.run(start); err != nil {
		return res, err
	}
	reported, err := newRejects(ctx, tx, run.ConnectorID, res.Errors)
	if err != nil {
		return res, err
	}
	res.Errors = reported
	res.Rejected = len(res.Errors)
	if fresh && res.Inserted+res.Updated+res.Removed+res.Linked+len(res.Created)+res.Rejected == 0 {
		// Nothing changed: a run that only finds what is stored (most
		// runs) leaves no empty import in the history. No row refers to
		// the import yet, since nothing was written with it.
		if _, err := tx.ExecContext(ctx, `DELETE FROM imports WHERE id = ?`, run.ImportID); err != nil {
			return res, fmt.Errorf("store: drop empty connector import: %w", err)
		}
		run.ImportID = 0
		return res, nil
	}
	var errJSON, warnJSON string
	if err := tx.QueryRowContext(ctx, `SELECT errors, warnings FROM imports WHERE id = ?`, run.ImportID).Scan(&errJSON, &warnJSON); err != nil {
		return res, fmt.Errorf("store: load connector import: %w", err)
	}
	var errs []RowError
	var warns []string
	if err := json.Unmarshal([]byte(errJSON), &errs); err != nil {
		return res, fmt.Errorf("store: connector import errors: %w", err)
	}
	if err := json.Unmarshal([]byte(warnJSON), &warns); err != nil {
		return res, fmt.Errorf("store: connector import warnings: %w", err)
	}
	for _, e := range res.Errors {
		if len(errs) >= maxStoredRejects {
			break
		}
		// A line number of one API page says little on its own: the page
		// it belongs to goes with it.
		errs = append(errs, RowError{Line: e.Line, Reason: fmt.Sprintf("page %d: %s", run.Pages+1, e.Reason)})
	}
	seen := map[string]bool{}
	for _, w := range warns {
		seen[w] = true
	}
	for _, w := range res.Warnings {
		if !seen[w] && len(warns) < 200 {
			seen[w] = true
			warns = append(warns, w)
		}
	}
	ej, _ := json.Marshal(nonNil(errs))
	wj, _ := json.Marshal(nonNil(warns))
	if _, err := tx.ExecContext(ctx, `UPDATE imports SET inserted = inserted + ?, updated = updated + ?, unchanged = unchanged + ?,
		rejected = rejected + ?, errors = ?, warnings = ? WHERE id = ?`,
		res.Inserted, res.Updated, res.Unchanged, res.Rejected, string(ej), string(wj), run.ImportID); err != nil {
		return res, fmt.Errorf("store: count connector import: %w", err)
	}
	if res.Inserted+res.Updated+res.Removed+res.Linked+len(res.Created) > 0 {
		au := Audit{UserID: run.userID, Actor: "connector:" + run.name, ClientAddr: run.clientIP, Action: "connector sync",
			Entity: "imports", EntityID: strconv.FormatInt(run.ImportID, 10),
			After: importAudit{Format: b.Format, FileName: fmt.Sprintf("connector %s, run %d, page %d", run.name, run.ID, run.Pages+1),
				Inserted: res.Inserted, Updated: res.Updated, Unchanged: res.Unchanged, Rejected: res.Rejected, Removed: res.Removed,
				Linked: res.Linked, Created: res.Created}}
		if err := WriteAudit(ctx, tx, au); err != nil {
			return res, err
		}
	}
	return res, nil
}

// newRejects keeps the rejected rows this connector has not reported
// before and remembers them.
func newRejects(ctx context.Context, tx *sql.Tx, connectorID int64, errs []RowError) ([]RowError, error) {
	out := errs[:0]
	for _, e := range errs {
		sum := sha256.Sum256([]byte(e.Reason))
		r, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO connector_rejects (connector_id, reason_hash) VALUES (?, ?)`,
			connectorID, hex.EncodeToString(sum[:16]))
		if err != nil {
			return nil, fmt.Errorf("store: remember connector reject: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 1 {
			out = append(out, e)
		}
	}
	return out, nil
}

// RunEnd is how a run ended.
type RunEnd struct {
	Status  string // RunOK, RunFailed, RunStopped, RunInterrupted
	Error   string
	NextRun time.Time // when the connector is due again; zero = not scheduled
	Now     time.Time
	// Requests and Retries made after the last committed page.
	Requests, Retries int
}

// FinishConnectorRun records how a run ended, finishes its import (so it
// can be rolled back), sets the connector's status and next run and
// releases the lease. A stopped run (refused credential) stops the
// connector until its credential is replaced.
func (s *Store) FinishConnectorRun(ctx context.Context, run *ConnectorRun, end RunEnd) error {
	// The run's end is recorded even when the caller's context is what
	// ended it (a cancelled run is marked interrupted, not left running).
	ctx = context.WithoutCancel(ctx)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := FormatTime(end.Now)
		if _, err := tx.ExecContext(ctx, `UPDATE connector_runs SET status = ?, error = ?, finished_at = ?,
			requests = requests + ?, retries = retries + ? WHERE id = ?`,
			end.Status, end.Error, now, end.Requests, end.Retries, run.ID); err != nil {
			return fmt.Errorf("store: finish connector run: %w", err)
		}
		if run.ImportID != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE imports SET status = 'done', finished_at = ? WHERE id = ? AND status = 'running'`,
				now, run.ImportID); err != nil {
				return fmt.Errorf("store: finish connector import: %w", err)
			}
		}
		status, msg := ConnectorOK, ""
		switch end.Status {
		case RunFailed:
			status, msg = ConnectorFailed, end.Error
		case RunInterrupted:
			status, msg = ConnectorInterrupted, end.Error
		case RunStopped:
			status, msg = ConnectorStopped, end.Error
		}
		var next any
		if !end.NextRun.IsZero() && end.Status != RunStopped {
			next = FormatTime(end.NextRun)
		}
		// A connector running every 15 minutes makes 35,000 runs a year:
		// the history keeps the newest, and every run that wrote an import.
		if _, err := tx.ExecContext(ctx, `DELETE FROM connector_runs WHERE connector_id = ?1 AND import_id IS NULL AND id < (
			SELECT MIN(id) FROM (SELECT id FROM connector_runs WHERE connector_id = ?1 ORDER BY id DESC LIMIT ?2))`,
			run.ConnectorID, keepRuns); err != nil {
			return fmt.Errorf("store: prune connector runs: %w", err)
		}
		r, err := tx.ExecContext(ctx, `UPDATE connectors SET status = ?, status_message = ?, next_run_at = ?, lease_owner = NULL,
			lease_until = NULL WHERE id = ? AND lease_owner = ?`, status, msg, next, run.ConnectorID, run.owner)
		if err != nil {
			return fmt.Errorf("store: release connector: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("store: connector %s: %w", run.name, ErrLeaseLost)
		}
		return nil
	})
}

// ExtendConnectorLease keeps a run's lease while it waits (a long
// Retry-After or rate-limit reset) without committing a page.
func (s *Store) ExtendConnectorLease(ctx context.Context, run *ConnectorRun, until time.Time) error {
	r, err := s.w.ExecContext(ctx, `UPDATE connectors SET lease_until = ? WHERE id = ? AND lease_owner = ?`,
		FormatTime(until), run.ConnectorID, run.owner)
	if err != nil {
		return fmt.Errorf("store: extend connector lease: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("store: connector %s: %w", run.name, ErrLeaseLost)
	}
	return nil
}

// OpenRecords lists the external ids of source's records that are still
// open in sreport — incidents not resolved, pages without a resolve time —
// detected since from, newest first (at most limit), so a connector can
// read them again: an incident's later acknowledgement or resolution does
// not make it new.
func (s *Store) OpenRecords(ctx context.Context, source, kind string, from time.Time, limit int) ([]string, error) {
	var q string
	switch kind {
	case "incidents":
		q = `SELECT external_id FROM incidents WHERE source = ? AND status <> 'resolved' AND detected_at >= ? ORDER BY detected_at DESC LIMIT ?`
	case "pages":
		q = `SELECT external_id FROM pages WHERE source = ? AND resolved_at IS NULL AND triggered_at >= ? ORDER BY triggered_at DESC LIMIT ?`
	default:
		return nil, errors.New("store: open records: kind must be incidents or pages")
	}
	rows, err := s.db.QueryContext(ctx, q, source, FormatTime(from), limit)
	if err != nil {
		return nil, fmt.Errorf("store: load open %s: %w", kind, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
