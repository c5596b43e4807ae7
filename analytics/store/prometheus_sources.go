package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"sreport/analytics/imports"
)

// PrometheusSource is a Prometheus server the SLI days of SLOs with PromQL
// queries are read from. SecretSealed is the bearer token or basic-auth
// password sealed with the secrets box (AAD PrometheusSecretAAD(id)).
type PrometheusSource struct {
	ID           int64
	Name         string
	BaseURL      string
	Auth         string // none, bearer, basic
	Username     string
	SecretSealed string
	BackfillDays int
	CreatedAt    time.Time
	LastRunAt    *time.Time
	LastError    string
}

// PrometheusSecretAAD binds a sealed credential to its source, so a sealed
// value copied to another row does not open.
func PrometheusSecretAAD(id int64) string { return "prometheus_sources:" + strconv.FormatInt(id, 10) }

// CreatePrometheusSource saves a source; seal, given the new id, returns
// the sealed credential ("" for none). One audit row records it, without
// the credential.
func (s *Store) CreatePrometheusSource(ctx context.Context, p PrometheusSource, seal func(id int64) (string, error), a Audit) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `INSERT INTO prometheus_sources (name, base_url, auth, username, backfill_days, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, p.Name, p.BaseURL, p.Auth, p.Username, p.BackfillDays, FormatTime(time.Now()))
		if err != nil {
			return fmt.Errorf("store: create Prometheus source %q: %w", p.Name, err)
		}
		if id, err = r.LastInsertId(); err != nil {
			return err
		}
		sealed, err := seal(id)
		if err != nil {
			return fmt.Errorf("store: seal Prometheus credential: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE prometheus_sources SET secret_sealed = ? WHERE id = ?`, sealed, id); err != nil {
			return fmt.Errorf("store: save Prometheus credential: %w", err)
		}
		a.Action, a.Entity, a.EntityID = "create", "prometheus_sources", strconv.FormatInt(id, 10)
		a.After = map[string]any{"name": p.Name, "base_url": p.BaseURL, "auth": p.Auth, "username": p.Username, "backfill_days": p.BackfillDays}
		return WriteAudit(ctx, tx, a)
	})
	return id, err
}

// PrometheusSourceByName returns one source, ErrNotFound if none.
func (s *Store) PrometheusSourceByName(ctx context.Context, name string) (PrometheusSource, error) {
	var p PrometheusSource
	var created string
	var last sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT id, name, base_url, auth, username, secret_sealed, backfill_days, created_at, last_run_at, last_error
		FROM prometheus_sources WHERE name = ?`, name).Scan(&p.ID, &p.Name, &p.BaseURL, &p.Auth, &p.Username, &p.SecretSealed,
		&p.BackfillDays, &created, &last, &p.LastError)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("store: load Prometheus source %q: %w", name, err)
	}
	p.CreatedAt, _ = time.Parse(TimeLayout, created)
	if last.Valid {
		t, _ := time.Parse(TimeLayout, last.String)
		p.LastRunAt = &t
	}
	return p, nil
}

// SetPrometheusRun records when a source last synced and its error ("" = ok).
func (s *Store) SetPrometheusRun(ctx context.Context, id int64, at time.Time, errText string) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE prometheus_sources SET last_run_at = ?, last_error = ? WHERE id = ?`, FormatTime(at), errText, id); err != nil {
		return fmt.Errorf("store: record Prometheus run: %w", err)
	}
	return nil
}

// PromSLO is an SLO whose definition carries PromQL queries, with the last
// day a source stored for it (zero when none yet).
type PromSLO struct {
	SLOID      int64
	Service    string
	Name       string
	Objective  float64
	GoodQuery  string
	BadQuery   string
	TotalQuery string
	LastDay    time.Time
}

// PrometheusSLOs lists the SLOs with Prometheus queries and, for source,
// the last day stored.
func (s *Store) PrometheusSLOs(ctx context.Context, sourceID int64) ([]PromSLO, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT o.id, s.name, o.name, o.objective, o.good_query, o.bad_query, o.total_query, COALESCE(c.last_day, '')
		FROM slos o JOIN services s ON s.id = o.service_id
		LEFT JOIN prometheus_cursors c ON c.slo_id = o.id AND c.source_id = ?
		WHERE o.query_type = 'prometheus' AND o.total_query != '' ORDER BY s.name, o.name`, sourceID)
	if err != nil {
		return nil, fmt.Errorf("store: load Prometheus SLOs: %w", err)
	}
	return collectAll(rows, func(sc interface{ Scan(...any) error }) (PromSLO, error) {
		var p PromSLO
		var last string
		if err := sc.Scan(&p.SLOID, &p.Service, &p.Name, &p.Objective, &p.GoodQuery, &p.BadQuery, &p.TotalQuery, &last); err != nil {
			return p, err
		}
		if last != "" {
			p.LastDay, _ = time.Parse(DayLayout, last)
		}
		return p, nil
	})
}

// ApplyPrometheusDays stores one SLO's SLI days read from a source as an
// import (so they are upserted, previewable and can be rolled back like a
// file's), and moves the source's cursor for the SLO to lastDay in the
// same transaction.
// Days without data leave no import behind: only the cursor moves.
func (s *Store) ApplyPrometheusDays(ctx context.Context, sourceID, sloID int64, lastDay time.Time, b *imports.Batch, a Audit) (ImportResult, error) {
	cursor := func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO prometheus_cursors (source_id, slo_id, last_day) VALUES (?, ?, ?)
			ON CONFLICT (source_id, slo_id) DO UPDATE SET last_day = excluded.last_day`, sourceID, sloID, lastDay.Format(DayLayout)); err != nil {
			return fmt.Errorf("store: save Prometheus cursor: %w", err)
		}
		return nil
	}
	if b.Records() == 0 {
		return ImportResult{Format: b.Format, Source: b.Source}, s.inTx(ctx, func(tx *sql.Tx) error { return cursor(ctx, tx) })
	}
	opt := ApplyOptions{Actor: a.Actor, UserID: a.UserID, Audit: a, SkipInvalid: true,
		FileName: "prometheus source " + strconv.FormatInt(sourceID, 10) + ", SLO " + strconv.FormatInt(sloID, 10), InTx: cursor}
	return s.ApplyBatch(ctx, b, opt)
}
