package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/imports"
	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

// timesServer serves a database holding three resolved incidents of
// October 2026 on one service (reporting timezone UTC unless tz is set):
// A detected 10-05 10:00 resolved 11:00 (60 min), B 10-12 08:00 → 10:00
// (120 min), C 10-20 09:00 → 09:30 (30 min). It returns the incidents'
// ids by external id and a signed-in editor that does not follow redirects.
func timesServer(t *testing.T, tz string) (*httptest.Server, *store.Store, map[string]int64, *http.Client) {
	t.Helper()
	ctx := context.Background()
	st := testutil.NewStore(t)
	if tz != "" {
		if err := st.SetSetting(ctx, store.SettingReportingTZ, tz); err != nil {
			t.Fatal(err)
		}
	}
	at := func(s string) time.Time {
		u, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	inc := func(id, det, res string) analytics.Incident {
		r := at(res)
		return analytics.Incident{ExternalID: id, Service: "api", Title: "incident " + id, Severity: 3,
			Status: analytics.StatusResolved, DetectedAt: at(det), ResolvedAt: &r}
	}
	b := &imports.Batch{Format: "test", Source: "pagerduty", Incidents: []analytics.Incident{
		inc("A", "2026-10-05T10:00:00Z", "2026-10-05T11:00:00Z"),
		inc("B", "2026-10-12T08:00:00Z", "2026-10-12T10:00:00Z"),
		inc("C", "2026-10-20T09:00:00Z", "2026-10-20T09:30:00Z"),
	}}
	if _, err := st.ApplyBatch(ctx, b, store.ApplyOptions{CreateServices: true}); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	rows, err := st.Writer().Query(`SELECT external_id, id FROM incidents`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var ext string
		var id int64
		if err := rows.Scan(&ext, &id); err != nil {
			t.Fatal(err)
		}
		ids[ext] = id
	}
	app := web.New(st, web.Config{Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	s := signIn(t, st, srv.URL, web.RoleEditor)
	return srv, st, ids, loginClient(t, srv.URL, s.email, s.password, false)
}

// mttrOf reads MTTR and its sample from the KPI API.
func mttrOf(t *testing.T, c *http.Client, srvURL, period string) (float64, int) {
	t.Helper()
	status, js, _ := getWith(t, c, srvURL+"/api/v1/kpis?period="+period)
	if status != http.StatusOK {
		t.Fatalf("kpis %s: %d %s", period, status, js)
	}
	var r struct {
		KPIs   analytics.KPIs   `json:"kpis"`
		Counts analytics.Counts `json:"counts"`
	}
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatalf("%v: %s", err, js)
	}
	if r.KPIs.MTTRMinutes == nil {
		return math.NaN(), r.Counts.ResolvedIncidents
	}
	return *r.KPIs.MTTRMinutes, r.Counts.ResolvedIncidents
}

// TestIncidentTimeOverridesCorrectMTTR corrects an incident's resolved
// time and another's detected time from the incident form and checks the
// KPI API against MTTR computed by hand before and after, that moving
// detection into another month moves the incident there, and that each
// save is audited with before and after.
func TestIncidentTimeOverridesCorrectMTTR(t *testing.T) {
	srv, st, ids, c := timesServer(t, "")
	ctx := context.Background()
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-9 }

	if got, n := mttrOf(t, c, srv.URL, "2026-10"); !near(got, 70) || n != 3 {
		t.Fatalf("before: MTTR %v over %d, want (60+120+30)/3 = 70 over 3", got, n)
	}
	save := func(ext string, form url.Values) (int, string) {
		t.Helper()
		page := srv.URL + "/incidents/" + idStr(ids[ext])
		_, body, _ := getWith(t, c, page)
		form.Set("version", formVersion(t, body))
		status, body, _ := postWith(t, c, page, form, true)
		return status, body
	}
	// A was resolved at 10:20, not 11:00: 20 min.
	if status, _ := save("A", url.Values{"resolved_at": {"2026-10-05 10:20"}}); status != http.StatusSeeOther {
		t.Fatalf("save A: %d", status)
	}
	if got, n := mttrOf(t, c, srv.URL, "2026-10"); !near(got, (20.0+120+30)/3) || n != 3 {
		t.Fatalf("after A: MTTR %v over %d, want (20+120+30)/3 over 3", got, n)
	}
	// B was detected on 30 September at 23:00: it leaves October and joins
	// September with 11 days 11 hours = 16,500 min.
	if status, _ := save("B", url.Values{"detected_at": {"2026-09-30 23:00"}}); status != http.StatusSeeOther {
		t.Fatalf("save B: %d", status)
	}
	if got, n := mttrOf(t, c, srv.URL, "2026-10"); !near(got, 25) || n != 2 {
		t.Errorf("after B: October MTTR %v over %d, want (20+30)/2 = 25 over 2", got, n)
	}
	if got, n := mttrOf(t, c, srv.URL, "2026-09"); !near(got, 16500) || n != 1 {
		t.Errorf("after B: September MTTR %v over %d, want 16500 over 1", got, n)
	}
	// The incident list of September finds B by its corrected detection.
	_, body, _ := getWith(t, c, srv.URL+"/incidents?period=2026-09")
	if !strings.Contains(body, "incident B") || strings.Contains(body, "incident A") {
		t.Errorf("September's incident list does not follow the corrected detection")
	}
	// Clearing the field brings the imported value back.
	if status, _ := save("A", url.Values{"resolved_at": {""}}); status != http.StatusSeeOther {
		t.Fatalf("clear A: %d", status)
	}
	if got, _ := mttrOf(t, c, srv.URL, "2026-10"); !near(got, 45) {
		t.Errorf("after clearing A: MTTR %v, want (60+30)/2 = 45", got)
	}

	rows, err := st.AuditEntries(ctx, store.AuditFilter{Entity: "incident_overrides"})
	if err != nil {
		t.Fatal(err)
	}
	var sawResolved, sawDetected bool
	for _, r := range rows {
		sawResolved = sawResolved || (r.EntityID == idStr(ids["A"]) && strings.Contains(r.After, `"resolved_at":"2026-10-05T10:20:00Z"`))
		sawDetected = sawDetected || (r.EntityID == idStr(ids["B"]) && strings.Contains(r.After, `"detected_at":"2026-09-30T23:00:00Z"`))
	}
	if !sawResolved || !sawDetected || len(rows) != 3 {
		t.Errorf("audit rows %d (resolved audited %v, detected audited %v), want 3", len(rows), sawResolved, sawDetected)
	}
}

// TestIncidentTimeChecks refuses corrected times that contradict the
// others, in the future, or typed as the browser's locale format, each
// with an error summary linking to the field, and keeps the input.
func TestIncidentTimeChecks(t *testing.T) {
	srv, st, ids, c := timesServer(t, "")
	page := srv.URL + "/incidents/" + idStr(ids["A"])
	_, body, _ := getWith(t, c, page)
	v := formVersion(t, body)
	for _, tc := range []struct {
		form  url.Values
		field string
		want  string
	}{
		{url.Values{"resolved_at": {"2026-10-05 09:00"}}, "resolved_at", "Resolution cannot come before detection"},
		{url.Values{"detected_at": {"2026-10-05 12:00"}}, "detected_at", "Detection cannot come after resolution"},
		{url.Values{"acknowledged_at": {"2026-10-05 09:59"}}, "acknowledged_at", "Acknowledgement cannot come before detection"},
		{url.Values{"resolved_at": {"2027-01-01 00:00"}}, "resolved_at", "Resolution cannot be in the future"},
		{url.Values{"detected_at": {"1999-10-05 10:00"}}, "detected_at", "after 2000-01-01"},
		{url.Values{"resolved_at": {"10/05/2026, 11:00 AM"}}, "resolved_at", "as YYYY-MM-DD HH:MM"},
	} {
		tc.form.Set("version", v)
		status, body, _ := postWith(t, c, page, tc.form, true)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) {
			t.Errorf("%v: %d, want 422 with %q", tc.form, status, tc.want)
			continue
		}
		for _, want := range []string{`data-testid="error-summary"`, `href="#inc-` + tc.field + `"`, `id="inc-` + tc.field + `"`,
			`aria-invalid="true"`, `value="` + htmlEscape(tc.form.Get(tc.field)) + `"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%v: page lacks %s", tc.form, want)
			}
		}
	}
	ov, err := st.IncidentOverride(context.Background(), ids["A"])
	if err != nil || !ov.IsZero() {
		t.Errorf("refused saves stored an override: %+v %v", ov, err)
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// TestIncidentTimesDST types times in Europe/Berlin around the 2026
// autumn change: a wall time that happens twice is refused with both
// offsets named, the offset picks one, and a time in the spring gap of
// 2027 is refused too (here as a postmortem due date, which may lie ahead).
func TestIncidentTimesDST(t *testing.T) {
	srv, st, ids, c := timesServer(t, "Europe/Berlin")
	page := srv.URL + "/incidents/" + idStr(ids["A"])
	_, body, _ := getWith(t, c, page)
	if !strings.Contains(body, "Europe/Berlin (CET, UTC+01:00)") {
		t.Error("the form does not name the zone and its offset")
	}
	v := formVersion(t, body)
	post := func(form url.Values) (int, string) {
		form.Set("version", v)
		status, body, _ := postWith(t, c, page, form, true)
		return status, body
	}
	status, body := post(url.Values{"postmortem_due_at": {"2027-03-28 02:30"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "2027-03-28 02:30 does not exist in Europe/Berlin") {
		t.Errorf("spring-forward gap: %d", status)
	}
	// Incident A lies in October; move its resolution to the overlap of
	// 25 October 02:00–03:00 (detected 10-05, so any such time is valid).
	status, body = post(url.Values{"resolved_at": {"2026-10-25 02:30"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "happens twice in Europe/Berlin") ||
		!strings.Contains(body, "2026-10-25 02:30 +02:00 for the first") {
		t.Fatalf("fall-back overlap: %d", status)
	}
	if status, _ = post(url.Values{"resolved_at": {"2026-10-25 02:30 +01:00"}}); status != http.StatusSeeOther {
		t.Fatalf("overlap with offset: %d", status)
	}
	ov, err := st.IncidentOverride(context.Background(), ids["A"])
	want := time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)
	if err != nil || ov.ResolvedAt == nil || !ov.ResolvedAt.Equal(want) {
		t.Fatalf("stored %v, want %v (the second 02:30, CET)", ov.ResolvedAt, want)
	}
	// The form shows it back with its offset, so saving again keeps it.
	_, body, _ = getWith(t, c, page)
	if !strings.Contains(body, `value="2026-10-25 02:30 +01:00"`) {
		t.Error("the form does not show the ambiguous time with its offset")
	}
}

// TestIncidentSaveNeedsEditorAndToken: the incident form's POST is refused
// to a viewer and without the CSRF token.
func TestIncidentSaveNeedsEditorAndToken(t *testing.T) {
	srv, st, ids, editor := timesServer(t, "")
	page := srv.URL + "/incidents/" + idStr(ids["A"])
	form := url.Values{"version": {"0"}, "resolved_at": {"2026-10-05 10:20"}}
	if status, _, _ := postWith(t, editor, page, form, false); status != http.StatusForbidden {
		t.Errorf("without CSRF token: %d, want 403", status)
	}
	vs := signIn(t, st, srv.URL, web.RoleViewer)
	viewer := loginClient(t, srv.URL, vs.email, vs.password, false)
	if status, _, _ := postWith(t, viewer, page, form, true); status != http.StatusForbidden {
		t.Errorf("viewer: %d, want 403", status)
	}
	if ov, _ := st.IncidentOverride(context.Background(), ids["A"]); !ov.IsZero() {
		t.Errorf("a refused save stored %+v", ov)
	}
}
