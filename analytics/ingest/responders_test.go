package ingest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"testing"

	"sreport/analytics"
)

// The responders tests read each real sample's people as the vendor
// documents them and compare them, field by field, with the responders
// the importer made of them (testdata/real/SOURCES.md names each file).

func wantResponders(t *testing.T, what string, got, want []analytics.Responder) {
	t.Helper()
	if want = analytics.NormalizeResponders(want); !reflect.DeepEqual(got, want) {
		t.Errorf("%s responders\n got %+v\nwant %+v", what, got, want)
	}
}

// src walks a decoded sample: src(m, "report", "closedBy").
func src(v any, path ...any) any {
	for _, k := range path {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func srcStr(v any, path ...any) string {
	s, _ := src(v, path...).(string)
	return s
}

// PagerDuty's documented log entries of incident P31FVLZ: Tim Wright is
// notified by phone (the entry embeds his User, e-mail tim@acme.com) and
// by SMS, Bob Smith by e-mail only (not a page); Tim acknowledges by phone
// (an agent without a type, a /users/ URL) and resolves.
func TestRespondersPagerDutyLogEntries(t *testing.T) {
	const f = "pagerduty/docs_log_entries_notifications.json"
	m := sourceJSON(t, f)
	entries, _ := m["log_entries"].([]any)
	var email, acker, resolver, ackAt string
	for _, e := range entries {
		switch srcStr(e, "type") {
		case "notify_log_entry":
			if v := srcStr(e, "user", "email"); v != "" {
				email = v
			}
		case "acknowledge_log_entry":
			acker, ackAt = srcStr(e, "agent", "summary"), srcStr(e, "created_at")
		case "resolve_log_entry":
			resolver = srcStr(e, "agent", "summary")
		}
	}
	if email != "tim@acme.com" || acker != "Tim Wright" || resolver != "Tim Wright" {
		t.Fatalf("sample: %q %q %q", email, acker, resolver)
	}
	b := parseReal(t, f, Options{})
	if len(b.Pages) != 2 {
		t.Fatalf("pages %+v", b.Pages)
	}
	byID := map[string]any{}
	for _, e := range entries {
		byID[srcStr(e, "id")] = e
	}
	for _, pg := range b.Pages {
		id := pg.ExternalID
		e := byID[id]
		if srcStr(e, "type") != "notify_log_entry" {
			t.Fatalf("page %s is a %s", id, srcStr(e, "type"))
		}
		who := analytics.Responder{Name: srcStr(e, "user", "summary") + srcStr(e, "user", "name"), Email: email}
		notified, acked, resolved := who, who, who
		notified.Role, acked.Role, resolved.Role = analytics.RoleNotified, analytics.RoleAcknowledged, analytics.RoleResolved
		want := []analytics.Responder{notified, resolved}
		if srcStr(e, "created_at") <= ackAt {
			want = append(want, acked)
		}
		wantResponders(t, "page "+id, pg.Responders, want)
		if pg.Responder != who.Name {
			t.Errorf("page %s responder %q", id, pg.Responder)
		}
		if r, ok := pg.Interrupted(); !ok || r != notified {
			t.Errorf("page %s interrupted %+v", id, r)
		}
	}
}

// PagerDuty's documented GET /incidents/{id}: one assignee, one
// acknowledger; no log entries, so the stand-in page carries the same
// people and counts as the acknowledger's interruption.
func TestRespondersPagerDutyIncident(t *testing.T) {
	const f = "pagerduty/openapi_get_incident.json"
	inc := sourceJSON(t, f)["incident"]
	want := []analytics.Responder{
		{Role: analytics.RoleAssigned, Name: srcStr(inc, "assignments", 0, "assignee", "summary")},
		{Role: analytics.RoleAcknowledged, Name: srcStr(inc, "acknowledgements", 0, "acknowledger", "summary")},
	}
	b := parseReal(t, f, Options{})
	got := findIncident(t, b, srcStr(inc, "id"))
	wantResponders(t, "incident", got.Responders, want)
	if len(b.Pages) != 1 {
		t.Fatalf("pages %+v", b.Pages)
	}
	wantResponders(t, "stand-in page", b.Pages[0].Responders, want)
	if r, ok := b.Pages[0].Interrupted(); !ok || r.Role != analytics.RoleAcknowledged || r.Name != "Earline Greenholt" {
		t.Errorf("interrupted %+v", r)
	}

	// DevLake's recorded incident: two assignees; acknowledged in the log
	// entries only (its acknowledgements array is empty); the last status
	// change is a service's, so nobody resolved it.
	const d = "pagerduty/devlake_incident_single.json"
	inc = sourceJSON(t, d)["incident"]
	want = nil
	for i := range 2 {
		want = append(want, analytics.Responder{Role: analytics.RoleAssigned, Name: srcStr(inc, "assignments", i, "assignee", "summary")})
	}
	for _, e := range src(inc, "log_entries").([]any) {
		if srcStr(e, "type") == "acknowledge_log_entry" {
			want = append(want, analytics.Responder{Role: analytics.RoleAcknowledged, Name: srcStr(e, "agent", "summary")})
		}
	}
	b = parseReal(t, d, Options{})
	wantResponders(t, "DevLake incident", findIncident(t, b, srcStr(inc, "id")).Responders, want)
}

// PagerDuty Analytics (POST /analytics/raw/incidents, the same fields as
// the Insights CSV): assigned_user_names, acknowledged_user_names,
// resolved_by_user_name.
func TestRespondersPagerDutyAnalytics(t *testing.T) {
	const f = "pagerduty/openapi_analytics_raw_incidents.json"
	rows, _ := sourceJSON(t, f)["data"].([]any)
	b := parseReal(t, f, Options{})
	if len(rows) != 2 || len(b.Incidents) != 2 {
		t.Fatalf("rows %d, incidents %d", len(rows), len(b.Incidents))
	}
	for _, row := range rows {
		var want []analytics.Responder
		for _, c := range []struct{ col, role string }{{"assigned_user_names", analytics.RoleAssigned}, {"acknowledged_user_names", analytics.RoleAcknowledged}} {
			for _, n := range src(row, c.col).([]any) {
				want = append(want, analytics.Responder{Role: c.role, Name: n.(string)})
			}
		}
		want = append(want, analytics.Responder{Role: analytics.RoleResolved, Name: srcStr(row, "resolved_by_user_name")})
		wantResponders(t, srcStr(row, "id"), findIncident(t, b, srcStr(row, "id")).Responders, want)
	}
	// The Insights CSV export: one name per cell.
	c := parseBytes(t, "pd.csv", readFixture(t, "pagerduty_insights_incidents.csv"), Options{})
	wantResponders(t, "Q804005AB3C9E", findIncident(t, c, "Q804005AB3C9E").Responders, []analytics.Responder{
		{Role: analytics.RoleAcknowledged, Name: "Beth Anglin"}, {Role: analytics.RoleResolved, Name: "Bud Richman"}})
	if got := pdNames(`["Jane Doe", "John Smith"]`); !reflect.DeepEqual(got, []string{"Jane Doe", "John Smith"}) {
		t.Errorf("JSON list %q", got)
	}
	if got := pdNames("Jane Doe; John Smith"); !reflect.DeepEqual(got, []string{"Jane Doe", "John Smith"}) {
		t.Errorf("CSV list %q", got)
	}
}

// Opsgenie's documented List alerts response, first alert: owner
// morpheus, routed to a team, a user (by id), an escalation and a
// schedule; acknowledged by agent_smith, closed by neo. Usernames are
// e-mails and are kept as e-mails.
func TestRespondersOpsgenie(t *testing.T) {
	const f = "opsgenie/docs_list_alerts.json"
	raw, _ := json.Marshal(src(sourceJSON(t, f), "data", 0))
	var o ogItem
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatal(err)
	}
	alert := src(sourceJSON(t, f), "data", 0)
	want := []analytics.Responder{
		{Role: analytics.RoleAssigned, Email: srcStr(alert, "owner")},
		{Role: analytics.RoleAcknowledged, Email: srcStr(alert, "report", "acknowledgedBy")},
		{Role: analytics.RoleResolved, Email: srcStr(alert, "report", "closedBy")},
	}
	for _, r := range src(alert, "responders").([]any) {
		if srcStr(r, "type") == "user" {
			want = append(want, analytics.Responder{Role: analytics.RoleAssigned, Name: srcStr(r, "id")})
		}
	}
	if len(want) != 4 {
		t.Fatalf("sample has %d people", len(want))
	}
	wantResponders(t, "alert", ogResponders(o), want)

	// The alerts CSV: Owner, report.acknowledgedBy, report.closedBy;
	// "System" closing an alert is nobody.
	b := parseReal(t, "opsgenie/alerts_schema.csv", Options{})
	alice := "alice@example.com"
	wantResponders(t, "CSV alert 1791", findPage(t, b, "70413a06-38d6-4c85-92b8-5ebc900d42e2-1741952652345").Responders, []analytics.Responder{
		{Role: analytics.RoleAssigned, Email: alice}, {Role: analytics.RoleAcknowledged, Email: alice}, {Role: analytics.RoleResolved, Email: alice}})
	if pg := findPage(t, b, "4c1f3b2a-9d8e-4f7a-b6c5-d4e3f2a1b0c9-1741960000000"); len(pg.Responders) != 0 || !pg.AutoResolved {
		t.Errorf("system close: %+v", pg)
	}

	// DevLake's recorded incidents: a team and a user responder.
	for _, inc := range sourceJSON(t, "opsgenie/devlake_incidents.json")["data"].([]any) {
		b := parseReal(t, "opsgenie/devlake_incidents.json", Options{})
		wantResponders(t, srcStr(inc, "id"), findIncident(t, b, srcStr(inc, "id")).Responders,
			[]analytics.Responder{{Role: analytics.RoleAssigned, Name: srcStr(inc, "responders", 1, "id")}})
	}
}

// incident.io's own tap and API reference: incident_role_assignments, each
// an assignee (name, e-mail) in a role (name).
func TestRespondersIncidentIO(t *testing.T) {
	for _, f := range []string{"incidentio/singer_tap_incidents.json", "incidentio/api_list_example.json"} {
		var incs []any
		switch v := sourceJSON2(t, f).(type) {
		case []any:
			incs = v
		case map[string]any:
			incs, _ = v["incidents"].([]any)
		}
		b := parseReal(t, f, Options{DefaultService: "svc"})
		if len(incs) == 0 {
			t.Fatalf("%s: no incidents", f)
		}
		for _, inc := range incs {
			var want []analytics.Responder
			for _, a := range src(inc, "incident_role_assignments").([]any) {
				want = append(want, analytics.Responder{Role: analytics.RoleIncident, Label: srcStr(a, "role", "name"),
					Name: srcStr(a, "assignee", "name"), Email: srcStr(a, "assignee", "email")})
			}
			if len(want) == 0 {
				t.Fatalf("%s: no role assignments in the sample", f)
			}
			wantResponders(t, f, findIncident(t, b, srcStr(inc, "id")).Responders, want)
		}
	}
}

// Grafana OnCall's documented alert group: resolved_by a user id, no
// acknowledgement; FireHydrant's role assignments (schema-built sample):
// a Commander, a handed-over Communications Lead, an unfilled Scribe.
func TestRespondersGrafanaOnCallAndFireHydrant(t *testing.T) {
	const g = "grafana_oncall/alert_groups_list.json"
	group := src(sourceJSON(t, g), "results", 0)
	b := parseReal(t, g, Options{DefaultService: "svc"})
	wantResponders(t, "alert group", findPage(t, b, srcStr(group, "id")).Responders,
		[]analytics.Responder{{Role: analytics.RoleResolved, Name: srcStr(group, "resolved_by")}})

	const f = "firehydrant/role_assignments_schema.json"
	inc := src(sourceJSON(t, f), "data", 0)
	var want []analytics.Responder
	for _, a := range src(inc, "role_assignments").([]any) {
		if src(a, "user") == nil {
			continue
		}
		want = append(want, analytics.Responder{Role: analytics.RoleIncident, Label: srcStr(a, "incident_role", "name"),
			Name: srcStr(a, "user", "name"), Email: srcStr(a, "user", "email")})
	}
	if len(want) != 2 {
		t.Fatalf("sample: %+v", want)
	}
	b = parseReal(t, f, Options{})
	wantResponders(t, "FireHydrant", findIncident(t, b, srcStr(inc, "id")).Responders, want)
}

func sourceJSON2(t *testing.T, name string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(readVendor(t, name), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// ServiceNow incident exports (real users' list exports): assigned_to
// ("Assigned to") is whom the incident is assigned to; "null" and empty
// cells name nobody.
func TestRespondersServiceNow(t *testing.T) {
	for f, layout := range map[string]string{"servicenow/snow-assignment-group-predict_incident.csv": "",
		"servicenow/gtim-etl-inc_incident_original.csv": "mm-dd-yyyy", "servicenow/TicketDashBoard_incident.csv": "mm/dd/yyyy"} {
		rows, header := readRealCSV(t, f)
		num, who := -1, -1
		for i, h := range header {
			switch normHeader(h) {
			case "number":
				num = i
			case "assigned_to":
				who = i
			}
		}
		b := parseReal(t, f, Options{DefaultService: "svc", DateLayout: layout})
		if len(b.Incidents) != len(rows) {
			t.Fatalf("%s: %d incidents of %d rows", f, len(b.Incidents), len(rows))
		}
		byNum := map[string][]string{}
		for _, r := range rows {
			byNum[r[num]] = r
		}
		checked, named := 0, 0
		for _, in := range b.Incidents {
			r := byNum[in.ExternalID]
			var want []analytics.Responder
			if v := r[who]; v != "" && v != "null" {
				want = []analytics.Responder{{Role: analytics.RoleAssigned, Name: v}}
				named++
			}
			wantResponders(t, f+" "+in.ExternalID, in.Responders, want)
			checked++
		}
		if checked == 0 || named == 0 {
			t.Errorf("%s: %d rows checked, %d with an assignee", f, checked, named)
		}
	}
}

// readRealCSV reads a real sample's rows (without the header) and header.
func readRealCSV(t *testing.T, name string) (rows [][]string, header []string) {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(readReal(t, name), []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	all, err := r.ReadAll()
	if err != nil || len(all) < 2 {
		t.Fatalf("%s: %d rows, %v", name, len(all), err)
	}
	return all[1:], all[0]
}
