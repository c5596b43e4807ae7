package web_test

import (
	"regexp"
	"strings"
	"testing"
)

// TestExplainRecordUnits checks that each record's own value on an explain
// page is shown in the unit of what the record contributes (the registry's
// record unit), not in the KPI's unit: a toil week's hours, an SLO-day's bad
// events, an SLO-day's good ÷ total.
func TestExplainRecordUnits(t *testing.T) {
	srv := newDemoServer(t)
	num := regexp.MustCompile(`<td class="num"[^>]*>\s*([^<]*?)\s*</td>`)
	for _, tc := range []struct {
		kpi  string
		want *regexp.Regexp
	}{
		{"toil_ratio", regexp.MustCompile(`^[\d.]+ h$`)},                 // toil hours of one week, never days
		{"error_budget_remaining", regexp.MustCompile(`^(\d+|[\d.]+)$`)}, // bad events of one SLO-day
		{"burn_rate", regexp.MustCompile(`^(\d+|[\d.]+)$`)},
		{"availability", regexp.MustCompile(`^[\d.]+ %$`)}, // good ÷ total of one SLO-day
		{"mttr_minutes", regexp.MustCompile(`^[\d.]+ (min|h|d)$`)},
		{"lead_time_median_hours", regexp.MustCompile(`^[\d.]+ (h|d)$`)},
	} {
		t.Run(tc.kpi, func(t *testing.T) {
			status, body, _ := get(t, srv.URL+"/explain?kpi="+tc.kpi+"&period=2026-10&service=checkout")
			if status != 200 {
				t.Fatalf("status %d", status)
			}
			i := strings.Index(body, `data-testid="evidence"`)
			if i < 0 {
				t.Fatal("no evidence table")
			}
			cells := num.FindAllStringSubmatch(body[i:], -1)
			valued := 0
			for _, c := range cells {
				if c[1] == "—" {
					continue
				}
				valued++
				if !tc.want.MatchString(c[1]) {
					t.Errorf("record value %q does not match %s", c[1], tc.want)
				}
			}
			if valued == 0 {
				t.Errorf("no record carries a value (%d cells)", len(cells))
			}
		})
	}
}
