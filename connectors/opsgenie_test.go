package connectors_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/connectors"
	"sreport/testutil"
)

const ogKey = "eb243592-faa2-4ba2-a551-1afdf565c889"

// ogServer replays Opsgenie's alert and incident APIs: lists filtered by a
// createdAt range query, sorted by createdAt, offset/limit with paging.next;
// single records by id.
type ogServer struct {
	t         *testing.T
	mu        sync.Mutex
	alerts    []map[string]any // list items (no details)
	full      map[string]map[string]any
	incidents []map[string]any
	perPage   int
	base      string
}

func newOGServer(t *testing.T) *ogServer {
	s := &ogServer{t: t, full: map[string]map[string]any{}, perPage: 2}
	var list, full, inc struct {
		Data []map[string]any `json:"data"`
	}
	readJSON(t, real+"/opsgenie/list_alerts.json", &list)
	readJSON(t, real+"/opsgenie/alerts.json", &full)
	readJSON(t, real+"/opsgenie/incidents.json", &inc)
	s.alerts, s.incidents = list.Data, inc.Data
	for _, a := range full.Data {
		s.full[a["id"].(string)] = a
	}
	return s
}

var ogRange = regexp.MustCompile(`^(?:\((.*)\) AND )?createdAt >= (\d+) AND createdAt < (\d+)$`)

func (s *ogServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("Authorization") != "GenieKey "+ogKey {
		w.WriteHeader(http.StatusUnauthorized)
		writeJSON(w, map[string]any{"message": "Could not authenticate", "took": 0.001, "requestId": "c1f1a2b3"})
		return
	}
	q := r.URL.Query()
	var list []map[string]any
	switch r.URL.Path {
	case "/v2/alerts":
		list = s.alerts
	case "/v1/incidents":
		list = s.incidents
	default:
		id := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		var rec map[string]any
		if strings.HasPrefix(r.URL.Path, "/v2/alerts/") {
			rec = s.full[id]
		} else {
			for _, in := range s.incidents {
				if in["id"] == id {
					rec = in
				}
			}
		}
		if rec == nil || q.Get("identifierType") != "id" {
			w.WriteHeader(http.StatusNotFound)
			writeJSON(w, map[string]any{"message": "Alert with id [" + id + "] does not exist", "took": 0.002})
			return
		}
		writeJSON(w, map[string]any{"data": rec, "took": 0.003, "requestId": "5f0e"})
		return
	}
	m := ogRange.FindStringSubmatch(q.Get("query"))
	if m == nil || q.Get("sort") != "createdAt" || q.Get("order") != "asc" || q.Get("limit") != "100" {
		w.WriteHeader(http.StatusUnprocessableEntity)
		writeJSON(w, map[string]any{"message": "bad query " + r.URL.RawQuery})
		return
	}
	from, _ := strconv.ParseInt(m[2], 10, 64)
	to, _ := strconv.ParseInt(m[3], 10, 64)
	var in []map[string]any
	for _, x := range list {
		c := pdTime(s.t, x["createdAt"]).UnixMilli()
		if c >= from && c < to && (m[1] == "" || strings.Contains(strings.Join(anyStrings(x["tags"]), " "), strings.TrimPrefix(m[1], "tag:"))) {
			in = append(in, x)
		}
	}
	sort.SliceStable(in, func(i, j int) bool { return pdTime(s.t, in[i]["createdAt"]).Before(pdTime(s.t, in[j]["createdAt"])) })
	offset, _ := strconv.Atoi(q.Get("offset"))
	end := min(offset+s.perPage, len(in))
	paging := map[string]any{"first": s.base + r.URL.Path + "?" + r.URL.RawQuery}
	if end < len(in) {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("offset", strconv.Itoa(end))
		paging["next"] = s.base + r.URL.Path + "?" + nq.Encode()
	}
	writeJSON(w, map[string]any{"data": in[min(offset, len(in)):end], "paging": paging, "took": 0.01, "requestId": "9ae6"})
}

func anyStrings(v any) []string {
	var out []string
	xs, _ := v.([]any)
	for _, x := range xs {
		out = append(out, x.(string))
	}
	return out
}

func ogFileStore(t *testing.T) *store.Store {
	ref := testutil.NewStore(t)
	importFile(t, ref, real+"/opsgenie/alerts.json", "opsgenie-api", ingest.Options{})
	importFile(t, ref, real+"/opsgenie/incidents.json", "opsgenie-api", ingest.Options{})
	return ref
}

// TestOpsgenieSync: alerts (read whole, since the list lacks details) and
// incidents over several pages and two time windows, a 429 with
// Retry-After on a list page and a 500 on an alert: the stored pages and
// incidents equal a file import of the same records, a second sync changes
// nothing, and open records are read again by id.
func TestOpsgenieSync(t *testing.T) {
	og := newOGServer(t)
	f := &faults{}
	f.on("/v1/incidents", 2, tooMany("30"))
	f.on("/v2/alerts/8418d193-2dab-4490-b331-8c02cdd196b7", 1, serverError)
	srv := newServer(t, f, og)
	og.base = srv.URL
	h := newHarness(t, mustTime("2023-09-10T00:00:00Z"))
	id := h.add(connectors.Spec{Name: "og", Kind: connectors.Opsgenie, BaseURL: srv.URL, Since: mustTime("2023-09-01T00:00:00Z"), CreateServices: true}, ogKey)
	run := h.mustRun(id)
	if run.Retries != 2 || len(h.waited()) != 2 || h.waited()[1] != 30500*time.Millisecond {
		t.Errorf("retries %d, waits %v; want 2 and a wait of 30.5s (Retry-After 30 + jitter)", run.Retries, h.waited())
	}
	ref := ogFileStore(t)
	sameRows(t, "pages", h.st, ref)
	sameRows(t, "incidents", h.st, ref)
	want := []string{
		"opsgenie | 70413a06-38d6-4c85-92b8-5ebc900d42e2 | checkout | Checkout 5xx rate above 2% | high | 2023-09-05T09:10:02Z | 2023-09-05T09:10:37Z | 2023-09-05T09:20:02Z | 0",
		"opsgenie | 8418d193-2dab-4490-b331-8c02cdd196b7 | payments-api | Replication lag on payments-db-1 | low | 2023-09-05T22:41:09Z | ∅ | ∅ | 0",
		"opsgenie | b7ad3b71-93f9-4e4b-9b87-11a5d0e1f2c3 | checkout | Checkout p99 latency above 800 ms | high | 2023-09-06T03:02:00Z | ∅ | 2023-09-06T03:04:00Z | 1",
		// d1c5e5a4 names no service (impactedServices, a service: tag or a
		// team), only its source: rejected, by the file import too.
	}
	var got []string
	for _, r := range dump(t, h.st, "pages") {
		p := strings.Split(r, " | ")
		got = append(got, strings.Join([]string{p[0], p[1], p[2], p[5], p[6], p[7], p[8], p[9], p[10]}, " | "))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("pages:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if inc := dump(t, h.st, "incidents"); len(inc) != 2 || !strings.Contains(inc[1], "| 3f84e009-7548-4e7d-832a-fa82c1ceb6b1 | 695bce3d-4621-4630-8ae1-24eb89c22d6e | Incident#2 | 4 | P5 | resolved |") {
		t.Errorf("incidents:\n%s", strings.Join(inc, "\n"))
	}
	before := len(f.requests())
	again := h.mustRun(id)
	if again.Inserted+again.Updated+again.Rejected != 0 {
		t.Errorf("second sync changed records: %+v", again)
	}
	reqs := strings.Join(f.requests()[before:], "\n")
	for _, open := range []string{"/v2/alerts/8418d193-2dab-4490-b331-8c02cdd196b7?", "/v1/incidents/3a74524a-f492-4172-b3f5-6041c7cb404a?"} {
		if !strings.Contains(reqs, open) {
			t.Errorf("open record %s was not read again:\n%s", open, reqs)
		}
	}
	if strings.Contains(reqs, "/v2/alerts/70413a06") {
		t.Error("a closed alert was read again")
	}
}

// TestOpsgenieQueryAndForbidden: the connector's own query narrows the
// search; a 403 that is not a rate limit (the key lacks read access) stops
// the connector.
func TestOpsgenieQueryAndForbidden(t *testing.T) {
	og := newOGServer(t)
	f := &faults{}
	srv := newServer(t, f, og)
	og.base = srv.URL
	h := newHarness(t, mustTime("2023-09-10T00:00:00Z"))
	id := h.add(connectors.Spec{Name: "og", Kind: connectors.Opsgenie, BaseURL: srv.URL, Since: mustTime("2023-09-01T00:00:00Z"),
		CreateServices: true, Settings: connectors.Settings{Records: []string{"alerts"}, Query: "tag:db"}}, ogKey)
	h.mustRun(id)
	if p := dump(t, h.st, "pages"); len(p) != 1 || !strings.Contains(p[0], "8418d193") {
		t.Errorf("with query tag:db: %v", p)
	}
	if n := count(t, h.st, `SELECT COUNT(*) FROM incidents`); n != 0 {
		t.Errorf("records [alerts] read %d incidents", n)
	}
	f.on("/v2/alerts", 1, func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusForbidden)
		writeJSON(w, map[string]any{"message": "You are not authorized to perform this action", "took": 0.001})
		return true
	})
	run, err := h.run(context.Background(), id)
	if run.Status != store.RunStopped || err == nil || !strings.Contains(h.connector(id).StatusMessage, "lacks a permission (HTTP 403") {
		t.Fatalf("403: %s, %v, %q", run.Status, err, h.connector(id).StatusMessage)
	}
}
