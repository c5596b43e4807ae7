package analytics

import (
	"cmp"
	"slices"
	"time"
)

// SourceCounts are the counts of one source's records alone in a period.
type SourceCounts struct {
	Source string
	Counts Counts
}

// CountsBySource computes, for each source with records in p, the counts
// of that source's incidents, deploys, pages and action items alone,
// sorted by source: what reports state as data coverage per source
// (KPIDef.CoverageText over each source's Counts), because a KPI's inputs
// are missing per source — an export without postmortem fields, a CI
// without commit times. SLI days and toil weeks carry no source and are
// left out. Only counts of per-record facts are meaningful here; counts
// that relate records (repeats, failed changes) are not.
func CountsBySource(in Input, p Period, s Settings) []SourceCounts {
	// Only records a computation of p can see are kept (the windows
	// compute keeps to): a report passes years of records for one period.
	from, to := s.InputWindow(p)
	dw := s.LoadWindows(p).Deploys
	in = in.within(from, to, dw) // the same windows, by a binary search when in is in order
	inside := func(t, from, to time.Time) bool { return !t.Before(from) && t.Before(to) }
	// Count each source's records first, so each part is sized once, and a
	// kind whose records in the windows are all of one source is that
	// source's part as it is, without a copy (the same records in the
	// same order: usually every source but the CSV import feeds one kind).
	type tally struct{ inc, dep, pg, ai int }
	counts := map[string]*tally{}
	count := func(src string) *tally {
		x := counts[src]
		if x == nil {
			x = &tally{}
			counts[src] = x
		}
		return x
	}
	var nInc, nDep, nPg int
	for i := range in.Incidents {
		if inside(in.Incidents[i].DetectedAt, from, to) {
			count(in.Incidents[i].Source).inc++
			nInc++
		}
	}
	for i := range in.Deploys {
		if inside(in.Deploys[i].FinishedAt, dw.From, dw.To) {
			count(in.Deploys[i].Source).dep++
			nDep++
		}
	}
	for i := range in.Pages {
		if inside(in.Pages[i].TriggeredAt, from, to) {
			count(in.Pages[i].Source).pg++
			nPg++
		}
	}
	for i := range in.ActionItems {
		count(in.ActionItems[i].Source).ai++
	}
	parts := make(map[string]*Input, len(counts))
	for src, c := range counts {
		x := &Input{Services: in.Services}
		x.Incidents = sourcePart(in.Incidents, c.inc, nInc)
		x.Deploys = sourcePart(in.Deploys, c.dep, nDep)
		x.Pages = sourcePart(in.Pages, c.pg, nPg)
		x.ActionItems = sourcePart(in.ActionItems, c.ai, len(in.ActionItems))
		parts[src] = x
	}
	// whole says a kind's part is already all of xs (sourcePart shared it).
	whole := func(n, all, total int) bool { return n > 0 && n == all && n == total }
	for i := range in.Incidents {
		x := &in.Incidents[i]
		if inside(x.DetectedAt, from, to) && !whole(counts[x.Source].inc, nInc, len(in.Incidents)) {
			part := parts[x.Source]
			part.Incidents = append(part.Incidents, *x)
		}
	}
	for i := range in.Deploys {
		x := &in.Deploys[i]
		if inside(x.FinishedAt, dw.From, dw.To) && !whole(counts[x.Source].dep, nDep, len(in.Deploys)) {
			part := parts[x.Source]
			part.Deploys = append(part.Deploys, *x)
		}
	}
	for i := range in.Pages {
		x := &in.Pages[i]
		if inside(x.TriggeredAt, from, to) && !whole(counts[x.Source].pg, nPg, len(in.Pages)) {
			part := parts[x.Source]
			part.Pages = append(part.Pages, *x)
		}
	}
	for i := range in.ActionItems {
		x := &in.ActionItems[i]
		if !whole(counts[x.Source].ai, len(in.ActionItems), len(in.ActionItems)) {
			part := parts[x.Source]
			part.ActionItems = append(part.ActionItems, *x)
		}
	}
	return countParts(parts, p, s)
}

// countParts computes each source's part of p and returns the counts of
// those with records of p, sorted by source.
func countParts(parts map[string]*Input, p Period, s Settings) []SourceCounts {
	var out []SourceCounts
	for src, x := range parts {
		c := ComputeKPIs(*x, p, s).Counts
		if c.Incidents+c.PostmortemsRequired+c.Deployments+c.Rollbacks+c.Pages+c.ActionItemsDue+c.ActionItemsPending+c.ActionItemsOverdue == 0 {
			continue
		}
		out = append(out, SourceCounts{Source: src, Counts: c})
	}
	slices.SortFunc(out, func(a, b SourceCounts) int { return cmp.Compare(a.Source, b.Source) })
	return out
}

// sourcePart is the start of one source's part of xs, of which n records
// are the source's and all in the windows: xs itself when those are all
// of xs (total of them in the windows, xs holding no other), else an empty
// slice with room for n, for the caller to fill.
func sourcePart[T any](xs []T, n, all int) []T {
	if n > 0 && n == all && n == len(xs) {
		return xs
	}
	return capped[T](n)
}
