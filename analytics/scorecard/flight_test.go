package scorecard_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sreport/analytics/scorecard"
	"sreport/testutil"
)

// TestCacheSharesConcurrentMisses checks that a miss arriving while the
// same key is being computed waits for that computation instead of starting
// its own, that a waiter whose context ends stops waiting, and that when the
// computation failed because its starter left, a waiter still there computes.
func TestCacheSharesConcurrentMisses(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	c := scorecard.NewCache(10)
	running, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		_, err := scorecard.Do(ctx, c, st, "k", func(context.Context) (int, error) {
			close(running)
			<-release
			return 42, nil
		})
		first <- err
	}()
	<-running
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := scorecard.Do(gone, c, st, "k", func(context.Context) (int, error) { return 0, errors.New("left: must not compute") }); !errors.Is(err, context.Canceled) {
		t.Fatalf("a waiter whose request ended: %v, want context.Canceled", err)
	}
	second := make(chan int, 1)
	go func() {
		v, err := scorecard.Do(ctx, c, st, "k", func(context.Context) (int, error) { return -1, nil })
		if err != nil {
			t.Error(err)
		}
		second <- v
	}()
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if v := <-second; v != 42 {
		t.Fatalf("concurrent miss got %d, want the shared 42 (it computed its own)", v)
	}

	// The starter's request ends mid-computation; the other caller gets a
	// value of its own instead of the starter's cancellation.
	running, release = make(chan struct{}), make(chan struct{})
	starter, stop := context.WithCancel(ctx)
	go func() {
		_, _ = scorecard.Do(starter, c, st, "other", func(context.Context) (int, error) {
			close(running)
			<-release
			return 0, starter.Err()
		})
	}()
	<-running
	waiter := make(chan int, 1)
	go func() {
		v, err := scorecard.Do(ctx, c, st, "other", func(context.Context) (int, error) { return 7, nil })
		if err != nil {
			t.Error(err)
		}
		waiter <- v
	}()
	stop()
	close(release)
	if v := <-waiter; v != 7 {
		t.Fatalf("waiter after the starter left got %d, want its own 7", v)
	}
}

// TestCacheBoundsComputations checks that computations of different keys
// beyond the cache's slots wait for a slot, that every one still runs, and
// that a miss whose request ends while it waits for a slot stops waiting.
func TestCacheBoundsComputations(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	c := scorecard.NewCacheSlots(10, 2)
	var running, peak atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{}, 5)
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := scorecard.Do(ctx, c, st, "k"+strconv.Itoa(i), func(context.Context) (int, error) {
				n := running.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				started <- struct{}{}
				<-release
				running.Add(-1)
				return i, nil
			})
			if err != nil || v != i {
				t.Errorf("key %d: %d, %v", i, v, err)
			}
		}()
	}
	<-started
	<-started
	// Both slots are taken: a miss of yet another key whose request ends
	// while it waits returns the request's error without computing.
	gone, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := scorecard.Do(gone, c, st, "late", func(context.Context) (int, error) { return 0, errors.New("must not compute") }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a miss that left while waiting for a slot: %v, want context.DeadlineExceeded", err)
	}
	close(release)
	wg.Wait()
	if p := peak.Load(); p != 2 {
		t.Fatalf("%d computations ran at once, want the 2 slots", p)
	}
}
