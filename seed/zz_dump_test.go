package seed

import (
	"context"
	"os"
	"testing"
	"time"

	"sreport/analytics/store"
)

func TestZZDump(t *testing.T) {
	path := os.Getenv("SEED_DUMP")
	if path == "" {
		t.Skip()
	}
	os.Remove(path)
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	scale := 1
	if os.Getenv("SEED_SCALE") == "20" {
		scale = 20
	} else if os.Getenv("SEED_SCALE") == "100" {
		scale = 100
	}
	t0 := time.Now()
	sum, err := Generate(context.Background(), st.Writer(), Options{End: testEnd, Scale: scale})
	if err != nil {
		t.Fatal(err)
	}
	for i := range StmtTime { t.Logf("%s %d %v %v", stmtName(i), StmtN[i], StmtTime[i], StmtTime[i]/time.Duration(max(1,StmtN[i]))) }
	t.Logf("commit %v", CommitTime)
	t.Logf("scale %d: %v %+v", scale, time.Since(t0), sum)
}
