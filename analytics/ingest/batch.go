package ingest

import (
	"fmt"
	"sort"
	"strings"

	"sreport/analytics"
)

// Batch is everything one file produced.
type Batch struct {
	Format      string
	Source      string // value stored in the source column
	Incidents   []analytics.Incident
	Deploys     []analytics.Deploy
	Pages       []analytics.Page
	SLIDays     []analytics.SLIDay
	Toil        []analytics.ToilWeek
	ActionItems []analytics.ActionItem
	// Lines maps a record key to the source line it came from, for
	// store-time errors. Keys: "incident:<external_id>", "deploy:<external_id>",
	// "page:<external_id>", "action_item:<external_id>",
	// "sli:<service>/<slo>/<YYYY-MM-DD>", "toil:<team>/<YYYY-MM-DD>".
	Lines    map[string]int
	Rejects  []Reject
	Warnings []string

	// KeepStored says the file is one of several overlapping exports of the
	// same records that differ in completeness (PagerDuty: incidents with or
	// without log entries, log entries alone, the CSV exports): a value the
	// file lacks (NULL or empty) never replaces a stored one, so the files
	// converge in any order instead of undoing each other.
	KeepStored bool
	// Derived lists, per table ("pages", "incidents"), the columns the file
	// only derives (a PagerDuty log entry's page title from the incident
	// summary): used for new rows, never replacing a stored value.
	Derived map[string][]string
	// FallbackPages maps a page's external id to its incident ref for pages
	// that stand in for an incident's notifications because the file has
	// none (PagerDuty's trigger): the store skips them when the incident
	// already has other pages.
	FallbackPages map[string]string
	// SupersededPages are external ids of stand-in pages that this file
	// shows are not pages after all (the trigger of an incident that has
	// notify entries): the store removes them.
	SupersededPages []string

	warnCounts map[string]int // warning text → occurrences, folded into Warnings by finish
	warnOrder  []string
	pendingIDs map[string][]string // what → ids of unfinished items skipped
	pendOrder  []string
	skipIDs    map[string][]string // what → ids skipped for good (not a deploy outcome)
	skipOrder  []string
}

// skipped records an item that is not an error but not a record either
// (e.g. a GitLab deployment with status undeployed); finish folds them into
// one warning per kind naming the ids.
func (b *Batch) skipped(what, id string) {
	if b.skipIDs == nil {
		b.skipIDs = map[string][]string{}
	}
	if _, ok := b.skipIDs[what]; !ok {
		b.skipOrder = append(b.skipOrder, what)
	}
	b.skipIDs[what] = append(b.skipIDs[what], id)
}

// idList shows at most ten ids.
func idList(ids []string) string {
	if len(ids) > 10 {
		return strings.Join(ids[:10], ", ") + ", …"
	}
	return strings.Join(ids, ", ")
}

// Unfinished (queued, running, blocked…) deployments are not errors: they
// are skipped with one warning per kind, and a later re-import picks them up.
func (b *Batch) pending(what, id string) {
	if b.pendingIDs == nil {
		b.pendingIDs = map[string][]string{}
	}
	if _, ok := b.pendingIDs[what]; !ok {
		b.pendOrder = append(b.pendOrder, what)
	}
	b.pendingIDs[what] = append(b.pendingIDs[what], id)
}

func newBatch(format, source string) *Batch {
	return &Batch{Format: format, Source: source, Lines: map[string]int{}, warnCounts: map[string]int{},
		KeepStored: source == "pagerduty"}
}

// Records is the number of records of every kind.
func (b *Batch) Records() int {
	return len(b.Incidents) + len(b.Deploys) + len(b.Pages) + len(b.SLIDays) + len(b.Toil) + len(b.ActionItems)
}

// Line returns the source line of a record key (see Lines), 0 if unknown.
func (b *Batch) Line(key string) int { return b.Lines[key] }

// Key helpers, so the store builds the same keys as the parsers.

func IncidentKey(externalID string) string   { return "incident:" + externalID }
func DeployKey(externalID string) string     { return "deploy:" + externalID }
func PageKey(externalID string) string       { return "page:" + externalID }
func ActionItemKey(externalID string) string { return "action_item:" + externalID }
func SLIKey(d analytics.SLIDay) string {
	return "sli:" + d.Service + "/" + d.SLO + "/" + d.Day.Format("2006-01-02")
}
func ToilKey(t analytics.ToilWeek) string {
	return "toil:" + t.Team + "/" + t.WeekStart.Format("2006-01-02")
}

func (b *Batch) reject(line int, raw string, format string, args ...any) {
	if len(raw) > 500 {
		raw = raw[:500] + "…"
	}
	b.Rejects = append(b.Rejects, Reject{Line: line, Reason: fmt.Sprintf(format, args...), Raw: raw})
}

// warn records a warning; identical texts are folded into one with a count.
func (b *Batch) warn(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if b.warnCounts[s] == 0 {
		b.warnOrder = append(b.warnOrder, s)
	}
	b.warnCounts[s]++
}

func (b *Batch) addIncident(line int, in analytics.Incident) {
	in.Source = b.Source
	b.Incidents = append(b.Incidents, in)
	b.Lines[IncidentKey(in.ExternalID)] = line
}

func (b *Batch) addDeploy(line int, d analytics.Deploy) {
	d.Source = b.Source
	if d.Environment == "" {
		d.Environment = "production"
	}
	b.Deploys = append(b.Deploys, d)
	b.Lines[DeployKey(d.ExternalID)] = line
}

func (b *Batch) addPage(line int, pg analytics.Page) {
	pg.Source = b.Source
	b.Pages = append(b.Pages, pg)
	b.Lines[PageKey(pg.ExternalID)] = line
}

// addFallbackPage adds a page that stands in for an incident's
// notifications (see FallbackPages).
func (b *Batch) addFallbackPage(line int, pg analytics.Page) {
	if b.FallbackPages == nil {
		b.FallbackPages = map[string]string{}
	}
	b.FallbackPages[pg.ExternalID] = pg.IncidentRef
	b.addPage(line, pg)
}

func (b *Batch) addSLI(line int, d analytics.SLIDay) {
	b.SLIDays = append(b.SLIDays, d)
	b.Lines[SLIKey(d)] = line
}

func (b *Batch) addToil(line int, t analytics.ToilWeek) {
	b.Toil = append(b.Toil, t)
	b.Lines[ToilKey(t)] = line
}

func (b *Batch) addActionItem(line int, a analytics.ActionItem) {
	a.Source = b.Source
	b.ActionItems = append(b.ActionItems, a)
	b.Lines[ActionItemKey(a.ExternalID)] = line
}

// finish removes duplicate keys (the last occurrence wins, as a re-import
// would), sorts rejects by line and folds the warnings.
func (b *Batch) finish() {
	b.Incidents = dedupe(b, b.Incidents, "incidents", func(x analytics.Incident) string { return IncidentKey(x.ExternalID) })
	b.Deploys = dedupe(b, b.Deploys, "deploys", func(x analytics.Deploy) string { return DeployKey(x.ExternalID) })
	b.Pages = dedupe(b, b.Pages, "pages", func(x analytics.Page) string { return PageKey(x.ExternalID) })
	b.SLIDays = dedupe(b, b.SLIDays, "SLI days", SLIKey)
	b.Toil = dedupe(b, b.Toil, "toil weeks", ToilKey)
	b.ActionItems = dedupe(b, b.ActionItems, "action items", func(x analytics.ActionItem) string { return ActionItemKey(x.ExternalID) })
	sort.SliceStable(b.Rejects, func(i, j int) bool { return b.Rejects[i].Line < b.Rejects[j].Line })
	for _, what := range b.pendOrder {
		ids := b.pendingIDs[what]
		b.Warnings = append(b.Warnings, fmt.Sprintf("%d %s not finished yet were skipped (%s); import again once they finish",
			len(ids), what, idList(ids)))
	}
	b.pendingIDs, b.pendOrder = nil, nil
	for _, what := range b.skipOrder {
		ids := b.skipIDs[what]
		b.Warnings = append(b.Warnings, fmt.Sprintf("%d %s were skipped (%s)", len(ids), what, idList(ids)))
	}
	b.skipIDs, b.skipOrder = nil, nil
	for _, w := range b.warnOrder {
		if n := b.warnCounts[w]; n > 1 {
			w = fmt.Sprintf("%s (%d times)", w, n)
		}
		b.Warnings = append(b.Warnings, w)
	}
	b.warnOrder, b.warnCounts = nil, nil
}

func dedupe[T any](b *Batch, xs []T, what string, key func(T) string) []T {
	if len(xs) < 2 {
		return xs
	}
	last := make(map[string]int, len(xs))
	for i, x := range xs {
		last[key(x)] = i
	}
	if len(last) == len(xs) {
		return xs
	}
	out := xs[:0]
	var dups []string
	for i, x := range xs {
		k := key(x)
		if last[k] == i {
			out = append(out, x)
		} else if len(dups) < 5 {
			dups = append(dups, strings.SplitN(k, ":", 2)[1])
		}
	}
	b.Warnings = append(b.Warnings, fmt.Sprintf("%d duplicate %s in the file; the last occurrence of each was kept (e.g. %s)",
		len(xs)-len(out), what, strings.Join(dups, ", ")))
	return out
}
