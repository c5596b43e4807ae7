package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"sreport/analytics/store"
	"sreport/seed"
)

func init() {
	register(command{name: "seed", summary: "generate deterministic demo data", run: runSeed})
}

func runSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("seed", "Generates deterministic, realistic demo data ending at the current month.", stderr)
	db := dbFlag(fs)
	months := fs.Int("months", 18, "months of history")
	scale := fs.Int("scale", 1, "volume multiplier for incidents, deploys and pages")
	seedN := fs.Int64("seed", 42, "random seed (same seed, same data)")
	end := fs.String("end", "", "last month as YYYY-MM (default: the current month)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *months < 1 || *scale < 1 {
		return fmt.Errorf("seed: --months and --scale must be at least 1")
	}
	endAt := time.Now().UTC()
	if *end != "" {
		t, err := time.Parse("2006-01", *end)
		if err != nil {
			return fmt.Errorf("seed: --end %q: want YYYY-MM", *end)
		}
		endAt = t.AddDate(0, 1, 0).Add(-time.Second)
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.ServiceCount(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("seed: %s already holds %d services; seed an empty database", *db, n)
	}
	start := time.Now()
	sum, err := seed.Generate(ctx, st.Writer(), seed.Options{Months: *months, Scale: *scale, Seed: *seedN, End: endAt})
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	packRecordDays(ctx, st, stderr)
	fmt.Fprintf(stdout, "seeded %s in %s: %d teams, %d services, %d incidents, %d deploys, %d pages, %d SLI days, %d toil weeks, %d action items, %d risks\n",
		*db, time.Since(start).Round(time.Millisecond), sum.Teams, sum.Services, sum.Incidents, sum.Deploys, sum.Pages,
		sum.SLIDays, sum.ToilWeeks, sum.ActionItems, sum.Risks)
	return nil
}
