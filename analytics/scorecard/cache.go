package scorecard

import (
	"context"
	"errors"
	"fmt"
	"runtime"
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
	// slots bounds the computations running at once, whatever their keys:
	// each holds its records in memory and uses every core, so more at once
	// than there are cores only adds their memory, not throughput. A miss
	// beyond them waits its turn (or until its caller leaves).
	slots chan struct{}

	hits, misses atomic.Uint64
}

// Stats returns how many lookups were answered from the cache and how many
// had to compute, for the server's metrics.
func (c *Cache) Stats() (hits, misses uint64) { return c.hits.Load(), c.misses.Load() }

// NewCache returns an empty cache holding at most size entries (size must
// be positive) that runs as many computations at once as there are cores.
func NewCache(size int) *Cache { return NewCacheSlots(size, 0) }

// NewCacheSlots is NewCache running at most slots computations at once;
// slots <= 0 means one per core.
func NewCacheSlots(size, slots int) *Cache {
	if slots <= 0 {
		slots = runtime.GOMAXPROCS(0)
	}
	entries, err := simplelru.NewLRU[string, any](size, nil)
	if err != nil {
		panic(fmt.Sprintf("scorecard: cache of %d entries: %v", size, err))
	}
	return &Cache{entries: entries, slots: make(chan struct{}, slots)}
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
			// ctx is the starter's: when it leaves while waiting for a
			// slot, a caller still waiting starts again (below).
			select {
			case c.slots <- struct{}{}:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			res, err := func() (T, error) {
				defer func() { <-c.slots }()
				return fn()
			}()
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
