package ingest

import (
	"fmt"
	"sort"
	"strings"

	"sreport/analytics"
	"sreport/analytics/imports"
)

// builder fills one imports.Batch during a parse and keeps the bookkeeping
// that finish folds into the batch's warnings.
type builder struct {
	*imports.Batch

	warnCounts map[string]int // warning text → occurrences, folded into Warnings by finish
	warnOrder  []string
	pendingIDs map[string][]string // what → ids of unfinished items skipped
	pendOrder  []string
	skipIDs    map[string][]string // what → ids skipped for good (not a deploy outcome)
	skipOrder  []string

	// Limits (see Limits): items counts what the file produced so far,
	// over is the first limit it went over; budget stops the reading then.
	items, maxItems int
	rejects         int
	warnOthers      int // warnings past maxWarnings distinct texts
	over            error
	budget          *textBudget

	// sink, when set, receives every record instead of the batch (Stream);
	// begun says its Begin has been called, streamed counts what it got.
	sink     imports.Sink
	begun    bool
	streamed int
}

// maxWarnings caps the distinct warning texts one file keeps.
const maxWarnings = 1000

// produced counts one record, rejected row or skipped item against the
// file's limits; past one, the parse stops at its next read.
func (b *builder) produced() {
	b.items++
	if b.maxItems > 0 && b.items > b.maxItems {
		b.stop(&LimitError{What: LimitRecords, Limit: int64(b.maxItems)})
	}
}

// stop ends the parse with err (the first one wins).
func (b *builder) stop(err error) {
	if b.over != nil {
		return
	}
	b.over = err
	if b.budget != nil {
		b.budget.fail(err)
	}
}

// skipped records an item that is not an error but not a record either
// (e.g. a GitLab deployment with status undeployed); finish folds them into
// one warning per kind naming the ids.
func (b *builder) skipped(what, id string) {
	b.produced()
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
func (b *builder) pending(what, id string) {
	b.produced()
	if b.pendingIDs == nil {
		b.pendingIDs = map[string][]string{}
	}
	if _, ok := b.pendingIDs[what]; !ok {
		b.pendOrder = append(b.pendOrder, what)
	}
	b.pendingIDs[what] = append(b.pendingIDs[what], id)
}

func newBuilder(format, source string) *builder {
	return &builder{Batch: &imports.Batch{Format: format, Source: source, Lines: map[string]int{}, KeepStored: source == "pagerduty"},
		warnCounts: map[string]int{}}
}

func (b *builder) reject(line int, raw string, format string, args ...any) {
	if len(raw) > 500 {
		raw = raw[:500] + "…"
	}
	b.Rejects = append(b.Rejects, imports.Reject{Line: line, Reason: fmt.Sprintf(format, args...), Raw: raw})
	b.produced()
	if b.rejects++; b.rejects > MaxRejects {
		b.stop(&LimitError{What: LimitRejects, Limit: MaxRejects})
	}
}

// warn records a warning; identical texts are folded into one with a count.
func (b *builder) warn(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if b.warnCounts[s] == 0 {
		if len(b.warnOrder) >= maxWarnings {
			b.warnOthers++
			return
		}
		b.warnOrder = append(b.warnOrder, s)
	}
	b.warnCounts[s]++
}

// ready reports whether the builder streams and the sink may take the
// next record (the parse has not been stopped); sent takes the sink's answer.
func (b *builder) ready() bool {
	if b.over != nil || b.begin() != nil {
		return false
	}
	b.streamed++
	return true
}

func (b *builder) sent(err error) {
	if err != nil {
		b.stop(err)
	}
}

// begin tells the sink what the file is, once, before its first record.
func (b *builder) begin() error {
	if b.begun {
		return nil
	}
	b.begun = true
	if err := b.sink.Begin(imports.Header{Format: b.Format, Source: b.Source, KeepStored: b.KeepStored}); err != nil {
		b.stop(err)
		return err
	}
	return nil
}

func (b *builder) addIncident(line int, in analytics.Incident) {
	b.produced()
	in.Source = b.Source
	if b.sink != nil {
		if b.ready() {
			b.sent(b.sink.Incident(line, in))
		}
		return
	}
	b.Incidents = append(b.Incidents, in)
	b.Lines[imports.IncidentKey(in.ExternalID)] = line
}

func (b *builder) addDeploy(line int, d analytics.Deploy) {
	b.produced()
	d.Source = b.Source
	if d.Environment == "" {
		d.Environment = "production"
	}
	if b.sink != nil {
		if b.ready() {
			b.sent(b.sink.Deploy(line, d))
		}
		return
	}
	b.Deploys = append(b.Deploys, d)
	b.Lines[imports.DeployKey(d.ExternalID)] = line
}

func (b *builder) addPage(line int, pg analytics.Page) {
	b.produced()
	pg.Source = b.Source
	if b.sink != nil {
		if b.ready() {
			b.sent(b.sink.Page(line, pg))
		}
		return
	}
	b.Pages = append(b.Pages, pg)
	b.Lines[imports.PageKey(pg.ExternalID)] = line
}

// addFallbackPage adds a page that stands in for an incident's
// notifications (see imports.Batch.FallbackPages).
func (b *builder) addFallbackPage(line int, pg analytics.Page) {
	if b.FallbackPages == nil {
		b.FallbackPages = map[string]string{}
	}
	b.FallbackPages[pg.ExternalID] = pg.IncidentRef
	b.addPage(line, pg)
}

func (b *builder) addSLI(line int, d analytics.SLIDay) {
	b.produced()
	if b.sink != nil {
		if b.ready() {
			b.sent(b.sink.SLIDay(line, d))
		}
		return
	}
	b.SLIDays = append(b.SLIDays, d)
	b.Lines[imports.SLIKey(d)] = line
}

func (b *builder) addToil(line int, t analytics.ToilWeek) {
	b.produced()
	if b.sink != nil {
		if b.ready() {
			b.sent(b.sink.Toil(line, t))
		}
		return
	}
	b.Toil = append(b.Toil, t)
	b.Lines[imports.ToilKey(t)] = line
}

func (b *builder) addActionItem(line int, a analytics.ActionItem) {
	b.produced()
	a.Source = b.Source
	if b.sink != nil {
		if b.ready() {
			b.sent(b.sink.ActionItem(line, a))
		}
		return
	}
	b.ActionItems = append(b.ActionItems, a)
	b.Lines[imports.ActionItemKey(a.ExternalID)] = line
}

// finish removes duplicate keys (the last occurrence wins, as a re-import
// would), sorts rejects by line and folds the warnings.
func (b *builder) finish() {
	b.Incidents = dedupe(b, b.Incidents, "incidents", func(x analytics.Incident) string { return imports.IncidentKey(x.ExternalID) })
	b.Deploys = dedupe(b, b.Deploys, "deploys", func(x analytics.Deploy) string { return imports.DeployKey(x.ExternalID) })
	b.Pages = dedupe(b, b.Pages, "pages", func(x analytics.Page) string { return imports.PageKey(x.ExternalID) })
	b.SLIDays = dedupe(b, b.SLIDays, "SLI days", imports.SLIKey)
	b.Toil = dedupe(b, b.Toil, "toil weeks", imports.ToilKey)
	b.ActionItems = dedupe(b, b.ActionItems, "action items", func(x analytics.ActionItem) string { return imports.ActionItemKey(x.ExternalID) })
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
	if b.warnOthers > 0 {
		b.Warnings = append(b.Warnings, fmt.Sprintf("%d more warnings not shown", b.warnOthers))
	}
	b.warnOrder, b.warnCounts = nil, nil
}

func dedupe[T any](b *builder, xs []T, what string, key func(T) string) []T {
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
