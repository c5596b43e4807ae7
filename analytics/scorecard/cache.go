package scorecard

import (
	"context"
	"sync"
	"sync/atomic"

	"sreport/analytics/store"
)

// Cache keeps computed scorecards and series until the database changes.
// Every lookup first asks the store for its data version; any commit by
// anyone (an edit, an import, a CLI run in another process) empties the
// cache, so a cached number is never older than the data.
type Cache struct {
	mu      sync.Mutex
	version int64
	entries map[string]any
	// Max bounds the entries kept; the cache empties when it is reached.
	Max int

	hits, misses atomic.Uint64
}

// Stats returns how many lookups were answered from the cache and how many
// had to compute, for the server's metrics.
func (c *Cache) Stats() (hits, misses uint64) { return c.hits.Load(), c.misses.Load() }

// NewCache returns an empty cache holding at most max entries.
func NewCache(max int) *Cache { return &Cache{entries: map[string]any{}, Max: max} }

// Do returns the value cached under key for the current data version, or
// computes, stores and returns it. Concurrent misses may compute twice;
// the results are equal, so that is only wasted work.
func Do[T any](ctx context.Context, c *Cache, st *store.Store, key string, fn func() (T, error)) (T, error) {
	var zero T
	v, err := st.DataVersion(ctx)
	if err != nil {
		return zero, err
	}
	c.mu.Lock()
	if v != c.version || len(c.entries) >= c.Max {
		c.version, c.entries = v, map[string]any{}
	}
	if hit, ok := c.entries[key]; ok {
		c.mu.Unlock()
		c.hits.Add(1)
		return hit.(T), nil
	}
	c.mu.Unlock()
	c.misses.Add(1)
	res, err := fn()
	if err != nil {
		return zero, err
	}
	c.mu.Lock()
	if c.version == v {
		c.entries[key] = res
	}
	c.mu.Unlock()
	return res, nil
}
