package docs

import (
	"strings"
	"testing"
)

func TestDefinition(t *testing.T) {
	for _, k := range []string{"mttr_minutes", "change_failure_rate", "alert_noise_ratio", "availability", "toil_ratio"} {
		d := Definition(k)
		if !strings.HasPrefix(d, "### ") || !strings.Contains(d, "`"+k+"`") || len(d) < 80 {
			t.Errorf("%s: %q", k, d)
		}
		if strings.Count(d, "\n### ") > 0 {
			t.Errorf("%s: ran into the next section", k)
		}
	}
	if Definition("no_such_kpi") != "" {
		t.Error("unknown KPI has a definition")
	}
}

func TestPlainDefinition(t *testing.T) {
	d := PlainDefinition("mttr_minutes")
	if d == "" || strings.ContainsAny(d, "`*#") {
		t.Fatalf("not plain: %q", d)
	}
	if !strings.Contains(d, "resolved_at − detected_at") {
		t.Fatalf("definition lost its formula: %q", d)
	}
}
