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
	parts := map[string]*Input{}
	part := func(src string) *Input {
		x := parts[src]
		if x == nil {
			x = &Input{Services: in.Services}
			parts[src] = x
		}
		return x
	}
	// Only records a computation of p can see are copied (the windows
	// compute keeps to): a report passes years of records for one period.
	from, to := s.InputWindow(p)
	dw := s.LoadWindows(p).Deploys
	in = in.within(from, to, dw) // the same windows, by a binary search when in is in order
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
