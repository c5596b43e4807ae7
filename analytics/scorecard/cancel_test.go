package scorecard

import (
	"context"
	"errors"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/testutil"
)

// TestComputeStopsWhenCancelled: with the records loaded, a scorecard or a
// series whose caller has gone returns context.Canceled instead of
// computing, and with a live context the same records give the result.
func TestComputeStopsWhenCancelled(t *testing.T) {
	st := testutil.DemoStore(t)
	env, err := LoadEnv(context.Background(), st, testutil.Now())
	if err != nil {
		t.Fatal(err)
	}
	p := analytics.NewQuarter(2026, 3, time.UTC)
	months := Months(p, 12)
	in, err := Load(context.Background(), st, env, env.Services, append(months, p.Prev())...)
	if err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if card, err := ComputeContext(gone, env, in, env.Services, p); !errors.Is(err, context.Canceled) || card != nil {
		t.Errorf("card: %v", err)
	}
	if rs, err := env.series(gone, in, months); !errors.Is(err, context.Canceled) || rs != nil {
		t.Errorf("series: %v", err)
	}
	if card, err := ComputeContext(context.Background(), env, in, env.Services, p); err != nil || len(card.Services) != len(env.Services) || card.Org.Counts.Incidents == 0 {
		t.Errorf("live card: %v", err)
	}
	if rs, err := env.series(context.Background(), in, months); err != nil || len(rs) != 12 {
		t.Errorf("live series: %v", err)
	}
	if _, err := Build(gone, st, env, p, Scope{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Build: %v", err)
	}
}
