package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Role names stored in users.role, weakest first.
const (
	RoleViewer = "viewer"
	RoleEditor = "editor"
	RoleAdmin  = "admin"
)

// Roles lists the roles, weakest first.
var Roles = []string{RoleViewer, RoleEditor, RoleAdmin}

// RoleRank orders roles: a user may do what any role of equal or lower rank
// may do. Unknown roles rank 0, below viewer.
func RoleRank(role string) int {
	switch role {
	case RoleViewer:
		return 1
	case RoleEditor:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// ErrEmailTaken is returned when creating a user whose email already exists.
var ErrEmailTaken = errors.New("email already registered")

// ErrInvalidUser is returned for a malformed email or an unknown role.
var ErrInvalidUser = errors.New("invalid user")

// User is one account. PasswordHash never leaves the store in JSON (audit rows).
type User struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name,omitempty"`
	Role         string    `json:"role"`
	PasswordHash string    `json:"-"`
	Disabled     bool      `json:"disabled"`
	CreatedAt    time.Time `json:"created_at"`
	// MustChangePassword is set by an admin's reset: the password is a
	// temporary one, and the browser that signs in with it can do nothing
	// but choose a new one.
	MustChangePassword bool `json:"must_change_password"`
	// LastSignInAt is the user's latest sign-in (nil: never). Kept out of
	// audit rows: it is not a change anyone made to the account.
	LastSignInAt *time.Time `json:"-"`
}

// HashPassword hashes a password with bcrypt. Passwords longer than bcrypt's
// 72-byte limit are refused rather than silently truncated.
func HashPassword(password string) (string, error) {
	b, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("store: hash password: %w", err)
	}
	return string(b), nil
}

// CheckPassword reports whether password matches hash. An empty hash (an
// account that signs in only through the proxy) never matches.
func CheckPassword(hash, password string) bool {
	if hash == "" {
		// Spend the same time as a real comparison so the response time
		// does not tell which accounts exist.
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// dummyHash is compared against when an account does not exist or has no password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("sreport-no-such-account"), bcrypt.DefaultCost)

// NormalizeEmail trims and lower-cases an email and checks its form.
func NormalizeEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || !strings.Contains(e, "@") {
		return "", fmt.Errorf("%w: %q is not an email address", ErrInvalidUser, email)
	}
	return e, nil
}

func validRole(role string) error {
	if RoleRank(role) == 0 {
		return fmt.Errorf("%w: role must be viewer, editor or admin, not %q", ErrInvalidUser, role)
	}
	return nil
}

const userCols = `id, email, name, role, password_hash, disabled, created_at, must_change_password, last_sign_in_at`

func scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var u User
	var created string
	var lastSignIn sql.NullString
	var disabled, mustChange int
	if err := sc.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &disabled, &created, &mustChange, &lastSignIn); err != nil {
		return u, err
	}
	u.Disabled, u.MustChangePassword = disabled != 0, mustChange != 0
	var err error
	if u.LastSignInAt, err = parseNullTime(lastSignIn); err != nil {
		return u, fmt.Errorf("user %d last_sign_in_at: %w", u.ID, err)
	}
	t, err := ParseTime(created)
	if err != nil {
		return u, fmt.Errorf("user %d created_at: %w", u.ID, err)
	}
	u.CreatedAt = t
	return u, nil
}

// CreateUser adds an account; passwordHash may be empty for accounts that
// sign in only through the trusted proxy. a says who did it.
func (s *Store) CreateUser(ctx context.Context, email, role, passwordHash string, a Audit) (User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return User{}, err
	}
	if err := validRole(role); err != nil {
		return User{}, err
	}
	var u User
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = ?`, email).Scan(&n); err != nil {
			return fmt.Errorf("store: check email: %w", err)
		}
		if n > 0 {
			return ErrEmailTaken
		}
		row := tx.QueryRowContext(ctx, `INSERT INTO users (email, role, password_hash, created_at) VALUES (?, ?, ?, ?)
			RETURNING `+userCols, email, role, passwordHash, FormatTime(auditTime(a)))
		var err error
		if u, err = scanUser(row); err != nil {
			return fmt.Errorf("store: create user: %w", err)
		}
		a.Action, a.Entity, a.EntityID, a.After = orDefault(a.Action, "create"), "users", strconv.FormatInt(u.ID, 10), u
		return WriteAudit(ctx, tx, a)
	})
	return u, err
}

// UserByEmail looks an account up by email (case-insensitive).
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE email = ?`, strings.TrimSpace(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("store: user %s: %w", email, ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("store: load user %s: %w", email, err)
	}
	return u, nil
}

// UserByID looks an account up by id.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("store: user %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("store: load user %d: %w", id, err)
	}
	return u, nil
}

// Users lists every account by email.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("store: load users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan user: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: load users: %w", err)
	}
	return out, nil
}

// UserCount counts accounts, to know whether a first admin must be created.
func (s *Store) UserCount(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

// updateUser loads a user inside tx, applies change, stores it and writes the
// audit row with the before and after states.
func (s *Store) updateUser(ctx context.Context, id int64, a Audit, change func(u *User), extra func(tx *sql.Tx, u User) error) (User, error) {
	var after User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: user %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: load user %d: %w", id, err)
		}
		after = before
		change(&after)
		if err := validRole(after.Role); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = ?, password_hash = ?, disabled = ?, name = ?, must_change_password = ? WHERE id = ?`,
			after.Role, after.PasswordHash, boolInt(after.Disabled), after.Name, boolInt(after.MustChangePassword), id); err != nil {
			return fmt.Errorf("store: update user %d: %w", id, err)
		}
		if extra != nil {
			if err := extra(tx, after); err != nil {
				return err
			}
		}
		a.Entity, a.EntityID, a.Before, a.After = "users", strconv.FormatInt(id, 10), before, after
		return WriteAudit(ctx, tx, a)
	})
	return after, err
}

// SetUserRole changes a user's role.
func (s *Store) SetUserRole(ctx context.Context, id int64, role string, a Audit) (User, error) {
	if err := validRole(role); err != nil {
		return User{}, err
	}
	a.Action = orDefault(a.Action, "set_role")
	return s.updateUser(ctx, id, a, func(u *User) { u.Role = role }, func(tx *sql.Tx, u User) error {
		if ScopeAllowed(role, ScopeWrite) {
			return nil
		}
		return downgradeWriteTokens(ctx, tx, u.ID)
	})
}

// SetUserDisabled disables or enables a user. Disabling ends all of the
// user's sessions and revokes their API tokens in the same transaction, for
// good: enabling the account again does not bring the tokens back.
func (s *Store) SetUserDisabled(ctx context.Context, id int64, disabled bool, a Audit) (User, error) {
	a.Action = orDefault(a.Action, map[bool]string{true: "disable", false: "enable"}[disabled])
	return s.updateUser(ctx, id, a, func(u *User) { u.Disabled = disabled }, func(tx *sql.Tx, u User) error {
		if !disabled {
			return nil
		}
		if err := deleteUserSessions(ctx, tx, u.ID, ""); err != nil {
			return err
		}
		_, err := revokeUserTokens(ctx, tx, u.ID, a, "account disabled")
		return err
	})
}

// SetUserPassword stores a new password hash and ends every session of the
// user except the one whose token is keepToken (the session that made the
// change; "" ends them all).
func (s *Store) SetUserPassword(ctx context.Context, id int64, passwordHash, keepToken string, a Audit) (User, error) {
	a.Action = orDefault(a.Action, "set_password")
	return s.updateUser(ctx, id, a, func(u *User) { u.PasswordHash, u.MustChangePassword = passwordHash, false }, func(tx *sql.Tx, u User) error {
		keep := ""
		if keepToken != "" {
			keep = HashToken(keepToken)
		}
		return deleteUserSessions(ctx, tx, u.ID, keep)
	})
}

// PasswordChange says what changes with a new password besides the hash,
// in the same transaction. Every session of the user ends either way.
type PasswordChange struct {
	// RevokeTokens revokes every live API token of the user.
	RevokeTokens bool
	// SessionExpires, when set, starts a fresh session for the browser that
	// made the change (its old session ends with the others, so the session
	// id rotates); ChangePassword returns its token.
	SessionExpires time.Time
	// Temporary marks the password as one an admin set: the user must
	// replace it at the next sign-in. A change without it clears the mark.
	Temporary bool
}

// ChangePassword stores a new password hash, ends every session of the
// user, and as ch says revokes their API tokens and starts a new session,
// all in one transaction. It returns the new session's token ("" without
// one) and how many tokens were revoked.
func (s *Store) ChangePassword(ctx context.Context, id int64, passwordHash string, ch PasswordChange, a Audit) (session string, revoked int, err error) {
	a.Action = orDefault(a.Action, "set_password")
	now := auditTime(a)
	_, err = s.updateUser(ctx, id, a, func(u *User) { u.PasswordHash, u.MustChangePassword = passwordHash, ch.Temporary }, func(tx *sql.Tx, u User) error {
		if err := deleteUserSessions(ctx, tx, u.ID, ""); err != nil {
			return err
		}
		if ch.RevokeTokens {
			var err error
			if revoked, err = revokeUserTokens(ctx, tx, u.ID, a, "password changed"); err != nil {
				return err
			}
		}
		if ch.SessionExpires.IsZero() {
			return nil
		}
		session = NewToken()
		return insertSession(ctx, tx, session, u.ID, now, ch.SessionExpires)
	})
	if err != nil {
		return "", 0, err
	}
	return session, revoked, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func auditTime(a Audit) time.Time {
	if a.At.IsZero() {
		return time.Now()
	}
	return a.At
}
