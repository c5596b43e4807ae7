package connectors_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"sreport/analytics/ingest"
	"sreport/analytics/store"
)

// fileOf is one export file a connector's records also come in.
type fileOf struct {
	path, format string
}

// convergeFiles names, for each replay case, the file exports of the same
// records (the files the replay cases' ref stores are built from).
var convergeFiles = map[string][]fileOf{
	"opsgenie":           {{real + "/opsgenie/alerts.json", "opsgenie-api"}, {real + "/opsgenie/incidents.json", "opsgenie-api"}},
	"github deployments": {{real + "/github/deployments_with_statuses.json", "github-deployments"}},
	"github runs":        {{real + "/github/workflow_runs.json", "github-actions-runs"}},
	"gitlab deployments": {{real + "/gitlab/deployments.json", "gitlab-deployments"}},
	"jira":               {{"../testdata/fixtures/jira_incidents.csv", "jira-csv"}},
	"servicenow":         {{"../testdata/fixtures/servicenow_incidents.csv", "servicenow-csv"}, {"../testdata/fixtures/servicenow_changes.csv", "servicenow-change-csv"}},
}

// TestConnectorAndFileImportConverge syncs each connector into a database
// and then imports the file export of the same records into that same
// database: the file import finds every record already stored under the
// same source and external id, inserts nothing and changes nothing. (The
// replay tests compare the two paths in separate databases; this is the
// user's case of switching from uploads to a connector, or back.)
func TestConnectorAndFileImportConverge(t *testing.T) {
	type tcase struct {
		name   string
		h      *harness
		id     int64
		tables []string
		files  []fileOf
	}
	var cases []tcase
	for _, rc := range replayCases() {
		files, ok := convergeFiles[rc.name]
		if rc.name == "jenkins" {
			files, ok = []fileOf{{jenkinsJobFile(t, jenkinsJob(t)), "jenkins-builds"}}, true
		}
		if !ok {
			continue
		}
		h := newHarness(t, rc.now)
		id := h.add(rc.spec(rc.server(t, &faults{})), rc.cred)
		cases = append(cases, tcase{rc.name, h, id, rc.tables, files})
	}
	if len(cases) != len(convergeFiles)+1 { // and Jenkins
		t.Fatalf("%d replay cases found for %d file sets", len(cases), len(convergeFiles))
	}
	{
		h := newHarness(t, pdNow)
		id := h.add(pdSpec(newServer(t, &faults{}, newPDServer(t)).URL), pdKey)
		cases = append(cases, tcase{"pagerduty", h, id, []string{"incidents"},
			[]fileOf{{real + "/pagerduty/incidents_with_log_entries.json", "pagerduty-api"}}})
	}
	{
		srv := newServer(t, &faults{}, argoReplay(t))
		h := newHarness(t, mustTime("2026-08-01T00:00:00Z"))
		id := h.add(argoSpec(srv.URL), argoToken)
		cases = append(cases, tcase{"argocd", h, id, []string{"deploys"}, []fileOf{{real + "/argocd/applications.json", "argocd-app"}}})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run := tc.h.mustRun(tc.id)
			if run.Inserted == 0 {
				t.Fatalf("the connector stored nothing: %+v", run)
			}
			before := map[string][]string{}
			stored := 0
			for _, tb := range tc.tables {
				before[tb] = dump(t, tc.h.st, tb)
				stored += len(before[tb])
			}
			changes := count(t, tc.h.st, `SELECT COUNT(*) FROM import_changes`)
			unchanged := 0
			for _, f := range tc.files {
				res := importFile(t, tc.h.st, f.path, f.format, ingest.Options{})
				if res.Inserted != 0 || res.Updated != 0 || res.Removed != 0 {
					t.Errorf("%s after the connector: inserted %d, updated %d, removed %d (unchanged %d)",
						filepath.Base(f.path), res.Inserted, res.Updated, res.Removed, res.Unchanged)
				}
				unchanged += res.Unchanged
			}
			if unchanged == 0 {
				t.Error("the file import matched no stored record")
			}
			for _, tb := range tc.tables {
				if after := dump(t, tc.h.st, tb); strings.Join(after, "\n") != strings.Join(before[tb], "\n") {
					t.Errorf("%s changed by the file import: %d rows before, %d after", tb, len(before[tb]), len(after))
				}
			}
			if n := count(t, tc.h.st, `SELECT COUNT(*) FROM import_changes`); n != changes {
				t.Errorf("the file import recorded %d changes", n-changes)
			}
			// And the other way round: a sync after the file import changes nothing.
			again, err := tc.h.run(context.Background(), tc.id)
			if err != nil || again.Status != store.RunOK || again.Inserted+again.Updated+again.Rejected != 0 {
				t.Errorf("sync after the file import: %+v %v", again, err)
			}
			t.Logf("%s: %d rows from the connector; the file import found %d of its records unchanged", tc.name, stored, unchanged)
		})
	}
}
