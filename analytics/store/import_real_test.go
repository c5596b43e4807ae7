package store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sreport/analytics/imports"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/testutil"
)

const realDir = "../../testdata/real/"

// An alias made while importing one source applies to the others: the
// ServiceNow upload that mapped auth-svc → auth also names the PagerDuty
// upload's auth-svc (defect 10).
func TestAliasesApplyAcrossSources(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	names := map[string]string{"auth-svc": "auth", "checkout-api": "checkout", "payments-gateway": "payments", "mobile-bff": "mobile",
		"catalog-svc": "catalog", "search-api": "search", "notifications": "notify", "reporting-etl": "reporting"}
	for _, svc := range names {
		if _, err := st.Writer().Exec(`INSERT INTO services (name) VALUES (?)`, svc); err != nil {
			t.Fatal(err)
		}
	}
	opt := store.ApplyOptions{ServiceMap: names, SourceOnly: map[string]bool{"reporting-etl": true}}
	r := apply(t, st, "servicenow_incidents.csv", fixture(t, "servicenow_incidents.csv"), opt)
	if r.Inserted != 161 || len(r.Unknown) != 0 {
		t.Fatalf("servicenow: %+v", r)
	}
	// The PagerDuty export names the same services: all but the alias
	// marked source-specific resolve without any mapping.
	b := parse(t, "pagerduty_insights_incidents.csv", fixture(t, "pagerduty_insights_incidents.csv"))
	res, err := st.ApplyBatch(ctx, b, store.ApplyOptions{})
	var ie *store.ImportError
	if !errors.As(err, &ie) || len(res.Unknown) != 1 || res.Unknown[0].Name != "reporting-etl" || len(res.Unknown[0].Lines) != 113 {
		t.Fatalf("pagerduty: %v unknown %+v", err, res.Unknown)
	}
	want(t, "auth-svc rows", query(t, st, `SELECT COUNT(*) FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.source = 'servicenow' AND s.name = 'auth'`), "32")
	res, err = st.ApplyBatch(ctx, b, store.ApplyOptions{ServiceMap: map[string]string{"reporting-etl": "reporting"}})
	if err != nil || res.Inserted != 774 || len(res.Unknown) != 0 {
		t.Fatalf("pagerduty with reporting mapped: %v %+v", err, res)
	}
	want(t, "pagerduty auth", query(t, st, `SELECT COUNT(*) FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.source = 'pagerduty' AND s.name = 'auth'`), "102")
	aliases, err := st.ServiceAliases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	scoped := map[string]bool{}
	for _, a := range aliases {
		scoped[a.Source+"/"+a.Alias] = a.SourceOnly
	}
	if !scoped["servicenow/reporting-etl"] || scoped["servicenow/auth-svc"] || scoped["pagerduty/reporting-etl"] {
		t.Errorf("alias scopes %v", scoped)
	}
	// Two sources whose all-source aliases disagree: the name is unknown
	// to a third until it is mapped there, and a warning says why.
	if _, err := st.Writer().Exec(`INSERT INTO services (name) VALUES ('other')`); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveServiceAlias(ctx, "opsgenie", "search-api", "other"); err != nil {
		t.Fatal(err)
	}
	res, _ = st.ApplyBatch(ctx, parse(t, "sli_daily.csv", fixture(t, "sli_daily.csv")), store.ApplyOptions{DryRun: true})
	if !strings.Contains(strings.Join(res.Warnings, "\n"), `aliases of other sources give "search-api" different services`) {
		t.Errorf("ambiguous alias: %q", res.Warnings)
	}
}

// A Jira task whose parent is not in the file is kept only when that
// parent is an incident imported before (defect 2).
func TestLinkedOnlyActionItems(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	apply(t, st, "jira_incidents.csv", fixture(t, "jira_incidents.csv"), createAll())
	text := "Summary,Issue key,Issue id,Issue Type,Status,Created,Parent key,Project name\n" +
		"Add a canary,OPS-900,20900,Task,To Do,2/Jul/26 9:05 AM,OPS-1,Ops\n" +
		"Epic work,OPS-901,20901,Task,To Do,2/Jul/26 9:05 AM,PLAT-7,Ops\n"
	b, err := ingest.Parse(strings.NewReader(text), "tasks.csv", ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.ApplyBatch(ctx, b, createAll())
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != 1 || !strings.Contains(strings.Join(res.Warnings, "\n"), "1 tasks skipped: the issue they belong to is neither in the file nor an imported incident (OPS-901)") {
		t.Fatalf("%+v", res)
	}
	want(t, "OPS-900", query(t, st, `SELECT i.external_id FROM action_items a JOIN incidents i ON i.id = a.incident_id WHERE a.external_id = 'OPS-900'`), "OPS-1")
}

// Every real sample imports, and importing it again changes nothing.
func TestRealSamplesReimportChangesNothing(t *testing.T) {
	ctx := context.Background()
	files := map[string]ingest.Options{
		"servicenow/snow-assignment-group-predict_incident.csv": {DefaultService: "service-desk"},
		"servicenow/TicketDashBoard_incident.csv":               {DateLayout: "mm/dd/yyyy"},
		"servicenow/gtim-etl-inc_incident_original.csv":         {DateLayout: "mm-dd-yyyy"},
		"jenkins/devlake_folder_job_allBuilds.json":             {},
		"jenkins/devlake_pipeline-test2_build1.json":            {},
		"jenkins/devlake_multibranch_jobs_with_builds.json":     {},
		"gitlab/docs_get_deployment.json":                       {},
		"gitlab/devlake_deployment_single.json":                 {},
		"gitlab/devlake_pipeline_details.json":                  {},
		"pagerduty/openapi_get_incident.json":                   {},
		"pagerduty/openapi_list_incidents.json":                 {},
		"pagerduty/openapi_analytics_raw_incidents.json":        {},
		"pagerduty/devlake_incident_single.json":                {},
		"pagerduty/docs_log_entries_notifications.json":         {},
		"opsgenie/devlake_incidents.json":                       {},
		"opsgenie/docs_list_alerts.json":                        {},
	}
	for name, opt := range files {
		t.Run(name, func(t *testing.T) {
			st := testutil.NewStore(t)
			data, err := os.ReadFile(filepath.Join(realDir, name))
			if err != nil {
				t.Fatal(err)
			}
			parseIt := func() *imports.Batch {
				b, err := ingest.Parse(bytes.NewReader(data), filepath.Base(name), opt)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			ao := store.ApplyOptions{CreateServices: true, SkipInvalid: true}
			r1, err := st.ApplyBatch(ctx, parseIt(), ao)
			if err != nil {
				t.Fatal(err)
			}
			if r1.Inserted == 0 {
				t.Fatalf("nothing inserted: %+v", r1)
			}
			sum := checksumData(t, st)
			r2, err := st.ApplyBatch(ctx, parseIt(), ao)
			if err != nil {
				t.Fatal(err)
			}
			if r2.Inserted != 0 || r2.Updated != 0 || r2.Removed != 0 || r2.Unchanged != r1.Inserted {
				t.Errorf("second import: %+v (first %+v)", r2, r1)
			}
			if checksumData(t, st) != sum {
				t.Error("the second import changed the data")
			}
		})
	}
}

// A page keeps the person its notification reached (defect 9).
func TestPageResponderStored(t *testing.T) {
	st := testutil.NewStore(t)
	data, err := os.ReadFile(filepath.Join(realDir, "pagerduty/docs_log_entries_notifications.json"))
	if err != nil {
		t.Fatal(err)
	}
	r := apply(t, st, "log_entries.json", data, createAll())
	if r.Inserted != 2 {
		t.Fatalf("%+v", r)
	}
	want(t, "pages", query(t, st, `SELECT group_concat(external_id || '=' || responder, ',') FROM (SELECT * FROM pages ORDER BY external_id)`),
		"PBJBF9Q=Tim Wright,PE5XGDA=Tim Wright")
	pg, err := st.Pages(context.Background(), store.ListFilter{})
	if err != nil || len(pg.Rows) != 2 || pg.Rows[0].Responder != "Tim Wright" {
		t.Fatalf("read back: %+v %v", pg, err)
	}
}
