package analytics

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// countsBySourceCopying is CountsBySource as it was before it counted
// first and shared single-source kinds: every source's records copied into
// their own part, one append at a time. It is the reference the fast path
// must agree with.
func countsBySourceCopying(in Input, p Period, s Settings) []SourceCounts {
	parts := map[string]*Input{}
	part := func(src string) *Input {
		x := parts[src]
		if x == nil {
			x = &Input{Services: in.Services}
			parts[src] = x
		}
		return x
	}
	from, to := s.InputWindow(p)
	dw := s.LoadWindows(p).Deploys
	inside := func(t, from, to time.Time) bool { return !t.Before(from) && t.Before(to) }
	for _, x := range in.Incidents {
		if inside(x.DetectedAt, from, to) {
			part(x.Source).Incidents = append(part(x.Source).Incidents, x)
		}
	}
	for _, x := range in.Deploys {
		if inside(x.FinishedAt, dw.From, dw.To) {
			part(x.Source).Deploys = append(part(x.Source).Deploys, x)
		}
	}
	for _, x := range in.Pages {
		if inside(x.TriggeredAt, from, to) {
			part(x.Source).Pages = append(part(x.Source).Pages, x)
		}
	}
	for _, x := range in.ActionItems {
		part(x.Source).ActionItems = append(part(x.Source).ActionItems, x)
	}
	return countParts(parts, p, s)
}

// TestCountsBySourceMatchesCopying: CountsBySource gives what copying every
// source's records into its own part gives, on random inputs whose kinds
// come from one source, several or none, in time order and not.
func TestCountsBySourceMatchesCopying(t *testing.T) {
	s := DefaultSettings()
	s.AsOf = at("2026-11-20T00:00:00Z")
	p := oct2026()
	for seed := uint64(1); seed <= 60; seed++ {
		r := rand.New(rand.NewPCG(seed, 47))
		in := partialInput(r)
		// Each kind from one source (the fast path), from two, or from
		// one source but for a record outside the windows.
		pick := func() func(i int) string {
			switch r.IntN(4) {
			case 0:
				return func(int) string { return "pagerduty" }
			case 1:
				return func(i int) string { return []string{"csv", "jira"}[i%2] }
			case 2:
				return func(i int) string { return []string{"csv", "jira", "jira", "github"}[r.IntN(4)] }
			}
			return func(i int) string {
				if i == 0 {
					return "csv"
				}
				return "webhook"
			}
		}
		src := pick()
		for i := range in.Incidents {
			in.Incidents[i].Source = src(i)
		}
		src = pick()
		for i := range in.Deploys {
			in.Deploys[i].Source = src(i)
		}
		src = pick()
		for i := range in.Pages {
			in.Pages[i].Source = src(i)
		}
		src = pick()
		for i := range r.IntN(30) {
			due := at("2026-10-01T00:00:00Z").Add(time.Duration(r.IntN(60*24)) * time.Hour)
			ai := ActionItem{ID: int64(i + 1), ServiceID: int64(r.IntN(6) + 1), DueAt: &due, Source: src(i)}
			if r.IntN(2) == 0 {
				c := due.Add(time.Duration(r.IntN(20*24)-10*24) * time.Hour)
				ai.ClosedAt = &c
			}
			in.ActionItems = append(in.ActionItems, ai)
		}
		if seed%2 == 0 { // in time order, as a store loads them: cut by binary search
			slices.SortStableFunc(in.Incidents, func(a, b Incident) int { return a.DetectedAt.Compare(b.DetectedAt) })
			slices.SortStableFunc(in.Deploys, func(a, b Deploy) int { return a.FinishedAt.Compare(b.FinishedAt) })
			slices.SortStableFunc(in.Pages, func(a, b Page) int { return a.TriggeredAt.Compare(b.TriggeredAt) })
			in = in.Ordered()
		}
		got, want := CountsBySource(in, p, s), countsBySourceCopying(in, p, s)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d:\n got %+v\nwant %+v", seed, got, want)
		}
		if len(want) == 0 {
			t.Fatalf("seed %d: no source has records; the test checks nothing", seed)
		}
	}
}
