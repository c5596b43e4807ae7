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

// TestMinimumSampleTable keeps the table of default minimum samples in
// docs/metrics.md ("Sample size") equal to the registry: every KPI with a
// minimum is listed once with its number and the records it counts, and no
// KPI without one is listed.
func TestMinimumSampleTable(t *testing.T) {
	const head = "| KPI | Default minimum sample |\n|---|---|\n"
	i := strings.Index(metrics, head)
	if i < 0 {
		t.Fatal("docs/metrics.md has no default minimum sample table")
	}
	listed := map[string]string{}
	for _, line := range strings.Split(metrics[i+len(head):], "\n") {
		if !strings.HasPrefix(line, "| `") {
			break
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) != 2 {
			t.Fatalf("row %q: want two cells", line)
		}
		key := strings.Trim(cells[0], "`")
		if _, dup := listed[key]; dup {
			t.Errorf("%s is listed twice", key)
		}
		listed[key] = cells[1]
	}
	for _, d := range analytics.KPIDefs() {
		got, ok := listed[d.Key]
		delete(listed, d.Key)
		switch {
		case d.MinSample == 0 && ok:
			t.Errorf("%s has no minimum sample, but the table says %q", d.Key, got)
		case d.MinSample > 0 && !ok:
			t.Errorf("%s: minimum %d is not in the table", d.Key, d.MinSample)
		case d.MinSample > 0:
			if want := d.Sample.Of(float64(d.MinSample)); got != want {
				t.Errorf("%s: the table says %q, the registry %q", d.Key, got, want)
			}
		}
	}
	for key := range listed {
		t.Errorf("the table lists %s, which is not a KPI", key)
	}
}
