package docs

import (
	"strings"
	"testing"

	"sreport/analytics"
)

// TestEveryKPIHasASection fails when a registered KPI has no section in
// docs/metrics.md at its anchor, or the section does not name the KPI: the
// explain page shows that section as the KPI's definition.
func TestEveryKPIHasASection(t *testing.T) {
	for _, d := range analytics.KPIDefs() {
		s := Section(d.Doc)
		switch {
		case s == "":
			t.Errorf("%s: no \"### \" heading in docs/metrics.md has the anchor %q", d.Key, d.Doc)
		case !strings.Contains(strings.SplitN(s, "\n", 2)[0], "`"+d.Key+"`"):
			t.Errorf("%s: the heading at #%s does not name `%s`: %q", d.Key, d.Doc, d.Key, strings.SplitN(s, "\n", 2)[0])
		case s != Definition(d.Key):
			t.Errorf("%s: #%s is not the first section naming the KPI", d.Key, d.Doc)
		}
	}
}

func TestAnchor(t *testing.T) {
	for heading, want := range map[string]string{
		"### MTTR — `mttr_minutes`, `mttr_median_minutes`, `mttr_p90_minutes`": "mttr--mttr_minutes-mttr_median_minutes-mttr_p90_minutes",
		"### Sev1 / Sev2 count — `sev1_count`, `sev2_count`":                   "sev1--sev2-count--sev1_count-sev2_count",
		"## Risk rating":                                            "risk-rating",
		"### Status rule (`analytics.Status`)":                      "status-rule-analyticsstatus",
		"## DORA performance bands (`analytics.DoraBands`)":         "dora-performance-bands-analyticsdorabands",
		"### Action-item on-time rate — `action_item_on_time_rate`": "action-item-on-time-rate--action_item_on_time_rate",
	} {
		if got := Anchor(heading); got != want {
			t.Errorf("Anchor(%q) = %q, want %q", heading, got, want)
		}
	}
}
