package store

import (
	"context"
	"fmt"
)

// DataVersion returns a number that changes whenever any connection — this
// process's writer or another process such as a CLI import — commits to the
// database. Caches of computed KPIs use it to know when to drop their
// entries.
//
// It is built on SQLite's PRAGMA data_version, whose value is only
// comparable between calls on the same connection: the Store reads it on
// one long-lived connection of its own, under verMu, and never on the
// pool. The caller's cancellation does not reach that read (it takes
// microseconds), so a client that goes away cannot cost the connection.
// Should the connection still fail and be replaced, the next value counts
// as a change, because the new connection's numbers start afresh and may
// repeat an old one; DataVersion therefore returns its own sequence, which
// moves whenever the pragma's value moves or the connection is new.
func (s *Store) DataVersion(ctx context.Context) (int64, error) {
	s.verMu.Lock()
	defer s.verMu.Unlock()
	fresh := false
	if s.verConn == nil {
		c, err := s.db.Conn(ctx)
		if err != nil {
			return 0, fmt.Errorf("store: data version: %w", err)
		}
		s.verConn, fresh = c, true
	}
	var v int64
	if err := s.verConn.QueryRowContext(context.WithoutCancel(ctx), `PRAGMA data_version`).Scan(&v); err != nil {
		s.verConn.Close()
		s.verConn = nil
		return 0, fmt.Errorf("store: data version: %w", err)
	}
	if fresh || v != s.verRaw {
		s.verRaw = v
		s.verSeq++
	}
	return s.verSeq, nil
}
