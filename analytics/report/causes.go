package report

import (
	"cmp"
	"slices"
	"strings"

	"sreport/analytics"
)

// MaxCauses limits the report's "top causes" list.
const MaxCauses = 8

// Cause is one incident category of the period, for the "top causes"
// view. A category (ServiceNow's "Network", "Hardware", …) is a taxonomy
// shared by unrelated failures: it groups incidents for trend analysis
// but never makes one a repeat of another (analytics.Fingerprint).
type Cause struct {
	// Category is the category as its first incident wrote it; "" groups
	// the incidents that have none.
	Category string
	IncidentGroup
	// RootCause is the root-cause text most of the category's incidents
	// give (as first written), shared by RootCauseCount of them; "" when
	// none gives one.
	RootCause      string
	RootCauseCount int
}

// Causes groups incidents by category, case and spacing ignored: the
// largest first (then more Sev1/Sev2, then by name), the incidents without
// a category last, at most n.
func Causes(incs []analytics.Incident, n int) []Cause {
	type group struct {
		Cause
		key    string
		causes map[string]int    // normalised root cause → incidents
		label  map[string]string // normalised root cause → first spelling
	}
	byKey := map[string]*group{}
	var order []*group
	for _, inc := range incs {
		k := normKey(inc.Category)
		g, ok := byKey[k]
		if !ok {
			g = &group{Cause: Cause{Category: strings.TrimSpace(inc.Category)}, key: k,
				causes: map[string]int{}, label: map[string]string{}}
			byKey[k] = g
			order = append(order, g)
		}
		g.add(inc)
		if rc := normKey(inc.RootCause); rc != "" {
			g.causes[rc]++
			if _, seen := g.label[rc]; !seen {
				g.label[rc] = strings.TrimSpace(inc.RootCause)
			}
		}
	}
	out := make([]Cause, 0, len(order))
	for _, g := range order {
		var best string
		for rc, c := range g.causes {
			if c > g.causes[best] || c == g.causes[best] && rc < best {
				best = rc
			}
		}
		if best != "" {
			g.RootCause, g.RootCauseCount = g.label[best], g.causes[best]
		}
		slices.Sort(g.Services)
		out = append(out, g.Cause)
	}
	slices.SortStableFunc(out, func(a, b Cause) int {
		if (a.Category == "") != (b.Category == "") {
			if a.Category == "" {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(b.Sev12, a.Sev12), cmp.Compare(normKey(a.Category), normKey(b.Category)))
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// IncidentGroup counts a group of incidents: how many, how many Sev1 or Sev2, on
// which services (in order of first appearance until sorted) and which.
type IncidentGroup struct {
	Count       int
	Sev12       int
	Services    []string
	IncidentIDs []int64
}

// add counts inc into the tally.
func (t *IncidentGroup) add(inc analytics.Incident) {
	t.Count++
	if inc.Severity == analytics.Sev1 || inc.Severity == analytics.Sev2 {
		t.Sev12++
	}
	if !slices.Contains(t.Services, inc.Service) {
		t.Services = append(t.Services, inc.Service)
	}
	t.IncidentIDs = append(t.IncidentIDs, inc.ID)
}

// normKey is s lower-cased with white space collapsed, for grouping.
func normKey(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }
