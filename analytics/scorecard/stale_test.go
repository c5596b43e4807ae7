package scorecard_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sreport/analytics/scorecard"
	"sreport/analytics/store"
	"sreport/testutil"
)

// clock is a settable time for the stale values' ages.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// change commits a change the data version sees.
func change(t *testing.T, st *store.Store) {
	t.Helper()
	if _, err := st.Writer().ExecContext(context.Background(), `INSERT INTO teams(name) VALUES (?)`, time.Now().String()); err != nil {
		t.Fatal(err)
	}
}

// TestCacheServesStaleWhileRecomputing: after the data changes, a caller
// that accepts stale values gets the older value at once with the flag set,
// one background computation runs however many such callers come, a caller
// that needs current figures waits for that computation, and afterwards
// every caller gets the new value without the flag.
func TestCacheServesStaleWhileRecomputing(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	clk := &clock{t: time.Date(2026, 12, 1, 19, 0, 0, 0, time.UTC)}
	c := scorecard.New(scorecard.Options{Size: 10, MaxStale: time.Minute, Now: clk.now})
	if v, err := scorecard.Do(ctx, c, st, "k", func(context.Context) (int, error) { return 1, nil }); err != nil || v != 1 {
		t.Fatalf("first: %d, %v", v, err)
	}
	computedAt := clk.now()
	clk.add(10 * time.Second)
	change(t, st)

	var calls atomic.Int32
	running, release := make(chan struct{}), make(chan struct{})
	recompute := func(ctx context.Context) (int, error) {
		if calls.Add(1) == 1 {
			close(running)
		}
		if !scorecard.InBackground(ctx) {
			return 0, errors.New("the recomputation should run in the background")
		}
		<-release
		return 2, nil
	}
	pageCtx, served := scorecard.AcceptStale(ctx)
	if v, err := scorecard.Do(pageCtx, c, st, "k", recompute); err != nil || v != 1 {
		t.Fatalf("stale lookup: %d, %v; want the older 1 at once", v, err)
	}
	if from, stale := served.Stale(); !stale || !from.Equal(computedAt) {
		t.Fatalf("served record: stale %v from %v, want stale from %v", stale, from, computedAt)
	}
	<-running
	// A second viewer meanwhile: the same older value, no second computation.
	again, served2 := scorecard.AcceptStale(ctx)
	if v, err := scorecard.Do(again, c, st, "k", recompute); err != nil || v != 1 {
		t.Fatalf("second stale lookup: %d, %v", v, err)
	}
	if _, stale := served2.Stale(); !stale {
		t.Fatal("second viewer not told the value is stale")
	}
	// A download needs the current figures: it waits for the recomputation.
	fresh := make(chan int, 1)
	go func() {
		v, err := scorecard.Do(ctx, c, st, "k", func(context.Context) (int, error) { return -1, errors.New("must share the background computation") })
		if err != nil {
			t.Error(err)
		}
		fresh <- v
	}()
	close(release)
	if v := <-fresh; v != 2 {
		t.Fatalf("a caller needing current figures got %d, want the recomputed 2", v)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d recomputations, want 1", n)
	}
	after, served3 := scorecard.AcceptStale(ctx)
	if v, err := scorecard.Do(after, c, st, "k", func(context.Context) (int, error) { return -1, errors.New("must hit") }); err != nil || v != 2 {
		t.Fatalf("after the recomputation: %d, %v", v, err)
	}
	if _, stale := served3.Stale(); stale {
		t.Fatal("a current value flagged stale")
	}
	if c.StaleHits() != 2 {
		t.Fatalf("stale hits %d, want 2", c.StaleHits())
	}
}

// TestCacheStaleBounds: a caller that does not accept stale values, a
// cache without MaxStale, and a value older than MaxStale all wait for
// the current figures, as before stale serving existed.
func TestCacheStaleBounds(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	clk := &clock{t: time.Date(2026, 12, 1, 19, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name   string
		max    time.Duration
		accept bool
		age    time.Duration
		want   int
	}{
		{"fresh caller", time.Minute, false, 0, 2},
		{"no stale serving", 0, true, 0, 2},
		{"within the bound", time.Minute, true, time.Minute, 1},
		{"past the bound", time.Minute, true, time.Minute + time.Second, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := scorecard.New(scorecard.Options{Size: 10, MaxStale: tc.max, Now: clk.now})
			if _, err := scorecard.Do(ctx, c, st, "k", func(context.Context) (int, error) { return 1, nil }); err != nil {
				t.Fatal(err)
			}
			change(t, st)
			// The cache sees the change now; the value's age counts from here.
			probe, _ := scorecard.AcceptStale(ctx)
			block := make(chan struct{})
			defer close(block)
			if _, err := scorecard.Do(probe, c, st, "other", func(context.Context) (int, error) { return 0, nil }); err != nil {
				t.Fatal(err)
			}
			clk.add(tc.age)
			lctx := ctx
			var served *scorecard.Served
			if tc.accept {
				lctx, served = scorecard.AcceptStale(ctx)
			}
			v, err := scorecard.Do(lctx, c, st, "k", func(ctx context.Context) (int, error) {
				if scorecard.InBackground(ctx) {
					<-block // a background recomputation must not land before the check
				}
				return 2, nil
			})
			if err != nil || v != tc.want {
				t.Fatalf("got %d, %v; want %d", v, err, tc.want)
			}
			if served != nil {
				if _, stale := served.Stale(); stale != (tc.want == 1) {
					t.Fatalf("flag %v for value %d", stale, v)
				}
			}
		})
	}
}

// TestCacheBackgroundPanicIsReported: a recomputation that panics in the
// background is reported with its stack and leaves the process running;
// the stale value keeps being served and a caller needing current figures
// gets the panic as an error.
func TestCacheBackgroundPanicIsReported(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	ended := make(chan error, 1)
	clk := &clock{t: time.Date(2026, 12, 1, 19, 0, 0, 0, time.UTC)}
	c := scorecard.New(scorecard.Options{Size: 10, MaxStale: time.Hour, Now: clk.now,
		OnBackground: func(_ string, _ time.Duration, err error) { ended <- err }})
	if _, err := scorecard.Do(ctx, c, st, "k", func(context.Context) (int, error) { return 1, nil }); err != nil {
		t.Fatal(err)
	}
	change(t, st)
	boom := func(context.Context) (int, error) { panic("boom") }
	pageCtx, _ := scorecard.AcceptStale(ctx)
	if v, err := scorecard.Do(pageCtx, c, st, "k", boom); err != nil || v != 1 {
		t.Fatalf("stale lookup: %d, %v", v, err)
	}
	if err := <-ended; err == nil || !strings.Contains(err.Error(), "panicked: boom") || !strings.Contains(err.Error(), "goroutine") {
		t.Fatalf("background end reported %v, want the panic with its stack", err)
	}
	again, _ := scorecard.AcceptStale(ctx)
	if v, err := scorecard.Do(again, c, st, "k", func(context.Context) (int, error) { return 1, errors.New("a failed recomputation") }); err != nil || v != 1 {
		t.Fatalf("stale lookup after the panic: %d, %v", v, err)
	}
	<-ended
	if _, err := scorecard.Do(ctx, c, st, "k", boom); err == nil || !strings.Contains(err.Error(), "panicked: boom") {
		t.Fatalf("a caller waiting for a panicking computation got %v", err)
	}
}

// TestCacheKeepsASlotForWaitingCallers: background recomputations use at
// most all but one of the slots, so a caller who waits for current figures
// computes while they run instead of queueing behind them.
func TestCacheKeepsASlotForWaitingCallers(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	clk := &clock{t: time.Date(2026, 12, 1, 19, 0, 0, 0, time.UTC)}
	c := scorecard.New(scorecard.Options{Size: 10, Slots: 2, MaxStale: time.Hour, Now: clk.now})
	for _, k := range []string{"a", "b"} {
		if _, err := scorecard.Do(ctx, c, st, k, func(context.Context) (int, error) { return 1, nil }); err != nil {
			t.Fatal(err)
		}
	}
	change(t, st)
	running, release := make(chan string, 2), make(chan struct{})
	var bgRunning atomic.Int32
	for _, k := range []string{"a", "b"} {
		pageCtx, _ := scorecard.AcceptStale(ctx)
		if _, err := scorecard.Do(pageCtx, c, st, k, func(context.Context) (int, error) {
			bgRunning.Add(1)
			running <- k
			<-release
			bgRunning.Add(-1)
			return 2, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	<-running // one background recomputation holds its slot; the other waits for it
	if v, err := scorecard.Do(ctx, c, st, "download", func(context.Context) (int, error) { return 3, nil }); err != nil || v != 3 {
		t.Fatalf("a waiting caller with background recomputations under way: %d, %v", v, err)
	}
	if n := bgRunning.Load(); n != 1 {
		t.Fatalf("%d background recomputations ran at once, want 1 of the 2 slots", n)
	}
	close(release)
	<-running
}
