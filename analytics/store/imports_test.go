package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sreport/analytics/imports"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/testutil"
)

const fixtureDir = "../../testdata/fixtures/"

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// byPhone returns a PagerDuty fixture with its notifications sent by phone
// instead of e-mail: the fixture's are all e-mails, which are not pages.
func byPhone(t *testing.T, name string) []byte {
	t.Helper()
	return bytes.ReplaceAll(fixture(t, name), []byte(" by email."), []byte(" by phone."))
}

func parse(t *testing.T, name string, data []byte) *imports.Batch {
	t.Helper()
	b, err := ingest.Parse(bytes.NewReader(data), name, ingest.Options{})
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return b
}

// apply parses and applies data, failing the test on an unexpected error.
func apply(t *testing.T, st *store.Store, name string, data []byte, opt store.ApplyOptions) store.ImportResult {
	t.Helper()
	opt.FileName = name
	res, err := st.ApplyBatch(context.Background(), parse(t, name, data), opt)
	if err != nil {
		t.Fatalf("apply %s: %v", name, err)
	}
	return res
}

func createAll() store.ApplyOptions { return store.ApplyOptions{CreateServices: true} }

// cli is the audit skeleton of changes made from the command line.
var cli = store.Audit{Actor: "cli"}

func counts(t *testing.T, what string, r store.ImportResult, ins, upd, unch, rej int) {
	t.Helper()
	if r.Inserted != ins || r.Updated != upd || r.Unchanged != unch || r.Rejected != rej {
		t.Errorf("%s: inserted %d updated %d unchanged %d rejected %d; want %d %d %d %d (errors %v)",
			what, r.Inserted, r.Updated, r.Unchanged, r.Rejected, ins, upd, unch, rej, r.Errors)
	}
}

// query returns one row of a raw query as strings ("NULL" for NULL).
func query(t *testing.T, st *store.Store, q string, args ...any) []string {
	t.Helper()
	rows, err := st.Writer().Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		t.Fatalf("no row for %s %v", q, args)
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(cols))
	for i, v := range vals {
		out[i] = "NULL"
		if v.Valid {
			out[i] = v.String
		}
	}
	return out
}

func want(t *testing.T, what string, got []string, exp ...string) {
	t.Helper()
	if strings.Join(got, "|") != strings.Join(exp, "|") {
		t.Errorf("%s:\n got  %s\n want %s", what, strings.Join(got, "|"), strings.Join(exp, "|"))
	}
}

var dataTables = []string{"services", "teams", "service_aliases", "slos", "incidents", "incident_overrides", "deploys", "pages",
	"action_items", "sli_daily", "toil_entries", "imports", "import_changes"}

// checksum hashes every row of every data table, so a test can tell that
// a refused import changed nothing at all.
func checksum(t *testing.T, st *store.Store) string {
	t.Helper()
	h := sha256.New()
	for _, tb := range dataTables {
		rows, err := st.Writer().Query(`SELECT * FROM ` + tb + ` ORDER BY rowid`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		n := 0
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(h, "%s%v\n", tb, vals)
			n++
		}
		rows.Close()
		fmt.Fprintf(h, "%s=%d\n", tb, n)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func count(t *testing.T, st *store.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := st.Writer().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestApplyFixtures(t *testing.T) {
	cases := []struct {
		name    string
		before  []string // files imported first
		file    string
		ins     int
		rej     int
		skip    bool
		check   func(t *testing.T, st *store.Store, r store.ImportResult)
		records int
		phone   bool // the fixture's notifications sent by phone (byPhone)
	}{
		{name: "pagerduty api incidents", file: "pagerduty_api_incidents.json", ins: 6, check: func(t *testing.T, st *store.Store, r store.ImportResult) {
			want(t, "Q3CZ", query(t, st, `SELECT s.name, s.tier, i.severity, i.severity_raw, i.status, i.detected_at, i.acknowledged_at, i.resolved_at, i.started_at
				FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.source = 'pagerduty' AND i.external_id = 'Q3CZAU7Q4008QD'`),
				"DevService", "2", "2", "high", "acknowledged", "2022-11-03T06:44:28Z", "2022-11-03T06:44:37Z", "NULL", "NULL")
			want(t, "Q1OH resolved", query(t, st, `SELECT resolved_at FROM incidents WHERE external_id = 'Q1OHFWFP3GPXOG'`), "2022-11-03T06:51:44Z")
			if n := count(t, st, `SELECT COUNT(*) FROM pages WHERE incident_id IS NULL`); n != 0 {
				t.Errorf("%d pages not linked to their incident", n)
			}
			if len(r.Created) != 1 || r.Created[0] != "DevService" {
				t.Errorf("created %v", r.Created)
			}
		}},
		{name: "pagerduty api with log entries", file: "pagerduty_api_incidents_with_log_entries.json", ins: 18, phone: true, check: func(t *testing.T, st *store.Store, r store.ImportResult) {
			want(t, "Q3YON ack", query(t, st, `SELECT acknowledged_at FROM incidents WHERE external_id = 'Q3YON8WNWTZMRQ'`), "2022-11-03T06:23:07Z")
			want(t, "pages", query(t, st, `SELECT COUNT(*), COUNT(incident_id) FROM pages`), "15", "15")
			want(t, "pages of Q1OH", query(t, st, `SELECT COUNT(*), MIN(p.urgency), MAX(p.resolved_at) FROM pages p JOIN incidents i ON i.id = p.incident_id
				WHERE i.external_id = 'Q1OHFWFP3GPXOG'`), "2", "low", "2022-11-03T06:51:44Z")
		}},
		{name: "pagerduty e-mail notifications after incidents", before: []string{"pagerduty_api_incidents.json"}, file: "pagerduty_api_log_entries.json", ins: 0,
			check: func(t *testing.T, st *store.Store, r store.ImportResult) {
				// E-mails are not interruptions: no page, and the trigger
				// stand-ins of the incidents file are gone all the same.
				if r.Removed != 3 {
					t.Errorf("removed %d stand-in pages, want 3", r.Removed)
				}
				want(t, "pages", query(t, st, `SELECT COUNT(*) FROM pages`), "0")
			}},
		{name: "pagerduty log entries after incidents", before: []string{"pagerduty_api_incidents.json"}, file: "pagerduty_api_log_entries.json", ins: 15, phone: true,
			check: func(t *testing.T, st *store.Store, r store.ImportResult) {
				// Log entries carry no service: each page takes its incident's.
				want(t, "log-entry pages", query(t, st, `SELECT COUNT(*), COUNT(p.incident_id), MIN(s.name), MAX(s.name) FROM pages p JOIN services s ON s.id = p.service_id
					WHERE p.import_id = ?`, r.ImportID), "15", "15", "DevService", "DevService")
				want(t, "title", query(t, st, `SELECT p.title FROM pages p JOIN incidents i ON i.id = p.incident_id WHERE p.import_id = ? AND i.external_id = 'Q1OHFWFP3GPXOG' LIMIT 1`, r.ImportID),
					"Spamming logs")
				// The incidents file's trigger pages stood in for the notify
				// pages this file brings: they are gone.
				if r.Removed != 3 {
					t.Errorf("removed %d stand-in pages, want 3", r.Removed)
				}
				want(t, "pages", query(t, st, `SELECT COUNT(*) FROM pages`), "15")
			}},
		{name: "pagerduty insights csv", file: "pagerduty_insights_incidents.csv", ins: 774, check: func(t *testing.T, st *store.Store, r store.ImportResult) {
			want(t, "Q804", query(t, st, `SELECT s.name, i.title, i.severity, i.severity_raw, i.status, i.detected_at, i.acknowledged_at, i.resolved_at
				FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.external_id = 'Q804005AB3C9E'`),
				"reporting-etl", "reporting-etl certificate expired", "2", "P2", "resolved", "2026-07-01T01:14:35Z", "2026-07-01T01:21:30Z", "2026-07-01T02:49:55Z")
		}},
		{name: "pagerduty incident activity csv", file: "pagerduty_incident_activity.csv", ins: 120, check: func(t *testing.T, st *store.Store, r store.ImportResult) {
			want(t, "Q4918", query(t, st, `SELECT s.name, i.severity, i.status, i.acknowledged_at, i.resolved_at
				FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.external_id = 'Q49186B6EAFF5'`),
				"auth-svc", "3", "resolved", "2026-09-26T18:33:12Z", "2026-09-26T18:37:24Z")
		}},
		{name: "servicenow changes", file: "servicenow_changes.csv", ins: 603, check: func(t *testing.T, st *store.Store, r store.ImportResult) {
			want(t, "CHG0030001", query(t, st, `SELECT d.source, s.name, d.environment, d.version, d.status, d.started_at, d.is_hotfix, d.is_rollback
				FROM deploys d JOIN services s ON s.id = d.service_id WHERE d.external_id = 'CHG0030001'`),
				"servicenow", "checkout-api", "production", "2.18.6", "success", "2026-07-01T04:19:43Z", "0", "0")
			want(t, "hotfixes", query(t, st, `SELECT COUNT(*) FROM deploys WHERE is_hotfix = 1`), "68")
		}},
		{name: "servicenow incidents after changes", before: []string{"servicenow_changes.csv"}, file: "servicenow_incidents.csv", ins: 161,
			check: func(t *testing.T, st *store.Store, r store.ImportResult) {
				want(t, "INC0010124", query(t, st, `SELECT s.name, i.severity, i.severity_raw, i.status, i.category, i.problem_ref, i.caused_by_ref,
					d.external_id, i.detected_at, i.resolved_at FROM incidents i JOIN services s ON s.id = i.service_id
					LEFT JOIN deploys d ON d.id = i.caused_by_deploy_id WHERE i.external_id = 'INC0010124'`),
					"notifications", "3", "3 - Moderate", "resolved", "Network", "PRB0040000", "CHG0030383", "CHG0030383", "2026-07-01T12:23:14Z", "2026-07-01T13:31:54Z")
				if n := count(t, st, `SELECT COUNT(*) FROM incidents WHERE caused_by_ref != '' AND caused_by_deploy_id IS NULL`); n != 0 {
					t.Errorf("%d incidents name a change but are not linked", n)
				}
			}},
		{name: "servicenow changes after incidents", before: []string{"servicenow_incidents.csv"}, file: "servicenow_changes.csv", ins: 603,
			check: func(t *testing.T, st *store.Store, r store.ImportResult) {
				linked := count(t, st, `SELECT COUNT(*) FROM incidents WHERE caused_by_deploy_id IS NOT NULL`)
				if linked == 0 || r.Linked != linked {
					t.Errorf("linked %d incidents, result says %d", linked, r.Linked)
				}
				want(t, "INC0010124 → CHG0030383", query(t, st, `SELECT d.external_id FROM incidents i JOIN deploys d ON d.id = i.caused_by_deploy_id
					WHERE i.external_id = 'INC0010124'`), "CHG0030383")
			}},
		{name: "jira", file: "jira_incidents.csv", ins: 80, check: func(t *testing.T, st *store.Store, r store.ImportResult) {
			want(t, "OPS-1", query(t, st, `SELECT i.source, s.name, i.severity, i.severity_raw, i.status, i.started_at
				FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.external_id = 'OPS-1'`),
				"jira", "notifications", "3", "Sev-3", "resolved", "2026-07-01T01:13:00Z")
		}},
		{name: "gitlab", file: "gitlab_api_deployments.json", ins: 4, check: func(t *testing.T, st *store.Store, r store.ImportResult) {
			// undeployed is skipped with a warning naming it, not a reject.
			if len(r.Errors) != 0 || !strings.Contains(strings.Join(r.Warnings, "\n"), "13436915 undeployed") {
				t.Errorf("errors %v warnings %q", r.Errors, r.Warnings)
			}
			im, err := st.ImportByID(context.Background(), r.ImportID)
			if err != nil || im.Rejected != 0 || im.Status != "done" || im.Inserted != 4 || len(im.Warnings) != 2 {
				t.Errorf("recorded import %+v %v", im, err)
			}
			want(t, "service", query(t, st, `SELECT DISTINCT s.name FROM deploys d JOIN services s ON s.id = d.service_id`), "vdev.co")
		}},
		{name: "github actions", file: "github_api_workflow_runs.json", ins: 12, check: func(t *testing.T, st *store.Store, r store.ImportResult) {
			want(t, "github", query(t, st, `SELECT COUNT(*), MIN(source), COUNT(DISTINCT service_id) FROM deploys`), "12", "github", "1")
			if len(r.Warnings) == 0 {
				t.Error("no warnings about skipped runs")
			}
		}},
		{name: "sli", file: "sli_daily.csv", ins: 460, check: func(t *testing.T, st *store.Store, r store.ImportResult) {
			want(t, "checkout-api 2026-07-01", query(t, st, `SELECT o.name, o.objective, d.good, d.total FROM sli_daily d JOIN slos o ON o.id = d.slo_id
				JOIN services s ON s.id = o.service_id WHERE s.name = 'checkout-api' AND d.day = '2026-07-01'`),
				"availability", "0.999", "1116716", "1117098")
		}},
		{name: "toil", file: "toil_weeks.csv", ins: 56, check: func(t *testing.T, st *store.Store, r store.ImportResult) {
			want(t, "Payments SRE", query(t, st, `SELECT e.toil_hours, e.total_hours, e.note FROM toil_entries e JOIN teams t ON t.id = e.team_id
				WHERE t.name = 'Payments SRE' AND e.week_start = '2026-06-29'`), "35.8", "160", "")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := testutil.NewStore(t)
			for _, f := range tc.before {
				apply(t, st, f, fixture(t, f), createAll())
			}
			data := fixture(t, tc.file)
			if tc.phone {
				data = byPhone(t, tc.file)
			}
			opt := createAll()
			opt.SkipInvalid = tc.skip
			sum := checksum(t, st)
			r, err := st.ApplyBatch(ctx, parse(t, tc.file, data), opt)
			if tc.rej > 0 && !tc.skip {
				var ie *store.ImportError
				if !errors.As(err, &ie) || len(ie.Errors) != tc.rej {
					t.Fatalf("want an ImportError, got %v", err)
				}
				if checksum(t, st) != sum {
					t.Fatal("a refused import changed the database")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			counts(t, "first import", r, tc.ins, 0, 0, tc.rej)
			if !r.Applied || r.ImportID == 0 {
				t.Fatalf("not applied: %+v", r)
			}
			tc.check(t, st, r)
			// Re-importing the same file is a no-op.
			sum = checksum(t, st)
			r2, err := st.ApplyBatch(ctx, parse(t, tc.file, data), opt)
			if err != nil {
				t.Fatal(err)
			}
			counts(t, "second import", r2, 0, 0, tc.ins, tc.rej)
			if n := count(t, st, `SELECT COUNT(*) FROM import_changes WHERE import_id = ?`, r2.ImportID); n != 0 {
				t.Errorf("second import recorded %d changes", n)
			}
			_ = sum
		})
	}
}

// corrupt replaces the first occurrence of old in data.
func corrupt(t *testing.T, data []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%q not in data", old)
	}
	return bytes.Replace(data, []byte(old), []byte(new), 1)
}

func TestApplyCorruptedFileChangesNothing(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	apply(t, st, "servicenow_changes.csv", fixture(t, "servicenow_changes.csv"), createAll())
	// Line 3 gets an unreadable opened_at, line 5 an unknown state.
	data := fixture(t, "servicenow_incidents.csv")
	data = corrupt(t, data, `"INC0010124","2026-07-01 12:23:14"`, `"INC0010124","yesterday-ish"`)
	lines := strings.Split(string(data), "\n")
	if !strings.HasPrefix(lines[4], `"INC0010126"`) && !strings.HasPrefix(lines[4], `"INC`) {
		t.Fatalf("line 5 is %q", lines[4])
	}
	before := checksum(t, st)
	incidents := count(t, st, `SELECT COUNT(*) FROM incidents`)
	_, err := st.ApplyBatch(ctx, parse(t, "inc.csv", data), createAll())
	var ie *store.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("want ImportError, got %v", err)
	}
	if len(ie.Errors) != 1 || ie.Errors[0].Line != 3 || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("errors %v (%v)", ie.Errors, err)
	}
	if checksum(t, st) != before || count(t, st, `SELECT COUNT(*) FROM incidents`) != incidents {
		t.Fatal("refused import changed the database")
	}
	// With SkipInvalid the other 160 rows are imported and the bad one reported.
	opt := createAll()
	opt.SkipInvalid = true
	r := apply(t, st, "inc.csv", data, opt)
	counts(t, "skip invalid", r, 160, 0, 0, 1)
	if r.Errors[0].Line != 3 {
		t.Errorf("errors %v", r.Errors)
	}
}

func TestApplyUnknownServices(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	data := fixture(t, "pagerduty_insights_incidents.csv")
	before := checksum(t, st)
	_, err := st.ApplyBatch(ctx, parse(t, "pd.csv", data), store.ApplyOptions{})
	var ie *store.ImportError
	if !errors.As(err, &ie) || len(ie.Unknown) == 0 {
		t.Fatalf("want unknown services, got %v", err)
	}
	var etl *store.UnknownService
	for i := range ie.Unknown {
		if ie.Unknown[i].Name == "reporting-etl" {
			etl = &ie.Unknown[i]
		}
	}
	if etl == nil || len(etl.Lines) == 0 || etl.Lines[0] != 2 || !strings.Contains(err.Error(), `"reporting-etl" (lines 2,`) {
		t.Fatalf("reporting-etl: %+v; %v", etl, err)
	}
	if checksum(t, st) != before {
		t.Fatal("refused import changed the database")
	}

	// Dry run: counts, nothing written.
	opt := createAll()
	opt.DryRun = true
	r, err := st.ApplyBatch(ctx, parse(t, "pd.csv", data), opt)
	if err != nil || r.Applied || r.Inserted != 774 || len(r.Created) == 0 {
		t.Fatalf("dry run %+v %v", r, err)
	}
	if checksum(t, st) != before {
		t.Fatal("dry run changed the database")
	}

	// Map one name to an existing service, create the others with tier 1;
	// the mapping becomes an alias that the next import reuses.
	tier := 1
	apply(t, st, "toil", []byte("team,week,toil_hours,total_hours\nx,2026-06-29,1,2\n"), store.ApplyOptions{})
	if _, err := st.Writer().Exec(`INSERT INTO services (name, tier) VALUES ('etl', 3)`); err != nil {
		t.Fatal(err)
	}
	r = apply(t, st, "pd.csv", data, store.ApplyOptions{CreateServices: true, Tier: &tier, ServiceMap: map[string]string{"reporting-etl": "etl"}})
	if r.Inserted != 774 {
		t.Fatalf("inserted %d", r.Inserted)
	}
	want(t, "mapped", query(t, st, `SELECT s.name, s.tier FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.external_id = 'Q804005AB3C9E'`), "etl", "3")
	want(t, "created tier", query(t, st, `SELECT tier FROM services WHERE name = 'catalog-svc'`), "1")
	if n := count(t, st, `SELECT COUNT(*) FROM services WHERE name = 'reporting-etl'`); n != 0 {
		t.Error("mapped name was created as a service")
	}
	aliases, err := st.ServiceAliases(ctx)
	if err != nil || len(aliases) != 1 || aliases[0].Source != "pagerduty" || aliases[0].Alias != "reporting-etl" || aliases[0].Service != "etl" {
		t.Fatalf("aliases %+v %v", aliases, err)
	}
	r = apply(t, st, "pd.csv", data, store.ApplyOptions{})
	counts(t, "re-import through the alias", r, 0, 0, 774, 0)
}

func TestRollbackImport(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	empty := checksumData(t, st)
	data := fixture(t, "servicenow_changes.csv")
	a := apply(t, st, "changes.csv", data, createAll())
	afterA := checksumData(t, st)

	// B changes one change's close code and adds nothing else.
	changed := corrupt(t, data, `"2026-07-01 04:28:43","successful","checkout-api"`, `"2026-07-01 04:28:43","unsuccessful","checkout-api"`)
	b := apply(t, st, "changes2.csv", changed, createAll())
	counts(t, "B", b, 0, 1, 602, 0)
	want(t, "B status", query(t, st, `SELECT status FROM deploys WHERE external_id = 'CHG0030001'`), "failed")

	// A cannot be rolled back while B (later) touched one of its rows.
	_, err := st.RollbackImport(ctx, a.ImportID, cli)
	if !errors.Is(err, store.ErrRollbackConflict) || !strings.Contains(err.Error(), fmt.Sprintf("import %d changed 1", b.ImportID)) {
		t.Fatalf("rollback A first: %v", err)
	}
	rb, err := st.RollbackImport(ctx, b.ImportID, cli)
	if err != nil || rb.Restored != 1 || rb.Deleted != 0 {
		t.Fatalf("rollback B: %+v %v", rb, err)
	}
	want(t, "restored", query(t, st, `SELECT status FROM deploys WHERE external_id = 'CHG0030001'`), "success")
	if checksumData(t, st) != afterA {
		t.Fatal("rolling back B did not restore the state after A")
	}
	if _, err := st.RollbackImport(ctx, b.ImportID, cli); err == nil || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("second rollback of B: %v", err)
	}
	rb, err = st.RollbackImport(ctx, a.ImportID, cli)
	if err != nil || rb.Deleted != 603 {
		t.Fatalf("rollback A: %+v %v", rb, err)
	}
	if checksumData(t, st) != empty {
		t.Fatal("rolling back A did not restore the empty database (services created by A should go too)")
	}
	hist, err := st.Imports(ctx, 0)
	if err != nil || len(hist) != 2 || hist[0].Status != "rolled_back" || hist[1].Status != "rolled_back" || hist[0].RolledBackAt == nil {
		t.Fatalf("history %+v %v", hist, err)
	}
}

// checksumData hashes the record tables only (not the import log).
func checksumData(t *testing.T, st *store.Store) string {
	t.Helper()
	saved := dataTables
	dataTables = dataTables[:len(dataTables)-2]
	defer func() { dataTables = saved }()
	return checksum(t, st)
}

func TestOverrideSurvivesReimport(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	data := fixture(t, "servicenow_incidents.csv")
	apply(t, st, "inc.csv", data, createAll())
	var id int64
	if err := st.Writer().QueryRow(`SELECT id FROM incidents WHERE external_id = 'INC0010124'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Writer().Exec(`INSERT INTO incident_overrides (incident_id, severity, started_at, updated_at) VALUES (?, 1, '2026-07-01T12:00:00Z', ?)`,
		id, store.FormatTime(time.Now())); err != nil {
		t.Fatal(err)
	}
	changed := corrupt(t, data, `"notifications dependency timeout (upstream)","Renée Müller"`, `"notifications: upstream timeout","Renée Müller"`)
	r := apply(t, st, "inc.csv", changed, createAll())
	counts(t, "re-import", r, 0, 1, 160, 0)
	in, err := st.IncidentByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if in.Title != "notifications: upstream timeout" || in.Severity != 1 || in.StartedAt == nil || store.FormatTime(*in.StartedAt) != "2026-07-01T12:00:00Z" {
		t.Fatalf("after re-import: title %q severity %d started %v", in.Title, in.Severity, in.StartedAt)
	}
	want(t, "imported severity kept apart", query(t, st, `SELECT severity FROM incidents WHERE id = ?`, id), "3")
}

func TestPagesNeedTheirIncident(t *testing.T) {
	st := testutil.NewStore(t)
	_, err := st.ApplyBatch(context.Background(), parse(t, "le.json", byPhone(t, "pagerduty_api_log_entries.json")), createAll())
	var ie *store.ImportError
	if !errors.As(err, &ie) || len(ie.Errors) != 15 || !strings.Contains(ie.Errors[0].Reason, "import the incidents first") || ie.Errors[0].Line == 0 {
		t.Fatalf("log entries without incidents: %v", err)
	}
}

func TestMappingsAndAliases(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	m := imports.Mapping{Name: "ops sheet", Kind: "incidents", Columns: map[string]string{"service": "Svc", "detected_at": "Opened", "title": "What"},
		DateLayout: "dd/mm/yyyy"}
	if err := st.SaveMapping(ctx, m, cli); err != nil {
		t.Fatal(err)
	}
	m.Columns["severity"] = "Sev"
	if err := st.SaveMapping(ctx, m, cli); err != nil {
		t.Fatal(err)
	}
	got, err := st.Mapping(ctx, "ops sheet")
	if err != nil || got.Kind != "incidents" || got.Columns["severity"] != "Sev" || got.DateLayout != "dd/mm/yyyy" {
		t.Fatalf("mapping %+v %v", got, err)
	}
	// Whether a mapping can read a file is the importers' rule, checked
	// before the store sees it; the store refuses only a nameless one.
	bad := imports.Mapping{Name: "bad", Kind: "incidents", Columns: map[string]string{"title": "x"}}
	if err := ingest.ValidateMapping(&bad); err == nil {
		t.Fatal("mapping without required fields accepted")
	}
	if err := st.SaveMapping(ctx, imports.Mapping{Name: " ", Kind: "incidents"}, cli); err == nil {
		t.Fatal("mapping without a name saved")
	}
	all, err := st.Mappings(ctx)
	if err != nil || len(all) != 1 {
		t.Fatalf("mappings %v %v", all, err)
	}
	if _, err := st.Mapping(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing mapping: %v", err)
	}
	if err := st.DeleteMapping(ctx, "ops sheet", cli); err != nil {
		t.Fatal(err)
	}

	if err := st.SaveServiceAlias(ctx, "opsgenie", "svc-123", "checkout"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("alias to missing service: %v", err)
	}
	if _, err := st.Writer().Exec(`INSERT INTO services (name) VALUES ('checkout')`); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveServiceAlias(ctx, "opsgenie", "svc-123", "checkout"); err != nil {
		t.Fatal(err)
	}
	as, err := st.ServiceAliases(ctx)
	if err != nil || len(as) != 1 || as[0].Service != "checkout" {
		t.Fatalf("aliases %+v %v", as, err)
	}
	if err := st.DeleteServiceAlias(ctx, "opsgenie", "svc-123"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteServiceAlias(ctx, "opsgenie", "svc-123"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
}

// TestApplyLargeFile imports 100,000 incidents (PagerDuty CSV shape) and
// re-imports them, logging the timings.
func TestApplyLargeFile(t *testing.T) {
	if testing.Short() {
		t.Skip("large import")
	}
	ctx := context.Background()
	st := testutil.NewStore(t)
	var buf bytes.Buffer
	buf.WriteString("id,service_name,description,urgency,priority_name,status,created_at,resolved_at,seconds_to_first_ack\n")
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 100000
	for i := 0; i < n; i++ {
		at := base.Add(time.Duration(i) * 5 * time.Minute)
		fmt.Fprintf(&buf, "P%07d,svc-%02d,incident %d,high,P%d,resolved,%s,%s,%d\n", i, i%40, i, 1+i%4,
			at.Format(time.RFC3339), at.Add(42*time.Minute).Format(time.RFC3339), 60+i%600)
	}
	data := buf.Bytes()
	start := time.Now()
	b := parse(t, "big.csv", data)
	parsed := time.Since(start)
	progress := 0
	opt := createAll()
	opt.Progress = func(done, total int) { progress = done }
	r, err := st.ApplyBatch(ctx, b, opt)
	if err != nil {
		t.Fatal(err)
	}
	counts(t, "big", r, n, 0, 0, 0)
	if progress != n {
		t.Errorf("progress ended at %d", progress)
	}
	start = time.Now()
	r2, err := st.ApplyBatch(ctx, parse(t, "big.csv", data), createAll())
	if err != nil {
		t.Fatal(err)
	}
	counts(t, "big again", r2, 0, 0, n, 0)
	t.Logf("100k incidents (%d MiB): parse %v, first import %v, re-import (parse+apply) %v", len(data)>>20, parsed, r.Took, time.Since(start))
	if _, err := st.RollbackImport(ctx, r.ImportID, cli); err != nil {
		t.Fatal(err)
	}
	if c := count(t, st, `SELECT COUNT(*) FROM incidents`); c != 0 {
		t.Fatalf("%d incidents after rollback", c)
	}
}

// TestPagerDutyExportsConverge imports the three overlapping PagerDuty
// exports in every order: each order ends in the same tables, and a second
// pass over all three changes nothing.
func TestPagerDutyExportsConverge(t *testing.T) {
	files := []string{"pagerduty_api_incidents.json", "pagerduty_api_incidents_with_log_entries.json", "pagerduty_api_log_entries.json"}
	orders := [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}
	ctx := context.Background()
	state := func(st *store.Store) string {
		var b strings.Builder
		for _, q := range []string{
			`SELECT external_id, s.name, title, severity, severity_raw, status, detected_at, acknowledged_at, resolved_at, url
				FROM incidents i JOIN services s ON s.id = i.service_id ORDER BY external_id`,
			`SELECT p.external_id, s.name, i.external_id, p.incident_ref, p.title, p.urgency, p.triggered_at, p.acknowledged_at,
				p.resolved_at, p.auto_resolved, p.actionable
				FROM pages p JOIN services s ON s.id = p.service_id LEFT JOIN incidents i ON i.id = p.incident_id ORDER BY p.external_id`,
		} {
			rows, err := st.Writer().Query(q)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]sql.NullString, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				fmt.Fprintln(&b, vals)
			}
			rows.Close()
		}
		return b.String()
	}
	var first string
	for _, order := range orders {
		names := make([]string, len(order))
		for i, o := range order {
			names[i] = files[o]
		}
		t.Run(strings.Join(names, "+"), func(t *testing.T) {
			st := testutil.NewStore(t)
			for _, f := range names {
				_, err := st.ApplyBatch(ctx, parse(t, f, byPhone(t, f)), createAll())
				var ie *store.ImportError
				if errors.As(err, &ie) && f == files[2] && count(t, st, `SELECT COUNT(*) FROM incidents`) == 0 {
					continue // log entries before any incident: refused, the pages need their incidents
				}
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
			}
			got := state(st)
			if n := count(t, st, `SELECT COUNT(*) FROM pages`); n != 15 {
				t.Errorf("%d pages, want the 15 notify pages", n)
			}
			want(t, "acks kept", query(t, st, `SELECT acknowledged_at FROM incidents WHERE external_id = 'Q3YON8WNWTZMRQ'`), "2022-11-03T06:23:07Z")
			want(t, "urgency and title kept", query(t, st, `SELECT COUNT(*) FROM pages WHERE urgency = '' OR title LIKE '[#%'`), "0")
			if first == "" {
				first = got
			} else if got != first {
				t.Errorf("final tables differ from the first order's:\n%s\nvs\n%s", got, first)
			}
			for _, f := range names {
				r, err := st.ApplyBatch(ctx, parse(t, f, byPhone(t, f)), createAll())
				if err != nil {
					t.Fatalf("second pass %s: %v", f, err)
				}
				if r.Inserted != 0 || r.Updated != 0 || r.Removed != 0 || r.Rejected != 0 {
					t.Errorf("second pass %s: %+v", f, r)
				}
				if n := count(t, st, `SELECT COUNT(*) FROM import_changes WHERE import_id = ?`, r.ImportID); n != 0 {
					t.Errorf("second pass %s recorded %d changes", f, n)
				}
			}
			if state(st) != got {
				t.Error("the second pass changed the tables")
			}
		})
	}
}

// TestRollbackRestoresRemovedPages rolls back the import that replaced
// stand-in trigger pages: they come back.
func TestRollbackRestoresRemovedPages(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	apply(t, st, "inc.json", fixture(t, "pagerduty_api_incidents.json"), createAll())
	before := checksumData(t, st)
	r := apply(t, st, "le.json", byPhone(t, "pagerduty_api_log_entries.json"), createAll())
	if r.Removed != 3 {
		t.Fatalf("removed %d", r.Removed)
	}
	rb, err := st.RollbackImport(ctx, r.ImportID, cli)
	if err != nil || rb.Deleted != 15 || rb.Restored != 3 {
		t.Fatalf("rollback %+v %v", rb, err)
	}
	if checksumData(t, st) != before {
		t.Fatal("rollback did not bring back the state before the log entries")
	}
}

// TestImportAudit: an import writes one summary audit row in its
// transaction; a refused import and a dry run write none; rollbacks and
// mapping changes are audited too.
func TestImportAudit(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	audits := func() []store.AuditEntry {
		t.Helper()
		es, err := st.AuditEntries(ctx, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	data := fixture(t, "servicenow_changes.csv")
	if _, err := st.ApplyBatch(ctx, parse(t, "changes.csv", data), store.ApplyOptions{FileName: "changes.csv"}); err == nil {
		t.Fatal("unknown services accepted")
	}
	opt := createAll()
	opt.DryRun = true
	if _, err := st.ApplyBatch(ctx, parse(t, "changes.csv", data), opt); err != nil {
		t.Fatal(err)
	}
	if n := len(audits()); n != 0 {
		t.Fatalf("a failed import and a dry run wrote %d audit rows", n)
	}
	opt = createAll()
	opt.SHA256, opt.Audit = "abc123", store.Audit{UserID: 0, Actor: "ann@example.com", ClientAddr: "192.0.2.7"}
	r := apply(t, st, "changes.csv", data, opt)
	es := audits()
	if len(es) != 1 {
		t.Fatalf("%d audit rows after one import", len(es))
	}
	e := es[0]
	if e.Action != "import" || e.Entity != "imports" || e.EntityID != fmt.Sprint(r.ImportID) || e.Actor != "ann@example.com" || e.ClientAddr != "192.0.2.7" ||
		!strings.Contains(e.After, `"format":"servicenow-change-csv"`) || !strings.Contains(e.After, `"file_name":"changes.csv"`) ||
		!strings.Contains(e.After, `"sha256":"abc123"`) || !strings.Contains(e.After, `"inserted":603`) {
		t.Fatalf("audit row %+v", e)
	}
	if _, err := st.RollbackImport(ctx, r.ImportID, store.Audit{Actor: "admin@example.com"}); err != nil {
		t.Fatal(err)
	}
	if e := audits()[0]; e.Action != "rollback" || e.Entity != "imports" || e.EntityID != fmt.Sprint(r.ImportID) || e.Actor != "admin@example.com" ||
		!strings.Contains(e.After, `"deleted":603`) {
		t.Fatalf("rollback audit %+v", e)
	}
	m := imports.Mapping{Name: "sheet", Kind: "incidents", Columns: map[string]string{"service": "Svc", "detected_at": "Opened"},
		SeverityMap: map[string]int{"Crit": 1}, Jira: imports.JiraFields{Service: "Custom field (Team service)"}}
	if err := st.SaveMapping(ctx, m, cli); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveMapping(ctx, m, cli); err != nil {
		t.Fatal(err)
	}
	got, err := st.Mapping(ctx, "sheet")
	if err != nil || got.SeverityMap["Crit"] != 1 || got.Jira.Service != "Custom field (Team service)" {
		t.Fatalf("saved mapping options %+v %v", got, err)
	}
	if err := st.DeleteMapping(ctx, "sheet", cli); err != nil {
		t.Fatal(err)
	}
	es = audits()
	if len(es) != 5 || es[0].Action != "delete" || es[1].Action != "update" || es[2].Action != "create" || es[0].Entity != "import_mappings" ||
		es[0].EntityID != "sheet" || es[0].Before == "" {
		t.Fatalf("mapping audits %+v", es[:3])
	}
}

// TestRollbackRefusesUsersData: a rollback would delete incidents users
// edited, linked or hung action items on; it is refused, naming them.
func TestRollbackRefusesUsersData(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	r := apply(t, st, "inc.csv", fixture(t, "servicenow_incidents.csv"), createAll())
	var id int64
	if err := st.Writer().QueryRow(`SELECT id FROM incidents WHERE external_id = 'INC0010124'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Writer().Exec(`INSERT INTO incident_overrides (incident_id, postmortem_due_at, updated_at) VALUES (?, '2026-08-01T00:00:00Z', ?)`,
		id, store.FormatTime(time.Now())); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Writer().Exec(`INSERT INTO action_items (incident_id, service_id, title, source, external_id)
		SELECT id, service_id, 'Add a retry', 'app', 'app-1' FROM incidents WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	sum := checksum(t, st)
	_, err := st.RollbackImport(ctx, r.ImportID, cli)
	if !errors.Is(err, store.ErrRollbackUserData) || !strings.Contains(err.Error(), fmt.Sprintf("incident #%d has edits made in sreport (postmortem)", id)) ||
		!strings.Contains(err.Error(), "created in sreport (Add a retry)") || !strings.Contains(err.Error(), "remove them first or keep the import") {
		t.Fatalf("rollback over users' data: %v", err)
	}
	if checksum(t, st) != sum {
		t.Fatal("a refused rollback changed the database")
	}
	if es, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "imports"}); len(es) != 1 {
		t.Fatalf("refused rollback audited: %+v", es)
	}
	if _, err := st.Writer().Exec(`DELETE FROM incident_overrides`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Writer().Exec(`DELETE FROM action_items WHERE source = 'app'`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RollbackImport(ctx, r.ImportID, cli); err != nil {
		t.Fatalf("rollback once the users' data is gone: %v", err)
	}
	if _, err := st.RollbackImport(ctx, r.ImportID, cli); !errors.Is(err, store.ErrNotRollbackable) {
		t.Fatalf("second rollback: %v", err)
	}
}
