package analytics

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// RiskFieldTitle is the label of a field of RiskFields as a form or table
// heading shows it ("Residual likelihood", "Affected services").
func RiskFieldTitle(field string) string {
	if field == "services" {
		return "Affected services"
	}
	l := RiskFieldLabel(field)
	r, n := utf8.DecodeRuneInString(l)
	return string(unicode.ToUpper(r)) + l[n:]
}

// MergeRiskEdit applies an edit made on an older version of a risk to the
// stored one. base holds the FieldValue of each field as the edit form was
// loaded; a field whose value in mine differs from base is one the editor
// changed, and only those are taken from mine, so an edit never reverts
// what someone else saved meanwhile in a field the editor did not touch.
// conflicts lists, in RiskFields order, the fields both changed to
// different values: the editor must decide those. A field both changed to
// the same value is no conflict.
func MergeRiskEdit(theirs, mine Risk, base map[string]string) (merged Risk, conflicts []string) {
	merged = theirs
	merged.Services = slices.Clone(theirs.Services)
	for _, f := range RiskFields {
		was, my, their := sameLines(base[f]), sameLines(mine.FieldValue(f)), sameLines(theirs.FieldValue(f))
		if my == was {
			continue
		}
		if their != was && their != my {
			conflicts = append(conflicts, f)
		}
		copyRiskField(&merged, mine, f)
	}
	return merged, conflicts
}

// RiskChangedFields lists the fields of RiskFields whose value in r differs
// from base (FieldValue text, as MergeRiskEdit takes it).
func RiskChangedFields(r Risk, base map[string]string) []string {
	var out []string
	for _, f := range RiskFields {
		if sameLines(r.FieldValue(f)) != sameLines(base[f]) {
			out = append(out, f)
		}
	}
	return out
}

// sameLines makes line ends comparable: a textarea posts CRLF, while a
// hidden field's value comes back with the LF the HTML parser left of it.
func sameLines(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

// copyRiskField sets one field of RiskFields in dst to its value in src.
func copyRiskField(dst *Risk, src Risk, field string) {
	switch field {
	case "title":
		dst.Title = src.Title
	case "description":
		dst.Description = src.Description
	case "services":
		dst.Services = slices.Clone(src.Services)
	case "category":
		dst.Category = src.Category
	case "likelihood":
		dst.Likelihood = src.Likelihood
	case "impact":
		dst.Impact = src.Impact
	case "residual_likelihood":
		dst.ResidualLikelihood = src.ResidualLikelihood
	case "residual_impact":
		dst.ResidualImpact = src.ResidualImpact
	case "owner":
		dst.Owner = src.Owner
	case "status":
		dst.Status = src.Status
	case "mitigation":
		dst.Mitigation = src.Mitigation
	case "acceptance_rationale":
		dst.AcceptanceRationale = src.AcceptanceRationale
	case "accepted_by":
		dst.AcceptedBy = src.AcceptedBy
	case "target_date":
		dst.TargetDate = src.TargetDate
	case "next_review_date":
		dst.NextReviewDate = src.NextReviewDate
	}
}

// RiskBaseValues is the FieldValue of every field of r: what an edit form
// carries as the version it was loaded from.
func RiskBaseValues(r Risk) map[string]string {
	m := make(map[string]string, len(RiskFields))
	for _, f := range RiskFields {
		m[f] = r.FieldValue(f)
	}
	return m
}
