package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sreport/analytics"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

// TestOverdueActionItemsOnScorecard checks action_items_overdue where
// leadership reads it: a scorecard column, the API cell with its tier
// target and status, the explain page and the report. The expected counts
// come from the database directly (items due before Nov 1 2026 and not
// closed by then), a second reading of the rule in SQL.
func TestOverdueActionItemsOnScorecard(t *testing.T) {
	st := testutil.DemoStore(t)
	app := web.New(st, web.Config{Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	s := signIn(t, st, srv.URL, web.RoleViewer)
	c := loginClient(t, srv.URL, s.email, s.password, true)

	var want int
	if err := st.Writer().QueryRowContext(context.Background(), `SELECT count(*) FROM action_items a JOIN services s ON s.id = a.service_id
		WHERE s.name = 'checkout' AND a.due_at < '2026-11-01T00:00:00Z' AND (a.closed_at IS NULL OR a.closed_at > '2026-11-01T00:00:00Z')`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if want == 0 {
		t.Fatal("the demo's checkout has no overdue action item: the test would prove nothing")
	}
	_, js, _ := getWith(t, c, srv.URL+"/api/v1/scorecard?period=2026-10")
	var card struct {
		Services []struct {
			Name string `json:"name"`
			KPIs map[string]struct {
				Value  *float64 `json:"value"`
				Target *float64 `json:"target"`
				Status string   `json:"status"`
			} `json:"kpis"`
		} `json:"services"`
	}
	if err := json.Unmarshal([]byte(js), &card); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range card.Services {
		if r.Name != "checkout" {
			continue
		}
		found = true
		cell := r.KPIs[analytics.KPIActionItemsOverdue]
		if cell.Value == nil || int(*cell.Value) != want || cell.Target == nil || *cell.Target != 0 || cell.Status != analytics.StatusMissed {
			t.Errorf("checkout overdue cell %+v, want %d against target 0, missed", cell, want)
		}
	}
	if !found {
		t.Fatal("no checkout row")
	}
	_, page, _ := getWith(t, c, srv.URL+"/scorecards?period=2026-10")
	if !strings.Contains(page, "Overdue items") {
		t.Error("the scorecard has no overdue column")
	}
	_, ex, _ := getWith(t, c, srv.URL+"/explain?kpi=action_items_overdue&period=2026-10&service=checkout")
	table := ex[strings.Index(ex, `data-testid="evidence"`):]
	table = table[:strings.Index(table, "</table>")]
	if rows := strings.Count(table, "<tr") - 1; rows != want { // less the header row
		t.Errorf("explain page lists %d overdue items, want %d", rows, want)
	}
	_, rep, _ := getWith(t, c, srv.URL+"/reports/2026-10")
	if !strings.Contains(rep, "Overdue action items") || !strings.Contains(rep, "open past their due date at the end of the period") {
		t.Error("the report does not show overdue action items")
	}
}

// TestPostmortemsUnknownNotLate imports a ServiceNow export, which has no
// postmortem fields, and checks that its Sev1/Sev2 incidents make the
// postmortem on-time rate no data with its coverage stated, never 0 %;
// a user's due date then makes one expected and late.
func TestPostmortemsUnknownNotLate(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	data, err := os.ReadFile(filepath.Join("..", "testdata", "fixtures", "servicenow_incidents.csv"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ingest.Parse(strings.NewReader(string(data)), "servicenow_incidents.csv", ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ApplyBatch(ctx, b, store.ApplyOptions{CreateServices: true, FileName: "servicenow_incidents.csv"}); err != nil {
		t.Fatal(err)
	}
	app := web.New(st, web.Config{Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	s := signIn(t, st, srv.URL, web.RoleEditor)
	c := loginClient(t, srv.URL, s.email, s.password, true)

	kpis := func() (rate *float64, counts analytics.Counts) {
		_, js, _ := getWith(t, c, srv.URL+"/api/v1/kpis?period=2026-07")
		var r struct {
			KPIs   analytics.KPIs   `json:"kpis"`
			Counts analytics.Counts `json:"counts"`
		}
		if err := json.Unmarshal([]byte(js), &r); err != nil {
			t.Fatalf("%v: %s", err, js)
		}
		return r.KPIs.PostmortemOnTimeRate, r.Counts
	}
	rate, n := kpis()
	if n.PostmortemsRequired == 0 {
		t.Fatal("the fixture has no Sev1/Sev2 incident resolved in July 2026")
	}
	if rate != nil || n.PostmortemsWithData != 0 || n.PostmortemsDue != 0 {
		t.Errorf("rate %v, with data %d of %d, due %d: missing data read as late", rate, n.PostmortemsWithData, n.PostmortemsRequired, n.PostmortemsDue)
	}
	_, ex, _ := getWith(t, c, srv.URL+"/explain?kpi=postmortem_on_time_rate&period=2026-07")
	want := "postmortem data on 0 of " + strconv.Itoa(n.PostmortemsRequired) + " Sev1/Sev2 incidents"
	if !strings.Contains(ex, want) {
		t.Errorf("explain page does not say %q", want)
	}

	// An editor sets a due date, long past, on one of them: now it is expected, and late.
	var id int64
	if err := st.Writer().QueryRowContext(ctx, `SELECT id FROM incidents WHERE severity IN (1, 2) AND resolved_at >= '2026-07-01'
		AND resolved_at < '2026-08-01' ORDER BY id LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Writer().ExecContext(ctx, `INSERT INTO incident_overrides (incident_id, postmortem_due_at, updated_at)
		VALUES (?, '2026-07-31T00:00:00Z', '2026-08-01T00:00:00Z')`, id); err != nil {
		t.Fatal(err)
	}
	rate, n = kpis()
	if rate == nil || *rate != 0 || n.PostmortemsDue != 1 || n.PostmortemsWithData != 1 {
		t.Errorf("after a due date: rate %v, due %d, with data %d; want 0 of 1", rate, n.PostmortemsDue, n.PostmortemsWithData)
	}
	_, inc, _ := getWith(t, c, srv.URL+"/incidents/"+strconv.FormatInt(id, 10))
	if !strings.Contains(inc, `data-testid="postmortem-status"`) || !strings.Contains(inc, "missing, late since") {
		t.Error("the incident page does not call the expected postmortem late")
	}
}
