package scorecard

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/sync/singleflight"
)

// Cache keeps computed scorecards and series until the database changes.
// Every lookup first asks for the data version; any commit by anyone (an
// edit, an import, a CLI run in another process) makes the cached values
// old, so a caller that asks for current figures never gets a number older
// than the data. Within one version it holds at most its size of entries
// and evicts the least recently used one to make room, so a full cache
// keeps serving its popular pages.
//
// A cache made with a positive Options.MaxStale also serves stale values
// while it revalidates: a caller whose context carries AcceptStale (an
// interactive page, which says so on screen) is given the value of an older
// version at once, for at most MaxStale after the cache saw the data move
// on, while one background computation per key brings it up to date.
// Without AcceptStale, or past that age, callers wait for current figures.
type Cache struct {
	mu      sync.Mutex
	version int64
	seen    []versionSeen // the versions this cache saw, oldest first (at most maxSeen)
	entries *simplelru.LRU[string, *entry]
	flight  singleflight.Group // concurrent misses of one key and version share one computation
	// slots bounds the computations running at once, whatever their keys:
	// each holds its records in memory and uses every core, so more at once
	// than there are cores only adds their memory, not throughput. A miss
	// beyond them waits its turn (or until its caller leaves).
	slots chan struct{}
	// bgSlots keeps one of the slots (when there are two or more) for
	// callers who wait: background recomputations take one of these
	// first, so a download or an API call is not queued behind them, and
	// they run fewer at once, holding less memory.
	bgSlots chan struct{}

	maxStale   time.Duration
	timeout    time.Duration
	background context.Context
	onBg       func(key string, took time.Duration, err error)
	now        func() time.Time
	refreshing map[string]bool // keys with a background recomputation under way
	lastSweep  time.Time

	hits, misses, staleHits atomic.Uint64
}

// entry is one cached value and the data version it was computed for.
type entry struct {
	val     any
	version int64
	// computed is when its computation started: the figures show the data
	// as it was then or later.
	computed time.Time
}

// versionSeen is a data version and when this cache first saw it.
type versionSeen struct {
	version int64
	at      time.Time
}

// maxSeen is how many versions the cache remembers to date its old entries;
// an entry older than all of them is never served stale.
const maxSeen = 64

// Options configure a cache.
type Options struct {
	// Size is how many entries it holds (positive).
	Size int
	// Slots is how many computations run at once; <= 0 means one per core.
	Slots int
	// MaxStale is how long after the cache saw the data change a value of
	// the older data may still be served to callers that accept stale
	// values; 0 never serves one (every caller waits for current figures,
	// and a change of version drops every entry).
	MaxStale time.Duration
	// RefreshTimeout ends a background recomputation that has not finished
	// (default one minute).
	RefreshTimeout time.Duration
	// Background is the context background recomputations run under (its
	// values and its end, typically the server's lifetime; default
	// context.Background()).
	Background context.Context
	// OnBackground, when set, hears of every background recomputation's
	// end: its key, how long it took by Now, and its error (nil when it
	// stored a value; a panic's error carries the stack). The cache itself
	// logs nothing.
	OnBackground func(key string, took time.Duration, err error)
	// Now is the clock the stale values' ages are measured with; required
	// with MaxStale.
	Now func() time.Time
}

// Stats returns how many lookups were answered from the cache and how many
// had to compute, for the server's metrics; a stale answer counts as a hit.
func (c *Cache) Stats() (hits, misses uint64) { return c.hits.Load(), c.misses.Load() }

// StaleHits returns how many lookups were answered with the value of an
// older data version while it was being recomputed.
func (c *Cache) StaleHits() uint64 { return c.staleHits.Load() }

// NewCache returns an empty cache holding at most size entries (size must
// be positive) that runs as many computations at once as there are cores.
func NewCache(size int) *Cache { return NewCacheSlots(size, 0) }

// NewCacheSlots is NewCache running at most slots computations at once;
// slots <= 0 means one per core.
func NewCacheSlots(size, slots int) *Cache { return New(Options{Size: size, Slots: slots}) }

// New returns an empty cache configured by o.
func New(o Options) *Cache {
	if o.Slots <= 0 {
		o.Slots = runtime.GOMAXPROCS(0)
	}
	entries, err := simplelru.NewLRU[string, *entry](o.Size, nil)
	if err != nil {
		panic(fmt.Sprintf("scorecard: cache of %d entries: %v", o.Size, err))
	}
	c := &Cache{entries: entries, slots: make(chan struct{}, o.Slots), bgSlots: make(chan struct{}, max(o.Slots-1, 1)), maxStale: max(o.MaxStale, 0),
		timeout: o.RefreshTimeout, background: o.Background, onBg: o.OnBackground, now: o.Now, refreshing: map[string]bool{}}
	if c.timeout <= 0 {
		c.timeout = time.Minute
	}
	if c.background == nil {
		c.background = context.Background()
	}
	if c.now == nil {
		if c.maxStale > 0 {
			panic("scorecard: a cache serving stale values needs Options.Now")
		}
		c.now = func() time.Time { return time.Time{} } // no ages to measure
	}
	if c.onBg == nil {
		c.onBg = func(string, time.Duration, error) {}
	}
	return c
}

// Served records, for one page, whether any value it was given came from
// before the latest change to the data, so the page can say so.
type Served struct {
	mu    sync.Mutex
	stale bool
	from  time.Time
}

// Stale reports whether a stale value was served, and the start of the
// oldest such value's computation: its figures show the data as it was then.
func (s *Served) Stale() (from time.Time, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.from, s.stale
}

func (s *Served) note(from time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stale || from.Before(s.from) {
		s.from = from
	}
	s.stale = true
}

type servedKey struct{}

type backgroundKey struct{}

// AcceptStale returns a context under which Do may answer with a stale
// value while it revalidates, and the record of whether it did. Only what is
// shown in the app and labelled as such should accept stale values: a
// download, an export or an e-mail leaves the app without the label.
func AcceptStale(ctx context.Context) (context.Context, *Served) {
	s := &Served{}
	return context.WithValue(ctx, servedKey{}, s), s
}

// ServedFrom returns the record AcceptStale put in ctx, or nil.
func ServedFrom(ctx context.Context) *Served {
	s, _ := ctx.Value(servedKey{}).(*Served)
	return s
}

// InBackground reports whether ctx is a background recomputation's: no
// caller waits for it, so it should wait for resources rather than refuse.
func InBackground(ctx context.Context) bool { return ctx.Value(backgroundKey{}) != nil }

// Do returns the value cached under key for the current data version, or
// computes, stores and returns it. Concurrent misses of one key and version
// share one computation, so sixteen viewers of a cold report cost one
// report, not sixteen. A caller whose ctx ends stops waiting; when the
// computation it waited for failed only because its starter's context ended,
// a caller still waiting computes again. fn gets the context of the caller
// that started the computation (or of the background recomputation).
//
// When ctx carries AcceptStale, the cache serves stale values and a value
// of an older version is still young enough (Options.MaxStale), Do returns
// that value at once, notes it in the Served record, and starts one
// background recomputation of key unless one is under way.
func Do[T any](ctx context.Context, c *Cache, src Versioner, key string, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	v, err := src.DataVersion(ctx)
	if err != nil {
		return zero, err
	}
	now := c.now()
	c.mu.Lock()
	c.observe(v, now)
	e, ok := c.entries.Get(key)
	if ok && e.version == v {
		c.mu.Unlock()
		c.hits.Add(1)
		return e.val.(T), nil
	}
	if served := ServedFrom(ctx); ok && served != nil && c.servable(e, now) {
		start := !c.refreshing[key]
		if start {
			c.refreshing[key] = true
		}
		c.mu.Unlock()
		c.hits.Add(1)
		c.staleHits.Add(1)
		served.note(e.computed)
		if start {
			go refresh(c, src, key, fn)
		}
		return e.val.(T), nil
	}
	c.mu.Unlock()
	c.misses.Add(1)
	return compute(ctx, c, v, key, fn)
}

// compute runs fn for key at version v, shared with concurrent callers of
// the same key and version, within the slots, and stores the result.
func compute[T any](ctx context.Context, c *Cache, v int64, key string, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	for {
		ch := c.flight.DoChan(strconv.FormatInt(v, 10)+"\x00"+key, func() (res any, err error) {
			// ctx is the starter's: when it leaves while waiting for a
			// slot, a caller still waiting starts again (below).
			bg := InBackground(ctx)
			if bg {
				select {
				case c.bgSlots <- struct{}{}:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			select {
			case c.slots <- struct{}{}:
			case <-ctx.Done():
				if bg {
					<-c.bgSlots
				}
				return nil, ctx.Err()
			}
			started := c.now()
			val, err := func() (val T, err error) {
				defer func() {
					<-c.slots
					if bg {
						<-c.bgSlots
					}
				}()
				// singleflight re-panics a computation's panic where
				// nothing can recover it, ending the server: it becomes
				// this key's error instead, with the stack to find it by.
				defer func() {
					if r := recover(); r != nil {
						err = fmt.Errorf("scorecard: computation of %q panicked: %v\n%s", key, r, debug.Stack())
					}
				}()
				return fn(ctx)
			}()
			if err != nil {
				return nil, err
			}
			c.store(key, &entry{val: val, version: v, computed: started})
			return val, nil
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

// refresh recomputes key for the current data version with no caller
// waiting, so it runs under the cache's background context with a timeout
// instead of a request's. Its end goes to OnBackground; after a failure
// the stale value stays until it ages out, and the next lookup that serves
// it tries again.
func refresh[T any](c *Cache, src Versioner, key string, fn func(context.Context) (T, error)) {
	start := c.now()
	var err error
	defer func() {
		c.mu.Lock()
		delete(c.refreshing, key)
		c.mu.Unlock()
		c.onBg(key, c.now().Sub(start), err)
	}()
	defer func() {
		// Anything outside compute's own recovery (the version read).
		if r := recover(); r != nil {
			err = fmt.Errorf("scorecard: background recomputation of %q panicked: %v\n%s", key, r, debug.Stack())
		}
	}()
	ctx, cancel := context.WithTimeout(context.WithValue(c.background, backgroundKey{}, true), c.timeout)
	defer cancel()
	var v int64
	if v, err = src.DataVersion(ctx); err == nil {
		_, err = compute(ctx, c, v, key, fn)
	}
}

// observe notes that the data is at version v (c.mu held). Without stale
// serving a new version drops every entry, as before; with it the entries
// stay (dated by seen) and those too old to serve are dropped.
func (c *Cache) observe(v int64, now time.Time) {
	if v == c.version && len(c.seen) > 0 {
		if c.maxStale > 0 && now.Sub(c.lastSweep) > c.maxStale {
			c.sweep(now)
		}
		return
	}
	c.version = v
	if c.maxStale == 0 {
		c.entries.Purge()
		c.seen = append(c.seen[:0], versionSeen{v, now})
		return
	}
	if len(c.seen) == maxSeen {
		c.seen = append(c.seen[:0], c.seen[1:]...)
	}
	c.seen = append(c.seen, versionSeen{v, now})
	c.sweep(now)
}

// sweep drops the entries of old versions that may no longer be served
// (c.mu held), so they stop holding memory.
func (c *Cache) sweep(now time.Time) {
	c.lastSweep = now
	for _, k := range c.entries.Keys() {
		if e, ok := c.entries.Peek(k); ok && e.version != c.version && !c.servable(e, now) {
			c.entries.Remove(k)
		}
	}
}

// supersededAt is when the cache first saw a version after v (c.mu held);
// false when v is older than every version it remembers.
func (c *Cache) supersededAt(v int64) (time.Time, bool) {
	for i, s := range c.seen {
		if s.version == v {
			if i+1 < len(c.seen) {
				return c.seen[i+1].at, true
			}
			return time.Time{}, false // v is current
		}
	}
	return time.Time{}, false
}

// servable reports whether an entry of an older version may still be
// served stale (c.mu held): its data was replaced at most maxStale ago.
func (c *Cache) servable(e *entry, now time.Time) bool {
	if c.maxStale == 0 || e.version == c.version {
		return false
	}
	at, ok := c.supersededAt(e.version)
	return ok && now.Sub(at) <= c.maxStale
}

// store keeps a computed value (taking c.mu): always when it is of the
// current version; with stale serving also when the data has moved on
// while it was computed but it is newer than what the key holds and still
// young enough to serve.
func (c *Cache) store(key string, e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.version == c.version {
		c.entries.Add(key, e)
		return
	}
	if !c.servable(e, c.now()) {
		return
	}
	if old, ok := c.entries.Peek(key); ok && !c.olderThan(old.version, e.version) {
		return
	}
	c.entries.Add(key, e)
}

// olderThan reports whether version a was seen before version b (c.mu held).
func (c *Cache) olderThan(a, b int64) bool {
	ia, ib := -1, -1
	for i, s := range c.seen {
		if s.version == a {
			ia = i
		}
		if s.version == b {
			ib = i
		}
	}
	return ia < ib
}
