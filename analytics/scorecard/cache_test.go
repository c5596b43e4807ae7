package scorecard_test

import (
	"context"
	"testing"

	"sreport/analytics/scorecard"
	"sreport/testutil"
)

// TestCacheDropsOnWrite checks that a commit through the store's writer
// invalidates cached values, and that reads without writes hit the cache.
func TestCacheDropsOnWrite(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	c := scorecard.NewCache(10)
	calls := 0
	get := func() int {
		v, err := scorecard.Do(ctx, c, st, "k", func(context.Context) (int, error) { calls++; return calls, nil })
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if first, second := get(), get(); first != 1 || second != 1 {
		t.Fatal("second lookup did not hit the cache")
	}
	if _, err := st.Writer().ExecContext(ctx, `INSERT INTO teams(name) VALUES ('x')`); err != nil {
		t.Fatal(err)
	}
	if got := get(); got != 2 {
		t.Fatalf("after a write got %d, want a recomputed 2", got)
	}
	if get() != 2 {
		t.Fatal("no hit after recompute")
	}
}
