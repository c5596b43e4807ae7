package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"sreport/analytics/ingest"
	"sreport/analytics/store"
)

// TestImportSLODefinitionsPreview uploads the Sloth getting-started
// example: the preview lists the SLO that would be created, the confirm
// creates it, and the same file again previews as unchanged.
func TestImportSLODefinitionsPreview(t *testing.T) {
	srv, st, c := newImportServer(t)
	raw, err := os.ReadFile("../testdata/real/sloth/getting-started.yml")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"getting-started.yml": raw}
	res, body := uploadFiles(t, c, srv.URL, map[string]string{"format": "auto", "create_services": "1", "tier": "1"}, files)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d %.500s", res.StatusCode, body)
	}
	for _, w := range []string{testID("detected-format", "sloth"), `data-testid="slo-changes"`, "requests-availability",
		testID("slo-action", "would be created"), "objective 99.9%", "window 30-day rolling"} {
		if !strings.Contains(body, w) {
			t.Errorf("preview lacks %s", w)
		}
	}
	if n := testCount(t, st, `SELECT COUNT(*) FROM slos`); n != 0 {
		t.Fatalf("the preview wrote %d SLOs", n)
	}
	res, body = postPage(t, c, res.Request.URL.String()+"/confirm", body, url.Values{"action": {"confirm"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, testID("slo-action", "created")) {
		t.Fatalf("confirm: %d %.800s", res.StatusCode, body)
	}
	if n := testCount(t, st, `SELECT COUNT(*) FROM slos WHERE objective = 0.999 AND window_days = 30 AND query_type = 'prometheus'`); n != 1 {
		t.Fatalf("%d SLOs stored as defined", n)
	}
	_, body = uploadFiles(t, c, srv.URL, map[string]string{"format": "auto"}, files)
	if !strings.Contains(body, testID("slo-action", "unchanged")) || !strings.Contains(body, testID("unchanged", "1")) {
		t.Errorf("re-upload is not unchanged: %s", body[strings.Index(body, "<main>"):])
	}
}

// TestSLOReportPages: an imported Sloth SLO with SLI days shows on /slos
// and its report has the calendar months and quarters with burn rate and
// budget left computed from the stored days.
func TestSLOReportPages(t *testing.T) {
	srv, st, c := newImportServer(t)
	ctx := t.Context()
	def := "version: prometheus/v1\nservice: api\nslos:\n  - name: avail\n    objective: 99.5\n"
	var csv strings.Builder
	csv.WriteString("service,slo,day,good,total\n")
	// Every day up to today has 1000 events and 2 bad ones; so every
	// period's burn rate is 2 ÷ 5 = 0.40 and its budget left 60 %.
	today := time.Now().UTC()
	for d := today.AddDate(-1, 0, 0); !d.After(today); d = d.AddDate(0, 0, 1) {
		fmt.Fprintf(&csv, "api,avail,%s,998,1000\n", d.Format(time.DateOnly))
	}
	for name, text := range map[string]string{"slo.yml": def, "sli.csv": csv.String()} {
		b, err := ingest.Parse(strings.NewReader(text), name, ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.ApplyBatch(ctx, b, store.ApplyOptions{CreateServices: true, Audit: store.Audit{Actor: "test"}}); err != nil {
			t.Fatal(err)
		}
	}
	status, list, _ := getWith(t, c, srv.URL+"/slos")
	if status != http.StatusOK || !strings.Contains(list, `data-testid="slo-avail"`) || !strings.Contains(list, "30-day rolling") {
		t.Fatalf("/slos: %d %s", status, list)
	}
	slos, err := st.SLOList(ctx)
	if err != nil || len(slos) != 1 {
		t.Fatal(slos, err)
	}
	status, page, _ := getWith(t, c, srv.URL+"/slos/"+strconv.FormatInt(slos[0].ID, 10))
	if status != http.StatusOK {
		t.Fatalf("SLO page: %d %s", status, page)
	}
	month := today.Format("2006-01")
	for _, w := range []string{`data-testid="slo-objective">99.5 %`, `data-testid="slo-months"`, `data-testid="slo-quarters"`,
		`data-testid="slo-rolling"`, testID("period", month+" (so far)"), testID("sli", "99.8 %"), testID("burn", "0.40×"),
		testID("budget", "60 %"), testID("met", "met")} {
		if !strings.Contains(page, w) {
			t.Errorf("SLO page lacks %s", w)
		}
	}
	if n := strings.Count(page, `data-testid="burn"`); n != 1+12+4 {
		t.Errorf("%d burn-rate cells, want 17 (rolling, 12 months, 4 quarters)", n)
	}
	if status, _, _ := getWith(t, c, srv.URL+"/slos/999999"); status != http.StatusNotFound {
		t.Errorf("unknown SLO: %d", status)
	}
}
