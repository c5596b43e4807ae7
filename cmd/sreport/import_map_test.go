package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const realSamples = "../../testdata/real/"

// Defect 12: a generic CSV imports from the command line with --map or
// --mapping-file; defect 11: a first import names --create-services first;
// defect 6: a file with nothing recognised fails.
func TestImportGenericCSVAndAdvice(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	runCmd := func(args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, append([]string{"import", "--db", db}, args...), &out, &errb)
		return out.String(), errb.String(), err
	}
	// A tool's CSV that no importer knows (a help-desk export).
	csvPath := filepath.Join(dir, "tickets.csv")
	if err := os.WriteFile(csvPath, []byte("Ticket,Summary,Component,Opened,Closed,Sev\n"+
		"T-1,Login fails,auth,2026-07-01 10:00,2026-07-01 11:30,Sev-2\n"+
		"T-2,\"Slow search, EU\",search,2026-07-02 08:15,,Sev-3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := runCmd(csvPath)
	if err == nil || !strings.Contains(stderr, "--map 'field=Header,…' [--kind KIND] or --mapping-file FILE") || !strings.Contains(stderr, "detected_at*") {
		t.Fatalf("unmapped csv: %v\n%s", err, stderr)
	}
	spec := "external_id=Ticket,title=Summary,service=Component,detected_at=Opened,resolved_at=Closed,severity=Sev"
	// First import into an empty catalogue: every service is new, and the
	// advice names --create-services first.
	out, stderr, err := runCmd("--map", spec, csvPath)
	if err == nil || !strings.Contains(stderr, "nothing was written: 2 services are not in the catalogue (2 rows); run again with --create-services to create them") {
		t.Fatalf("empty catalogue: %v\n%s\n%s", err, out, stderr)
	}
	out, stderr, err = runCmd("--map", spec, "--create-services", csvPath)
	if err != nil || !strings.Contains(out, "format csv (2 records)") || !strings.Contains(out, "inserted 2, updated 0, unchanged 0, rejected 0") {
		t.Fatalf("--map: %v\n%s\n%s", err, out, stderr)
	}
	// The same mapping from a file imports the same rows: nothing changes.
	mf := filepath.Join(dir, "tickets.map")
	if err := os.WriteFile(mf, []byte("# help-desk tickets\nkind=incidents\n"+strings.ReplaceAll(spec, ",", "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err = runCmd("--mapping-file", mf, csvPath)
	if err != nil || !strings.Contains(out, "inserted 0, updated 0, unchanged 2, rejected 0") {
		t.Fatalf("--mapping-file: %v\n%s\n%s", err, out, stderr)
	}
	jf := filepath.Join(dir, "tickets.json")
	if err := os.WriteFile(jf, []byte(`{"kind":"incidents","columns":{"external_id":"Ticket","title":"Summary","service":"Component","detected_at":"Opened","resolved_at":"Closed","severity":"Sev"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, stderr, err = runCmd("--mapping-file", jf, csvPath); err != nil || !strings.Contains(out, "unchanged 2") {
		t.Fatalf("JSON mapping file: %v\n%s\n%s", err, out, stderr)
	}
	// A mapping naming a column the file lacks is refused with the column.
	if _, stderr, err = runCmd("--map", "service=Component,detected_at=Created", csvPath); err == nil || !strings.Contains(stderr, `detected_at → "Created"`) {
		t.Fatalf("missing column: %v\n%s", err, stderr)
	}
	if _, _, err = runCmd("--map", spec, "--mapping-file", mf, csvPath); err == nil || !strings.Contains(err.Error(), "one of --mapping, --map and --mapping-file") {
		t.Fatalf("two mappings: %v", err)
	}

	// Nothing recognised: non-zero, saying what was looked for.
	_, stderr, err = runCmd(realSamples + "github/docs_list_deployments.json")
	if err == nil || !strings.Contains(stderr, "nothing recognised") || !strings.Contains(stderr, "they carry no statuses") {
		t.Fatalf("nothing recognised: %v\n%s", err, stderr)
	}

	// ServiceNow's default list with a default service and a date layout.
	out, stderr, err = runCmd("--create-services", "--service", "service-desk", realSamples+"servicenow/snow-assignment-group-predict_incident.csv")
	if err != nil || !strings.Contains(out, "inserted 66, updated 0, unchanged 0, rejected 0") {
		t.Fatalf("servicenow default list: %v\n%s\n%s", err, out, stderr)
	}
	out, stderr, err = runCmd("--create-services", "--date-layout", "mm/dd/yyyy", realSamples+"servicenow/TicketDashBoard_incident.csv")
	if err != nil || !strings.Contains(out, "inserted 97, updated 0, unchanged 0, rejected 0") {
		t.Fatalf("servicenow excel dates: %v\n%s\n%s", err, out, stderr)
	}
	// Multibranch: another branch made production.
	out, stderr, err = runCmd("--create-services", "--prod-branches", "main,feature-1", realSamples+"jenkins/devlake_multibranch_jobs_with_builds.json")
	if err != nil || !strings.Contains(out, "inserted 7, updated 0") {
		t.Fatalf("prod branches: %v\n%s\n%s", err, out, stderr)
	}
	// --service-map saves aliases that later imports of any source use.
	out, stderr, err = runCmd("--service-map", "checkout-api=auth", "--create-services", "--dry-run", "--format", "pagerduty-insights-csv", fixtures+"pagerduty_insights_incidents.csv")
	created := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "created services:") {
			created = l
		}
	}
	if err != nil || !strings.Contains(created, "auth-svc") || strings.Contains(created, "checkout-api") {
		t.Fatalf("service map: %v\n%s\n%s", err, out, stderr)
	}
}
