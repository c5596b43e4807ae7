package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Import is one recorded import batch.
type Import struct {
	ID           int64
	UserID       int64
	User         string // the user's email, else the actor
	Format       string
	FileName     string
	SHA256       string
	StartedAt    time.Time
	FinishedAt   *time.Time
	RolledBackAt *time.Time
	Status       string // running, done, failed, rolled_back
	Inserted     int
	Updated      int
	Unchanged    int
	Rejected     int
	Errors       []RowError
	Warnings     []string
}

const importCols = `i.id, COALESCE(i.user_id, 0), COALESCE(u.email, i.actor), i.format, i.file_name, i.sha256, i.started_at,
	i.finished_at, i.rolled_back_at, i.status, i.inserted, i.updated, i.unchanged, i.rejected, i.errors, i.warnings
	FROM imports i LEFT JOIN users u ON u.id = i.user_id`

func scanImport(sc interface{ Scan(...any) error }) (Import, error) {
	var (
		im                Import
		started           string
		finished, rolled  sql.NullString
		errJSON, warnJSON string
	)
	if err := sc.Scan(&im.ID, &im.UserID, &im.User, &im.Format, &im.FileName, &im.SHA256, &started, &finished, &rolled,
		&im.Status, &im.Inserted, &im.Updated, &im.Unchanged, &im.Rejected, &errJSON, &warnJSON); err != nil {
		return im, err
	}
	var err error
	if im.StartedAt, err = ParseTime(started); err != nil {
		return im, err
	}
	if im.FinishedAt, err = parseNullTime(finished); err != nil {
		return im, err
	}
	if im.RolledBackAt, err = parseNullTime(rolled); err != nil {
		return im, err
	}
	if err := json.Unmarshal([]byte(errJSON), &im.Errors); err != nil {
		return im, fmt.Errorf("import %d errors: %w", im.ID, err)
	}
	if err := json.Unmarshal([]byte(warnJSON), &im.Warnings); err != nil {
		return im, fmt.Errorf("import %d warnings: %w", im.ID, err)
	}
	return im, nil
}

// Imports returns the import history, newest first (at most limit, 0 = 200).
func (s *Store) Imports(ctx context.Context, limit int) ([]Import, error) {
	if limit <= 0 {
		limit = 200
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+importCols+` ORDER BY i.id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: load imports: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, scanImport)
}

// ImportByID returns one import or ErrNotFound.
func (s *Store) ImportByID(ctx context.Context, id int64) (Import, error) {
	im, err := scanImport(s.db.QueryRowContext(ctx, `SELECT `+importCols+` WHERE i.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return im, fmt.Errorf("store: import %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return im, fmt.Errorf("store: load import %d: %w", id, err)
	}
	return im, nil
}
