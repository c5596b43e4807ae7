package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/scorecard"
	"sreport/testutil"
)

// TestWarmLoopFillsAndRefills checks that the warmer computes the default
// scorecard, and computes it again after the data changes.
func TestWarmLoopFillsAndRefills(t *testing.T) {
	st := testutil.DemoStore(t)
	h := &Handler{store: st, cfg: Config{Now: testutil.Now}, log: slog.New(slog.NewTextHandler(io.Discard, nil)), cache: scorecard.NewCache(64)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go h.warmLoop(ctx, 20*time.Millisecond)

	cached := func() bool {
		env, err := h.env(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p := analytics.MonthOf(testutil.Now(), time.UTC).Prev()
		// A miss returns an error, so the probe itself never fills the cache.
		_, err = scorecard.Do(ctx, h.cache, st, cacheKey("card", env, p, scorecard.Scope{}), func(context.Context) (*scorecard.Card, error) {
			return nil, errors.New("miss")
		})
		return err == nil
	}
	waitFor := func(what string) {
		deadline := time.Now().Add(20 * time.Second)
		for !cached() {
			if time.Now().After(deadline) {
				t.Fatalf("cache never warmed %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("at start")
	if _, err := st.Writer().ExecContext(ctx, `INSERT INTO teams(name) VALUES ('warm-test')`); err != nil {
		t.Fatal(err)
	}
	waitFor("after a write")
}
