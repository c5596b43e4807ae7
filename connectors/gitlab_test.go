package connectors_test

import (
	"context"
	"fmt"
	"net/http"
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

const glToken = "glpat-replayToken1234"

// glServer replays GitLab's REST API v4 for one project (by id or by its
// escaped path): deployments and pipelines filtered by updated_after
// (exclusive), ordered by updated_at, offset pages with Link and
// X-Next-Page headers; single pipelines; the project.
type glServer struct {
	t         *testing.T
	mu        sync.Mutex
	base      string
	deps      []map[string]any
	pipelines []map[string]any
	perPage   int
	onPage    func(path string, page int)
}

func newGLServer(t *testing.T) *glServer {
	s := &glServer{t: t, perPage: 3}
	readJSON(t, real+"/gitlab/deployments.json", &s.deps)
	readJSON(t, real+"/gitlab/devlake_pipeline_details.json", &s.pipelines)
	return s
}

func glUpdated(t *testing.T, x map[string]any) time.Time {
	if v, ok := x["updated_at"].(string); ok {
		return pdTime(t, v)
	}
	return pdTime(t, x["created_at"])
}

func (s *glServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("PRIVATE-TOKEN") != glToken {
		w.WriteHeader(http.StatusUnauthorized)
		writeJSON(w, map[string]any{"message": "401 Unauthorized"})
		return
	}
	path := r.URL.EscapedPath()
	for _, p := range []string{"/api/v4/projects/12345678", "/api/v4/projects/merico-dev%2Fee%2Fvdev.co"} {
		if rest, ok := strings.CutPrefix(path, p); ok {
			s.project(w, r, rest)
			return
		}
	}
	w.WriteHeader(http.StatusNotFound)
	writeJSON(w, map[string]any{"message": "404 Project Not Found"})
}

func (s *glServer) project(w http.ResponseWriter, r *http.Request, rest string) {
	q := r.URL.Query()
	switch {
	case rest == "":
		writeJSON(w, map[string]any{"id": 12345678, "path_with_namespace": "merico-dev/ee/vdev.co", "default_branch": "master"})
	case rest == "/deployments", rest == "/pipelines":
		list := s.deps
		if rest == "/pipelines" {
			list = nil
			for _, p := range s.pipelines {
				if p["ref"] == q.Get("ref") {
					item := map[string]any{}
					for _, k := range []string{"id", "iid", "project_id", "sha", "ref", "status", "source", "created_at", "updated_at", "web_url"} {
						item[k] = p[k]
					}
					list = append(list, item)
				}
			}
		}
		if q.Get("order_by") != "updated_at" || q.Get("sort") != "asc" || q.Get("per_page") != "100" {
			http.Error(w, `{"message":"400 Bad request - order_by"}`, http.StatusBadRequest)
			return
		}
		after, err := time.Parse(time.RFC3339Nano, q.Get("updated_after"))
		if err != nil {
			http.Error(w, `{"error":"updated_after is invalid"}`, http.StatusBadRequest)
			return
		}
		var in []map[string]any
		for _, x := range list {
			if glUpdated(s.t, x).After(after) {
				in = append(in, x)
			}
		}
		sort.SliceStable(in, func(i, j int) bool { return glUpdated(s.t, in[i]).Before(glUpdated(s.t, in[j])) })
		page, _ := strconv.Atoi(q.Get("page"))
		page = max(page, 1)
		if s.onPage != nil {
			s.onPage(rest, page)
		}
		from := min((page-1)*s.perPage, len(in))
		to := min(from+s.perPage, len(in))
		if to < len(in) {
			q.Set("page", strconv.Itoa(page+1))
			w.Header().Set("Link", fmt.Sprintf(`<%s%s?%s>; rel="next"`, s.base, r.URL.EscapedPath(), q.Encode()))
			w.Header().Set("X-Next-Page", strconv.Itoa(page+1))
		}
		writeJSON(w, in[from:to])
	case strings.HasPrefix(rest, "/pipelines/"):
		id := strings.TrimPrefix(rest, "/pipelines/")
		for _, p := range s.pipelines {
			if fmt.Sprintf("%.0f", p["id"].(float64)) == id {
				writeJSON(w, p)
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
		writeJSON(w, map[string]any{"message": "404 Not found"})
	default:
		w.WriteHeader(http.StatusNotFound)
		writeJSON(w, map[string]any{"message": "404 Not found"})
	}
}

// TestGitLabDeployments: deployments of a project named by its path over
// several pages (a 429 and a 500 on the way), one of them updated while the
// run reads: keyset paging by updated_at reads every deployment once more
// at most and skips none; the deploys equal a file import of the same
// deployments, and a second sync changes nothing.
func TestGitLabDeployments(t *testing.T) {
	gl := newGLServer(t)
	f := &faults{}
	f.on("/api/v4/projects/merico-dev/ee/vdev.co/deployments", 2, tooMany("2"))
	f.on("/api/v4/projects/merico-dev/ee/vdev.co/deployments", 4, serverError)
	gl.onPage = func(path string, page int) {
		if path == "/deployments" && page == 1 && gl.deps[3]["updated_at"] == "2019-03-13T15:21:27.833Z" {
			// Deployment 13436532 changes after the first page was read.
			gl.deps[3]["updated_at"] = "2019-03-20T10:00:00.000Z"
		}
	}
	srv := newServer(t, f, gl)
	gl.base = srv.URL
	h := newHarness(t, mustTime("2019-04-01T00:00:00Z"))
	id := h.add(connectors.Spec{Name: "gl", Kind: connectors.GitLab, BaseURL: srv.URL, Since: mustTime("2019-03-01T00:00:00Z"),
		CreateServices: true, Settings: connectors.Settings{Projects: []string{"merico-dev/ee/vdev.co"}}}, glToken)
	run := h.mustRun(id)
	if run.Retries != 2 {
		t.Errorf("%d retries, want 2", run.Retries)
	}
	ref := testutil.NewStore(t)
	importFile(t, ref, real+"/gitlab/deployments.json", "gitlab-deployments", ingest.Options{})
	sameRows(t, "deploys", h.st, ref)
	d := dump(t, h.st, "deploys")
	if len(d) != 4 || !strings.Contains(d[3], "gitlab | 13436532 | vdev.co | production | ") || !strings.Contains(d[3], "| cancelled |") {
		t.Errorf("deploys (success, completed, failed, canceled):\n%s", strings.Join(d, "\n"))
	}
	for _, req := range f.requests() {
		if strings.Contains(req, "/deployments?") && !strings.Contains(req, "updated_after=") {
			t.Errorf("a deployments request without updated_after: %s", req)
		}
	}
	again := h.mustRun(id)
	if again.Inserted+again.Updated != 0 {
		t.Errorf("second sync: %+v", again)
	}
	c := h.connector(id)
	if !strings.Contains(string(c.Cursor), `"after":"2019-03-20T10:00:00Z"`) {
		t.Errorf("cursor %s: want the last update read", c.Cursor)
	}
}

// TestGitLabPipelines: pipelines of the project's default branch, each
// read in full; merge-request pipelines are no deploys in the file import
// of the same pipelines either.
func TestGitLabPipelines(t *testing.T) {
	gl := newGLServer(t)
	f := &faults{}
	srv := newServer(t, f, gl)
	gl.base = srv.URL
	h := newHarness(t, mustTime("2023-12-01T00:00:00Z"))
	id := h.add(connectors.Spec{Name: "gl-pipelines", Kind: connectors.GitLab, BaseURL: srv.URL + "/api/v4", Since: mustTime("2023-11-01T00:00:00Z"),
		CreateServices: true, Settings: connectors.Settings{Projects: []string{"12345678"}, Records: []string{"pipelines"}}}, glToken)
	h.mustRun(id)
	ref := testutil.NewStore(t)
	importFile(t, ref, real+"/gitlab/devlake_pipeline_details.json", "gitlab-pipelines", ingest.Options{})
	sameRows(t, "deploys", h.st, ref)
	want := "gitlab | pipeline/1079555385 | vdev.co | production | "
	if d := dump(t, h.st, "deploys"); len(d) != 1 || !strings.HasPrefix(d[0], want) || !strings.Contains(d[0], "| success |") {
		t.Errorf("deploys: %v", d)
	}
	reqs := strings.Join(f.requests(), "\n")
	if !strings.Contains(reqs, "/api/v4/projects/12345678/pipelines?order_by=updated_at&per_page=100&ref=master&sort=asc") ||
		!strings.Contains(reqs, "/api/v4/projects/12345678/pipelines/1079555385") {
		t.Errorf("requests:\n%s", reqs)
	}
}

// TestGitLabExpiredToken: 401 stops the connector.
func TestGitLabExpiredToken(t *testing.T) {
	srv := newServer(t, &faults{}, newGLServer(t))
	h := newHarness(t, mustTime("2019-04-01T00:00:00Z"))
	id := h.add(connectors.Spec{Kind: connectors.GitLab, BaseURL: srv.URL, Since: mustTime("2019-03-01T00:00:00Z"),
		Settings: connectors.Settings{Projects: []string{"12345678"}}}, "glpat-expired")
	run, err := h.run(context.Background(), id)
	if run.Status != store.RunStopped || err == nil || !strings.Contains(h.connector(id).StatusMessage, "401 Unauthorized") {
		t.Fatalf("%s %v", run.Status, err)
	}
}
