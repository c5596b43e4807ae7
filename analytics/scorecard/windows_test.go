package scorecard_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/scorecard"
	"sreport/testutil"
)

// TestLoadWindowsChangeNoResult checks docs/metrics.md's promise: loading
// each kind of record in its narrower LoadWindows gives the same KPIs as
// loading everything in the full InputWindow.
func TestLoadWindowsChangeNoResult(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	env, err := scorecard.LoadEnv(ctx, st, testutil.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []analytics.Period{analytics.NewMonth(2026, 10, time.UTC), analytics.NewQuarter(2026, 3, time.UTC),
		analytics.NewMonth(2026, 3, mustLoc(t, "Europe/Berlin"))} {
		narrow, err := scorecard.Load(ctx, st, env, env.Services, p)
		if err != nil {
			t.Fatal(err)
		}
		from, to := env.Settings.InputWindow(p)
		w := analytics.Window{From: from, To: to}
		// Open action items are loaded whatever their due date (Overdue).
		full, err := st.KPIInput(ctx, env.Services, analytics.LoadWindows{Incidents: w, Deploys: w, Rest: w,
			Overdue: env.Settings.LoadWindows(p).Overdue})
		if err != nil {
			t.Fatal(err)
		}
		if len(full.Deploys) <= len(narrow.Deploys) {
			t.Fatalf("%s: the narrow window loaded no fewer deploys (%d vs %d)", p, len(narrow.Deploys), len(full.Deploys))
		}
		a, b := analytics.ComputeKPIs(full, p, env.Settings), analytics.ComputeKPIs(narrow, p, env.Settings)
		if !reflect.DeepEqual(a.KPIs, b.KPIs) || a.Counts != b.Counts {
			t.Errorf("%s: results differ\nfull   %+v\nnarrow %+v", p, a.Counts, b.Counts)
		}
		// The lean load (no display fields) gives the same numbers.
		lean, err := st.KPIInputLean(ctx, env.Services, env.Settings.LoadWindows(p))
		if err != nil {
			t.Fatal(err)
		}
		if c := analytics.ComputeKPIs(lean, p, env.Settings); !reflect.DeepEqual(c.KPIs, b.KPIs) || c.Counts != b.Counts {
			t.Errorf("%s: lean load differs\nfull %+v\nlean %+v", p, b.Counts, c.Counts)
		}
		fullParts, narrowParts := analytics.SplitByService(full), analytics.SplitByService(narrow)
		for id, part := range fullParts {
			x, y := analytics.ComputeKPIs(part, p, env.Settings), analytics.ComputeKPIs(narrowParts[id], p, env.Settings)
			if !reflect.DeepEqual(x.KPIs, y.KPIs) {
				t.Errorf("%s service %d: results differ", p, id)
			}
		}
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
