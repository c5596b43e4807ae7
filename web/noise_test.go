package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"sreport/analytics"
	"sreport/analytics/kpifmt"
	"sreport/analytics/scorecard"
	"sreport/web"
)

// tileValue is the value text of the tile with data-testid id.
func tileValue(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`data-testid="` + id + `"[^>]*>\s*<div class="label">[^<]*</div>\s*<div class="value"><span[^>]*>[^<]*</span>\s*([^<]+)</div>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no tile %s", id)
	}
	return strings.TrimSpace(html.UnescapeString(m[1]))
}

// listedPages follows a pages-list URL through every page of its pager and
// returns how many rows it lists.
func listedPages(t *testing.T, base, path string) int {
	t.Helper()
	n := 0
	for range 100 {
		code, body, _ := get(t, base+path)
		if code != http.StatusOK {
			t.Fatalf("GET %s = %d", path, code)
		}
		i := strings.Index(body, `data-testid="pages"`)
		tbody := body[i:]
		tbody = tbody[strings.Index(tbody, "<tbody>"):strings.Index(tbody, "</tbody>")]
		n += strings.Count(tbody, "<tr>")
		next := regexp.MustCompile(`href="([^"]+)" rel="next" data-testid="next-page"`).FindStringSubmatch(body)
		if next == nil {
			return n
		}
		path = html.UnescapeString(next[1])
	}
	t.Fatalf("%s: no last page", path)
	return 0
}

// TestNoisePage checks the alert noise analysis of the demo company against
// the KPI API and its drill-down links against the pages list they open:
// every count on the page is the number of pages its link lists.
func TestNoisePage(t *testing.T) {
	srv := newDemoServer(t)
	for _, scope := range []string{"", "&team=payments", "&tier=0"} {
		t.Run("scope"+scope, func(t *testing.T) {
			code, body, _ := get(t, srv.URL+"/noise?period=2026-10"+scope)
			if code != http.StatusOK {
				t.Fatalf("GET /noise = %d", code)
			}
			_, js, _ := get(t, srv.URL+"/api/v1/kpis?period=2026-10"+scope)
			var k scorecard.KPIResponse
			if err := json.Unmarshal([]byte(js), &k); err != nil {
				t.Fatal(err)
			}
			if k.Counts.Pages == 0 {
				t.Fatal("the demo scope has no pages")
			}
			// The totals are the alert_noise_ratio KPI's, its complement the share.
			if got := tileValue(t, body, "noise-pages"); got != strconv.Itoa(k.Counts.Pages) {
				t.Errorf("pages %s, KPI counts %d", got, k.Counts.Pages)
			}
			if got := tileValue(t, body, "noise-noise"); got != strconv.Itoa(k.Counts.NoisePages) {
				t.Errorf("noise %s, KPI counts %d", got, k.Counts.NoisePages)
			}
			want := kpifmt.ForUnit(analytics.UnitRatio).Value(float64(k.Counts.Pages-k.Counts.NoisePages) / float64(k.Counts.Pages))
			if got := tileValue(t, body, "noise-actionable"); got != want || k.KPIs.AlertNoiseRatio == nil {
				t.Errorf("actionable share %s, want %s (1 − alert noise %v)", got, want, k.KPIs.AlertNoiseRatio)
			}
			// The heat map's cells add up to the pages.
			sum := 0
			heat := body[strings.Index(body, `data-testid="heatmap"`):]
			heat = heat[:strings.Index(heat, "</table>")]
			for _, m := range regexp.MustCompile(`aria-label="[^"]*">(\d+)</a>`).FindAllStringSubmatch(heat, -1) {
				n, _ := strconv.Atoi(m[1])
				sum += n
			}
			if sum != k.Counts.Pages {
				t.Errorf("heat map cells add up to %d, pages %d", sum, k.Counts.Pages)
			}
			if n := strings.Count(heat, "<tr>"); n != 8 { // head + Mon..Sun
				t.Errorf("heat map rows %d", n)
			}
		})
	}

	// Drill-down: the top alert's pages and noise, a service's noise and a
	// heat cell each list exactly their count.
	_, body, _ := get(t, srv.URL+"/noise?period=2026-10")
	row := regexp.MustCompile(`(?s)data-testid="noise-alerts".*?<tbody>\s*<tr>(.*?)</tr>`).FindStringSubmatch(body)
	if row == nil {
		t.Fatal("no alert rows")
	}
	links := regexp.MustCompile(`<a href="([^"]+)">(\d+)</a>`).FindAllStringSubmatch(row[1], -1)
	if len(links) != 2 {
		t.Fatalf("top alert row: %d count links", len(links))
	}
	for _, l := range links {
		href, n := html.UnescapeString(l[1]), l[2]
		if !strings.Contains(href, "alert=") || !strings.Contains(href, "period=2026-10") {
			t.Errorf("drill-down %s lacks the alert or the period", href)
		}
		if got := listedPages(t, srv.URL, href); strconv.Itoa(got) != n {
			t.Errorf("%s lists %d pages, the noise page says %s", href, got, n)
		}
	}
	svc := regexp.MustCompile(`(?s)data-testid="noise-services".*?<tbody>\s*<tr>(.*?)</tr>`).FindStringSubmatch(body)
	noiseLink := regexp.MustCompile(`<a href="([^"]+)">(\d+)</a>`).FindAllStringSubmatch(svc[1], -1)[1]
	if got := listedPages(t, srv.URL, html.UnescapeString(noiseLink[1])); strconv.Itoa(got) != noiseLink[2] {
		t.Errorf("service noise drill-down lists %d, the page says %s", got, noiseLink[2])
	}
	cell := regexp.MustCompile(`<a href="([^"]+)" aria-label="([^"]+)">(\d+)</a>`).FindStringSubmatch(body)
	if got := listedPages(t, srv.URL, html.UnescapeString(cell[1])); strconv.Itoa(got) != cell[3] {
		t.Errorf("heat cell %s lists %d, the page says %s", cell[2], got, cell[3])
	}
	// The drill-down list says what it holds, and its filter form keeps it.
	_, list, _ := get(t, srv.URL+html.UnescapeString(cell[1]))
	if !strings.Contains(list, "From the alert noise analysis") || !strings.Contains(list, `name="weekday"`) {
		t.Error("drill-down list lacks its summary or hidden filters")
	}

	for _, bad := range []string{"/pages?weekday=someday", "/pages?hour=24", "/pages?noise=maybe", "/noise?tier=9", "/noise?team=nosuchteam"} {
		if code, _, _ := get(t, srv.URL+bad); code != http.StatusBadRequest && code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 400 or 404", bad, code)
		}
	}
}

// TestNoiseEmpty: without pages the page says so and offers the import,
// with no zero tiles or empty heat map.
func TestNoiseEmpty(t *testing.T) {
	srv, _ := newEmptyServer(t, web.RoleEditor)
	code, body, _ := get(t, srv.URL+"/noise")
	if code != http.StatusOK || !strings.Contains(body, `data-testid="no-data"`) || !strings.Contains(body, `data-testid="no-data-import"`) {
		t.Fatalf("GET /noise on an empty database = %d:\n%s", code, body)
	}
	if strings.Contains(body, `data-testid="heatmap"`) || strings.Contains(body, `data-testid="tiles"`) {
		t.Error("empty noise page draws tiles or a heat map")
	}
	if !strings.Contains(body, `href="/noise"`) {
		t.Error("navigation lacks the noise page")
	}
}
