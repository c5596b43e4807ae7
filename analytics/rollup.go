package analytics

// Rollup is the records of a roll-up over services (a tier, a team) held
// as its services' parts of one SplitByService, in order: MergeParts of
// them, except that their deploys and pages, most of the records, are not
// copied. A roll-up computed from its services' partials reads neither
// (the deploy figures, page figures and on-call tally add up), so they are
// concatenated only for a computation that must read them. A Rollup is
// only read once made, and may be computed from concurrently.
type Rollup struct {
	parts []Input
	lean  Input // MergeParts of the parts without their deploys and pages
}

// NewRollup holds parts, the parts of one SplitByService of an input of
// distinct records (as MergeParts takes them), for ComputeKPIs.
func NewRollup(parts ...Input) *Rollup { return newRollup(parts, nil) }

// NewRollupSplit is NewRollup of the parts of one group of a
// SplitByServiceGrouped, given the group's span (as MergeSplit takes
// them): the distinct records are then the span's, not copied.
func NewRollupSplit(span Input, parts ...Input) *Rollup { return newRollup(parts, &span) }

func newRollup(parts []Input, span *Input) *Rollup {
	lean := make([]Input, len(parts))
	for i, x := range parts {
		x.Deploys, x.Pages = nil, nil
		lean[i] = x
	}
	if span == nil || !spans(*span, parts) {
		return &Rollup{parts: parts, lean: MergeParts(lean...)}
	}
	s := *span
	s.Deploys, s.Pages = nil, nil
	return &Rollup{parts: parts, lean: mergeSpan(lean, &s)}
}

// ComputeKPIs is ComputeKPIsOf(MergeParts(parts...), p, s, partials),
// partials being the parts' own (ComputeKPIsPartial) for p and s in the
// parts' order: the same KPIs and counts, to the last bit. Because the
// roll-up's pages are its parts' one after another, the page figures too
// are taken from the partials.
func (r *Rollup) ComputeKPIs(p Period, s Settings, partials []Partial) Result {
	c, _ := computeOf(r.lean, p, s, nil, partials, false, r.parts)
	return c.res
}

// fillDeploys gives a roll-up computation (computeOf) the deploys of its
// parts from, concatenated and cut to the deploy window as newComputer
// cuts a merged input's; nothing for a computation of a whole input.
func (c *computer) fillDeploys(from []Input) {
	if from == nil {
		return
	}
	all := concatParts(from, func(x *Input) []Deploy { return x.Deploys })
	c.in.Deploys = cutSorted(all, deployAt, false, c.depW.From, c.depW.To)
}

// fillPages is fillDeploys for the pages, cut to the input window.
func (c *computer) fillPages(from []Input) {
	if from == nil {
		return
	}
	all := concatParts(from, func(x *Input) []Page { return x.Pages })
	c.in.Pages = cutSorted(all, pageAt, false, c.winFrom, c.winTo)
}

// concatParts is the records of the parts one after another, as MergeParts
// concatenates distinct records (nil for none).
func concatParts[T any](parts []Input, of func(*Input) []T) []T {
	n := 0
	for i := range parts {
		n += len(of(&parts[i]))
	}
	out := capped[T](n)
	for i := range parts {
		out = append(out, of(&parts[i])...)
	}
	return out
}
