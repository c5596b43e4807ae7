package connectors_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sreport/analytics/ingest"
	"sreport/connectors"
	"sreport/testutil"
)

const jiraCred = "sre-bot@example.com:ATATT3xFfGF0replay"

// jiraServer replays Jira's issue search: Cloud's /rest/api/2/search/jql
// (nextPageToken, isLast) and Data Center's /rest/api/2/search (startAt,
// total), ordered by updated and key, with the JQL's updated bound read in
// the API user's time zone (myself).
type jiraServer struct {
	t       *testing.T
	mu      sync.Mutex
	doc     map[string]json.RawMessage
	issues  []map[string]any
	zone    *time.Location
	perPage int
	tokens  map[string]int
	jqls    []string
}

func newJiraServer(t *testing.T, file string) *jiraServer {
	s := &jiraServer{t: t, perPage: 25, tokens: map[string]int{}}
	s.zone, _ = time.LoadLocation("Europe/Berlin")
	readJSON(t, file, &s.doc)
	if err := json.Unmarshal(s.doc["issues"], &s.issues); err != nil {
		t.Fatal(err)
	}
	return s
}

var jqlUpdated = regexp.MustCompile(`^\((.*)\) AND updated >= "(\d{4}-\d\d-\d\d \d\d:\d\d)" ORDER BY updated ASC, key ASC$`)

func issueNum(key string) int {
	n, _ := strconv.Atoi(key[strings.LastIndexByte(key, '-')+1:])
	return n
}

func (s *jiraServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(jiraCred)) {
		w.WriteHeader(http.StatusUnauthorized)
		writeJSON(w, map[string]any{"errorMessages": []string{"Client must be authenticated to access this resource."}, "errors": map[string]any{}})
		return
	}
	if r.URL.Path == "/rest/api/2/myself" {
		writeJSON(w, map[string]any{"accountId": "5b10a2844c20165700ede21g", "timeZone": s.zone.String(), "active": true})
		return
	}
	q := r.URL.Query()
	m := jqlUpdated.FindStringSubmatch(q.Get("jql"))
	if m == nil || q.Get("fields") != "*navigable,comment" || q.Get("expand") != "names" || q.Get("maxResults") != "100" {
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]any{"errorMessages": []string{"Error in the JQL Query: " + q.Get("jql")}})
		return
	}
	s.jqls = append(s.jqls, q.Get("jql"))
	from, err := time.ParseInLocation("2006-01-02 15:04", m[2], s.zone)
	if err != nil {
		s.t.Fatal(err)
	}
	var in []map[string]any
	for _, is := range s.issues {
		f := is["fields"].(map[string]any)
		u, _ := time.Parse("2006-01-02T15:04:05.000-0700", f["updated"].(string))
		if !u.Before(from) && (m[1] != "project = OPS" || strings.HasPrefix(is["key"].(string), "OPS-")) {
			in = append(in, is)
		}
	}
	upd := func(x map[string]any) string { return x["fields"].(map[string]any)["updated"].(string) }
	sort.SliceStable(in, func(i, j int) bool {
		ui, uj := mustJiraTime(upd(in[i])), mustJiraTime(upd(in[j]))
		if !ui.Equal(uj) {
			return ui.Before(uj)
		}
		return issueNum(in[i]["key"].(string)) < issueNum(in[j]["key"].(string))
	})
	start := 0
	cloud := r.URL.Path == "/rest/api/2/search/jql"
	if cloud {
		if tok := q.Get("nextPageToken"); tok != "" {
			at, ok := s.tokens[tok+"|"+q.Get("jql")]
			if !ok {
				w.WriteHeader(http.StatusBadRequest)
				writeJSON(w, map[string]any{"errorMessages": []string{"Invalid nextPageToken"}})
				return
			}
			start = at
		}
	} else if r.URL.Path == "/rest/api/2/search" {
		start, _ = strconv.Atoi(q.Get("startAt"))
	} else {
		http.NotFound(w, r)
		return
	}
	end := min(start+s.perPage, len(in))
	out := map[string]any{"issues": in[min(start, len(in)):end], "names": s.doc["names"]}
	if cloud {
		out["isLast"] = end >= len(in)
		if end < len(in) {
			tok := base64.RawURLEncoding.EncodeToString([]byte("page-" + strconv.Itoa(end)))
			s.tokens[tok+"|"+q.Get("jql")] = end
			out["nextPageToken"] = tok
		}
	} else {
		out["startAt"], out["maxResults"], out["total"] = start, 100, len(in)
	}
	writeJSON(w, out)
}

func mustJiraTime(s string) time.Time {
	t, err := time.Parse("2006-01-02T15:04:05.000-0700", s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestJiraCloud: issues over several pages with nextPageToken, a 429 and a
// 500: the incidents equal a file import of Jira's CSV export of the same
// issues (same keys, services, severities, impact and mitigation times),
// the follow-up tasks become action items linked to their incidents, the
// JQL's bound is written in the user's time zone, and a second sync
// changes nothing.
func TestJiraCloud(t *testing.T) {
	js := newJiraServer(t, real+"/jira/search.json")
	f := &faults{}
	f.on("/rest/api/2/search/jql", 2, tooMany("5"))
	f.on("/rest/api/2/search/jql", 3, serverError)
	srv := newServer(t, f, js)
	h := newHarness(t, mustTime("2026-08-01T00:00:00Z"))
	id := h.add(connectors.Spec{Name: "jira", Kind: connectors.Jira, BaseURL: srv.URL, Since: mustTime("2026-06-30T22:30:00Z"), CreateServices: true,
		Settings: connectors.Settings{JQL: "project = OPS", JiraAPI: "cloud"}}, jiraCred)
	run := h.mustRun(id)
	if run.Retries != 2 {
		t.Errorf("%d retries, want 2", run.Retries)
	}
	if !strings.Contains(js.jqls[0], `updated >= "2026-07-01 00:30"`) {
		t.Errorf("first JQL %q: want the since bound in Europe/Berlin (2026-07-01 00:30)", js.jqls[0])
	}
	ref := testutil.NewStore(t)
	importFile(t, ref, "../testdata/fixtures/jira_incidents.csv", "jira-csv", ingest.Options{})
	sameRows(t, "incidents", h.st, ref)
	ai := dump(t, h.st, "action_items")
	want := []string{
		"jira | OPS-101 | notifications | OPS-1 | Add retry budget to notifications client | Bud Richman | 2026-07-15T00:00:00Z | ∅ | ",
		"jira | OPS-102 | notifications | OPS-2 | Alert on upstream timeout ratio | Bud Richman | 2026-07-10T00:00:00Z | 2026-07-08T09:00:00Z | ",
	}
	if strings.Join(ai, "\n") != strings.Join(want, "\n") {
		t.Errorf("action items:\n%s\nwant\n%s", strings.Join(ai, "\n"), strings.Join(want, "\n"))
	}
	again := h.mustRun(id)
	if again.Inserted+again.Updated != 0 || again.Fetched == 0 {
		t.Errorf("second sync: %+v", again)
	}
}

// TestJiraDataCenter: real Jira issues (DevLake's recorded board issues:
// stories, tasks and bugs in Chinese) read with startAt paging: no errors,
// and no incidents, since none is of an incident type — the importer's
// warning names the skipped types on the run.
func TestJiraDataCenter(t *testing.T) {
	js := newJiraServer(t, real+"/jira/devlake_board_issues.json")
	js.perPage = 10
	js.zone = time.UTC
	srv := newServer(t, &faults{}, js)
	h := newHarness(t, mustTime("2022-07-01T00:00:00Z"))
	id := h.add(connectors.Spec{Name: "jira-dc", Kind: connectors.Jira, BaseURL: srv.URL, Since: mustTime("2020-01-01T00:00:00Z"),
		Settings: connectors.Settings{JQL: "project = EE", JiraAPI: "datacenter"}}, jiraCred)
	run := h.mustRun(id)
	if run.Fetched < 33 || run.Rejected != 0 || run.Inserted != 0 {
		t.Errorf("run: fetched %d, inserted %d, rejected %d", run.Fetched, run.Inserted, run.Rejected)
	}
	joined := strings.Join(run.Warnings, "\n")
	if !strings.Contains(joined, `Jira issues skipped: neither incidents (an Issue Type containing "Incident") nor tasks of an incident (4 任务, 2 故事`) {
		t.Errorf("warnings:\n%s", joined)
	}
}
