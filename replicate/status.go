package replicate

import (
	"fmt"
	"time"
)

// Status is the replicator's state at one instant, sent from the
// `sreport replicate` process to serve as one JSON line a second.
type Status struct {
	At time.Time `json:"at"`
	// LocalTXID is the newest transaction Litestream has taken from the
	// WAL (it looks about once a second); ReplicaTXID the newest one the
	// replica confirmed.
	LocalTXID   uint64 `json:"local_txid"`
	ReplicaTXID uint64 `json:"replica_txid"`
	// LastSync is when the replica last accepted a sync.
	LastSync time.Time `json:"last_sync"`
	// BehindSince is when the replica first fell behind LocalTXID; zero
	// while it is caught up.
	BehindSince time.Time `json:"behind_since"`
	// Final marks the report after the last sync, when the process stops.
	Final bool `json:"final,omitempty"`
}

// Lag is how long the oldest transaction not yet on the replica has been
// waiting: what a loss of this machine would cost now, give or take the
// second Litestream takes to notice a commit.
func (s Status) Lag(now time.Time) time.Duration {
	if s.BehindSince.IsZero() || now.Before(s.BehindSince) {
		return 0
	}
	return now.Sub(s.BehindSince)
}

// Thresholds of Health. A healthy replicator reports every second and
// syncs every second even when idle.
const (
	StaleAfter     = 10 * time.Second // no status line for this long: the replicator is stuck
	UnhealthyAfter = 30 * time.Second // lag, or time without a successful sync
)

// Health is the replication state shown on /readyz and /metrics.
type Health struct {
	Running  bool // the replicator process is alive
	Status   Status
	Restarts int // replicator processes that exited and were restarted
	Lag      time.Duration
	Healthy  bool
	// Reason says in words why replication is not healthy, or how it is.
	Reason string
}

// assess judges a replicator that started at started and last reported
// st (zero when it has not reported yet).
func assess(now, started time.Time, running bool, st Status, restarts int, lastExit string) Health {
	h := Health{Running: running, Status: st, Restarts: restarts, Lag: st.Lag(now)}
	switch {
	case !running:
		h.Reason = "replicator not running"
		if lastExit != "" {
			h.Reason += " (" + lastExit + ")"
		}
	case st.At.IsZero() && now.Sub(started) < UnhealthyAfter:
		h.Reason = "starting"
	case st.At.IsZero():
		h.Reason = fmt.Sprintf("no status from the replicator for %s", now.Sub(started).Round(time.Second))
	case now.Sub(st.At) > StaleAfter:
		h.Reason = fmt.Sprintf("no status from the replicator for %s", now.Sub(st.At).Round(time.Second))
	case h.Lag > UnhealthyAfter:
		h.Reason = fmt.Sprintf("replica %s behind (transaction %d of %d)", h.Lag.Round(time.Second), st.ReplicaTXID, st.LocalTXID)
	case st.LastSync.IsZero() && now.Sub(started) < UnhealthyAfter:
		h.Reason = "starting"
	case st.LastSync.IsZero() || now.Sub(st.LastSync) > UnhealthyAfter:
		h.Reason = "no successful sync since " + syncAge(now, st.LastSync)
	default:
		h.Healthy = true
		h.Reason = fmt.Sprintf("lag %s, replica at transaction %d, last sync %s ago", h.Lag.Round(time.Second), st.ReplicaTXID, now.Sub(st.LastSync).Round(time.Second))
	}
	return h
}

func syncAge(now, t time.Time) string {
	if t.IsZero() {
		return "start"
	}
	return now.Sub(t).Round(time.Second).String() + " ago"
}
