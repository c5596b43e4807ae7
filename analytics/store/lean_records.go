package store

import (
	"context"
	"database/sql"
	"fmt"

	"sreport/analytics"
)

// leanDeployCols are the deploy columns the KPI engine computes with, in
// leanDeployRow's order.
const leanDeployCols = `d.id, d.service_id, d.source, d.environment, d.status, d.finished_at,
		d.is_rollback, d.is_hotfix, d.commit_at, d.perf_regression`

// leanDeployRow holds one row of leanDeployCols as scanned, before
// conversion: the record days packer (record_days.go) checks the stored
// text of the times, which the conversion does not keep.
type leanDeployRow struct {
	d                  analytics.Deploy
	src, env, finished []byte
	commit             sql.NullString
	rollback, hotfix   int
	perf               sql.NullInt64
}

func (r *leanDeployRow) scan(sc interface{ Scan(...any) error }) error {
	r.d = analytics.Deploy{}
	return sc.Scan(&r.d.ID, &r.d.ServiceID, &r.src, &r.env, &r.d.Status, &r.finished, &r.rollback, &r.hotfix, &r.commit, &r.perf)
}

// deploy converts the scanned row.
func (r *leanDeployRow) deploy(names *interner) (analytics.Deploy, error) {
	d := r.d
	d.Source, d.Environment = names.of(r.src), names.of(r.env)
	d.IsRollback, d.IsHotfix = r.rollback != 0, r.hotfix != 0
	if r.perf.Valid {
		p := r.perf.Int64 != 0
		d.PerfRegression = &p
	}
	var err error
	if d.FinishedAt, err = ParseTime(string(r.finished)); err != nil {
		return d, fmt.Errorf("deploy %d finished_at: %w", d.ID, err)
	}
	if d.CommitAt, err = parseNullTime(r.commit); err != nil {
		return d, fmt.Errorf("deploy %d: %w", d.ID, err)
	}
	return d, nil
}

// leanDeploys loads only the deploy fields the KPI engine computes with,
// straight from the deploys table (packedDeploys reads the same from
// record days).
func leanDeploys(ctx context.Context, q querier, serviceIDs []int64, r TimeRange) ([]analytics.Deploy, error) {
	var w where
	ListFilter{Range: r}.scope(&w, "d.service_id", "d.finished_at")
	inIDs(&w, "d.service_id", serviceIDs)
	rows, err := q.QueryContext(ctx, `SELECT `+leanDeployCols+` FROM deploys d`+w.sql()+` ORDER BY d.finished_at, d.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: load deploys: %w", err)
	}
	defer rows.Close()
	var names interner // sources and environments repeat: keep one copy of each
	var row leanDeployRow
	return collectAll(rows, func(sc interface{ Scan(...any) error }) (analytics.Deploy, error) {
		if err := row.scan(sc); err != nil {
			return row.d, err
		}
		return row.deploy(&names)
	})
}

// leanPageCols are the page columns the KPI engine computes with, in
// leanPageRow's order.
const leanPageCols = `p.id, p.service_id, p.source, p.incident_id, p.triggered_at, p.acknowledged_at,
		p.resolved_at, p.auto_resolved, p.actionable, p.responder, p.responders`

// leanPageRow holds one row of leanPageCols as scanned, before conversion.
type leanPageRow struct {
	pg                   analytics.Page
	incident             sql.NullInt64
	src, triggered, resp []byte
	ack, resolved        sql.NullString
	auto                 int
	actionable           sql.NullInt64
	responders           []byte
}

func (r *leanPageRow) scan(sc interface{ Scan(...any) error }) error {
	r.pg = analytics.Page{}
	return sc.Scan(&r.pg.ID, &r.pg.ServiceID, &r.src, &r.incident, &r.triggered, &r.ack, &r.resolved, &r.auto, &r.actionable, &r.resp, &r.responders)
}

// page converts the scanned row.
func (r *leanPageRow) page(names *interner) (analytics.Page, error) {
	pg := r.pg
	pg.Source, pg.Responder = names.of(r.src), names.of(r.resp)
	var err error
	if pg.Responders, err = decodeResponders(string(r.responders)); err != nil {
		return pg, fmt.Errorf("page %d: %w", pg.ID, err)
	}
	if r.incident.Valid {
		id := r.incident.Int64
		pg.IncidentID = &id
	}
	if r.actionable.Valid {
		a := r.actionable.Int64 != 0
		pg.Actionable = &a
	}
	pg.AutoResolved = r.auto != 0
	if pg.TriggeredAt, err = ParseTime(string(r.triggered)); err != nil {
		return pg, fmt.Errorf("page %d triggered_at: %w", pg.ID, err)
	}
	if pg.AcknowledgedAt, err = parseNullTime(r.ack); err != nil {
		return pg, err
	}
	pg.ResolvedAt, err = parseNullTime(r.resolved)
	return pg, err
}

// leanPages loads only the page fields the KPI engine computes with,
// straight from the pages table (packedPages reads the same from record
// days).
func leanPages(ctx context.Context, q querier, serviceIDs []int64, r TimeRange) ([]analytics.Page, error) {
	var w where
	ListFilter{Range: r}.scope(&w, "p.service_id", "p.triggered_at")
	inIDs(&w, "p.service_id", serviceIDs)
	rows, err := q.QueryContext(ctx, `SELECT `+leanPageCols+` FROM pages p`+w.sql()+` ORDER BY p.triggered_at, p.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: load pages: %w", err)
	}
	defer rows.Close()
	var names interner // sources and responders repeat: keep one copy of each
	var row leanPageRow
	return collectAll(rows, func(sc interface{ Scan(...any) error }) (analytics.Page, error) {
		if err := row.scan(sc); err != nil {
			return row.pg, err
		}
		return row.page(&names)
	})
}
