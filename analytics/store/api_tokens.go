package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// API token scopes: what a token may do on top of its owner's role.
const (
	// ScopeRead lets a token call the read-only (GET) API.
	ScopeRead = "read"
	// ScopeWrite also lets it call the write API; only editors and admins
	// hold such tokens.
	ScopeWrite = "write"
)

// Scopes lists the token scopes, weakest first.
var Scopes = []string{ScopeRead, ScopeWrite}

// MaxTokenNameRunes caps a token's name.
const MaxTokenNameRunes = 100

// ErrInvalidToken is returned when a token cannot be created as asked: a
// missing or over-long name, an unknown scope, the write scope for a viewer,
// or a disabled owner.
var ErrInvalidToken = errors.New("invalid api token")

// APIToken is a personal API token (its secret is never stored).
type APIToken struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	Name      string     `json:"name"`
	Scope     string     `json:"scope"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// APITokenPrefix starts every API token so leaked tokens are recognisable.
const APITokenPrefix = "srp_"

// ScopeAllowed reports whether a user with role may hold a token of scope.
func ScopeAllowed(role, scope string) bool {
	switch scope {
	case ScopeRead:
		return RoleRank(role) > 0
	case ScopeWrite:
		return RoleRank(role) >= RoleRank(RoleEditor)
	}
	return false
}

// CreateAPIToken makes a token for userID and returns it with its secret,
// which is shown to the user once. The owner's role and status are checked
// in the same transaction, so a viewer never gets a write token.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, name, scope string, now time.Time, a Audit) (APIToken, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxTokenNameRunes {
		return APIToken{}, "", fmt.Errorf("%w: give the token a name of 1 to %d characters", ErrInvalidToken, MaxTokenNameRunes)
	}
	if scope != ScopeRead && scope != ScopeWrite {
		return APIToken{}, "", fmt.Errorf("%w: scope must be read or write, not %q", ErrInvalidToken, scope)
	}
	secret := APITokenPrefix + NewToken()
	t := APIToken{UserID: userID, Name: name, Scope: scope, CreatedAt: now.UTC().Truncate(time.Second)}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, userID))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: user %d: %w", userID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: load user %d: %w", userID, err)
		}
		if u.Disabled {
			return fmt.Errorf("%w: %s is disabled", ErrInvalidToken, u.Email)
		}
		if !ScopeAllowed(u.Role, scope) {
			return fmt.Errorf("%w: the %s scope needs the editor or admin role; %s is %s", ErrInvalidToken, scope, u.Email, u.Role)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, scope, token_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			userID, name, scope, HashToken(secret), FormatTime(now)).Scan(&t.ID); err != nil {
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

const apiTokenCols = `t.id, t.user_id, t.name, t.scope, t.created_at, t.revoked_at`

func scanAPIToken(sc interface{ Scan(...any) error }, extra ...any) (APIToken, error) {
	var t APIToken
	var created string
	var revoked sql.NullString
	if err := sc.Scan(append([]any{&t.ID, &t.UserID, &t.Name, &t.Scope, &created, &revoked}, extra...)...); err != nil {
		return t, err
	}
	var err error
	if t.CreatedAt, err = ParseTime(created); err != nil {
		return t, fmt.Errorf("api token %d created_at: %w", t.ID, err)
	}
	if t.RevokedAt, err = parseNullTime(revoked); err != nil {
		return t, fmt.Errorf("api token %d revoked_at: %w", t.ID, err)
	}
	return t, nil
}

// APITokens lists a user's tokens, newest first.
func (s *Store) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+apiTokenCols+` FROM api_tokens t WHERE t.user_id = ? ORDER BY t.id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: load api tokens: %w", err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan api token: %w", err)
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

// UserByAPIToken returns a live (not revoked) API token and its owner.
func (s *Store) UserByAPIToken(ctx context.Context, secret string) (User, APIToken, error) {
	var u User
	var disabled int
	var ucreated string
	t, err := scanAPIToken(s.db.QueryRowContext(ctx, `SELECT `+apiTokenCols+`, u.email, u.name, u.role, u.password_hash, u.disabled, u.created_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.revoked_at IS NULL`, HashToken(secret)),
		&u.Email, &u.Name, &u.Role, &u.PasswordHash, &disabled, &ucreated)
	if errors.Is(err, sql.ErrNoRows) {
		return u, t, fmt.Errorf("store: api token: %w", ErrNotFound)
	}
	if err != nil {
		return u, t, fmt.Errorf("store: load api token: %w", err)
	}
	u.ID, u.Disabled = t.UserID, disabled != 0
	if u.CreatedAt, err = ParseTime(ucreated); err != nil {
		return u, t, fmt.Errorf("store: user %d created_at: %w", u.ID, err)
	}
	return u, t, nil
}

// revokeUserTokens revokes every live token of a user inside tx and, when
// there were any, writes one audit row saying how many and why.
func revokeUserTokens(ctx context.Context, tx *sql.Tx, userID int64, a Audit, why string) (int, error) {
	res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`,
		FormatTime(auditTime(a)), userID)
	if err != nil {
		return 0, fmt.Errorf("store: revoke api tokens of user %d: %w", userID, err)
	}
	n, _ := res.RowsAffected()
	if n == 0 {
		return 0, nil
	}
	a.Action, a.Entity, a.EntityID = "revoke_all", "api_tokens", strconv.FormatInt(userID, 10)
	a.Before, a.After = nil, map[string]any{"revoked": n, "reason": why}
	return int(n), WriteAudit(ctx, tx, a)
}

// downgradeWriteTokens turns a user's write tokens into read tokens inside
// tx, for a user who lost the editor role; a later promotion does not give
// the write scope back.
func downgradeWriteTokens(ctx context.Context, tx *sql.Tx, userID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET scope = ? WHERE user_id = ? AND scope = ?`, ScopeRead, userID, ScopeWrite); err != nil {
		return fmt.Errorf("store: downgrade api tokens of user %d: %w", userID, err)
	}
	return nil
}
