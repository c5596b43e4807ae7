package web_test

import (
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"sreport/analytics"
)

// recordPattern is how an explain page must show one record's own value in
// a record unit (the registry's KPIDef.Record): a toil week's hours, never
// days; an SLO-day's bad events as a plain count, never a percentage.
var recordPattern = map[analytics.Unit]*regexp.Regexp{
	analytics.UnitCount:     regexp.MustCompile(`^\d+$`),
	analytics.UnitRatio:     regexp.MustCompile(`^[\d.]+ %$`),
	analytics.UnitNines:     regexp.MustCompile(`^[\d.]+ %$`),
	analytics.UnitMinutes:   regexp.MustCompile(`^[\d.]+ (min|h|d)$`),
	analytics.UnitHours:     regexp.MustCompile(`^[\d.]+ (h|d)$`),
	analytics.UnitWorkHours: regexp.MustCompile(`^[\d.]+ h$`),
	analytics.UnitRate:      regexp.MustCompile(`^[\d.]+$`),
}

// TestExplainRecordUnits renders every registered KPI's explain page (and
// the scorecard's Sev1+2 column) on the demo company for October 2026,
// organisation-wide and for checkout, and checks that each record's own
// value is shown in the unit of what that record contributes: minutes to
// resolve one incident, hours of one toil week, bad events of one SLO-day,
// one SLO-day's good ÷ total (never above 100 %), hours one action item is
// overdue. KPIs whose records carry a value must show at least one.
func TestExplainRecordUnits(t *testing.T) {
	srv := newDemoServer(t)
	num := regexp.MustCompile(`<td class="num"[^>]*>\s*([^<]*?)\s*</td>`)
	keys := append(analytics.KPINames, "sev1_sev2")
	for _, scope := range []string{"", "&service=checkout"} {
		for _, k := range keys {
			t.Run(k+scope, func(t *testing.T) {
				d, ok := analytics.KPIDefOf(k)
				if k == "sev1_sev2" {
					d, ok = analytics.KPIDefOf(analytics.KPISev1Count)
				}
				if !ok {
					t.Fatalf("no definition of %s", k)
				}
				want, ok := recordPattern[d.Record]
				if !ok {
					t.Fatalf("%s: no pattern for record unit %s", k, d.Record)
				}
				status, body, _ := get(t, srv.URL+"/explain?kpi="+k+"&period=2026-10"+scope)
				if status != 200 {
					t.Fatalf("status %d", status)
				}
				i := strings.Index(body, `data-testid="evidence"`)
				if i < 0 {
					t.Fatal("no evidence table")
				}
				valued := 0
				for _, c := range num.FindAllStringSubmatch(body[i:], -1) {
					v := html.UnescapeString(c[1])
					if v == "—" {
						continue
					}
					valued++
					if !want.MatchString(v) {
						t.Errorf("record value %q is not in %s (%s)", v, d.Record, want)
						continue
					}
					if d.Record.Fraction() {
						if x, err := strconv.ParseFloat(strings.TrimSuffix(v, " %"), 64); err != nil || x > 100 {
							t.Errorf("record value %q: a share of one record above 100 %%", v)
						}
					}
				}
				// Org-wide, October has records of every kind in the demo.
				// Stakeholder surveys are taken per quarter, and the demo's
				// Q4 2026 is not surveyed yet: October has none.
				if scope == "" && d.Record != analytics.UnitCount && valued == 0 && k != analytics.KPIStakeholderScore {
					t.Errorf("no record carries a value")
				}
			})
		}
	}
}
