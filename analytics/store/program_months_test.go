package store_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/seed"
)

// TestProgramMonthsMatchWholeLoad: the capacity samples and costs a load
// reads for its window's months (store.KPIInputLean) compute, for every month and
// quarter of the seed and reporting zones far east and west of UTC,
// exactly what all of them compute, and the window leaves most of them
// out.
func TestProgramMonthsMatchWholeLoad(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	end := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	if _, err := seed.Generate(ctx, st.Writer(), seed.Options{Months: 12, Scale: 1, Seed: 11, End: end}); err != nil {
		t.Fatal(err)
	}
	whole, err := store.ProgramInputWindow(ctx, st, store.TimeRange{})
	if err != nil {
		t.Fatal(err)
	}
	if len(whole.Costs) == 0 || len(whole.Capacity) == 0 {
		t.Fatalf("the seed has %d costs and %d capacity samples", len(whole.Costs), len(whole.Capacity))
	}
	loaded, total, counted := 0, 0, 0
	for _, tz := range []string{"UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Berlin"} {
		s := analytics.DefaultSettings()
		s.ReportingTZ = tz
		loc := s.Location()
		var periods []analytics.Period
		for m := analytics.MonthOf(end.AddDate(-1, -1, 0), loc); m.From.Before(end.AddDate(0, 2, 0)); m = m.Next() {
			periods = append(periods, m, analytics.QuarterOf(m.From, loc))
		}
		for _, p := range periods {
			r := s.LoadWindows(p).Rest
			part, err := store.ProgramInputWindow(ctx, st, store.TimeRange{From: r.From, To: r.To})
			if err != nil {
				t.Fatal(err)
			}
			loaded, total = loaded+len(part.Costs)+len(part.Capacity), total+len(whole.Costs)+len(whole.Capacity)
			got, want := analytics.ComputeKPIs(part, p, s), analytics.ComputeKPIs(whole, p, s)
			g, _ := json.Marshal([]any{got.KPIs, got.Counts})
			w, _ := json.Marshal([]any{want.KPIs, want.Counts})
			if want.Counts.CostEntries > 0 && want.Counts.CapacitySamples > 0 {
				counted++
			}
			if string(g) != string(w) {
				t.Fatalf("%s %s: the window's months compute\n%s\nall months compute\n%s", tz, p.Label, g, w)
			}
		}
	}
	if counted < 20 {
		t.Errorf("only %d periods count costs and capacity samples: too few to compare", counted)
	}
	if loaded*3 > total {
		t.Errorf("the windows loaded %d of %d monthly records: not narrowed", loaded, total)
	}
}
