package connectors_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/connectors"
	"sreport/testutil"
)

const argoToken = "eyJhbGciOiJIUzI1NiJ9.replay.token"

// TestArgoCDApplications: the applications list (a recorded application
// and one with a failed sync) read whole: the deploys equal a file import
// of the same list, a project filter narrows it, and a second sync changes
// nothing.
// argoReplay answers GET /api/v1/applications with the recorded list,
// filtered by ?projects= as Argo CD does, and refuses any other token.
func argoReplay(t *testing.T) http.Handler {
	var doc map[string]json.RawMessage
	readJSON(t, real+"/argocd/applications.json", &doc)
	var items []map[string]any
	json.Unmarshal(doc["items"], &items)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+argoToken {
			w.WriteHeader(http.StatusUnauthorized)
			writeJSON(w, map[string]any{"error": "invalid session: token signature is invalid", "code": 16, "message": "invalid session: token signature is invalid"})
			return
		}
		want := r.URL.Query()["projects"]
		var out []map[string]any
		for _, it := range items {
			spec, _ := it["spec"].(map[string]any)
			if len(want) == 0 || spec["project"] == want[0] {
				out = append(out, it)
			}
		}
		writeJSON(w, map[string]any{"metadata": map[string]any{"resourceVersion": "1799431"}, "items": out})
	})
}

// argoSpec is the Argo CD connector of the replay tests.
func argoSpec(url string) connectors.Spec {
	return connectors.Spec{Name: "argo", Kind: connectors.ArgoCD, BaseURL: url, Since: mustTime("2024-01-01T00:00:00Z"), CreateServices: true}
}

func TestArgoCDApplications(t *testing.T) {
	f := &faults{}
	f.on("/api/v1/applications", 1, serverError)
	f.on("/api/v1/applications", 2, tooMany("4"))
	srv := newServer(t, f, argoReplay(t))
	h := newHarness(t, mustTime("2026-08-01T00:00:00Z"))
	id := h.add(argoSpec(srv.URL), argoToken)
	run := h.mustRun(id)
	if run.Retries != 2 || run.Fetched != 2 {
		t.Errorf("run: %d retries, %d applications", run.Retries, run.Fetched)
	}
	// The 500 is retried after a back-off, the 429 after its Retry-After
	// (4 s) plus jitter of up to a tenth (half of it here): 4.2 s.
	if w := h.waited(); len(w) != 2 || w[1] != 4200*time.Millisecond {
		t.Errorf("waits %v; want two, the second 4.2s", w)
	}
	ref := testutil.NewStore(t)
	importFile(t, ref, real+"/argocd/applications.json", "argocd-app", ingest.Options{})
	sameRows(t, "deploys", h.st, ref)
	d := dump(t, h.st, "deploys")
	if len(d) != 10 || !strings.HasPrefix(d[0], "argocd | aladin-prod/0 | aladin-prod | production | e2be3479bb46 | 2024-05-25T19:13:58Z | 2024-05-25T19:13:59Z | success |") {
		t.Errorf("deploys:\n%s", strings.Join(d, "\n"))
	}
	if c := h.connector(id); c.Progress != 1 || c.CaughtUpAt == nil {
		t.Errorf("progress %v, caught up %v", c.Progress, c.CaughtUpAt)
	}
	again := h.mustRun(id)
	if again.Inserted+again.Updated != 0 {
		t.Errorf("second sync: %+v", again)
	}
	id2 := h.add(connectors.Spec{Name: "argo-platform", Kind: connectors.ArgoCD, BaseURL: srv.URL, Since: mustTime("2024-01-01T00:00:00Z"),
		Settings: connectors.Settings{Projects: []string{"platform"}}}, argoToken)
	if r := h.mustRun(id2); r.Fetched != 0 || !strings.Contains(strings.Join(f.requests(), " "), "projects=platform") {
		t.Errorf("project platform: %d applications", r.Fetched)
	}

	// An expired token stops the connector at once, without a retry, and
	// the status never holds the token.
	id3 := h.add(connectors.Spec{Name: "argo-expired", Kind: connectors.ArgoCD, BaseURL: srv.URL, Since: mustTime("2024-01-01T00:00:00Z")}, "expired.argo.token")
	before, waits := len(f.requests()), len(h.waited())
	r, err := h.run(context.Background(), id3)
	var ae *connectors.AuthError
	c := h.connector(id3)
	if r.Status != store.RunStopped || !errorsAs(err, &ae) || ae.Status != http.StatusUnauthorized || c.Status != store.ConnectorStopped ||
		!strings.Contains(c.StatusMessage, "HTTP 401") || strings.Contains(c.StatusMessage, "expired.argo.token") {
		t.Fatalf("expired token: %s %v %q", r.Status, err, c.StatusMessage)
	}
	if len(f.requests())-before != 1 || len(h.waited()) != waits {
		t.Errorf("retried a refused token: %v", f.requests()[before:])
	}
}
