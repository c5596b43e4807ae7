package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Audit describes one change for the audit log: who made it, from where,
// and the entity before and after (any JSON-encodable value; nil = none).
type Audit struct {
	UserID     int64 // 0 = no signed-in user (CLI, system)
	Actor      string
	Action     string // create, update, delete, login, …
	Entity     string // users, risks, settings, …
	EntityID   string
	Before     any
	After      any
	ClientAddr string
	// At is when the change happened; zero means the database's clock.
	At time.Time
}

// WithAudit runs fn in one write transaction and writes a's audit row in
// the same transaction, so a change is never stored without its audit row
// and a failed change leaves none.
func (s *Store) WithAudit(ctx context.Context, a Audit, fn func(tx *sql.Tx) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return WriteAudit(ctx, tx, a)
	})
}

// WriteAudit inserts one audit row inside tx, for callers that already run a
// transaction and learn the entity id or after-state only inside it.
func WriteAudit(ctx context.Context, tx *sql.Tx, a Audit) error {
	if a.Action == "" || a.Entity == "" {
		return fmt.Errorf("store: audit: action and entity are required")
	}
	before, err := auditJSON(a.Before)
	if err != nil {
		return fmt.Errorf("store: audit %s %s before: %w", a.Action, a.Entity, err)
	}
	after, err := auditJSON(a.After)
	if err != nil {
		return fmt.Errorf("store: audit %s %s after: %w", a.Action, a.Entity, err)
	}
	at := a.At
	if at.IsZero() {
		at = time.Now()
	}
	var uid any
	if a.UserID != 0 {
		uid = a.UserID
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (at, user_id, actor, action, entity, entity_id, before_json, after_json, client_addr)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		FormatTime(at), uid, a.Actor, a.Action, a.Entity, a.EntityID, before, after, a.ClientAddr)
	if err != nil {
		return fmt.Errorf("store: write audit %s %s: %w", a.Action, a.Entity, err)
	}
	return nil
}

func auditJSON(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if raw, ok := v.(json.RawMessage); ok {
		return string(raw), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// AuditEntry is one stored audit row.
type AuditEntry struct {
	ID         int64
	At         time.Time
	UserID     int64
	Actor      string
	Action     string
	Entity     string
	EntityID   string
	Before     string // JSON, "" when none
	After      string
	ClientAddr string
}

// AuditFilter narrows the audit log listing; zero values match everything.
type AuditFilter struct {
	Entity string
	Actor  string // matches the actor text (usually the email), case-insensitive substring
	From   time.Time
	To     time.Time // exclusive
	Before int64     // keyset: only rows with a smaller id
	Limit  int
}

// AuditEntries lists audit rows, newest first.
func (s *Store) AuditEntries(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var where []string
	var args []any
	if f.Entity != "" {
		where, args = append(where, `entity = ?`), append(args, f.Entity)
	}
	if f.Actor != "" {
		where, args = append(where, `actor LIKE ? ESCAPE '\'`), append(args, "%"+likeEscape(f.Actor)+"%")
	}
	if !f.From.IsZero() {
		where, args = append(where, `at >= ?`), append(args, FormatTime(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, `at < ?`), append(args, FormatTime(f.To))
	}
	if f.Before > 0 {
		where, args = append(where, `id < ?`), append(args, f.Before)
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q := `SELECT id, at, COALESCE(user_id, 0), actor, action, entity, entity_id,
		COALESCE(before_json, ''), COALESCE(after_json, ''), client_addr FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY id DESC LIMIT ` + strconv.Itoa(f.Limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: load audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at string
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &e.Before, &e.After, &e.ClientAddr); err != nil {
			return nil, fmt.Errorf("store: scan audit row: %w", err)
		}
		if e.At, err = ParseTime(at); err != nil {
			return nil, fmt.Errorf("store: audit row %d time: %w", e.ID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: load audit log: %w", err)
	}
	return out, nil
}

// AuditEntities lists the entity names present in the audit log, for the filter.
func (s *Store) AuditEntities(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT entity FROM audit_log ORDER BY entity`)
	if err != nil {
		return nil, fmt.Errorf("store: load audit entities: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, fmt.Errorf("store: scan audit entity: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
