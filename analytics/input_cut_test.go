package analytics

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestCutKeepsWindowAndOrder: Cut keeps exactly the records inside each
// window, in their order, whether the slice is in time order (cut in
// place) or not (filtered into a copy).
func TestCutKeepsWindowAndOrder(t *testing.T) {
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	w := LoadWindows{
		Incidents: Window{base.Add(10 * time.Hour), base.Add(50 * time.Hour)},
		Deploys:   Window{base.Add(20 * time.Hour), base.Add(30 * time.Hour)},
		Rest:      Window{base, base.Add(5 * time.Hour)},
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for _, sorted := range []bool{true, false} {
		var in Input
		for i := range 200 {
			at := base.Add(time.Duration(i) * 20 * time.Minute)
			in.Incidents = append(in.Incidents, Incident{ID: int64(i), DetectedAt: at})
			in.Deploys = append(in.Deploys, Deploy{ID: int64(i), FinishedAt: at})
			in.Pages = append(in.Pages, Page{ID: int64(i), TriggeredAt: at})
		}
		if !sorted {
			rng.Shuffle(200, func(i, j int) { in.Incidents[i], in.Incidents[j] = in.Incidents[j], in.Incidents[i] })
			rng.Shuffle(200, func(i, j int) { in.Deploys[i], in.Deploys[j] = in.Deploys[j], in.Deploys[i] })
			rng.Shuffle(200, func(i, j int) { in.Pages[i], in.Pages[j] = in.Pages[j], in.Pages[i] })
		}
		out := in.Cut(w)
		check := func(kind string, all, got []int64, ats func(int64) time.Time, win Window) {
			t.Helper()
			var want []int64
			for _, id := range all {
				if at := ats(id); !at.Before(win.From) && at.Before(win.To) {
					want = append(want, id)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("sorted %v %s: %d records, want %d", sorted, kind, len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("sorted %v %s: record %d is #%d, want #%d", sorted, kind, i, got[i], want[i])
				}
			}
		}
		at := func(id int64) time.Time { return base.Add(time.Duration(id) * 20 * time.Minute) }
		check("incidents", ids(in.Incidents, func(x Incident) int64 { return x.ID }), ids(out.Incidents, func(x Incident) int64 { return x.ID }), at, w.Incidents)
		check("deploys", ids(in.Deploys, func(x Deploy) int64 { return x.ID }), ids(out.Deploys, func(x Deploy) int64 { return x.ID }), at, w.Deploys)
		check("pages", ids(in.Pages, func(x Page) int64 { return x.ID }), ids(out.Pages, func(x Page) int64 { return x.ID }), at, w.Rest)
	}
}

func ids[T any](xs []T, id func(T) int64) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}
