package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// LoginLimits is the sign-in throttle's policy. Failures are counted per
// account and client together and per client, so a guesser elsewhere can
// neither lock a user out nor keep going from one place.
type LoginLimits struct {
	// Window is how long a failure counts.
	Window time.Duration
	// PerAccountClient caps failures of one account from one client.
	PerAccountClient int
	// PerClient caps failures from one client, whatever the account.
	PerClient int
	// AccountBusy is the number of failures of one account, from anywhere,
	// past which the account is treated as under attack: a client that has
	// already failed on it gets only BusyPerAccountClient attempts. A client
	// that has not failed is never refused for the account's failures.
	AccountBusy          int
	BusyPerAccountClient int
}

// LoginAttempt is one sign-in attempt: the email typed (lower-cased) and
// the client's address.
type LoginAttempt struct {
	Email      string
	ClientAddr string
}

// maxThrottleEmail caps the email kept for throttling: nothing longer can
// be an address (RFC 5321 allows 254), and a huge typed value must not be
// stored as is.
const maxThrottleEmail = 254

func (a LoginAttempt) key() string {
	if len(a.Email) > maxThrottleEmail {
		return a.Email[:maxThrottleEmail]
	}
	return a.Email
}

// ReserveLoginAttempt counts an attempt as a failure before the password
// is checked and reports why it is refused ("" when it may go on). Counting
// and reserving happen in one write transaction, so parallel attempts
// cannot all pass the check before any failure is recorded. A successful
// sign-in removes the reservation with ClearLoginFailures; refused attempts
// are not counted, so the window ends on time. Rows older than the window
// are pruned here.
func (s *Store) ReserveLoginAttempt(ctx context.Context, at LoginAttempt, now time.Time, lim LoginLimits) (refused string, err error) {
	since := FormatTime(now.Add(-lim.Window))
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE at < ?`, since); err != nil {
			return fmt.Errorf("store: prune login failures: %w", err)
		}
		var pair, client, account int
		if err := tx.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM login_failures WHERE email = ? AND client_addr = ? AND at >= ?),
			(SELECT COUNT(*) FROM login_failures WHERE client_addr = ? AND at >= ?),
			(SELECT COUNT(*) FROM login_failures WHERE email = ? AND at >= ?)`,
			at.key(), at.ClientAddr, since, at.ClientAddr, since, at.key(), since).Scan(&pair, &client, &account); err != nil {
			return fmt.Errorf("store: count login failures: %w", err)
		}
		switch {
		case pair >= lim.PerAccountClient:
			refused = "account and client"
		case client >= lim.PerClient:
			refused = "client"
		case pair > 0 && account >= lim.AccountBusy && pair >= lim.BusyPerAccountClient:
			refused = "account under attack"
		}
		if refused != "" {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (email, client_addr, at) VALUES (?, ?, ?)`,
			at.key(), at.ClientAddr, FormatTime(now)); err != nil {
			return fmt.Errorf("store: reserve login attempt: %w", err)
		}
		return nil
	})
	return refused, err
}

// ClearLoginFailures forgets the failures of an account from one client
// (the attempt's own reservation with them) after a successful sign-in.
// The account's failures from other clients stay: they still tell that
// someone is guessing.
func (s *Store) ClearLoginFailures(ctx context.Context, at LoginAttempt) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM login_failures WHERE email = ? AND client_addr = ?`, at.key(), at.ClientAddr); err != nil {
		return fmt.Errorf("store: clear login failures: %w", err)
	}
	return nil
}

// LoginFailureCount counts the failures (reservations included) recorded
// for an account since since, for tests and operators.
func (s *Store) LoginFailureCount(ctx context.Context, email string, since time.Time) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures WHERE email = ? AND at >= ?`,
		LoginAttempt{Email: email}.key(), FormatTime(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count login failures: %w", err)
	}
	return n, nil
}
