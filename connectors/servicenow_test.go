package connectors_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"sreport/analytics/ingest"
	"sreport/connectors"
	"sreport/testutil"
)

const snCred = "sreport.integration:Sn0w-Replay-Pass"

// snServer replays the ServiceNow Table API for incident and
// change_request: sysparm_query with a sys_updated_on>= bound (UTC) and
// ORDERBY, sysparm_offset/sysparm_limit with Link rel="next", records with
// sysparm_display_value=all pairs (date-times displayed in the API user's
// zone, America/Los_Angeles).
type snServer struct {
	t       *testing.T
	mu      sync.Mutex
	base    string
	tables  map[string][]map[string]any
	perPage int
	queries []string
}

func newSNServer(t *testing.T) *snServer {
	s := &snServer{t: t, tables: map[string][]map[string]any{}, perPage: 40}
	for _, tb := range []string{"incident", "change_request"} {
		var doc struct {
			Result []map[string]any `json:"result"`
		}
		readJSON(t, real+"/servicenow/"+tb+".json", &doc)
		s.tables[tb] = doc.Result
	}
	return s
}

var snQuery = regexp.MustCompile(`^(?:(.*)\^)?sys_updated_on>=(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\^ORDERBYsys_updated_on\^ORDERBYsys_id$`)

func snVal(rec map[string]any, k string) string {
	m, _ := rec[k].(map[string]any)
	v, _ := m["value"].(string)
	return v
}

func (s *snServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(snCred)) {
		w.WriteHeader(http.StatusUnauthorized)
		writeJSON(w, map[string]any{"error": map[string]any{"message": "User Not Authenticated", "detail": "Required to provide Auth information"}, "status": "failure"})
		return
	}
	tb := strings.TrimPrefix(r.URL.Path, "/api/now/table/")
	recs, ok := s.tables[tb]
	q := r.URL.Query()
	m := snQuery.FindStringSubmatch(q.Get("sysparm_query"))
	if !ok || m == nil || q.Get("sysparm_display_value") != "all" || q.Get("sysparm_exclude_reference_link") != "true" || q.Get("sysparm_limit") != "100" {
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]any{"error": map[string]any{"message": "Invalid request " + r.URL.RawQuery}, "status": "failure"})
		return
	}
	s.queries = append(s.queries, q.Get("sysparm_query"))
	var in []map[string]any
	for _, rec := range recs {
		if snVal(rec, "sys_updated_on") >= m[2] && (m[1] == "" || m[1] == "priority<=2" && snVal(rec, "priority") <= "2") {
			in = append(in, rec)
		}
	}
	sort.SliceStable(in, func(i, j int) bool {
		a, b := snVal(in[i], "sys_updated_on"), snVal(in[j], "sys_updated_on")
		if a != b {
			return a < b
		}
		return snVal(in[i], "sys_id") < snVal(in[j], "sys_id")
	})
	offset, _ := strconv.Atoi(q.Get("sysparm_offset"))
	end := min(offset+s.perPage, len(in))
	w.Header().Set("X-Total-Count", strconv.Itoa(len(in)))
	if end < len(in) {
		q.Set("sysparm_offset", strconv.Itoa(end))
		w.Header().Set("Link", fmt.Sprintf(`<%s%s?%s>;rel="next"`, s.base, r.URL.Path, q.Encode()))
	}
	writeJSON(w, map[string]any{"result": in[min(offset, len(in)):end]})
}

// TestServiceNowSync: incidents and changes over several pages (a 429 and
// a 500 on the way): the stored incidents and deploys equal a file import
// of the list exports of the same records — date-times from the UTC
// values, not the displayed local ones, choices and references by display
// value, caused_by linking incidents to the changes — and a second sync
// changes nothing.
func TestServiceNowSync(t *testing.T) {
	sn := newSNServer(t)
	f := &faults{}
	f.on("/api/now/table/incident", 2, tooMany("4"))
	f.on("/api/now/table/change_request", 3, serverError)
	srv := newServer(t, f, sn)
	sn.base = srv.URL
	h := newHarness(t, mustTime("2026-12-01T00:00:00Z"))
	id := h.add(connectors.Spec{Name: "snow", Kind: connectors.ServiceNow, BaseURL: srv.URL, Since: mustTime("2026-06-01T00:00:00Z"), CreateServices: true}, snCred)
	run := h.mustRun(id)
	if run.Retries != 2 || run.Rejected != 0 {
		t.Errorf("run: %d retries, %d rejected", run.Retries, run.Rejected)
	}
	ref := testutil.NewStore(t)
	importFile(t, ref, "../testdata/fixtures/servicenow_incidents.csv", "servicenow-csv", ingest.Options{})
	importFile(t, ref, "../testdata/fixtures/servicenow_changes.csv", "servicenow-change-csv", ingest.Options{})
	sameRows(t, "incidents", h.st, ref)
	sameRows(t, "deploys", h.st, ref)
	want := "servicenow | INC0010124 | notifications | notifications dependency timeout (upstream) | 3 | 3 - Moderate | resolved | 0 | ∅ | " +
		"2026-07-01T12:23:14Z | ∅ | ∅ | 2026-07-01T13:31:54Z |  | Network | PRB0040000 | CHG0030383 | CHG0030383 | ∅ | ∅ |  | "
	found := false
	for _, r := range dump(t, h.st, "incidents") {
		if strings.Contains(r, "| INC0010124 |") {
			found = true
			if r != want {
				t.Errorf("INC0010124:\n%s\nwant\n%s", r, want)
			}
		}
	}
	if !found {
		t.Error("INC0010124 not stored")
	}
	if n := count(t, h.st, `SELECT COUNT(*) FROM incidents WHERE caused_by_deploy_id IS NOT NULL`); n == 0 {
		t.Error("no incident is linked to the change that caused it")
	}
	if !strings.HasPrefix(sn.queries[0], "sys_updated_on>=2026-06-01 00:00:00^") {
		t.Errorf("first query %q", sn.queries[0])
	}
	again := h.mustRun(id)
	if again.Inserted+again.Updated != 0 {
		t.Errorf("second sync: %+v", again)
	}
}

// TestServiceNowQuery: the connector's encoded query narrows the records.
func TestServiceNowQuery(t *testing.T) {
	sn := newSNServer(t)
	srv := newServer(t, &faults{}, sn)
	sn.base = srv.URL
	h := newHarness(t, mustTime("2026-12-01T00:00:00Z"))
	id := h.add(connectors.Spec{Name: "snow-p1", Kind: connectors.ServiceNow, BaseURL: srv.URL, Since: mustTime("2026-06-01T00:00:00Z"), CreateServices: true,
		Settings: connectors.Settings{Records: []string{"incident"}, Query: "priority<=2"}}, snCred)
	h.mustRun(id)
	n := count(t, h.st, `SELECT COUNT(*) FROM incidents`)
	if n == 0 || n != count(t, h.st, `SELECT COUNT(*) FROM incidents WHERE severity IN (1, 2)`) || count(t, h.st, `SELECT COUNT(*) FROM deploys`) != 0 {
		t.Errorf("%d incidents of priority 1-2 only, no changes", n)
	}
	if _, err := connectors.Validate(connectors.ServiceNow, srv.URL, connectors.Settings{Query: "active=true^NQpriority=1"}); err == nil {
		t.Error("a query with ^NQ was accepted")
	}
}
