package connectors_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/connectors"
	"sreport/testutil"
)

// replayCase is one kind's replay server and the file import its records
// must equal.
type replayCase struct {
	name   string
	now    time.Time
	spec   func(url string) connectors.Spec
	cred   string
	server func(t *testing.T, f *faults) string // returns the server's URL
	list   string                               // path prefix of the list requests
	nth    int                                  // the list request during which the run is cancelled
	tables []string
	ref    func(t *testing.T) *store.Store
}

func replayCases() []replayCase {
	return []replayCase{
		{name: "opsgenie", now: mustTime("2023-09-10T00:00:00Z"), cred: ogKey, list: "/v2/alerts", nth: 5, tables: []string{"pages", "incidents"},
			spec: func(u string) connectors.Spec {
				return connectors.Spec{Kind: connectors.Opsgenie, BaseURL: u, Since: mustTime("2023-09-01T00:00:00Z"), CreateServices: true}
			},
			server: func(t *testing.T, f *faults) string {
				og := newOGServer(t)
				srv := newServer(t, f, og)
				og.base = srv.URL
				return srv.URL
			}, ref: ogFileStore},
		{name: "github deployments", now: mustTime("2026-03-01T00:00:00Z"), cred: ghToken, list: "/repos/facebook/OpenBIC/deployments", nth: 5, tables: []string{"deploys"},
			spec: func(u string) connectors.Spec {
				return connectors.Spec{Kind: connectors.GitHub, BaseURL: u, Since: mustTime("2024-01-01T00:00:00Z"), CreateServices: true,
					Settings: connectors.Settings{Repos: []string{"facebook/OpenBIC"}}}
			},
			server: func(t *testing.T, f *faults) string {
				gh := newGHServer(t, "")
				srv := newServer(t, f, gh)
				gh.base = srv.URL
				return srv.URL
			},
			ref: func(t *testing.T) *store.Store {
				ref := testutil.NewStore(t)
				importFile(t, ref, real+"/github/deployments_with_statuses.json", "github-deployments", ingest.Options{})
				return ref
			}},
		{name: "github runs", now: mustTime("2022-09-10T00:00:00Z"), cred: ghToken, list: "/repos/panjf2000/ants/actions/runs", nth: 3, tables: []string{"deploys"},
			spec: func(u string) connectors.Spec {
				return connectors.Spec{Kind: connectors.GitHub, BaseURL: u, Since: mustTime("2022-06-01T00:00:00Z"), CreateServices: true,
					Settings: connectors.Settings{Repos: []string{"panjf2000/ants"}, Records: []string{"runs"}}}
			},
			server: func(t *testing.T, f *faults) string {
				gh := newGHServer(t, "")
				gh.perPage = 10
				srv := newServer(t, f, gh)
				gh.base = srv.URL
				return srv.URL
			},
			ref: func(t *testing.T) *store.Store {
				ref := testutil.NewStore(t)
				importFile(t, ref, real+"/github/workflow_runs.json", "github-actions-runs", ingest.Options{})
				return ref
			}},
		{name: "gitlab deployments", now: mustTime("2019-04-01T00:00:00Z"), cred: glToken, list: "/api/v4/projects/12345678/deployments", nth: 2, tables: []string{"deploys"},
			spec: func(u string) connectors.Spec {
				return connectors.Spec{Kind: connectors.GitLab, BaseURL: u, Since: mustTime("2019-03-01T00:00:00Z"), CreateServices: true,
					Settings: connectors.Settings{Projects: []string{"12345678"}}}
			},
			server: func(t *testing.T, f *faults) string {
				gl := newGLServer(t)
				srv := newServer(t, f, gl)
				gl.base = srv.URL
				return srv.URL
			},
			ref: func(t *testing.T) *store.Store {
				ref := testutil.NewStore(t)
				importFile(t, ref, real+"/gitlab/deployments.json", "gitlab-deployments", ingest.Options{})
				return ref
			}},
		{name: "jira", now: mustTime("2026-08-01T00:00:00Z"), cred: jiraCred, list: "/rest/api/2/search", nth: 3, tables: []string{"incidents", "action_items"},
			spec: func(u string) connectors.Spec {
				return connectors.Spec{Kind: connectors.Jira, BaseURL: u, Since: mustTime("2026-06-30T22:30:00Z"), CreateServices: true,
					Settings: connectors.Settings{JQL: "project = OPS", JiraAPI: "datacenter"}}
			},
			server: func(t *testing.T, f *faults) string {
				return newServer(t, f, newJiraServer(t, real+"/jira/search.json")).URL
			},
			ref: func(t *testing.T) *store.Store {
				// The API holds two follow-up tasks the CSV export lacks:
				// compare incidents, and count the action items apart.
				ref := testutil.NewStore(t)
				importFile(t, ref, "../testdata/fixtures/jira_incidents.csv", "jira-csv", ingest.Options{})
				return ref
			}},
		{name: "servicenow", now: mustTime("2026-12-01T00:00:00Z"), cred: snCred, list: "/api/now/table/", nth: 4, tables: []string{"incidents", "deploys"},
			spec: func(u string) connectors.Spec {
				return connectors.Spec{Kind: connectors.ServiceNow, BaseURL: u, Since: mustTime("2026-06-01T00:00:00Z"), CreateServices: true}
			},
			server: func(t *testing.T, f *faults) string {
				sn := newSNServer(t)
				srv := newServer(t, f, sn)
				sn.base = srv.URL
				return srv.URL
			},
			ref: func(t *testing.T) *store.Store {
				ref := testutil.NewStore(t)
				importFile(t, ref, "../testdata/fixtures/servicenow_incidents.csv", "servicenow-csv", ingest.Options{})
				importFile(t, ref, "../testdata/fixtures/servicenow_changes.csv", "servicenow-change-csv", ingest.Options{})
				return ref
			}},
		{name: "jenkins", now: mustTime("2022-04-26T00:00:00Z"), cred: jenkinsCred, list: "/job/", nth: 2, tables: []string{"deploys"},
			spec: func(u string) connectors.Spec {
				return connectors.Spec{Kind: connectors.Jenkins, BaseURL: u, Since: mustTime("2022-04-01T00:00:00Z"), CreateServices: true,
					Settings: connectors.Settings{Jobs: []string{"Test-jenkins-dir/test-jenkins-sub-dir/test-sub-sub-dir/devlake"}}}
			},
			server: func(t *testing.T, f *faults) string {
				var ranges []string
				return newServer(t, f, jenkinsServer(t, jenkinsJob(t), &ranges)).URL
			},
			ref: func(t *testing.T) *store.Store { return jenkinsFileStore(t, jenkinsJob(t)) }},
	}
}

// insertsOnce fails unless every stored row of the tables was inserted
// exactly once over all runs: no page written twice, none lost.
func insertsOnce(t *testing.T, st *store.Store, tables []string) {
	t.Helper()
	for _, tb := range tables {
		// An inserted row is known by its import_id (import_changes holds
		// only updates and deletes), and the key is unique: each stored row
		// must carry the import of the run that inserted it.
		rows := count(t, st, `SELECT COUNT(*) FROM `+tb)
		ins := count(t, st, `SELECT COUNT(*) FROM `+tb+` WHERE import_id IN (SELECT id FROM imports)`)
		if rows == 0 || ins != rows {
			t.Errorf("%s: %d rows, %d inserted by a recorded import", tb, rows, ins)
		}
	}
}

// TestKilledAndResumed runs every paged kind three times: cancelled while
// a page is on its way, then failing in the transaction of its next page,
// then to the end. Each run resumes after the last committed page; the
// rows equal the file import of the same records and each was inserted
// once.
func TestKilledAndResumed(t *testing.T) {
	for _, tc := range replayCases() {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.now)
			f := &faults{}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f.on(tc.list, tc.nth, func(w http.ResponseWriter, r *http.Request) bool {
				cancel() // the process is stopped while this page is on its way
				return false
			})
			url := tc.server(t, f)
			id := h.add(tc.spec(url), tc.cred)
			run, err := h.run(ctx, id)
			if err == nil || run.Status != store.RunInterrupted {
				t.Fatalf("cancelled run: %s %v", run.Status, err)
			}
			committed := run.Pages
			if committed == 0 || count(t, h.st, `SELECT COUNT(*) FROM imports`) == 0 {
				t.Fatalf("the cancelled run committed %d pages: cancel later to test a resume", committed)
			}
			if _, err := h.st.Writer().Exec(fmt.Sprintf(`CREATE TRIGGER fail_commit BEFORE UPDATE OF cursor ON connectors
				WHEN (SELECT pages FROM connector_runs ORDER BY id DESC LIMIT 1) = 2
				BEGIN SELECT RAISE(ABORT, 'simulated failure of page %d'); END`, committed+2)); err != nil {
				t.Fatal(err)
			}
			run, err = h.run(context.Background(), id)
			if err == nil || run.Status != store.RunFailed || !strings.Contains(run.Error, "simulated failure") || run.Pages != 1 {
				t.Fatalf("run with a failing page: %s, %d pages, %q", run.Status, run.Pages, run.Error)
			}
			if _, err := h.st.Writer().Exec(`DROP TRIGGER fail_commit`); err != nil {
				t.Fatal(err)
			}
			h.mustRun(id)
			ref := tc.ref(t)
			for _, tb := range tc.tables {
				if tc.name == "jira" && tb == "action_items" {
					if n := count(t, h.st, `SELECT COUNT(*) FROM action_items`); n != 2 {
						t.Errorf("%d action items, want 2", n)
					}
					continue
				}
				sameRows(t, tb, h.st, ref)
			}
			insertsOnce(t, h.st, tc.tables)
			again := h.mustRun(id)
			if again.Inserted+again.Updated+again.Rejected != 0 {
				t.Errorf("sync after the resumed one: %+v", again)
			}
		})
	}
}

// TestRefusedCredential: every kind stops on its vendor's 401 without a
// retry, and the status carries the vendor's HTTP status, never the
// credential.
func TestRefusedCredential(t *testing.T) {
	for _, tc := range replayCases() {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.now)
			f := &faults{}
			id := h.add(tc.spec(tc.server(t, f)), "expired-credential-0000")
			run, err := h.run(context.Background(), id)
			var ae *connectors.AuthError
			c := h.connector(id)
			if run.Status != store.RunStopped || !errorsAs(err, &ae) || c.Status != store.ConnectorStopped ||
				!strings.Contains(c.StatusMessage, "HTTP 401") || strings.Contains(c.StatusMessage, "expired-credential") {
				t.Fatalf("%s %v %q", run.Status, err, c.StatusMessage)
			}
			if len(h.waited()) != 0 || len(f.requests()) != 1 {
				t.Errorf("retried a refused credential: %v", f.requests())
			}
		})
	}
}
