package analytics

// arena is the arrays splitByService lays the parts' distinct records out
// in, and how much of each is taken.
type arena struct {
	inc                        []Incident
	dep                        []Deploy
	pg                         []Page
	sli                        []SLIDay
	ai                         []ActionItem
	nInc, nDep, nPg, nSLI, nAI int
}

// take returns the next n elements of xs as an empty slice with room for
// exactly them, for one part to append its records to.
func take[T any](xs []T, off *int, n int) []T {
	x := xs[*off : *off : *off+n]
	*off += n
	return x
}

// span returns xs[from:to], or nil for none (as MergeParts leaves an empty
// concatenation).
func span[T any](xs []T, from, to int) []T {
	if from == to {
		return nil
	}
	return xs[from:to:to]
}

// SplitByServiceGrouped is SplitByService, with the parts of each group of
// service IDs laid out one after another, in the group's order, so that
// MergeSplit can merge a group's parts without copying their records. It
// also returns each group's span, to pass to MergeSplit. A service in more
// than one group is laid out with the first; the spans of the others are
// then not their concatenation, and MergeSplit copies.
func SplitByServiceGrouped(in Input, groups [][]int64) (map[int64]Input, []Input) {
	return splitByService(in, groups)
}

// MergeSplit is MergeParts of parts, the parts of one group of a
// SplitByServiceGrouped in the group's order (their Services may be
// replaced), given the group's span: the incidents, deploys, pages, SLI
// days and action items are the span itself, which is their concatenation,
// instead of a copy. When the parts' records are not the span's, one after
// another, it copies them, as MergeParts does; either way the result is
// MergeParts's.
func MergeSplit(span Input, parts ...Input) Input {
	if !spans(span, parts) {
		return MergeParts(parts...)
	}
	return mergeSpan(parts, &span)
}

// spans reports whether the parts' distinct records are, one after
// another, span's: each part's slice starts where the one before ended
// and together they are as long. Two slices of one element type starting
// at the same element share every element of the shorter.
func spans(span Input, parts []Input) bool {
	return adjacent(span.Incidents, parts, func(x *Input) []Incident { return x.Incidents }) &&
		adjacent(span.Deploys, parts, func(x *Input) []Deploy { return x.Deploys }) &&
		adjacent(span.Pages, parts, func(x *Input) []Page { return x.Pages }) &&
		adjacent(span.SLIDays, parts, func(x *Input) []SLIDay { return x.SLIDays }) &&
		adjacent(span.ActionItems, parts, func(x *Input) []ActionItem { return x.ActionItems })
}

func adjacent[T any](all []T, parts []Input, of func(*Input) []T) bool {
	off := 0
	for i := range parts {
		xs := of(&parts[i])
		if len(xs) == 0 {
			continue
		}
		if off+len(xs) > len(all) || &xs[0] != &all[off] {
			return false
		}
		off += len(xs)
	}
	return off == len(all)
}
