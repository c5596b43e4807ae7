package scorecard_test

import (
	"context"
	"strconv"
	"testing"

	"sreport/analytics/scorecard"
	"sreport/testutil"
)

// TestCacheEvictsLeastRecentlyUsed fills a cache of 256 entries, uses the
// oldest one again, and checks that the 257th entry evicts exactly the least
// recently used one (the second inserted) while every other entry stays.
func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	const size = 256
	c := scorecard.NewCache(size)
	computed := map[string]int{}
	get := func(k string) {
		t.Helper()
		v, err := scorecard.Do(ctx, c, st, k, func(context.Context) (string, error) { computed[k]++; return "value of " + k, nil })
		if err != nil {
			t.Fatal(err)
		}
		if v != "value of "+k {
			t.Fatalf("%s: got %q", k, v)
		}
	}
	key := func(i int) string { return "k" + strconv.Itoa(i) }
	for i := range size {
		get(key(i))
	}
	get(key(0))    // a hit: k0 becomes the most recently used, k1 the least
	get(key(size)) // the 257th entry
	// Lookups of cached entries evict nothing, so k1 can be checked last.
	for i := 0; i <= size; i++ {
		if i == 1 {
			continue
		}
		get(key(i))
		if computed[key(i)] != 1 {
			t.Fatalf("%s computed %d times, want 1: it should have stayed cached", key(i), computed[key(i)])
		}
	}
	get(key(1))
	if computed[key(1)] != 2 {
		t.Fatalf("k1 computed %d times, want 2: the least recently used entry should have been evicted", computed[key(1)])
	}
}
