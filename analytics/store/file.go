package store

import (
	"context"
	"fmt"
)

// File returns the path of the main database file as SQLite resolved it
// (absolute), or "" for an in-memory or temporary database. Files that
// belong with the database, such as pending uploads, are kept beside it.
func (s *Store) File(ctx context.Context) (string, error) {
	var file string
	if err := s.db.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err != nil {
		return "", fmt.Errorf("store: database file: %w", err)
	}
	return file, nil
}
