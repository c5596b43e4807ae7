package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sreport/analytics"
)

// SMTPSettings is how the server sends mail. PasswordSealed is the
// password sealed with the server's secret key (secrets.Box); this
// package never sees it in clear.
type SMTPSettings struct {
	Host           string
	Port           int
	Security       string
	Username       string
	PasswordSealed string
	Sender         string
	// PublicURL is the address readers reach the app at, for the report
	// link in each mail ("https://sreport.example.com").
	PublicURL string
}

// smtpAudit is what the audit log keeps of the settings: never the
// password, sealed or not, only whether one is set.
func smtpAudit(s SMTPSettings) map[string]any {
	return map[string]any{"host": s.Host, "port": s.Port, "security": s.Security, "username": s.Username,
		"password_set": s.PasswordSealed != "", "sender": s.Sender, "public_url": s.PublicURL}
}

// SMTP returns the mail settings, or ErrNotFound before an admin saved any.
func (s *Store) SMTP(ctx context.Context) (SMTPSettings, error) {
	return smtpIn(ctx, s.db)
}

func smtpIn(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (SMTPSettings, error) {
	var m SMTPSettings
	err := q.QueryRowContext(ctx, `SELECT host, port, security, username, password_sealed, sender, public_url FROM smtp_settings WHERE id = 1`).
		Scan(&m.Host, &m.Port, &m.Security, &m.Username, &m.PasswordSealed, &m.Sender, &m.PublicURL)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("store: load smtp settings: %w", err)
	}
	return m, nil
}

// SaveSMTP stores the mail settings and audits the change (without the password).
func (s *Store) SaveSMTP(ctx context.Context, m SMTPSettings, a Audit) error {
	a.Action, a.Entity, a.EntityID = "update", "smtp_settings", "1"
	return s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := smtpIn(ctx, tx)
		switch {
		case errors.Is(err, ErrNotFound):
			a.Action = "create"
		case err != nil:
			return err
		default:
			a.Before = smtpAudit(cur)
		}
		a.After = smtpAudit(m)
		if _, err := tx.ExecContext(ctx, `INSERT INTO smtp_settings (id, host, port, security, username, password_sealed, sender, public_url)
			VALUES (1, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET host = excluded.host, port = excluded.port, security = excluded.security,
				username = excluded.username, password_sealed = excluded.password_sealed, sender = excluded.sender, public_url = excluded.public_url`,
			m.Host, m.Port, m.Security, m.Username, m.PasswordSealed, m.Sender, m.PublicURL); err != nil {
			return fmt.Errorf("store: save smtp settings: %w", err)
		}
		return WriteAudit(ctx, tx, a)
	})
}

const scheduleCols = `id, kind, team, tier, recipients, last_period, last_sent_at, last_error, last_try_at, created_at`

// ReportSchedules returns every delivery schedule, oldest first.
func (s *Store) ReportSchedules(ctx context.Context) ([]analytics.ReportSchedule, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+scheduleCols+` FROM report_schedules ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: load report schedules: %w", err)
	}
	defer rows.Close()
	var out []analytics.ReportSchedule
	for rows.Next() {
		sc, err := scanSchedule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

// ReportSchedule returns one schedule, or ErrNotFound.
func (s *Store) ReportSchedule(ctx context.Context, id int64) (analytics.ReportSchedule, error) {
	sc, err := scanSchedule(s.db.QueryRowContext(ctx, `SELECT `+scheduleCols+` FROM report_schedules WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return sc, ErrNotFound
	}
	return sc, err
}

func scanSchedule(sc interface{ Scan(...any) error }) (analytics.ReportSchedule, error) {
	var r analytics.ReportSchedule
	var kind, rcpts, created string
	var tier int
	var sent, tried sql.NullString
	if err := sc.Scan(&r.ID, &kind, &r.Team, &tier, &rcpts, &r.LastPeriod, &sent, &r.LastError, &tried, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return r, err
		}
		return r, fmt.Errorf("store: scan report schedule: %w", err)
	}
	r.Kind = analytics.PeriodKind(kind)
	if tier >= 0 {
		r.Tier = &tier
	}
	r.Recipients = strings.Split(rcpts, "\n")
	var err error
	if r.CreatedAt, err = ParseTime(created); err != nil {
		return r, err
	}
	for _, p := range []struct {
		s   sql.NullString
		dst **time.Time
	}{{sent, &r.LastSentAt}, {tried, &r.LastTryAt}} {
		if p.s.Valid {
			t, err := ParseTime(p.s.String)
			if err != nil {
				return r, err
			}
			*p.dst = &t
		}
	}
	return r, nil
}

// scheduleAudit is what the audit log keeps of a schedule.
func scheduleAudit(r analytics.ReportSchedule) map[string]any {
	return map[string]any{"kind": r.Kind, "team": r.Team, "tier": r.Tier, "recipients": r.Recipients}
}

// CreateReportSchedule stores a new schedule and audits it.
func (s *Store) CreateReportSchedule(ctx context.Context, r analytics.ReportSchedule, a Audit) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO report_schedules (kind, team, tier, recipients, created_at) VALUES (?, ?, ?, ?, ?)`,
			string(r.Kind), r.Team, commentaryTier(r.Tier), strings.Join(r.Recipients, "\n"), FormatTime(r.CreatedAt))
		if err != nil {
			return fmt.Errorf("store: create report schedule: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("store: create report schedule: %w", err)
		}
		a.Action, a.Entity, a.EntityID, a.After = "create", "report_schedules", strconv.FormatInt(id, 10), scheduleAudit(r)
		return WriteAudit(ctx, tx, a)
	})
	return id, err
}

// DeleteReportSchedule removes a schedule and audits it; ErrNotFound if none.
func (s *Store) DeleteReportSchedule(ctx context.Context, id int64, a Audit) error {
	cur, err := s.ReportSchedule(ctx, id)
	if err != nil {
		return err
	}
	a.Action, a.Entity, a.EntityID, a.Before = "delete", "report_schedules", strconv.FormatInt(id, 10), scheduleAudit(cur)
	return s.WithAudit(ctx, a, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM report_schedules WHERE id = ?`, id); err != nil {
			return fmt.Errorf("store: delete report schedule: %w", err)
		}
		return nil
	})
}

// RecordReportDelivery notes an attempt to deliver period: on success (errText
// "") the period becomes the last delivered; on failure the error and
// the attempt's time are kept for the retry delay and the admin page.
func (s *Store) RecordReportDelivery(ctx context.Context, id int64, period string, at time.Time, errText string) error {
	var err error
	if errText == "" {
		_, err = s.w.ExecContext(ctx, `UPDATE report_schedules SET last_period = ?, last_sent_at = ?, last_error = '', last_try_at = ? WHERE id = ?`,
			period, FormatTime(at), FormatTime(at), id)
	} else {
		_, err = s.w.ExecContext(ctx, `UPDATE report_schedules SET last_error = ?, last_try_at = ? WHERE id = ?`, errText, FormatTime(at), id)
	}
	if err != nil {
		return fmt.Errorf("store: record delivery of schedule %d: %w", id, err)
	}
	return nil
}
