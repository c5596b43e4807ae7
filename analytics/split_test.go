package analytics

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestSplitGroupedMatchesSplitAndMerge: SplitByServiceGrouped gives the
// parts SplitByService gives, and MergeSplit of each group's parts gives
// what MergeParts gives, for groups like a scorecard's tiers, groups in
// any order, groups naming a service twice or one with no records, and
// parts whose services were replaced or whose records are not the
// group's; and a roll-up of the split (NewRollupSplit) is the roll-up of
// the parts.
func TestSplitGroupedMatchesSplitAndMerge(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		r := rand.New(rand.NewPCG(seed, 53))
		in := partialInput(r)
		// The kinds partialInput leaves out: SLI days, action items, toil
		// weeks of teams with several services, a service outside the
		// catalogue.
		for i := range r.IntN(40) {
			in.SLIDays = append(in.SLIDays, SLIDay{SLOID: int64(r.IntN(4) + 1), ServiceID: int64(r.IntN(7) + 1),
				Day: at("2026-10-01T00:00:00Z").AddDate(0, 0, i%20), Good: 99, Total: 100})
		}
		for i := range r.IntN(20) {
			in.ActionItems = append(in.ActionItems, ActionItem{ID: int64(i + 1), ServiceID: int64(r.IntN(7) + 1)})
		}
		for i := range r.IntN(6) {
			in.Toil = append(in.Toil, ToilWeek{TeamID: int64(r.IntN(3) + 1), WeekStart: at("2026-10-05T00:00:00Z").AddDate(0, 0, 7*i)})
		}
		in = in.Ordered()
		var groups [][]int64
		switch seed % 4 {
		case 0: // tiers, in catalogue order
			for tier := range 3 {
				var g []int64
				for _, s := range in.Services {
					if s.Tier == tier {
						g = append(g, s.ID)
					}
				}
				groups = append(groups, g)
			}
		case 1: // random groups, a service twice, one unknown
			for range 3 {
				var g []int64
				for range 1 + r.IntN(4) {
					g = append(g, int64(r.IntN(8)+1))
				}
				groups = append(groups, g)
			}
		case 2: // one group of everything, reversed
			groups = [][]int64{{7, 6, 5, 4, 3, 2, 1}}
		}
		want := SplitByService(in)
		got, spans := SplitByServiceGrouped(in, groups)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: the grouped split's parts differ from SplitByService's", seed)
		}
		if len(spans) != len(groups) {
			t.Fatalf("seed %d: %d spans for %d groups", seed, len(spans), len(groups))
		}
		for g, ids := range groups {
			var parts []Input
			for _, id := range ids {
				part := got[id]
				if r.IntN(2) == 0 {
					part.Services = []Service{{ID: id, Name: fmt.Sprint("renamed ", id), TeamID: 1}}
				}
				parts = append(parts, part)
			}
			what := fmt.Sprintf("seed %d group %v", seed, ids)
			merged := MergeSplit(spans[g], parts...)
			sameMerge(t, what, merged, MergeParts(parts...))
			if seed%4 != 1 && len(merged.Deploys) > 0 && &merged.Deploys[0] != &spans[g].Deploys[0] {
				t.Fatalf("%s: the group's records were copied, not shared", what)
			}
			// Another group's span, or the parts out of order: copied.
			other := spans[(g+1)%len(spans)]
			sameMerge(t, what+" with another span", MergeSplit(other, parts...), MergeParts(parts...))
			rev := append([]Input(nil), parts...)
			for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
				rev[i], rev[j] = rev[j], rev[i]
			}
			sameMerge(t, what+" reversed", MergeSplit(spans[g], rev...), MergeParts(rev...))
			// A roll-up of the group shares the span as MergeSplit does, and
			// holds and computes what one of the parts alone holds.
			for _, c := range []struct {
				name  string
				span  Input
				parts []Input
			}{{"", spans[g], parts}, {" with another span", other, parts}, {" reversed", spans[g], rev}} {
				got, want := NewRollupSplit(c.span, c.parts...), NewRollup(c.parts...)
				if !reflect.DeepEqual(got.lean, want.lean) {
					t.Fatalf("%s%s: the roll-up of the split differs from the roll-up of the parts", what, c.name)
				}
				if !distinctIDs(ids) {
					continue // a service twice is no roll-up of distinct records to compute
				}
				ps := make([]Partial, len(c.parts))
				for i := range c.parts {
					_, ps[i] = ComputeKPIsPartial(c.parts[i], oct2026(), DefaultSettings())
				}
				sameKPIs(t, what+c.name+" rollup", got.ComputeKPIs(oct2026(), DefaultSettings(), ps),
					ComputeKPIs(MergeParts(c.parts...), oct2026(), DefaultSettings()))
			}
		}
	}
}

func sameMerge(t *testing.T, what string, got, want Input) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: MergeSplit differs from MergeParts:\n got %d incidents %d deploys %d pages %d SLI days %d items %d toil %d links\nwant %d incidents %d deploys %d pages %d SLI days %d items %d toil %d links",
			what, len(got.Incidents), len(got.Deploys), len(got.Pages), len(got.SLIDays), len(got.ActionItems), len(got.Toil), len(got.LinkIncidents),
			len(want.Incidents), len(want.Deploys), len(want.Pages), len(want.SLIDays), len(want.ActionItems), len(want.Toil), len(want.LinkIncidents))
	}
}

func distinctIDs(ids []int64) bool {
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			return false
		}
		seen[id] = true
	}
	return true
}
