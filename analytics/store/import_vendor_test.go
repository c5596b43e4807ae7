package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"sreport/analytics/imports"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/testutil"
)

// TestApplyVendorSamples stores every real sample of the incident-tool and
// CI/CD importers (testdata/real) into a real database and imports it a
// second time: the second import changes nothing.
func TestApplyVendorSamples(t *testing.T) {
	cases := []struct {
		file     string
		ins, rej int
		check    func(t *testing.T, st *store.Store)
	}{
		{file: "incidentio/singer_tap_incidents.json", ins: 1, check: func(t *testing.T, st *store.Store) {
			want(t, "incident.io", query(t, st, `SELECT i.source, s.name, i.title, i.severity, i.severity_raw, i.status, i.detected_at
				FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.external_id = '01HDH3SMWK0C2D8TN41PVW61TA'`),
				"incidentio", "default-svc", "teal-ostrich", "4", "Minor", "acknowledged", "2023-10-24T15:10:35Z")
		}},
		{file: "incidentio/api_list_example.json", ins: 1},
		{file: "incidentio/incidents_schema.csv", ins: 3},
		{file: "firehydrant/incidents_schema.json", ins: 3, check: func(t *testing.T, st *store.Store) {
			want(t, "FireHydrant", query(t, st, `SELECT s.name, i.severity, i.status, i.started_at, i.acknowledged_at, i.mitigated_at, i.resolved_at, i.customer_impacting
				FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.external_id = '7d3a1c52-2a0b-4a3e-9d1f-2f6b8c1e4a01'`),
				"checkout-api", "1", "resolved", "2025-03-17T09:58:00Z", "2025-03-17T10:06:40Z", "2025-03-17T10:41:05Z", "2025-03-17T11:15:00Z", "1")
		}},
		{file: "rootly/incidents_cli_fixture.json", ins: 1},
		{file: "rootly/incidents_schema.json", ins: 2},
		{file: "statuspage/emma_incidents.json", ins: 22, check: func(t *testing.T, st *store.Store) {
			want(t, "Statuspage services", query(t, st, `SELECT COUNT(DISTINCT service_id), SUM(customer_impacting) FROM incidents WHERE source = 'statuspage'`), "9", "17")
		}},
		{file: "grafana_oncall/alert_groups_list.json", ins: 1, check: func(t *testing.T, st *store.Store) {
			want(t, "OnCall page", query(t, st, `SELECT p.source, s.name, p.triggered_at, p.resolved_at, p.auto_resolved FROM pages p JOIN services s ON s.id = p.service_id`),
				"grafana-oncall", "default-svc", "2020-05-19T12:37:01Z", "2020-05-19T13:37:01Z", "0")
		}},
		{file: "grafana_oncall/escalation_alert_group.json", ins: 1},
		{file: "datadog/incidents_list.json", ins: 6},
		{file: "datadog/incident_resolved.json", ins: 1},
		{file: "opsgenie/alerts_schema.csv", ins: 4},
		{file: "azuredevops/builds.json", ins: 5, check: func(t *testing.T, st *store.Store) {
			want(t, "Azure build", query(t, st, `SELECT d.source, s.name, d.environment, d.version, d.status, d.finished_at
				FROM deploys d JOIN services s ON s.id = d.service_id WHERE d.external_id = 'johndoe/build/18'`),
				"azuredevops", "test-repo", "production", "40c59264e73f", "cancelled", "2023-02-25T06:22:30Z")
		}},
		{file: "azuredevops/release_deployments.json", ins: 17, check: func(t *testing.T, st *store.Store) {
			want(t, "release deployments", query(t, st, `SELECT COUNT(*), SUM(environment = 'production'), SUM(status = 'failed') FROM deploys WHERE source = 'azuredevops'`),
				"17", "5", "1")
		}},
		{file: "circleci/workflows.json", ins: 9, rej: 1},
		{file: "circleci/pipelines_with_workflows.json", ins: 6},
		{file: "bitbucket/pipelines.json", ins: 2},
		{file: "bitbucket/deployments.json", ins: 0, rej: 15},
		{file: "bitbucket/deployments_schema.json", ins: 3},
		{file: "argocd/application.yaml", ins: 10, check: func(t *testing.T, st *store.Store) {
			want(t, "Argo CD", query(t, st, `SELECT COUNT(*), MIN(d.finished_at), MAX(d.finished_at), MIN(s.name) FROM deploys d JOIN services s ON s.id = d.service_id`),
				"10", "2024-03-04T22:00:06Z", "2024-03-05T07:33:04Z", "velero-test")
		}},
		{file: "argocd/applications_list.yaml", ins: 10},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			ctx := context.Background()
			st := testutil.NewStore(t)
			data, err := os.ReadFile(filepath.Join("../../testdata/real", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			parseIt := func() *imports.Batch {
				b, err := ingest.Parse(bytes.NewReader(data), filepath.Base(tc.file), ingest.Options{DefaultService: "default-svc"})
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			opt := store.ApplyOptions{CreateServices: true, SkipInvalid: true, FileName: tc.file, Audit: cli}
			r, err := st.ApplyBatch(ctx, parseIt(), opt)
			if err != nil {
				t.Fatal(err)
			}
			counts(t, "first import", r, tc.ins, 0, 0, tc.rej)
			if tc.check != nil {
				tc.check(t, st)
			}
			before := checksumData(t, st)
			r2, err := st.ApplyBatch(ctx, parseIt(), opt)
			if err != nil {
				t.Fatal(err)
			}
			counts(t, "second import", r2, 0, 0, tc.ins, tc.rej)
			if n := count(t, st, `SELECT COUNT(*) FROM import_changes WHERE import_id = ?`, r2.ImportID); n != 0 {
				t.Errorf("second import recorded %d changes", n)
			}
			if checksumData(t, st) != before {
				t.Error("the second import changed the records")
			}
		})
	}
}
