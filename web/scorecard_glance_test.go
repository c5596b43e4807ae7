package web_test

import (
	"net/http"
	"net/url"
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
		rows := strings.Count(sectionOf(body, `data-testid="tier-`+tier+`"`), `<tr class="" id="row-`)
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

// TestScorecardColumnChooser checks that a user's column choice is saved
// (only through a CSRF-checked POST), shapes the scorecard for that user
// only, and that choosing every column forgets the choice.
func TestScorecardColumnChooser(t *testing.T) {
	srv := newDemoServer(t)
	page := "/scorecards?period=2026-10"
	if code, _, _ := postWith(t, clientFor(srv.URL), srv.URL+"/scorecards/columns", url.Values{"col": {"mttr_minutes"}}, false); code != http.StatusForbidden {
		t.Fatalf("POST without CSRF token = %d, want 403", code)
	}
	code, body, _ := postForm(t, srv.URL+"/scorecards/columns", url.Values{"col": {"mttr_minutes", "change_failure_rate", "bogus"}, "back": {page}})
	if code != http.StatusOK {
		t.Fatalf("save columns = %d", code)
	}
	if !strings.Contains(body, `name="col" value="mttr_minutes" checked`) || strings.Contains(body, `name="col" value="mttd_minutes" checked`) {
		t.Error("the column chooser does not show the saved choice")
	}
	head := body[strings.Index(body, "<thead>"):strings.Index(body, "</thead>")]
	if n := strings.Count(head, "<th "); n != 3 || !strings.Contains(head, "MTTR") || strings.Contains(head, "MTTD") {
		t.Fatalf("after choosing MTTR and CFR the header has %d cells:\n%s", n, head)
	}
	if strings.Contains(body, `data-testid="row-checkout-mttd_minutes"`) || !strings.Contains(body, `data-testid="row-checkout-change_failure_rate"`) {
		t.Error("rows do not follow the chosen columns")
	}
	// Another user in another browser still sees every column.
	other := signIn(t, srvStore(t, srv.URL), srv.URL, "viewer")
	_, body, _ = getWith(t, other.client, srv.URL+page)
	if !strings.Contains(body, `data-testid="row-checkout-mttd_minutes"`) {
		t.Error("one user's choice changed another's scorecard")
	}
	// An off-site return address is not followed.
	c := loginClient(t, srv.URL, other.email, other.password, false)
	_, _, hdr := postWith(t, c, srv.URL+"/scorecards/columns", url.Values{"col": {"mttr_minutes"}, "back": {"//evil.example/"}}, true)
	if loc := hdr.Get("Location"); loc != "/scorecards" {
		t.Errorf("redirect to %q, want /scorecards", loc)
	}
}
