package scorecard_test

import (
	"context"
	"errors"
	"testing"

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
		_, err := scorecard.Do(ctx, c, st, "k", func() (int, error) {
			close(running)
			<-release
			return 42, nil
		})
		first <- err
	}()
	<-running
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := scorecard.Do(gone, c, st, "k", func() (int, error) { return 0, errors.New("left: must not compute") }); !errors.Is(err, context.Canceled) {
		t.Fatalf("a waiter whose request ended: %v, want context.Canceled", err)
	}
	second := make(chan int, 1)
	go func() {
		v, err := scorecard.Do(ctx, c, st, "k", func() (int, error) { return -1, nil })
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
		_, _ = scorecard.Do(starter, c, st, "other", func() (int, error) {
			close(running)
			<-release
			return 0, starter.Err()
		})
	}()
	<-running
	waiter := make(chan int, 1)
	go func() {
		v, err := scorecard.Do(ctx, c, st, "other", func() (int, error) { return 7, nil })
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
