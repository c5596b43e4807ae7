package scorecard_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
	"sreport/seed"
)

// BenchmarkScorecardScale20 measures the org-wide scorecard of one month
// (every service, tier and the organisation, current and previous month)
// over a --scale 20 demo database. Run with: go test -bench Scorecard ./analytics/scorecard/
func BenchmarkScorecardScale20(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	end := time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)
	start := time.Now()
	sum, err := seed.Generate(ctx, st.Writer(), seed.Options{Months: 18, Scale: 20, Seed: 42, End: end})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded scale 20 in %s: %d incidents, %d deploys, %d pages", time.Since(start).Round(time.Millisecond), sum.Incidents, sum.Deploys, sum.Pages)
	env, err := scorecard.LoadEnv(ctx, st, end)
	if err != nil {
		b.Fatal(err)
	}
	p := analytics.NewMonth(2026, 10, time.UTC)
	b.ResetTimer()
	for b.Loop() {
		if _, err := scorecard.Build(ctx, st, env, p, scorecard.Scope{}); err != nil {
			b.Fatal(err)
		}
	}
}
