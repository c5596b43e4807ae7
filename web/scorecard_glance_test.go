package web_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestScorecardCountsServices checks that a tier card counts the tier's
// services (met + at risk + missed + not judged = its rows), not KPI cells,
// and that each tier shows its targets, saying where a column has none.
func TestScorecardCountsServices(t *testing.T) {
	srv := newDemoServer(t)
	_, body, _ := get(t, srv.URL+"/scorecards?period=2026-10")
	card := regexp.MustCompile(`(?s)data-testid="tier-count-(\d)".*?(\d+) services.*?(\d+) met.*?(\d+) at risk.*?(\d+) missed(?:.*?(\d+) not judged)?`)
	cards := card.FindAllStringSubmatch(body, -1)
	if len(cards) != 4 {
		t.Fatalf("tier cards = %d, want 4", len(cards))
	}
	for _, m := range cards {
		n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
		tier := m[1]
		rows := strings.Count(sectionOf(body, `data-testid="tier-`+tier+`"`), `<tr class="" data-testid="row-`)
		if sum := n(3) + n(4) + n(5) + n(6); sum != n(2) || n(2) != rows {
			t.Errorf("tier %s: %d met + %d at risk + %d missed + %d not judged; card says %d services, table has %d rows", tier, n(3), n(4), n(5), n(6), n(2), rows)
		}
		targets := sectionOf(body, `data-testid="targets-`+tier+`"`)
		if !strings.Contains(targets, "no target") || !strings.Contains(targets, "≤ ") {
			t.Errorf("tier %s targets row lacks targets or the no-target mark: %s", tier, targets)
		}
	}
}

// sectionOf returns the HTML from marker to the end of its element's row group.
func sectionOf(body, marker string) string {
	i := strings.Index(body, marker)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest, "</tbody>"); j >= 0 {
		rest = rest[:j]
	}
	if strings.HasPrefix(marker, `data-testid="targets-`) {
		if j := strings.Index(rest, "</tr>"); j >= 0 {
			rest = rest[:j]
		}
	}
	return rest
}
