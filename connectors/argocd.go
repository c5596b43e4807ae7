package connectors

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Argo CD: every application of the chosen projects (or label selector)
// with its sync history (GET /api/v1/applications), mapped by the
// argocd-app importer. The API has no paging or time filter, and an
// application keeps only its last syncs (revisionHistoryLimit, 10 by
// default), so each run reads the list whole and the upserts keep what
// is unchanged; run often enough that no sync drops out of the history
// between two runs.
func init() { builders[ArgoCD] = newArgoCD }

type argoCD struct{ e *env }

func newArgoCD(e *env) ([]stream, error) {
	e.c.auth = func(h http.Header) { h.Set("Authorization", "Bearer "+e.cred) }
	a := &argoCD{e}
	return []stream{&snapshotStream{name: "applications", fetch: a.applications}}, nil
}

func (a *argoCD) applications(ctx context.Context) (page, error) {
	q := url.Values{}
	for _, p := range a.e.set.Projects {
		q.Add("projects", p)
	}
	if s := strings.TrimSpace(a.e.set.Selector); s != "" {
		q.Set("selector", s)
	}
	res, err := a.e.c.get(ctx, "/api/v1/applications", q, nil)
	if err != nil {
		return page{}, err
	}
	var body struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil {
		return page{}, fmt.Errorf("applications: %w", err)
	}
	if len(body.Items) == 0 {
		return page{done: true, progress: 1}, nil
	}
	b, err := parsePage("argocd-app", "argocd applications", res.Body, a.e.opt)
	if err != nil {
		return page{}, err
	}
	trimBefore(b, a.e.since)
	return page{batch: b, fetched: len(body.Items), done: true, progress: 1}, nil
}
