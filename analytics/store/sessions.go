package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
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
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			HashToken(token), userID, FormatTime(now), FormatTime(now), FormatTime(expires)); err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		// Sessions past their absolute expiry are dead weight; drop them here
		// rather than in a background job.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, FormatTime(now)); err != nil {
			return fmt.Errorf("store: prune sessions: %w", err)
		}
		a.Action, a.Entity, a.EntityID = orDefault(a.Action, "login"), "sessions", strconv.FormatInt(userID, 10)
		return WriteAudit(ctx, tx, a)
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// SessionByToken returns the session for a token and its user.
func (s *Store) SessionByToken(ctx context.Context, token string) (Session, User, error) {
	var ss Session
	var created, seen, expires string
	row := s.db.QueryRowContext(ctx, `SELECT s.created_at, s.last_seen_at, s.expires_at,
		u.id, u.email, u.name, u.role, u.password_hash, u.disabled, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, HashToken(token))
	var u User
	var disabled int
	var ucreated string
	err := row.Scan(&created, &seen, &expires, &u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &disabled, &ucreated)
	if errors.Is(err, sql.ErrNoRows) {
		return ss, u, fmt.Errorf("store: session: %w", ErrNotFound)
	}
	if err != nil {
		return ss, u, fmt.Errorf("store: load session: %w", err)
	}
	u.Disabled = disabled != 0
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
func (s *Store) TouchSession(ctx context.Context, token string, now time.Time) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, FormatTime(now), HashToken(token)); err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

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

// APIToken is a personal API token (its secret is never stored).
type APIToken struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// APITokenPrefix starts every API token so leaked tokens are recognisable.
const APITokenPrefix = "srp_"

// CreateAPIToken makes a token for userID and returns it with its secret,
// which is shown to the user once.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, name string, now time.Time, a Audit) (APIToken, string, error) {
	secret := APITokenPrefix + NewToken()
	t := APIToken{UserID: userID, Name: name, CreatedAt: now.UTC().Truncate(time.Second)}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			userID, name, HashToken(secret), FormatTime(now)).Scan(&t.ID); err != nil {
			return fmt.Errorf("store: create api token: %w", err)
		}
		a.Action, a.Entity, a.EntityID, a.After = orDefault(a.Action, "create"), "api_tokens", strconv.FormatInt(t.ID, 10), t
		return WriteAudit(ctx, tx, a)
	})
	if err != nil {
		return APIToken{}, "", err
	}
	return t, secret, nil
}

// APITokens lists a user's tokens, newest first.
func (s *Store) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, user_id, name, created_at, revoked_at FROM api_tokens WHERE user_id = ? ORDER BY id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: load api tokens: %w", err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var created string
		var revoked sql.NullString
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &created, &revoked); err != nil {
			return nil, fmt.Errorf("store: scan api token: %w", err)
		}
		if t.CreatedAt, err = ParseTime(created); err != nil {
			return nil, fmt.Errorf("store: api token %d: %w", t.ID, err)
		}
		if t.RevokedAt, err = parseNullTime(revoked); err != nil {
			return nil, fmt.Errorf("store: api token %d: %w", t.ID, err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: load api tokens: %w", err)
	}
	return out, nil
}

// RevokeAPIToken revokes one of userID's tokens; ErrNotFound when the token
// does not exist, belongs to someone else or is already revoked.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, id int64, now time.Time, a Audit) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL`,
			FormatTime(now), id, userID)
		if err != nil {
			return fmt.Errorf("store: revoke api token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: api token %d: %w", id, ErrNotFound)
		}
		a.Action, a.Entity, a.EntityID = orDefault(a.Action, "revoke"), "api_tokens", strconv.FormatInt(id, 10)
		return WriteAudit(ctx, tx, a)
	})
}

// UserByAPIToken returns the owner of a live (not revoked) API token.
func (s *Store) UserByAPIToken(ctx context.Context, secret string) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.role, u.password_hash, u.disabled, u.created_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.revoked_at IS NULL`, HashToken(secret)))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("store: api token: %w", ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("store: load api token: %w", err)
	}
	return u, nil
}

// RecordLoginFailure notes a failed sign-in for throttling, pruning rows
// older than keep.
func (s *Store) RecordLoginFailure(ctx context.Context, email, clientAddr string, now time.Time, keep time.Duration) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (email, client_addr, at) VALUES (?, ?, ?)`,
			email, clientAddr, FormatTime(now)); err != nil {
			return fmt.Errorf("store: record login failure: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE at < ?`, FormatTime(now.Add(-keep))); err != nil {
			return fmt.Errorf("store: prune login failures: %w", err)
		}
		return nil
	})
}

// LoginFailures counts failed sign-ins since since, for the account and
// for the client address.
func (s *Store) LoginFailures(ctx context.Context, email, clientAddr string, since time.Time) (byAccount, byAddr int, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM login_failures WHERE email = ? AND at >= ?),
		(SELECT COUNT(*) FROM login_failures WHERE client_addr = ? AND at >= ?)`,
		email, FormatTime(since), clientAddr, FormatTime(since)).Scan(&byAccount, &byAddr)
	if err != nil {
		return 0, 0, fmt.Errorf("store: count login failures: %w", err)
	}
	return byAccount, byAddr, nil
}

// ClearLoginFailures forgets an account's failures after a successful sign-in.
func (s *Store) ClearLoginFailures(ctx context.Context, email string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM login_failures WHERE email = ?`, email); err != nil {
		return fmt.Errorf("store: clear login failures: %w", err)
	}
	return nil
}
