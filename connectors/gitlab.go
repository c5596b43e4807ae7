package connectors

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"sreport/analytics/imports"
)

// GitLab (gitlab.com or self-managed): each project's deployments
// (gitlab-deployments) or the pipelines of its deploy branch
// (gitlab-pipelines), by last update. GitLab's own keyset pagination
// (pagination=keyset) serves only some list endpoints, not these two, and
// offset pages shift when a record is updated during the read; so the
// connector pages by keyset on updated_at itself (keysetStream):
// updated_after = the last record read, order_by=updated_at, sort=asc, and
// follows the Link rel="next" page only while records share one time.
func init() { builders[GitLab] = newGitLab }

const glPerPage = "100"

type gitLab struct {
	e       *env
	project string // id or full path
	ref     string // deploy branch of pipelines
}

func newGitLab(e *env) ([]stream, error) {
	e.c.auth = func(h http.Header) { h.Set("PRIVATE-TOKEN", e.cred) }
	if !strings.HasSuffix(strings.TrimRight(e.c.base.Path, "/"), "/api/v4") {
		e.c.base.Path = strings.TrimRight(e.c.base.Path, "/") + "/api/v4"
	}
	var out []stream
	for _, p := range e.set.Projects {
		g := &gitLab{e: e, project: p, ref: e.set.Ref}
		if e.set.wants("deployments", []string{"deployments"}) {
			out = append(out, &keysetStream{name: p + " deployments", since: e.since, now: e.now, fetch: g.deployments})
		}
		if e.set.wants("pipelines", []string{"deployments"}) {
			out = append(out, &keysetStream{name: p + " pipelines", since: e.since, now: e.now, fetch: g.pipelines})
		}
	}
	return out, nil
}

// path is an API path under the project; a full path is escaped as one
// segment (group%2Fproject), as GitLab wants it.
func (g *gitLab) path(rest string) string {
	return "/projects/" + url.PathEscape(g.project) + rest
}

type glItem struct {
	ID        json.Number `json:"id"`
	Status    string      `json:"status"`
	CreatedAt *time.Time  `json:"created_at"`
	UpdatedAt *time.Time  `json:"updated_at"`
}

func (it glItem) updated() time.Time {
	if it.UpdatedAt != nil {
		return *it.UpdatedAt
	}
	if it.CreatedAt != nil {
		return *it.CreatedAt
	}
	return time.Time{}
}

// list reads one keyset page: records updated after `after` (less a
// millisecond, so that records sharing the last time are read again
// rather than skipped whatever GitLab's comparison), or the page token.
func (g *gitLab) list(ctx context.Context, rest string, q url.Values, after time.Time, token string) ([]json.RawMessage, []glItem, *Response, error) {
	ref := token
	if ref == "" {
		ref = g.path(rest)
		q.Set("order_by", "updated_at")
		q.Set("sort", "asc")
		q.Set("per_page", glPerPage)
		q.Set("updated_after", after.Add(-time.Millisecond).UTC().Format("2006-01-02T15:04:05.000Z"))
	} else {
		q = nil
	}
	res, err := g.e.c.get(ctx, ref, q, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(res.Body, &raws); err != nil {
		return nil, nil, nil, fmt.Errorf("%s of %s: %w", strings.TrimPrefix(rest, "/"), g.project, err)
	}
	items := make([]glItem, len(raws))
	for i, raw := range raws {
		_ = json.Unmarshal(raw, &items[i])
	}
	return raws, items, res, nil
}

func glPage(b *imports.Batch, items []glItem, res *Response) keysetPage {
	p := keysetPage{batch: b, n: len(items), next: nextLink(res.Header)}
	p.more = p.next != "" || res.Header.Get("X-Next-Page") != ""
	for _, it := range items {
		if u := it.updated(); u.After(p.last) {
			p.last = u
		}
	}
	return p
}

func (g *gitLab) deployments(ctx context.Context, after time.Time, token string) (keysetPage, error) {
	q := url.Values{}
	if g.e.set.Environment != "" {
		q.Set("environment", g.e.set.Environment)
	}
	raws, items, res, err := g.list(ctx, "/deployments", q, after, token)
	if err != nil {
		return keysetPage{}, err
	}
	doc, err := json.Marshal(raws)
	if err != nil {
		return keysetPage{}, err
	}
	b, err := parsePage("gitlab-deployments", g.project+" deployments", doc, g.e.opt)
	if err != nil {
		return keysetPage{}, err
	}
	return glPage(b, items, res), nil
}

// Pipeline states that are final: their detail (started_at, finished_at)
// is read; others are mapped as listed (the importer skips them).
var glFinal = map[string]bool{"success": true, "failed": true, "canceled": true, "skipped": true, "manual": true}

func (g *gitLab) pipelines(ctx context.Context, after time.Time, token string) (keysetPage, error) {
	if g.ref == "" {
		res, err := g.e.c.get(ctx, g.path(""), nil, nil)
		if err != nil {
			return keysetPage{}, err
		}
		var proj struct {
			DefaultBranch string `json:"default_branch"`
		}
		if err := json.Unmarshal(res.Body, &proj); err != nil || proj.DefaultBranch == "" {
			return keysetPage{}, fmt.Errorf("project %s: no default_branch; set the deploy branch (ref)", g.project)
		}
		g.ref = proj.DefaultBranch
	}
	raws, items, res, err := g.list(ctx, "/pipelines", url.Values{"ref": {g.ref}}, after, token)
	if err != nil {
		return keysetPage{}, err
	}
	full := make([]json.RawMessage, 0, len(raws))
	for i, raw := range raws {
		if !glFinal[items[i].Status] || items[i].ID == "" {
			full = append(full, raw)
			continue
		}
		det, err := g.e.c.get(ctx, g.path("/pipelines/"+items[i].ID.String()), nil, nil)
		if IsNotFound(err) {
			continue
		}
		if err != nil {
			return keysetPage{}, err
		}
		full = append(full, json.RawMessage(det.Body))
	}
	doc, err := json.Marshal(full)
	if err != nil {
		return keysetPage{}, err
	}
	// The importer takes pipelines of production branches as deploys; the
	// connector's production branch is the deploy branch it lists.
	opt := g.e.opt
	opt.ProdBranches = []string{g.ref}
	b, err := parsePage("gitlab-pipelines", g.project+" pipelines", doc, opt)
	if err != nil {
		return keysetPage{}, err
	}
	return glPage(b, items, res), nil
}
