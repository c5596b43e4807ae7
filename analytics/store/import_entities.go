package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"sreport/analytics"
	"sreport/analytics/imports"
)

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
		"postmortem_url", "url", "postmortem_tracked", "responders"}}
	entDeploys = entity{"deploys", "id", []string{"source", "external_id"}, []string{"service_id", "environment", "version",
		"started_at", "finished_at", "status", "is_rollback", "is_hotfix", "commit_at", "url", "perf_regression"}}
	entPages = entity{"pages", "id", []string{"source", "external_id"}, []string{"service_id", "incident_id", "incident_ref", "title",
		"urgency", "triggered_at", "acknowledged_at", "resolved_at", "auto_resolved", "actionable", "responder", "responders"}}
	entActionItems = entity{"action_items", "id", []string{"source", "external_id"}, []string{"incident_id", "service_id", "title",
		"owner", "due_at", "closed_at", "url"}}
	entSLI = entity{"sli_daily", "rowid", []string{"slo_id", "day"}, []string{"good", "total"}}
	entSLO = entity{"slos", "id", []string{"service_id", "name"}, []string{"objective", "window_days", "calendar", "description",
		"query_type", "good_query", "bad_query", "total_query"}}
	entToil = entity{"toil_entries", "id", []string{"team_id", "week_start"}, []string{"toil_hours", "total_hours", "note"}}
)

// restorable lists, per table, the columns a rollback may write back.
var restorable = map[string]map[string]bool{}

func init() {
	for _, e := range []entity{entIncidents, entDeploys, entPages, entActionItems, entSLI, entSLO, entToil} {
		m := map[string]bool{"import_id": true}
		for _, c := range e.cols {
			m[c] = true
		}
		restorable[e.table] = m
	}
}

// upserter holds one entity's prepared statements inside the import's transaction.
type upserter struct {
	e                     entity
	sel, ins, insNew, upd *sql.Stmt
	// tryInsert says the last record was new: the next one is tried with
	// insNew first, which saves the look-up in a file of new records.
	tryInsert bool
	keep      map[int]bool // column indexes whose stored value a batch's value never replaces (Batch.Derived)
	// late, when set, recomputes the record's values once its key turns
	// out to be stored after all (an insert tried first found it): the
	// responders of a KeepStored batch merge with the stored ones.
	late func(vals []any) error
}

// lookup reads the stored record with key: its id, the import that last
// wrote it and its values in u.e.cols order (sql.ErrNoRows when none).
func (u *upserter) lookup(ctx context.Context, key []any) (int64, sql.NullInt64, []any, error) {
	cur := make([]any, len(u.e.cols))
	dst := make([]any, len(cur)+2)
	var id int64
	var imp sql.NullInt64
	dst[0], dst[1] = &id, &imp
	for i := range cur {
		dst[i+2] = &cur[i]
	}
	err := u.sel.QueryRowContext(ctx, key...).Scan(dst...)
	return id, imp, cur, err
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
	if u.insNew, err = a.tx.PrepareContext(a.ctx, `INSERT INTO `+e.table+` (`+strings.Join(all, ", ")+`) VALUES (?`+
		strings.Repeat(", ?", len(all)-1)+`) ON CONFLICT DO NOTHING`); err != nil {
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
	a.stmts = append(a.stmts, u.sel, u.ins, u.insNew, u.upd)
	return u, nil
}

// deployWriter holds what writing deploys needs, prepared once per import.
type deployWriter struct {
	u             *upserter
	link, setLink *sql.Stmt
	waiting       bool // incidents of the source name changes not yet linked
}

func (a *applier) deployWriter() (*deployWriter, error) {
	u, err := a.prepare(entDeploys)
	if err != nil {
		return nil, err
	}
	w := &deployWriter{u: u}
	if w.link, err = a.stmt(`SELECT id FROM incidents WHERE source = ? AND caused_by_ref = ? AND caused_by_deploy_id IS NULL`); err != nil {
		return nil, err
	}
	if w.setLink, err = a.stmt(`UPDATE incidents SET caused_by_deploy_id = ? WHERE id = ?`); err != nil {
		return nil, err
	}
	w.waiting, err = a.exists(`SELECT EXISTS (SELECT 1 FROM incidents WHERE source = ? AND caused_by_ref != '' AND caused_by_deploy_id IS NULL)`, a.b.Source)
	return w, err
}

func (a *applier) deploys() error {
	if len(a.b.Deploys) == 0 {
		return nil
	}
	w, err := a.deployWriter()
	if err != nil {
		return err
	}
	for _, d := range a.b.Deploys {
		a.tick()
		if err := a.writeDeploy(w, a.b.Line(imports.DeployKey(d.ExternalID)), d); err != nil {
			return err
		}
	}
	return nil
}

// writeDeploy writes one deploy (a failure of the row is a row error).
func (a *applier) writeDeploy(w *deployWriter, line int, d analytics.Deploy) error {
	label := "deploy " + d.ExternalID
	src := a.b.Source
	sid, ok, err := a.service(d.Service, line, label)
	if !ok || err != nil {
		return err
	}
	env := d.Environment
	if env == "" {
		env = "production"
	}
	id, err := a.upsert(w.u, line, label, []any{src, d.ExternalID}, []any{sid, env, d.Version, NullTime(d.StartedAt),
		FormatTime(d.FinishedAt), d.Status, d.IsRollback, d.IsHotfix, NullTime(d.CommitAt), d.URL, nullBool(d.PerfRegression)})
	if err != nil {
		return err
	}
	// Incidents imported earlier that name this change.
	if id != 0 && w.waiting {
		return a.backLink(w.link, w.setLink, "incidents", "caused_by_deploy_id", []any{src, d.ExternalID}, id)
	}
	return nil
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

// incidentWriter holds what writing incidents needs, prepared once per import.
type incidentWriter struct {
	u                          *upserter
	deployByRef, link, setLink *sql.Stmt
	waiting                    bool // pages of the source name incidents not yet linked
}

func (a *applier) incidentWriter() (*incidentWriter, error) {
	u, err := a.prepare(entIncidents)
	if err != nil {
		return nil, err
	}
	w := &incidentWriter{u: u}
	if w.deployByRef, err = a.stmt(`SELECT id FROM deploys WHERE source = ? AND external_id = ?`); err != nil {
		return nil, err
	}
	if w.link, err = a.stmt(`SELECT id FROM pages WHERE source = ? AND incident_ref = ? AND incident_id IS NULL`); err != nil {
		return nil, err
	}
	if w.setLink, err = a.stmt(`UPDATE pages SET incident_id = ? WHERE id = ?`); err != nil {
		return nil, err
	}
	w.waiting, err = a.exists(`SELECT EXISTS (SELECT 1 FROM pages WHERE source = ? AND incident_ref != '' AND incident_id IS NULL)`, a.b.Source)
	return w, err
}

func (a *applier) incidents() error {
	if len(a.b.Incidents) == 0 {
		return nil
	}
	w, err := a.incidentWriter()
	if err != nil {
		return err
	}
	for _, in := range a.b.Incidents {
		a.tick()
		if err := a.writeIncident(w, a.b.Line(imports.IncidentKey(in.ExternalID)), in); err != nil {
			return err
		}
	}
	return nil
}

// writeIncident writes one incident (a failure of the row is a row error).
func (a *applier) writeIncident(w *incidentWriter, line int, in analytics.Incident) error {
	label := "incident " + in.ExternalID
	src := a.b.Source
	sid, ok, err := a.service(in.Service, line, label)
	if !ok || err != nil {
		return err
	}
	var causedBy any
	if in.CausedByRef != "" {
		var id int64
		switch err := w.deployByRef.QueryRowContext(a.ctx, src, in.CausedByRef).Scan(&id); {
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
	responders, err := a.respondersFor(w.u, "incidents", in.ExternalID, in.Responders)
	if err != nil {
		return err
	}
	id, err := a.upsert(w.u, line, label, []any{src, in.ExternalID}, []any{sid, in.Title, in.Severity, in.SeverityRaw,
		status, in.CustomerImpacting, NullTime(in.StartedAt), FormatTime(in.DetectedAt), NullTime(in.AcknowledgedAt),
		NullTime(in.MitigatedAt), NullTime(in.ResolvedAt), in.RootCause, in.Category, in.ProblemRef, in.CausedByRef, causedBy,
		NullTime(in.PostmortemDueAt), NullTime(in.PostmortemPublishedAt), in.PostmortemURL, in.URL, in.PostmortemTracked, responders})
	if err != nil {
		return err
	}
	// Pages imported earlier (log entries before incidents) that name this incident.
	if id != 0 && w.waiting {
		return a.backLink(w.link, w.setLink, "pages", "incident_id", []any{src, in.ExternalID}, id)
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

// pageWriter holds what writing pages needs, prepared once per import.
type pageWriter struct {
	u       *upserter
	others  *sql.Stmt
	skipped int // stand-ins not imported: their incidents have real pages
}

func (a *applier) pageWriter() (*pageWriter, error) {
	u, err := a.prepare(entPages)
	if err != nil {
		return nil, err
	}
	w := &pageWriter{u: u}
	w.others, err = a.stmt(`SELECT EXISTS (SELECT 1 FROM pages WHERE source = ? AND incident_ref = ? AND external_id != ?)`)
	return w, err
}

func (a *applier) pages() error {
	// A file without pages may still show stored stand-ins are not pages
	// (PagerDuty log entries whose notifications were all e-mails).
	if len(a.b.Pages) == 0 && len(a.b.SupersededPages) == 0 {
		return nil
	}
	w, err := a.pageWriter()
	if err != nil {
		return err
	}
	for _, pg := range a.b.Pages {
		a.tick()
		if err := a.writePage(w, a.b.Line(imports.PageKey(pg.ExternalID)), pg); err != nil {
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
	a.pageWarnings(w)
	return nil
}

func (a *applier) pageWarnings(w *pageWriter) {
	if w.skipped > 0 {
		a.res.Warnings = append(a.res.Warnings, fmt.Sprintf("%d trigger pages not imported: their incidents' notify pages are imported already", w.skipped))
	}
	if a.res.Removed > 0 {
		a.res.Warnings = append(a.res.Warnings, fmt.Sprintf("%d trigger pages of earlier imports removed: their incidents' notify pages replace them", a.res.Removed))
	}
}

// writePage writes one page (a failure of the row is a row error).
func (a *applier) writePage(w *pageWriter, line int, pg analytics.Page) error {
	label := "page " + pg.ExternalID
	if ref, ok := a.b.FallbackPages[pg.ExternalID]; ok && ref != "" {
		// A stand-in (PagerDuty trigger) for an incident whose real
		// pages an earlier file delivered: not a page, and gone if stored.
		var has bool
		if err := w.others.QueryRowContext(a.ctx, a.b.Source, ref, pg.ExternalID).Scan(&has); err != nil {
			return fmt.Errorf("store: look up pages of incident %s: %w", ref, err)
		}
		if has {
			w.skipped++
			return a.removePage(pg.ExternalID)
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
			return nil
		}
		sid = incService
	} else {
		var ok bool
		var err error
		if sid, ok, err = a.service(pg.Service, line, label); !ok || err != nil {
			return err
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
	responders, err := a.respondersFor(w.u, "pages", pg.ExternalID, pg.Responders)
	if err != nil {
		return err
	}
	_, err = a.upsert(w.u, line, label, []any{a.b.Source, pg.ExternalID}, []any{sid, incID, pg.IncidentRef, title,
		pg.Urgency, FormatTime(pg.TriggeredAt), NullTime(pg.AcknowledgedAt), NullTime(pg.ResolvedAt), pg.AutoResolved,
		actionable, pg.Responder, responders})
	return err
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

// actionItemWriter holds what writing action items needs.
type actionItemWriter struct {
	u        *upserter
	unlinked []string // linked-only tasks whose incident is not imported (first few)
	nUnlink  int
}

func (a *applier) actionItems() error {
	if len(a.b.ActionItems) == 0 {
		return nil
	}
	u, err := a.prepare(entActionItems)
	if err != nil {
		return err
	}
	w := &actionItemWriter{u: u}
	for _, it := range a.b.ActionItems {
		a.tick()
		if err := a.writeActionItem(w, a.b.Line(imports.ActionItemKey(it.ExternalID)), it); err != nil {
			return err
		}
	}
	a.actionItemWarnings(w)
	return nil
}

func (a *applier) actionItemWarnings(w *actionItemWriter) {
	if w.nUnlink > 0 {
		a.res.Warnings = append(a.res.Warnings, fmt.Sprintf("%d tasks skipped: the issue they belong to is neither in the file nor an imported incident (%s)",
			w.nUnlink, strings.Join(w.unlinked, ", ")))
	}
}

// writeActionItem writes one action item (a failure of the row is a row error).
func (a *applier) writeActionItem(w *actionItemWriter, line int, it analytics.ActionItem) error {
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
	if incID == nil && a.b.LinkedOnly[it.ExternalID] {
		if w.nUnlink++; len(w.unlinked) < 10 {
			w.unlinked = append(w.unlinked, it.ExternalID)
		}
		return nil
	}
	var sid int64
	if it.Service == "" {
		if incID == nil {
			a.rowErr(line, "%s: no service, and incident %q is not imported", label, it.IncidentRef)
			return nil
		}
		sid = incService
	} else {
		var ok bool
		var err error
		if sid, ok, err = a.service(it.Service, line, label); !ok || err != nil {
			return err
		}
	}
	_, err := a.upsert(w.u, line, label, []any{a.b.Source, it.ExternalID}, []any{incID, sid, it.Title, it.Owner,
		NullTime(it.DueAt), NullTime(it.ClosedAt), it.URL})
	return err
}

// sliWriter holds what writing SLI days needs: the SLOs found or created.
type sliWriter struct {
	u    *upserter
	slos map[sloKey]int64
}

type sloKey struct {
	service int64
	name    string
}

func (a *applier) sliDays() error {
	if len(a.b.SLIDays) == 0 {
		return nil
	}
	u, err := a.prepare(entSLI)
	if err != nil {
		return err
	}
	w := &sliWriter{u: u, slos: map[sloKey]int64{}}
	for _, d := range a.b.SLIDays {
		a.tick()
		if err := a.writeSLIDay(w, a.b.Line(imports.SLIKey(d)), d); err != nil {
			return err
		}
	}
	return nil
}

// writeSLIDay writes one SLO's day, creating the SLO when the service has
// none of that name (a failure of the row is a row error).
func (a *applier) writeSLIDay(w *sliWriter, line int, d analytics.SLIDay) error {
	label := "SLI " + d.Service + "/" + d.SLO + " " + d.Day.Format(DayLayout)
	sid, ok, err := a.service(d.Service, line, label)
	if !ok || err != nil {
		return err
	}
	k := sloKey{sid, d.SLO}
	slo, ok := w.slos[k]
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
				return a.writeFailed(line, label+": create SLO", err)
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
		w.slos[k] = slo
	}
	_, err = a.upsert(w.u, line, label, []any{slo, d.Day.Format(DayLayout)}, []any{d.Good, d.Total})
	return err
}

// toilWriter holds what writing toil weeks needs: the teams found or created.
type toilWriter struct {
	u     *upserter
	teams map[string]int64
}

func (a *applier) toil() error {
	if len(a.b.Toil) == 0 {
		return nil
	}
	u, err := a.prepare(entToil)
	if err != nil {
		return err
	}
	w := &toilWriter{u: u, teams: map[string]int64{}}
	for _, t := range a.b.Toil {
		a.tick()
		if err := a.writeToil(w, a.b.Line(imports.ToilKey(t)), t); err != nil {
			return err
		}
	}
	return nil
}

// writeToil writes one team's toil week, creating the team when needed.
func (a *applier) writeToil(w *toilWriter, line int, t analytics.ToilWeek) error {
	label := "toil " + t.Team + " " + t.WeekStart.Format(DayLayout)
	team, ok := w.teams[t.Team]
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
		w.teams[t.Team] = team
	}
	_, err := a.upsert(w.u, line, label, []any{team, t.WeekStart.Format(DayLayout)}, []any{t.ToilHours, t.TotalHours, t.Note})
	return err
}
