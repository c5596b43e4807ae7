package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// NewToken returns an opaque random token (256 bits, URL-safe base64).
func NewToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken is what the database keeps of a session or API token: its
// SHA-256, so a leaked database does not leak usable tokens.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Session is one signed-in browser.
type Session struct {
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute expiry
}

// CreateSession starts a session for userID and returns its token (only the
// hash is stored). The login is written to the audit log with it.
func (s *Store) CreateSession(ctx context.Context, userID int64, now, expires time.Time, a Audit) (string, error) {
	token := NewToken()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := insertSession(ctx, tx, token, userID, now, expires); err != nil {
			return err
		}
		// Sessions past their absolute expiry are dead weight; drop them here
		// rather than in a background job.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, FormatTime(now)); err != nil {
			return fmt.Errorf("store: prune sessions: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET last_sign_in_at = ? WHERE id = ?`, FormatTime(now), userID); err != nil {
			return fmt.Errorf("store: record sign-in of user %d: %w", userID, err)
		}
		a.Action, a.Entity, a.EntityID = orDefault(a.Action, "login"), "sessions", strconv.FormatInt(userID, 10)
		return WriteAudit(ctx, tx, a)
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// insertSession stores a new session's token hash inside tx.
func insertSession(ctx context.Context, tx *sql.Tx, token string, userID int64, now, expires time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		HashToken(token), userID, FormatTime(now), FormatTime(now), FormatTime(expires)); err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionByToken returns the session for a token and its user.
func (s *Store) SessionByToken(ctx context.Context, token string) (Session, User, error) {
	var ss Session
	var created, seen, expires string
	row := s.db.QueryRowContext(ctx, `SELECT s.created_at, s.last_seen_at, s.expires_at,
		u.id, u.email, u.name, u.role, u.password_hash, u.disabled, u.created_at, u.must_change_password
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, HashToken(token))
	var u User
	var disabled, mustChange int
	var ucreated string
	err := row.Scan(&created, &seen, &expires, &u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &disabled, &ucreated, &mustChange)
	if errors.Is(err, sql.ErrNoRows) {
		return ss, u, fmt.Errorf("store: session: %w", ErrNotFound)
	}
	if err != nil {
		return ss, u, fmt.Errorf("store: load session: %w", err)
	}
	u.Disabled, u.MustChangePassword = disabled != 0, mustChange != 0
	ss.UserID = u.ID
	for _, p := range []struct {
		dst *time.Time
		src string
	}{{&ss.CreatedAt, created}, {&ss.LastSeenAt, seen}, {&ss.ExpiresAt, expires}, {&u.CreatedAt, ucreated}} {
		if *p.dst, err = ParseTime(p.src); err != nil {
			return ss, u, fmt.Errorf("store: session time: %w", err)
		}
	}
	return ss, u, nil
}

// TouchSession records activity on a session, which moves its idle expiry.
//
// The write is bookkeeping, so it waits only briefly for another writer (a
// large import in another process holds the database for its whole
// transaction): at most touchWait for the writer connection and
// touchBusyMillis for SQLite's lock, then it gives up with an error that
// IsBusy or context.DeadlineExceeded recognise, and the caller carries on.
func (s *Store) TouchSession(ctx context.Context, token string, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, touchWait)
	defer cancel()
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	defer conn.Close()
	// The busy timeout is the connection's: shortened for this write only.
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = `+strconv.Itoa(touchBusyMillis)); err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	_, err = conn.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, FormatTime(now), HashToken(token))
	if _, rerr := conn.ExecContext(context.Background(), `PRAGMA busy_timeout = `+strconv.Itoa(busyMillis)); rerr != nil {
		// A writer left with the short timeout would fail real writes early.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		err = errors.Join(err, rerr)
	}
	if err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// How long a session's renewal waits for another writer.
const (
	touchWait       = time.Second
	touchBusyMillis = 250
)

// DeleteSession ends one session (expiry; no audit row).
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, HashToken(token)); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// EndSession ends one session on the user's request (logout), with an audit row.
func (s *Store) EndSession(ctx context.Context, token string, a Audit) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, HashToken(token))
		if err != nil {
			return fmt.Errorf("store: end session: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		a.Action, a.Entity = orDefault(a.Action, "logout"), "sessions"
		if a.EntityID == "" && a.UserID != 0 {
			a.EntityID = strconv.FormatInt(a.UserID, 10)
		}
		return WriteAudit(ctx, tx, a)
	})
}

// EndUserSessions ends every session of a user (password reset from the CLI).
func (s *Store) EndUserSessions(ctx context.Context, userID int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return deleteUserSessions(ctx, tx, userID, "") })
}

// SessionCount counts a user's sessions.
func (s *Store) SessionCount(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE user_id = ?`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count sessions: %w", err)
	}
	return n, nil
}

func deleteUserSessions(ctx context.Context, tx *sql.Tx, userID int64, keepHash string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, userID, keepHash); err != nil {
		return fmt.Errorf("store: end sessions of user %d: %w", userID, err)
	}
	return nil
}
