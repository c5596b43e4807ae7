package store_test

import (
	"bytes"
	"context"
	"testing"

	"sreport/analytics/ingest"
	"sreport/testutil"
)

// BenchmarkImportPagerDutyCSV parses and applies a 20,000-row PagerDuty
// Insights CSV into an empty database (go test -bench, never in the unit
// tests); `sreport bench` measures the 1 M-row file against the bare insert.
func BenchmarkImportPagerDutyCSV(b *testing.B) {
	data := pdCSV(20_000, "checkout", "bench")
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		st := testutil.NewStore(b)
		b.StartTimer()
		batch, err := ingest.Parse(bytes.NewReader(data), "pd.csv", ingest.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.ApplyBatch(ctx, batch, createAll()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(20_000, "rows/op")
}
