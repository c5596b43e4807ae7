package scorecard

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/sync/singleflight"
)

// Cache keeps computed scorecards and series until the database changes.
// Every lookup first asks for the data version; any commit by anyone (an
// edit, an import, a CLI run in another process) empties the cache, so a
// cached number is never older than the data. Within one version it holds
// at most its size of entries and evicts the least recently used one to
// make room, so a full cache keeps serving its popular pages.
type Cache struct {
	mu      sync.Mutex
	version int64
	entries *simplelru.LRU[string, any]
	flight  singleflight.Group // concurrent misses of one key and version share one computation

	hits, misses atomic.Uint64
}

// Stats returns how many lookups were answered from the cache and how many
// had to compute, for the server's metrics.
func (c *Cache) Stats() (hits, misses uint64) { return c.hits.Load(), c.misses.Load() }

// NewCache returns an empty cache holding at most size entries; size must
// be positive.
func NewCache(size int) *Cache {
	entries, err := simplelru.NewLRU[string, any](size, nil)
	if err != nil {
		panic(fmt.Sprintf("scorecard: cache of %d entries: %v", size, err))
	}
	return &Cache{entries: entries}
}

// Do returns the value cached under key for the current data version, or
// computes, stores and returns it. Concurrent misses of one key and version
// share one computation, so sixteen viewers of a cold report cost one
// report, not sixteen. A caller whose ctx ends stops waiting; when the
// computation it waited for failed only because its starter's context ended,
// a caller still waiting computes again.
func Do[T any](ctx context.Context, c *Cache, src Versioner, key string, fn func() (T, error)) (T, error) {
	var zero T
	v, err := src.DataVersion(ctx)
	if err != nil {
		return zero, err
	}
	c.mu.Lock()
	if v != c.version {
		c.version = v
		c.entries.Purge()
	}
	hit, ok := c.entries.Get(key)
	c.mu.Unlock()
	if ok {
		c.hits.Add(1)
		return hit.(T), nil
	}
	c.misses.Add(1)
	for {
		ch := c.flight.DoChan(strconv.FormatInt(v, 10)+"\x00"+key, func() (any, error) {
			res, err := fn()
			if err != nil {
				return nil, err
			}
			c.mu.Lock()
			if c.version == v {
				c.entries.Add(key, res)
			}
			c.mu.Unlock()
			return res, nil
		})
		select {
		case <-ctx.Done():
			return zero, ctx.Err()
		case r := <-ch:
			if r.Err != nil {
				if r.Shared && ctx.Err() == nil && (errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded)) {
					continue // the caller that started it left; this one has not
				}
				return zero, r.Err
			}
			return r.Val.(T), nil
		}
	}
}
