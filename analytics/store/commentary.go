package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"sreport/analytics"
)

// CommentaryConflictError is returned by SaveCommentary when another
// editor saved a version after the one the form started from.
type CommentaryConflictError struct{ Current analytics.Commentary }

// Error names the version that is now current.
func (e *CommentaryConflictError) Error() string {
	return fmt.Sprintf("store: commentary on %s changed meanwhile (now version %d)", e.Current.Period, e.Current.Version)
}

// commentaryTier is the stored tier: -1 for a scope of every tier.
func commentaryTier(t *int) int {
	if t == nil {
		return -1
	}
	return *t
}

// CommentaryKey names a scope's commentary in the audit log: "2026-Q3",
// "2026-Q3 team payments", "2026-Q3 tier 0".
func CommentaryKey(period, team string, tier *int) string {
	k := period
	if team != "" {
		k += " team " + team
	}
	if tier != nil {
		k += " tier " + strconv.Itoa(*tier)
	}
	return k
}

const commentaryCols = `period, team, tier, version, highlights, lowlights, asks, author, saved_at`

func scanCommentary(sc interface{ Scan(...any) error }) (analytics.Commentary, error) {
	var c analytics.Commentary
	var tier int
	var at string
	if err := sc.Scan(&c.Period, &c.Team, &tier, &c.Version, &c.Highlights, &c.Lowlights, &c.Asks, &c.Author, &at); err != nil {
		return c, err
	}
	if tier >= 0 {
		c.Tier = &tier
	}
	var err error
	c.SavedAt, err = ParseTime(at)
	return c, err
}

// Commentary returns the latest version of the commentary on a period's
// report for a scope, or ErrNotFound when none was written.
func (s *Store) Commentary(ctx context.Context, period, team string, tier *int) (analytics.Commentary, error) {
	return latestCommentary(ctx, s.db, period, team, tier)
}

func latestCommentary(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, period, team string, tier *int) (analytics.Commentary, error) {
	row := q.QueryRowContext(ctx, `SELECT `+commentaryCols+` FROM report_commentary
		WHERE period = ? AND team = ? AND tier = ? ORDER BY version DESC LIMIT 1`, period, team, commentaryTier(tier))
	c, err := scanCommentary(row)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("store: load commentary %s: %w", CommentaryKey(period, team, tier), err)
	}
	return c, nil
}

// CommentaryVersions returns every saved version of a scope's commentary, newest first.
func (s *Store) CommentaryVersions(ctx context.Context, period, team string, tier *int) ([]analytics.Commentary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+commentaryCols+` FROM report_commentary
		WHERE period = ? AND team = ? AND tier = ? ORDER BY version DESC`, period, team, commentaryTier(tier))
	if err != nil {
		return nil, fmt.Errorf("store: load commentary versions: %w", err)
	}
	defer rows.Close()
	var out []analytics.Commentary
	for rows.Next() {
		c, err := scanCommentary(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan commentary: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SaveCommentary stores c as the next version of its scope's commentary,
// provided the latest version is still base (0: none yet), and audits the
// change with the version before and after. A save over a newer version
// returns *CommentaryConflictError and stores nothing, so one editor never
// silently overwrites another's notes.
func (s *Store) SaveCommentary(ctx context.Context, c analytics.Commentary, base int, a Audit) (analytics.Commentary, error) {
	a.Action, a.Entity, a.EntityID = "update", "report_commentary", CommentaryKey(c.Period, c.Team, c.Tier)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := latestCommentary(ctx, tx, c.Period, c.Team, c.Tier)
		switch {
		case errors.Is(err, ErrNotFound):
			cur = analytics.Commentary{}
			a.Action = "create"
		case err != nil:
			return err
		default:
			a.Before = commentaryAudit(cur)
		}
		if cur.Version != base {
			return &CommentaryConflictError{Current: cur}
		}
		c.Version = cur.Version + 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_commentary (`+commentaryCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.Period, c.Team, commentaryTier(c.Tier), c.Version, c.Highlights, c.Lowlights, c.Asks, c.Author, FormatTime(c.SavedAt)); err != nil {
			return fmt.Errorf("store: save commentary %s: %w", a.EntityID, err)
		}
		a.After = commentaryAudit(c)
		return WriteAudit(ctx, tx, a)
	})
	return c, err
}

// commentaryAudit is what the audit log keeps of a version: its number and text.
func commentaryAudit(c analytics.Commentary) map[string]any {
	return map[string]any{"version": c.Version, "highlights": c.Highlights, "lowlights": c.Lowlights, "asks": c.Asks}
}
