package store

import (
	"context"
	"fmt"
)

// DataVersion returns a number that changes whenever any connection — this
// process's writer or another process such as a CLI import — commits a
// change to a table computations read (kpi_version, migration 00025): an
// import, an edit, settings, targets, rules. Sign-ins, session renewals and
// the audit trail leave it alone. Caches of computed KPIs use it to know
// when to drop their entries.
//
// It is built on SQLite's PRAGMA data_version, whose value is only
// comparable between calls on the same connection: the Store reads it on
// one long-lived connection of its own, under verMu, and never on the
// pool. The caller's cancellation does not reach that read (it takes
// microseconds), so a client that goes away cannot cost the connection.
// Should the connection still fail and be replaced, the next value counts
// as a change, because the new connection's numbers start afresh and may
// repeat an old one; DataVersion therefore returns its own sequence, which
// moves whenever kpi_version's counter moves or the connection is new. The
// pragma, which moves on any commit, only says when the counter is worth
// reading.
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
	if !fresh && v == s.verRaw {
		return s.verSeq, nil
	}
	var kv int64
	if err := s.verConn.QueryRowContext(context.WithoutCancel(ctx), `SELECT version FROM kpi_version WHERE id = 1`).Scan(&kv); err != nil {
		s.verConn.Close()
		s.verConn = nil
		return 0, fmt.Errorf("store: data version: %w", err)
	}
	s.verRaw = v
	if fresh || kv != s.verKPI {
		s.verKPI = kv
		s.verSeq++
	}
	return s.verSeq, nil
}
