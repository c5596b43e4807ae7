package reporting

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/report"
	"sreport/analytics/scorecard"
	"sreport/testutil"
)

// TestAssembleStopsWhenCancelled cancels a report's computation before it
// starts and at checkpoints spread over it: every time it returns
// context.Canceled, and after the cancel it passes only the checkpoints
// that notice it (one per scorecard row still queued), not the rest of the
// work.
func TestAssembleStopsWhenCancelled(t *testing.T) {
	st := testutil.DemoStore(t)
	env, err := scorecard.LoadEnv(context.Background(), st, testutil.Now())
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Period: "2026-Q3"}
	full := testutil.NewCheckpointCtx(context.Background(), 0)
	if _, err := Assemble(full, st, env, req, testutil.Now()); err != nil {
		t.Fatal(err)
	}
	n := full.Calls()
	if n < 20 {
		t.Fatalf("only %d checkpoints in a whole report", n)
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Assemble(gone, st, env, req, testutil.Now()); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before: %v", err)
	}
	teams := map[string]bool{}
	for _, s := range env.Services {
		teams[s.Team] = true
	}
	// Services, tiers, teams, organisation: each queued row checks once.
	rows := int64(len(env.Services) + 4 + len(teams) + 1)
	for _, at := range []int64{1, n / 2, n - 1} {
		ctx := testutil.NewCheckpointCtx(context.Background(), at)
		_, err := Assemble(ctx, st, env, req, testutil.Now())
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled at checkpoint %d of %d: %v", at, n, err)
			continue
		}
		if after := ctx.Calls() - at; after > rows {
			t.Errorf("cancelled at checkpoint %d of %d: %d more checkpoints passed", at, n, after)
		}
	}
	t.Logf("%d checkpoints in a quarter's report", n)
}

// TestComputeStopsWhenCancelled: with the records loaded, the report's
// engine runs do not start for a reader who has gone.
func TestComputeStopsWhenCancelled(t *testing.T) {
	st := testutil.DemoStore(t)
	env, err := scorecard.LoadEnv(context.Background(), st, testutil.Now())
	if err != nil {
		t.Fatal(err)
	}
	p := analytics.NewQuarter(2026, 3, time.UTC)
	window := []analytics.Period{p.Prev().Prev().Prev(), p.Prev().Prev()}
	in, err := scorecard.Load(context.Background(), st, env, env.Services, append(slices.Clone(window), p.Prev(), p)...)
	if err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	d := report.Data{Period: p, Prev: p.Prev(), Settings: env.Settings}
	if _, err := compute(gone, &d, in, env, env.Services, window, nil); !errors.Is(err, context.Canceled) || len(d.Earlier) != 0 || d.MonthKPIs != nil || d.Card != nil {
		t.Errorf("cancelled: %v, %d earlier periods", err, len(d.Earlier))
	}
	d = report.Data{Period: p, Prev: p.Prev(), Settings: env.Settings}
	if _, err := compute(context.Background(), &d, in, env, env.Services, window, nil); err != nil || len(d.MonthKPIs) != 3 || len(d.Earlier) == 0 || d.Card == nil {
		t.Errorf("live: %v, %d months, %d earlier", err, len(d.MonthKPIs), len(d.Earlier))
	}
}
