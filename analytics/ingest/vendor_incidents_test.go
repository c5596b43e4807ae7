package ingest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/imports"
)

// Samples under testdata/real are other tools' real exports (see
// testdata/real/SOURCES.md); the tests check the mapped values field by
// field against the sample's own values.

const vendorDir = "../../testdata/real/"

func readVendor(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vendorDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseVendor(t *testing.T, name string, opt Options) *imports.Batch {
	t.Helper()
	return parseBytes(t, filepath.Base(name), readVendor(t, name), opt)
}

// sourceJSON decodes a sample for comparing values with what was mapped.
func sourceJSON(t *testing.T, name string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readVendor(t, name), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// srcTime parses a sample's timestamp as the sample writes it.
func srcTime(t *testing.T, v any) string {
	t.Helper()
	s, _ := v.(string)
	if s == "" {
		return ""
	}
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
		if x, err := time.Parse(l, s); err == nil {
			return x.UTC().Format(time.RFC3339Nano)
		}
	}
	t.Fatalf("sample time %q", s)
	return ""
}

func wantRejects(t *testing.T, b *imports.Batch, lines []int, reason string) {
	t.Helper()
	if len(b.Rejects) != len(lines) {
		t.Fatalf("rejects = %+v, want lines %v", b.Rejects, lines)
	}
	for i, r := range b.Rejects {
		if r.Line != lines[i] || !strings.Contains(r.Reason, reason) {
			t.Errorf("reject %d = line %d %q, want line %d containing %q", i, r.Line, r.Reason, lines[i], reason)
		}
	}
}

func hasWarning(b *imports.Batch, part string) bool {
	for _, w := range b.Warnings {
		if strings.Contains(w, part) {
			return true
		}
	}
	return false
}

func TestIncidentIOAPI(t *testing.T) {
	// Without a service field filled in and no default service: a reject
	// with the line of the incident and what to do.
	b := parseVendor(t, "incidentio/singer_tap_incidents.json", Options{})
	if b.Format != "incidentio-api" || b.Source != "incidentio" {
		t.Fatalf("format %s/%s", b.Format, b.Source)
	}
	wantRejects(t, b, []int{2}, "names no service; set a default service")

	b = parseVendor(t, "incidentio/singer_tap_incidents.json", Options{DefaultService: "sandbox"})
	in := findIncident(t, b, "01HDH3SMWK0C2D8TN41PVW61TA")
	if in.Service != "sandbox" || in.Title != "teal-ostrich" || in.SeverityRaw != "Minor" || in.Severity != analytics.Sev4 ||
		in.Status != analytics.StatusAcknowledged || in.Category != "Default" ||
		in.URL != "https://app.incident.io/incidentiosin-bhw2778/incidents/01HDH3SMWK0C2D8TN41PVW61TA" || in.PostmortemURL != "" {
		t.Errorf("incident = %+v", in)
	}
	// "Reported at" timestamp (the record has no top-level reported_at).
	if !in.DetectedAt.Equal(ts("2023-10-24T15:10:35.411Z")) {
		t.Errorf("detected = %v", in.DetectedAt)
	}
	eqTime(t, "started", in.StartedAt, "")
	eqTime(t, "resolved", in.ResolvedAt, "")

	// The API reference's example list response.
	b = parseVendor(t, "incidentio/api_list_example.json", Options{DefaultService: "db"})
	in = findIncident(t, b, "01FDAG4SAP5TYPT98WGR2N7W91")
	if in.Title != "Our database is sad" || in.SeverityRaw != "Minor" || in.Status != analytics.StatusOpen || // category triage
		in.Category != "Production Outage" || in.URL != "https://app.incident.io/incidents/123" || in.PostmortemURL != "https://docs.google.com/my_doc_id" {
		t.Errorf("incident = %+v", in)
	}
	eqTime(t, "started (Impact started)", in.StartedAt, "2021-08-17T13:28:57.801578Z")
	if !in.DetectedAt.Equal(ts("2021-08-17T13:28:57.801578Z")) {
		t.Errorf("detected = %v", in.DetectedAt)
	}

	// One incident (GET /v2/incidents/{id}) and a catalog "Affected
	// services" field: the same record, the service from the field.
	var list struct {
		Incidents []map[string]any `json:"incidents"`
	}
	json.Unmarshal(readVendor(t, "incidentio/api_list_example.json"), &list)
	one := list.Incidents[0]
	one["custom_field_entries"] = []any{map[string]any{
		"custom_field": map[string]any{"name": "Affected services", "field_type": "multi_select"},
		"values":       []any{map[string]any{"value_catalog_entry": map[string]any{"name": "postgres-main"}}},
	}}
	raw, _ := json.Marshal(map[string]any{"incident": one})
	b = parseBytes(t, "incident.json", raw, Options{})
	if got := findIncident(t, b, "01FDAG4SAP5TYPT98WGR2N7W91"); got.Service != "postgres-main" || got.Title != in.Title {
		t.Errorf("single incident = %+v", got)
	}
}

func TestIncidentIOCSV(t *testing.T) {
	b := parseVendor(t, "incidentio/incidents_schema.csv", Options{})
	if b.Format != "incidentio-csv" {
		t.Fatalf("format %s", b.Format)
	}
	// INC-104 has no service: a reject on its line (5); INC-103 declined.
	wantRejects(t, b, []int{5}, "INC-104 names no service")
	if !hasWarning(b, "1 declined, merged or canceled incidents were skipped (INC-103 declined)") {
		t.Errorf("warnings %q", b.Warnings)
	}
	in := findIncident(t, b, "INC-101")
	if in.Service != "checkout-api" || in.Title != "Checkout API returning 502s" || in.Severity != analytics.Sev1 || in.SeverityRaw != "Critical" ||
		in.Status != analytics.StatusResolved || in.Category != "Production Outage" || in.PostmortemURL != "https://docs.google.com/document/d/abc" {
		t.Errorf("INC-101 = %+v", in)
	}
	eqTime(t, "started", in.StartedAt, "2025-03-17T09:58:00Z")
	eqTime(t, "ack", in.AcknowledgedAt, "2025-03-17T10:06:40Z")
	eqTime(t, "mitigated", in.MitigatedAt, "2025-03-17T10:41:05Z")
	eqTime(t, "resolved", in.ResolvedAt, "2025-03-17T11:15:00Z")
	// Live with a "Fixed at" time: mitigated.
	if in := findIncident(t, b, "INC-102"); in.Status != analytics.StatusMitigated || in.Service != "search" || in.ResolvedAt != nil {
		t.Errorf("INC-102 = %+v", in)
	}
	b = parseVendor(t, "incidentio/incidents_schema.csv", Options{DefaultService: "web"})
	if in := findIncident(t, b, "INC-104"); in.Service != "web" || in.Status != analytics.StatusAcknowledged || in.Severity != analytics.Sev2 {
		t.Errorf("INC-104 = %+v", in)
	}
}

func TestFireHydrant(t *testing.T) {
	b := parseVendor(t, "firehydrant/incidents_schema.json", Options{})
	if b.Format != "firehydrant-api" || b.Source != "firehydrant" {
		t.Fatalf("format %s/%s", b.Format, b.Source)
	}
	wantRejects(t, b, []int{62}, "incident f1e2d3c4-b5a6-4978-8695-a4b3c2d1e001 names no service")
	if !hasWarning(b, "archived incidents (discarded_at set) were skipped (e5d4c3b2") {
		t.Errorf("warnings %q", b.Warnings)
	}
	in := findIncident(t, b, "7d3a1c52-2a0b-4a3e-9d1f-2f6b8c1e4a01")
	if in.Service != "checkout-api" || in.Severity != analytics.Sev1 || in.SeverityRaw != "SEV1" || in.Status != analytics.StatusResolved ||
		!in.CustomerImpacting || in.Category != "Outage" || in.Title != "Checkout API returning 502s" ||
		in.URL != "https://app.firehydrant.io/incidents/7d3a1c52-2a0b-4a3e-9d1f-2f6b8c1e4a01" {
		t.Errorf("incident = %+v", in)
	}
	if !in.DetectedAt.Equal(ts("2025-03-17T10:01:30Z")) { // the detected milestone, not created_at
		t.Errorf("detected = %v", in.DetectedAt)
	}
	eqTime(t, "started", in.StartedAt, "2025-03-17T09:58:00Z")
	eqTime(t, "ack", in.AcknowledgedAt, "2025-03-17T10:06:40Z")
	eqTime(t, "mitigated", in.MitigatedAt, "2025-03-17T10:41:05Z")
	eqTime(t, "resolved", in.ResolvedAt, "2025-03-17T11:15:00Z")
	// Lifecycle phases' milestones and a service impact.
	in = findIncident(t, b, "c2e9a7f4-6b1d-4c3e-8a2f-9d0b1c2e3f41")
	if in.Service != "search" || in.Status != analytics.StatusMitigated || in.Severity != analytics.Sev3 || in.CustomerImpacting {
		t.Errorf("incident = %+v", in)
	}
	eqTime(t, "ack", in.AcknowledgedAt, "2025-03-18T14:25:00Z")
	eqTime(t, "mitigated", in.MitigatedAt, "2025-03-18T15:05:00Z")
	eqTime(t, "resolved", in.ResolvedAt, "")
	// No severity: the priority.
	b = parseVendor(t, "firehydrant/incidents_schema.json", Options{DefaultService: "web"})
	if in := findIncident(t, b, "f1e2d3c4-b5a6-4978-8695-a4b3c2d1e001"); in.Service != "web" || in.SeverityRaw != "P2" || in.Severity != analytics.Sev2 || in.Status != analytics.StatusOpen {
		t.Errorf("incident = %+v", in)
	}
}

func TestRootly(t *testing.T) {
	// Rootly's own CLI test fixture: services as {"data":[…]}, a severity
	// named sev0 without a level (unmapped: a warning says so).
	b := parseVendor(t, "rootly/incidents_cli_fixture.json", Options{})
	if b.Format != "rootly-api" || b.Source != "rootly" || len(b.Rejects) != 0 {
		t.Fatalf("format %s/%s rejects %+v", b.Format, b.Source, b.Rejects)
	}
	in := findIncident(t, b, "inc-1")
	if in.Service != "api-gateway" || in.Title != "DB outage" || in.SeverityRaw != "sev0" || in.Severity != analytics.SevUnknown ||
		in.Status != analytics.StatusOpen || !in.DetectedAt.Equal(ts("2025-06-15T10:00:00Z")) {
		t.Errorf("incident = %+v", in)
	}
	if !hasWarning(b, `severity "sev0" is not mapped`) {
		t.Errorf("warnings %q", b.Warnings)
	}
	b = parseVendor(t, "rootly/incidents_cli_fixture.json", Options{SeverityMap: map[string]int{"SEV0": 1}})
	if in := findIncident(t, b, "inc-1"); in.Severity != analytics.Sev1 {
		t.Errorf("mapped severity = %d", in.Severity)
	}

	// Built from the OpenAPI schema: services as an array of resources,
	// the severity's level wins over its name.
	b = parseVendor(t, "rootly/incidents_schema.json", Options{})
	if len(b.Incidents) != 2 || len(b.Rejects) != 0 {
		t.Fatalf("incidents %d rejects %+v", len(b.Incidents), b.Rejects)
	}
	in = findIncident(t, b, "0b6f4c1e-9a2d-4e7b-8c3f-5d1a2b3c4d01")
	if in.Service != "payments-api" || in.SeverityRaw != "SEV0" || in.Severity != analytics.Sev1 || in.Status != analytics.StatusResolved ||
		in.Category != "Availability" || in.URL != "https://rootly.com/account/incidents/1042-payments-api-timeouts" {
		t.Errorf("incident = %+v", in)
	}
	if !in.DetectedAt.Equal(ts("2025-04-02T08:14:30Z")) {
		t.Errorf("detected = %v", in.DetectedAt)
	}
	eqTime(t, "started", in.StartedAt, "2025-04-02T08:10:00Z")
	eqTime(t, "ack", in.AcknowledgedAt, "2025-04-02T08:16:00Z")
	eqTime(t, "mitigated", in.MitigatedAt, "2025-04-02T08:52:00Z")
	eqTime(t, "resolved", in.ResolvedAt, "2025-04-02T09:30:00Z")
	in = findIncident(t, b, "0b6f4c1e-9a2d-4e7b-8c3f-5d1a2b3c4d02")
	if in.Severity != analytics.Sev3 || in.Status != analytics.StatusMitigated || !in.DetectedAt.Equal(ts("2025-04-05T19:03:00Z")) {
		t.Errorf("incident = %+v", in) // medium level; no detected_at: created_at
	}
	if !hasWarning(b, "1 cancelled incidents were skipped") || !hasWarning(b, "scheduled-maintenance incidents were skipped (0b6f4c1e-9a2d-4e7b-8c3f-5d1a2b3c4d04 test)") {
		t.Errorf("warnings %q", b.Warnings)
	}
}

func TestStatuspage(t *testing.T) {
	name := "statuspage/emma_incidents.json"
	b := parseVendor(t, name, Options{})
	if b.Format != "statuspage-api" || len(b.Incidents) != 22 || len(b.Rejects) != 0 {
		t.Fatalf("format %s incidents %d rejects %+v", b.Format, len(b.Incidents), b.Rejects)
	}
	// Every incident against the sample's own fields.
	src := sourceJSON(t, name)
	sev := map[string]int{"none": 4, "minor": 3, "major": 2, "critical": 1}
	for _, v := range src["incidents"].([]any) {
		s := v.(map[string]any)
		in := findIncident(t, b, s["id"].(string))
		if in.Title != s["name"] || in.URL != s["shortlink"] || in.SeverityRaw != s["impact"] || in.Severity != sev[s["impact"].(string)] ||
			in.Status != analytics.StatusResolved || in.CustomerImpacting != (s["impact"] != "none") {
			t.Errorf("%s = %+v", s["id"], in)
		}
		if got := in.DetectedAt.Format(time.RFC3339Nano); got != srcTime(t, s["created_at"]) {
			t.Errorf("%s detected %s, sample %v", s["id"], got, s["created_at"])
		}
		eqTime(t, "resolved", in.ResolvedAt, srcTime(t, s["resolved_at"]))
		eqTime(t, "mitigated (monitoring_at)", in.MitigatedAt, srcTime(t, s["monitoring_at"]))
	}
	// The first affected component is the service; Statuspage's placeholder
	// "No components were affected…" is not one: the page itself is.
	for id, want := range map[string]string{"x9wt6q4wbbvn": "Web Application - Home", "x0ljvc9m1wxj": "Emma", "3m89ls8svt0r": "Emma", "831gnl8mffp2": "Support Hub"} {
		if in := findIncident(t, b, id); in.Service != want {
			t.Errorf("%s service %q, want %q", id, in.Service, want)
		}
	}
	// A default service replaces the page name, not a component.
	b = parseVendor(t, name, Options{DefaultService: "emma-app"})
	if findIncident(t, b, "x0ljvc9m1wxj").Service != "emma-app" || findIncident(t, b, "x9wt6q4wbbvn").Service != "Web Application - Home" {
		t.Error("default service")
	}
}

func TestGrafanaOnCall(t *testing.T) {
	b := parseVendor(t, "grafana_oncall/alert_groups_list.json", Options{})
	if b.Format != "grafana-oncall-api" || b.Source != "grafana-oncall" || len(b.Pages) != 1 || len(b.Rejects) != 0 {
		t.Fatalf("batch %s %+v", b.Format, b)
	}
	pg := findPage(t, b, "I68T24C13IFW1")
	// No service label: the integration id, with a warning to alias it.
	if pg.Service != "CFRPV98RPR1U8" || pg.Title != "Memory above 90% threshold" || pg.AutoResolved || !pg.TriggeredAt.Equal(ts("2020-05-19T12:37:01.430444Z")) {
		t.Errorf("page = %+v", pg)
	}
	eqTime(t, "ack", pg.AcknowledgedAt, "")
	eqTime(t, "resolved", pg.ResolvedAt, "2020-05-19T13:37:01.429805Z") // resolved_by a user: not auto
	if !hasWarning(b, "integration id as the service") {
		t.Errorf("warnings %q", b.Warnings)
	}
	b = parseVendor(t, "grafana_oncall/escalation_alert_group.json", Options{})
	pg = findPage(t, b, "IZHCC4GTNPZ93")
	if pg.Service != "CC3GZYZNIIEH5" || pg.Title != "We're seeing a network outage in the datacenter" || pg.ResolvedAt != nil || pg.AcknowledgedAt != nil ||
		!pg.TriggeredAt.Equal(ts("2024-08-15T18:05:36.801215Z")) {
		t.Errorf("page = %+v", pg)
	}
	// A service label wins; resolved by no user, never acknowledged: the
	// source resolved it.
	var g map[string]any
	json.Unmarshal(readVendor(t, "grafana_oncall/escalation_alert_group.json"), &g)
	g["labels"] = []any{map[string]any{"key": map[string]any{"id": "service", "name": "service"}, "value": map[string]any{"id": "checkout", "name": "checkout"}}}
	g["state"], g["resolved_at"] = "resolved", "2024-08-15T18:20:00Z"
	raw, _ := json.Marshal(g)
	pg = findPage(t, parseBytes(t, "g.json", raw, Options{}), "IZHCC4GTNPZ93")
	if pg.Service != "checkout" || !pg.AutoResolved {
		t.Errorf("labelled page = %+v", pg)
	}
}

func TestDatadogIncidents(t *testing.T) {
	name := "datadog/incidents_list.json"
	b := parseVendor(t, name, Options{})
	// No incident in the recorded data names a service.
	wantRejects(t, b, []int{3, 144, 285, 426, 567, 716}, "names no service")
	b = parseVendor(t, name, Options{DefaultService: "api"})
	if b.Format != "datadog-incidents" || len(b.Incidents) != 6 {
		t.Fatalf("batch %s %d", b.Format, len(b.Incidents))
	}
	for _, v := range sourceJSON(t, name)["data"].([]any) {
		s := v.(map[string]any)
		a := s["attributes"].(map[string]any)
		in := findIncident(t, b, s["id"].(string))
		wantRaw := a["severity"].(string)
		if wantRaw == "UNKNOWN" {
			wantRaw = ""
		}
		if in.Title != a["title"] || in.SeverityRaw != wantRaw || in.CustomerImpacting != a["customer_impacted"] || in.Service != "api" {
			t.Errorf("%s = %+v", s["id"], in)
		}
		if got := in.DetectedAt.Format(time.RFC3339Nano); got != srcTime(t, a["detected"]) {
			t.Errorf("%s detected %s, sample %v", s["id"], got, a["detected"])
		}
		switch a["state"] {
		case "active":
			if in.Status != analytics.StatusOpen || in.ResolvedAt != nil {
				t.Errorf("%s status %s", s["id"], in.Status)
			}
		case "resolved":
			// resolved is null in the sample: the modified time, with a warning.
			if in.Status != analytics.StatusResolved || in.ResolvedAt == nil || in.ResolvedAt.Format(time.RFC3339Nano) != srcTime(t, a["modified"]) {
				t.Errorf("%s = %+v", s["id"], in)
			}
		}
	}
	if findIncident(t, b, "d3c614dc-93e7-4648-b104-b4047548deca").Severity != analytics.Sev4 { // SEV-5: the lowest
		t.Error("SEV-5")
	}
	if !hasWarning(b, "resolved without a resolved time") {
		t.Errorf("warnings %q", b.Warnings)
	}
	// One incident ({"data":{…}}), resolved through the API.
	b = parseVendor(t, "datadog/incident_resolved.json", Options{DefaultService: "api"})
	in := findIncident(t, b, "a6250371-3453-5a56-b302-93500bfb7e41")
	if in.Status != analytics.StatusResolved || !in.DetectedAt.Equal(ts("2026-02-23T14:07:13.629404Z")) {
		t.Errorf("incident = %+v", in)
	}
	eqTime(t, "resolved", in.ResolvedAt, "2026-02-23T14:07:14.035556Z")
	// A services field value names the service.
	var one map[string]any
	json.Unmarshal(readVendor(t, "datadog/incident_resolved.json"), &one)
	one["data"].(map[string]any)["attributes"].(map[string]any)["fields"].(map[string]any)["services"] = map[string]any{"type": "autocomplete", "value": []any{"billing"}}
	raw, _ := json.Marshal(one)
	if in := findIncident(t, parseBytes(t, "dd.json", raw, Options{}), "a6250371-3453-5a56-b302-93500bfb7e41"); in.Service != "billing" {
		t.Errorf("service %q", in.Service)
	}
}

func TestOpsgenieAlertsCSV(t *testing.T) {
	b := parseVendor(t, "opsgenie/alerts_schema.csv", Options{})
	if b.Format != "opsgenie-alerts-csv" || b.Source != "opsgenie" {
		t.Fatalf("format %s/%s", b.Format, b.Source)
	}
	// Row 4 has no service tag and no team; its source is an IP address,
	// which is not a service.
	wantRejects(t, b, []int{4}, "no service")
	pg := findPage(t, b, "70413a06-38d6-4c85-92b8-5ebc900d42e2-1741952652345")
	if pg.Service != "checkout-api" || pg.Urgency != "high" || pg.Title != "Checkout API 5xx rate above 5%" || pg.AutoResolved ||
		!pg.TriggeredAt.Equal(ts("2025-03-14T11:44:12.345Z")) {
		t.Errorf("page = %+v", pg)
	}
	eqTime(t, "ack (created + 240000 ms)", pg.AcknowledgedAt, "2025-03-14T11:48:12.345Z")
	eqTime(t, "resolved (created + 2810000 ms)", pg.ResolvedAt, "2025-03-14T12:31:02.345Z")
	pg = findPage(t, b, "4c1f3b2a-9d8e-4f7a-b6c5-d4e3f2a1b0c9-1741960000000")
	if pg.Service != "platform" || pg.Urgency != "low" || !pg.AutoResolved || pg.AcknowledgedAt != nil {
		t.Errorf("page = %+v", pg) // the team; closed by System, never acked
	}
	eqTime(t, "resolved", pg.ResolvedAt, "2025-03-14T13:58:10Z")
	if pg := findPage(t, b, "1b2c3d4e-5f60-4718-293a-4b5c6d7e8f90-1742010000000"); pg.Service != "search" || pg.AutoResolved {
		t.Errorf("page = %+v", pg) // the first of two teams
	}
	b = parseVendor(t, "opsgenie/alerts_schema.csv", Options{DefaultService: "web"})
	if pg := findPage(t, b, "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d-1742000000000"); pg.Service != "web" || pg.ResolvedAt != nil {
		t.Errorf("page = %+v", pg)
	}
}

// TestVendorSamplesDetectAndReimport: every sample is told by its content
// alone (a neutral name, gzip too) and parses to the same ids twice.
func TestVendorSamplesDetectAndReimport(t *testing.T) {
	want := map[string]string{
		"incidentio/singer_tap_incidents.json":       "incidentio-api",
		"incidentio/api_list_example.json":           "incidentio-api",
		"incidentio/incidents_schema.csv":            "incidentio-csv",
		"firehydrant/incidents_schema.json":          "firehydrant-api",
		"rootly/incidents_cli_fixture.json":          "rootly-api",
		"rootly/incidents_schema.json":               "rootly-api",
		"statuspage/emma_incidents.json":             "statuspage-api",
		"grafana_oncall/alert_groups_list.json":      "grafana-oncall-api",
		"grafana_oncall/escalation_alert_group.json": "grafana-oncall-api",
		"datadog/incidents_list.json":                "datadog-incidents",
		"datadog/incident_resolved.json":             "datadog-incidents",
		"opsgenie/alerts_schema.csv":                 "opsgenie-alerts-csv",
		"azuredevops/builds.json":                    "azure-devops-builds",
		"azuredevops/release_deployments.json":       "azure-devops-releases",
		"circleci/workflows.json":                    "circleci-api",
		"circleci/pipelines.json":                    "circleci-api",
		"circleci/pipelines_with_workflows.json":     "circleci-api",
		"bitbucket/pipelines.json":                   "bitbucket-pipelines",
		"bitbucket/deployments.json":                 "bitbucket-deployments",
		"bitbucket/deployments_schema.json":          "bitbucket-deployments",
		"argocd/application.yaml":                    "argocd-yaml",
		"argocd/applications_list.yaml":              "argocd-yaml",
	}
	files, _ := filepath.Glob(filepath.Join(vendorDir, "*", "*"))
	seen := 0
	for _, f := range files {
		rel, _ := filepath.Rel(vendorDir, f)
		rel = filepath.ToSlash(rel)
		format, ok := want[rel]
		if !ok {
			continue
		}
		seen++
		data := readVendor(t, rel)
		if rel == "circleci/pipelines.json" {
			// Gives no record by design (TestCircleCI): detection only.
			if got, err := Detect("upload.bin", data); err != nil || got != format {
				t.Errorf("Detect(%s) = %q, %v", rel, got, err)
			}
			continue
		}
		if got, err := Detect("upload.bin", data[:min(len(data), detectSize)]); err != nil || got != format {
			t.Errorf("Detect(%s) = %q, %v; want %s", rel, got, err, format)
		}
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(data)
		zw.Close()
		opt := Options{DefaultService: "default-svc"}
		b1 := parseBytes(t, "upload.gz", gz.Bytes(), opt)
		b2 := parseBytes(t, rel, data, opt)
		if b1.Format != format || countsOf(b1) != countsOf(b2) {
			t.Errorf("%s: gzip %s %+v, plain %+v", rel, b1.Format, countsOf(b1), countsOf(b2))
		}
		if b1.Records() == 0 && len(b1.Rejects) == 0 {
			t.Errorf("%s: nothing", rel)
		}
		for i := range b1.Incidents {
			if b1.Incidents[i].ExternalID != b2.Incidents[i].ExternalID {
				t.Errorf("%s: unstable incident ids", rel)
			}
		}
		for i := range b1.Deploys {
			if b1.Deploys[i].ExternalID != b2.Deploys[i].ExternalID || b1.Deploys[i].FinishedAt.Location() != time.UTC {
				t.Errorf("%s: unstable deploy ids / not UTC", rel)
			}
		}
		for i := range b1.Pages {
			if b1.Pages[i].ExternalID != b2.Pages[i].ExternalID {
				t.Errorf("%s: unstable page ids", rel)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("saw %d of %d samples", seen, len(want))
	}
}

// TestVendorFormatsDocumented: each format added here has its row in the
// formats table and its section in docs/importers.md.
func TestVendorFormatsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/importers.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"incidentio-api", "incidentio-csv", "firehydrant-api", "rootly-api", "statuspage-api", "datadog-incidents",
		"grafana-oncall-api", "opsgenie-alerts-csv", "azure-devops-builds", "azure-devops-releases", "circleci-api",
		"bitbucket-pipelines", "bitbucket-deployments", "argocd-yaml"} {
		if _, ok := formatInfo(id); !ok {
			t.Errorf("%s is not a format", id)
		}
		if !bytes.Contains(doc, []byte("| `"+id+"` |")) || !bytes.Contains(doc, []byte("\n### "+id+"\n")) {
			t.Errorf("docs/importers.md has no row or section for %s", id)
		}
	}
}
