package connectors_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
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

const ghToken = "ghp_testTokenForReplay0123456789"

// ghServer replays GitHub's REST API: deployments and workflow runs newest
// first with page-number Link pagination, deployment statuses, the
// repository, ETag/If-None-Match (304) and X-RateLimit-* headers. prefix
// is "/api/v3" for GitHub Enterprise Server.
type ghServer struct {
	t        *testing.T
	mu       sync.Mutex
	prefix   string
	base     string
	deps     []map[string]any // without statuses
	statuses map[string][]any
	runs     []any
	perPage  int
	notMod   int // 304 answers given
	// limitAt makes the answer to the n-th request say no requests remain
	// until a minute after now.
	limitAt, served int
	now             time.Time
}

func newGHServer(t *testing.T, prefix string) *ghServer {
	s := &ghServer{t: t, prefix: prefix, statuses: map[string][]any{}, perPage: 3}
	var deps []map[string]any
	readJSON(t, real+"/github/deployments_with_statuses.json", &deps)
	for _, d := range deps {
		id := fmt.Sprintf("%.0f", d["id"].(float64))
		s.statuses[id] = d["statuses"].([]any)
		delete(d, "statuses")
		s.deps = append(s.deps, d)
	}
	var runs struct {
		Runs []any `json:"workflow_runs"`
	}
	readJSON(t, real+"/github/workflow_runs.json", &runs)
	s.runs = runs.Runs
	return s
}

func (s *ghServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.served++
	if r.Header.Get("Authorization") != "Bearer "+ghToken {
		w.WriteHeader(http.StatusUnauthorized)
		writeJSON(w, map[string]any{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"})
		return
	}
	if r.Header.Get("X-GitHub-Api-Version") != "2022-11-28" || r.Header.Get("Accept") != "application/vnd.github+json" {
		http.Error(w, "missing API version headers", http.StatusBadRequest)
		return
	}
	w.Header().Set("X-RateLimit-Limit", "5000")
	w.Header().Set("X-RateLimit-Remaining", "4000")
	if s.served == s.limitAt {
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(s.now.Add(time.Minute).Unix(), 10))
	}
	path, ok := strings.CutPrefix(r.URL.Path, s.prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	switch {
	case path == "/repos/panjf2000/ants":
		writeJSON(w, map[string]any{"id": 146213813, "name": "ants", "full_name": "panjf2000/ants", "default_branch": "master"})
	case path == "/repos/facebook/OpenBIC/deployments":
		s.list(w, r, path, page, len(s.deps), func(i, j int) any { return s.deps[i:j] })
	case strings.HasPrefix(path, "/repos/facebook/OpenBIC/deployments/") && strings.HasSuffix(path, "/statuses"):
		id := strings.TrimSuffix(strings.TrimPrefix(path, "/repos/facebook/OpenBIC/deployments/"), "/statuses")
		s.answer(w, r, s.statuses[id])
	case path == "/repos/panjf2000/ants/actions/runs":
		s.list(w, r, path, page, len(s.runs), func(i, j int) any {
			return map[string]any{"total_count": len(s.runs), "workflow_runs": s.runs[i:j]}
		})
	default:
		w.WriteHeader(http.StatusNotFound)
		writeJSON(w, map[string]any{"message": "Not Found"})
	}
}

func (s *ghServer) list(w http.ResponseWriter, r *http.Request, path string, page, n int, slice func(i, j int) any) {
	if r.URL.Query().Get("per_page") != "100" {
		http.Error(w, "per_page", http.StatusBadRequest)
		return
	}
	from := min((page-1)*s.perPage, n)
	to := min(from+s.perPage, n)
	if to < n {
		w.Header().Set("Link", fmt.Sprintf(`<%s%s%s?per_page=100&page=%d>; rel="next", <%s%s%s?per_page=100&page=%d>; rel="last"`,
			s.base, s.prefix, path, page+1, s.base, s.prefix, path, (n+s.perPage-1)/s.perPage))
	}
	s.answer(w, r, slice(from, to))
}

// answer writes v with an ETag, or 304 when the client has it.
func (s *ghServer) answer(w http.ResponseWriter, r *http.Request, v any) {
	body, _ := json.Marshal(v)
	sum := sha256.Sum256(body)
	tag := `W/"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", tag)
	if r.Header.Get("If-None-Match") == tag {
		s.notMod++
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(body)
}

// TestGitHubDeployments: a GitHub Enterprise base URL, deployments over
// three pages with their statuses, a 429 with Retry-After and a 500: the
// deploys equal a file import of the same deployments with statuses
// embedded (deployments whose only status is inactive are rejects in both),
// and a second sync is answered by 304s and changes nothing.
func TestGitHubDeployments(t *testing.T) {
	gh := newGHServer(t, "/api/v3")
	f := &faults{}
	f.on("/api/v3/repos/facebook/OpenBIC/deployments", 2, tooMany("3"))
	f.on("/api/v3/repos/facebook/OpenBIC/deployments/1707033729/statuses", 1, serverError)
	srv := newServer(t, f, gh)
	gh.base = srv.URL
	now := mustTime("2026-03-01T00:00:00Z")
	h := newHarness(t, now)
	id := h.add(connectors.Spec{Name: "gh", Kind: connectors.GitHub, BaseURL: srv.URL + "/api/v3", Since: mustTime("2024-01-01T00:00:00Z"),
		CreateServices: true, Settings: connectors.Settings{Repos: []string{"facebook/OpenBIC"}}}, ghToken)
	run := h.mustRun(id)
	if run.Retries != 2 || run.Rejected != 0 || run.Inserted != 3 {
		t.Errorf("run: %d retries, %d inserted, %d rejected; want 2, 3, 0", run.Retries, run.Inserted, run.Rejected)
	}
	// Deployments whose only statuses are inactive were superseded without
	// an outcome: skipped with a warning (one per page; 4 in all), as by the
	// file import.
	if w := strings.Join(run.Warnings, "\n"); strings.Count(w, "only statuses are inactive") != 2 || !strings.Contains(w, "1670973641") {
		t.Errorf("warnings:\n%s", w)
	}
	ref := testutil.NewStore(t)
	importFile(t, ref, real+"/github/deployments_with_statuses.json", "github-deployments", ingest.Options{})
	sameRows(t, "deploys", h.st, ref)
	d := dump(t, h.st, "deploys")
	if len(d) != 3 || !strings.HasPrefix(d[2], "github | 3881429895 | OpenBIC | github-pages | ") ||
		!strings.Contains(d[2], " | 2026-02-20T00:30:37Z | 2026-02-20T00:30:59Z | success | ") {
		t.Errorf("deploys:\n%s", strings.Join(d, "\n"))
	}
	before := gh.notMod
	again := h.mustRun(id)
	if again.Inserted+again.Updated != 0 || gh.notMod <= before {
		t.Errorf("second sync: %+v; %d 304 answers", again, gh.notMod-before)
	}
	sameRows(t, "deploys", h.st, ref)
}

// TestGitHubRuns: workflow runs over four pages; a rate-limit 403 (not a
// permission error) is waited out until X-RateLimit-Reset, and a response
// saying no requests remain makes the client wait before the next one. The
// runs equal a file import of the same page, and the next sync's first page
// is a 304.
func TestGitHubRuns(t *testing.T) {
	gh := newGHServer(t, "")
	gh.perPage = 10
	now := mustTime("2022-09-10T00:00:00Z")
	gh.now = now
	gh.limitAt = 4
	f := &faults{}
	f.on("/repos/panjf2000/ants/actions/runs", 2, func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(30*time.Second).Unix(), 10))
		w.WriteHeader(http.StatusForbidden)
		writeJSON(w, map[string]any{"message": "API rate limit exceeded for user ID 1.", "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"})
		return true
	})
	srv := newServer(t, f, gh)
	gh.base = srv.URL
	h := newHarness(t, now)
	id := h.add(connectors.Spec{Name: "gh-runs", Kind: connectors.GitHub, BaseURL: srv.URL, Since: mustTime("2022-06-01T00:00:00Z"),
		CreateServices: true, Settings: connectors.Settings{Repos: []string{"panjf2000/ants"}, Records: []string{"runs"}}}, ghToken)
	run := h.mustRun(id)
	waits := h.waited()
	if len(waits) != 2 || waits[0] != 31500*time.Millisecond || waits[1] != 61*time.Second {
		t.Errorf("waits %v, want [31.5s (403 rate limit: until the reset, with jitter) 61s (remaining 0: until the reset)]", waits)
	}
	if run.Status != store.RunOK || run.Fetched != 35 {
		t.Errorf("run: %s, fetched %d", run.Status, run.Fetched)
	}
	ref := testutil.NewStore(t)
	importFile(t, ref, real+"/github/workflow_runs.json", "github-actions-runs", ingest.Options{})
	sameRows(t, "deploys", h.st, ref)
	if n := count(t, h.st, `SELECT COUNT(*) FROM deploys`); n != 12 {
		t.Errorf("%d deploys, want 12 (the finished push and schedule runs on master)", n)
	}
	before := gh.notMod
	again := h.mustRun(id)
	if again.Inserted+again.Updated+again.Fetched != 0 || gh.notMod != before+1 {
		t.Errorf("second sync: %+v, %d 304s", again, gh.notMod-before)
	}
}

// TestGitHubBadToken: GitHub's 401 stops the connector.
func TestGitHubBadToken(t *testing.T) {
	gh := newGHServer(t, "")
	srv := newServer(t, &faults{}, gh)
	h := newHarness(t, mustTime("2026-03-01T00:00:00Z"))
	id := h.add(connectors.Spec{Kind: connectors.GitHub, BaseURL: srv.URL, Since: mustTime("2024-01-01T00:00:00Z"),
		Settings: connectors.Settings{Repos: []string{"facebook/OpenBIC"}}}, "ghp_revoked")
	run, _ := h.run(context.Background(), id)
	if c := h.connector(id); run.Status != store.RunStopped || !strings.Contains(c.StatusMessage, "Bad credentials") {
		t.Fatalf("%s %q", run.Status, c.StatusMessage)
	}
}
