package store

import (
	"context"
	"fmt"
)

// DataVersion returns a number that changes whenever any connection — this
// process's writer or another process such as a CLI import — commits to the
// database. Caches of computed KPIs use it to know when to drop their
// entries. It asks SQLite's PRAGMA data_version on one dedicated connection,
// because the value is only comparable between calls on the same connection.
func (s *Store) DataVersion(ctx context.Context) (int64, error) {
	s.verMu.Lock()
	defer s.verMu.Unlock()
	if s.verConn == nil {
		c, err := s.db.Conn(ctx)
		if err != nil {
			return 0, fmt.Errorf("store: data version: %w", err)
		}
		s.verConn = c
	}
	var v int64
	if err := s.verConn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		s.verConn.Close()
		s.verConn = nil
		return 0, fmt.Errorf("store: data version: %w", err)
	}
	return v, nil
}
