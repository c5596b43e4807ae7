package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sreport/analytics"
)

const deployCols = `d.id, d.source, d.external_id, d.service_id, s.name, d.environment, d.version,
	d.started_at, d.finished_at, d.status, d.is_rollback, d.is_hotfix, d.commit_at, d.url, d.perf_regression`

const deployFrom = ` FROM deploys d JOIN services s ON s.id = d.service_id`

func scanDeploy(sc interface{ Scan(...any) error }) (analytics.Deploy, error) {
	var (
		d                analytics.Deploy
		started, commit  sql.NullString
		finished         string
		rollback, hotfix int
		perf             sql.NullInt64
	)
	err := sc.Scan(&d.ID, &d.Source, &d.ExternalID, &d.ServiceID, &d.Service, &d.Environment, &d.Version,
		&started, &finished, &d.Status, &rollback, &hotfix, &commit, &d.URL, &perf)
	if err != nil {
		return d, err
	}
	d.IsRollback, d.IsHotfix = rollback != 0, hotfix != 0
	if perf.Valid {
		p := perf.Int64 != 0
		d.PerfRegression = &p
	}
	if d.FinishedAt, err = ParseTime(finished); err != nil {
		return d, fmt.Errorf("deploy %d finished_at: %w", d.ID, err)
	}
	if d.StartedAt, err = parseNullTime(started); err != nil {
		return d, fmt.Errorf("deploy %d: %w", d.ID, err)
	}
	if d.CommitAt, err = parseNullTime(commit); err != nil {
		return d, fmt.Errorf("deploy %d: %w", d.ID, err)
	}
	return d, nil
}

var deploySorts = []sortKey{
	{name: "finished", column: "d.finished_at"},
	{name: "status", column: "d.status"},
	{name: "environment", column: "d.environment"},
}

// Deploys returns one page of deploys matching f (Status filters the deploy status).
func (s *Store) Deploys(ctx context.Context, f ListFilter) (Page[analytics.Deploy], error) {
	var w where
	f.scope(&w, "d.service_id", "d.finished_at")
	if f.Status != "" {
		w.add("d.status = ?", f.Status)
	}
	k := pickSort(deploySorts, f.Sort)
	tail, limit, err := applyKeyset(&w, k, f, "d.id")
	if err != nil {
		return Page[analytics.Deploy]{}, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+deployCols+`, `+k.column+deployFrom+w.sql()+tail, w.args...)
	if err != nil {
		return Page[analytics.Deploy]{}, fmt.Errorf("store: load deploys: %w", err)
	}
	defer rows.Close()
	return collectPage(rows, limit, scanDeploy, func(d analytics.Deploy) int64 { return d.ID })
}

// DeployByID returns one deploy or ErrNotFound.
func (s *Store) DeployByID(ctx context.Context, id int64) (analytics.Deploy, error) {
	d, err := scanDeploy(s.db.QueryRowContext(ctx, `SELECT `+deployCols+deployFrom+` WHERE d.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("store: load deploy %d: %w", id, err)
	}
	return d, nil
}

// DeploysInRange returns every deploy finished in r for the services (nil = all), oldest first.
func (s *Store) DeploysInRange(ctx context.Context, serviceIDs []int64, r TimeRange) ([]analytics.Deploy, error) {
	var w where
	ListFilter{Range: r}.scope(&w, "d.service_id", "d.finished_at")
	inIDs(&w, "d.service_id", serviceIDs)
	rows, err := s.db.QueryContext(ctx, `SELECT `+deployCols+deployFrom+w.sql()+` ORDER BY d.finished_at, d.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: load deploys: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, scanDeploy)
}

// collectPage scans up to limit rows (each followed by its sort key column) and
// sets the cursor when one more row exists.
func collectPage[T any](rows *sql.Rows, limit int, scan func(interface{ Scan(...any) error }) (T, error), id func(T) int64) (Page[T], error) {
	return collectPageKeep(rows, limit, scan, id, nil)
}

// collectPageKeep is collectPage over the rows keep accepts (nil: all).
func collectPageKeep[T any](rows *sql.Rows, limit int, scan func(interface{ Scan(...any) error }) (T, error), id func(T) int64, keep func(T) bool) (Page[T], error) {
	var out Page[T]
	var lastKey any
	for rows.Next() {
		var key any
		v, err := scan(scanAppend{rows, &key})
		if err != nil {
			return out, fmt.Errorf("store: scan: %w", err)
		}
		if keep != nil && !keep(v) {
			continue
		}
		if len(out.Rows) == limit {
			out.Next = encodeCursor(lastKey, id(out.Rows[limit-1]))
			break
		}
		out.Rows = append(out.Rows, v)
		lastKey = key
	}
	return out, rows.Err()
}

func collectAll[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
