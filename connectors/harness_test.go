package connectors_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sreport/analytics/imports"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/connectors"
	"sreport/secrets"
	"sreport/testutil"
)

// real is where the vendors' recorded and documented API answers live.
const real = "../testdata/real"

// harness is a database, a secret key and a runner whose sleeps return at
// once (recorded in waits) and whose clock is fixed.
type harness struct {
	t      *testing.T
	st     *store.Store
	box    *secrets.Box
	runner *connectors.Runner
	mu     sync.Mutex
	waits  []time.Duration
}

func newHarness(t *testing.T, now time.Time) *harness {
	t.Helper()
	key := make([]byte, secrets.KeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, st: testutil.NewStore(t), box: box}
	h.runner = &connectors.Runner{Store: h.st, Secrets: box, Now: func() time.Time { return now },
		Jitter: func() float64 { return 0.5 }, Owner: "test-runner",
		Sleep: func(ctx context.Context, d time.Duration) error {
			h.mu.Lock()
			h.waits = append(h.waits, d)
			h.mu.Unlock()
			return ctx.Err()
		}}
	return h
}

func (h *harness) add(sp connectors.Spec, cred string) int64 {
	h.t.Helper()
	if sp.Name == "" {
		sp.Name = sp.Kind
	}
	if sp.Every == 0 {
		sp.Every = time.Hour
	}
	id, err := connectors.Add(context.Background(), h.st, h.box, sp, cred, store.Audit{Actor: "test"})
	if err != nil {
		h.t.Fatalf("add connector: %v", err)
	}
	return id
}

func (h *harness) run(ctx context.Context, id int64) (store.ConnectorRun, error) {
	return h.runner.Run(ctx, id, connectors.Who{Trigger: connectors.TriggerCLI, Actor: "cli:test"})
}

// mustRun runs and fails the test unless the run ended ok.
func (h *harness) mustRun(id int64) store.ConnectorRun {
	h.t.Helper()
	r, err := h.run(context.Background(), id)
	if err != nil || r.Status != store.RunOK {
		h.t.Fatalf("run: status %q, %v", r.Status, err)
	}
	return r
}

func (h *harness) connector(id int64) store.Connector {
	h.t.Helper()
	c, err := h.st.ConnectorByID(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) waited() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), h.waits...)
}

// importFile imports one file as the CLI does, creating services.
func importFile(t *testing.T, st *store.Store, path, format string, opt ingest.Options) store.ImportResult {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	opt.Format = format
	b, err := ingest.Parse(f, filepath.Base(path), opt)
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.ApplyBatch(context.Background(), b, store.ApplyOptions{CreateServices: true, SkipInvalid: true, Actor: "test"})
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	return res
}

// tables and the columns dump compares: every stored field, with ids
// replaced by the names and external ids they stand for.
var dumpQueries = map[string]string{
	"incidents": `SELECT i.source, i.external_id, s.name, i.title, i.severity, i.severity_raw, i.status, i.customer_impacting,
		i.started_at, i.detected_at, i.acknowledged_at, i.mitigated_at, i.resolved_at, i.root_cause, i.category, i.problem_ref,
		i.caused_by_ref, d.external_id, i.postmortem_due_at, i.postmortem_published_at, i.postmortem_url, i.url
		FROM incidents i JOIN services s ON s.id = i.service_id LEFT JOIN deploys d ON d.id = i.caused_by_deploy_id
		ORDER BY i.source, i.external_id`,
	"pages": `SELECT p.source, p.external_id, s.name, i.external_id, p.incident_ref, p.title, p.urgency, p.triggered_at,
		p.acknowledged_at, p.resolved_at, p.auto_resolved, p.actionable
		FROM pages p JOIN services s ON s.id = p.service_id LEFT JOIN incidents i ON i.id = p.incident_id
		ORDER BY p.source, p.external_id`,
	"deploys": `SELECT d.source, d.external_id, s.name, d.environment, d.version, d.started_at, d.finished_at, d.status,
		d.is_rollback, d.is_hotfix, d.commit_at, d.url
		FROM deploys d JOIN services s ON s.id = d.service_id ORDER BY d.source, d.external_id`,
	"action_items": `SELECT a.source, a.external_id, s.name, i.external_id, a.title, a.owner, a.due_at, a.closed_at, a.url
		FROM action_items a JOIN services s ON s.id = a.service_id LEFT JOIN incidents i ON i.id = a.incident_id
		ORDER BY a.source, a.external_id`,
}

// dump returns every row of table as one line of its fields.
func dump(t *testing.T, st *store.Store, table string) []string {
	t.Helper()
	rows, err := st.Writer().QueryContext(context.Background(), dumpQueries[table])
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(cols))
		for i, v := range vals {
			if v.Valid {
				parts[i] = v.String
			} else {
				parts[i] = "∅"
			}
		}
		out = append(out, strings.Join(parts, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameRows fails when two databases differ in any stored field of table.
// bothEmpty: neither the connector's store nor the file import's holds a
// row of table.
func bothEmpty(t *testing.T, table string, got, want *store.Store) {
	t.Helper()
	if g, w := dump(t, got, table), dump(t, want, table); len(g)+len(w) != 0 {
		t.Errorf("%s: connector %d rows, file import %d, want none", table, len(g), len(w))
	}
}

func sameRows(t *testing.T, table string, got, want *store.Store) {
	t.Helper()
	g, w := dump(t, got, table), dump(t, want, table)
	if len(w) == 0 {
		t.Fatalf("%s: the reference database has no rows", table)
	}
	if strings.Join(g, "\n") == strings.Join(w, "\n") {
		return
	}
	gs, ws := map[string]bool{}, map[string]bool{}
	for _, r := range g {
		gs[r] = true
	}
	for _, r := range w {
		ws[r] = true
	}
	var msg strings.Builder
	for _, r := range w {
		if !gs[r] {
			fmt.Fprintf(&msg, "\n  missing: %s", r)
		}
	}
	for _, r := range g {
		if !ws[r] {
			fmt.Fprintf(&msg, "\n  extra:   %s", r)
		}
	}
	t.Fatalf("%s: %d rows, want %d:%s", table, len(g), len(w), msg.String())
}

func count(t *testing.T, st *store.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := st.Writer().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// faults injects failures into a replay server: the n-th request (1-based)
// whose path has the prefix gets the fault once.
type faults struct {
	mu    sync.Mutex
	seen  map[int]int // rule index → matching requests since the rule was added
	rules []fault
	log   []string
}

type fault struct {
	prefix string
	nth    int
	apply  func(w http.ResponseWriter, r *http.Request) bool // true: answered
}

func (f *faults) on(prefix string, nth int, apply func(w http.ResponseWriter, r *http.Request) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, fault{prefix, nth, apply})
}

// wrap records every request and applies the faults.
func (f *faults) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		if f.seen == nil {
			f.seen = map[int]int{}
		}
		f.log = append(f.log, r.URL.RequestURI())
		var hit *fault
		for i := range f.rules {
			ru := &f.rules[i]
			if strings.HasPrefix(r.URL.Path, ru.prefix) {
				f.seen[i]++
				if f.seen[i] == ru.nth && hit == nil {
					hit = ru
				}
			}
		}
		f.mu.Unlock()
		if hit != nil && hit.apply(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (f *faults) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

func tooMany(retryAfter string) func(w http.ResponseWriter, r *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Retry-After", retryAfter)
		http.Error(w, `{"error":{"message":"Rate Limit Exceeded","code":2020}}`, http.StatusTooManyRequests)
		return true
	}
}

func serverError(w http.ResponseWriter, r *http.Request) bool {
	http.Error(w, `{"error":"internal"}`, http.StatusInternalServerError)
	return true
}

func newServer(t *testing.T, f *faults, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(f.wrap(h))
	t.Cleanup(srv.Close)
	return srv
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// importBatch parses a file as an import would.
func importBatch(t *testing.T, path, format string) *imports.Batch {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := ingest.Parse(f, filepath.Base(path), ingest.Options{Format: format})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
