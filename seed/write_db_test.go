package seed

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"sreport/analytics/store"
)

// TestWriteDB writes a demo database for manual inspection; it runs only when
// SEED_DB names the file (SEED_SCALE optional), e.g.
//
//	SEED_DB=/tmp/demo.db SEED_SCALE=20 go test ./seed/ -run TestWriteDB -v
func TestWriteDB(t *testing.T) {
	path := os.Getenv("SEED_DB")
	if path == "" {
		t.Skip("set SEED_DB to write a demo database")
	}
	scale, _ := strconv.Atoi(os.Getenv("SEED_SCALE"))
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		os.Remove(p)
	}
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Now()
	sum, err := Generate(context.Background(), st.Writer(), Options{End: testEnd, Scale: scale})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("scale %d in %v: %+v", max(scale, 1), time.Since(t0).Round(time.Millisecond), sum)
}
