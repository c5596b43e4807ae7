package connectors

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// GitHub (and GitHub Enterprise Server at https://HOST/api/v3):
// deployments with their statuses (github-deployments) or the deploy
// workflow's runs (github-actions-runs) of each repository. Both lists come
// newest first without a time filter, so each run walks down from the top
// to the previous walk's newest record less the lookback (walkStream).
// Conditional requests (ETag / If-None-Match) skip unchanged run pages and
// deployment statuses; a 304 costs no rate limit. X-RateLimit-Remaining of
// zero makes the client wait for X-RateLimit-Reset.
func init() { builders[GitHub] = newGitHub }

const ghPerPage = "100"

type gitHub struct {
	e    *env
	repo string // owner/name
	// defaultBranch is read once per run: workflow runs carry a minimal
	// repository object without it, and the importer needs it to tell
	// deploys from branch builds.
	defaultBranch string
}

func newGitHub(e *env) ([]stream, error) {
	e.c.auth = func(h http.Header) { h.Set("Authorization", "Bearer "+e.cred) }
	e.c.header.Set("Accept", "application/vnd.github+json")
	e.c.header.Set("X-GitHub-Api-Version", "2022-11-28")
	var out []stream
	for _, repo := range e.set.Repos {
		g := &gitHub{e: e, repo: repo}
		if e.set.wants("deployments", []string{"deployments"}) {
			out = append(out, &walkStream{name: repo + " deployments", since: e.since, lookback: e.set.lookback(), fetch: g.deployments})
		}
		if e.set.wants("runs", []string{"deployments"}) {
			out = append(out, &walkStream{name: repo + " runs", since: e.since, lookback: e.set.lookback(), fetch: g.runs})
		}
	}
	return out, nil
}

var reLinkNext = regexp.MustCompile(`<([^>]+)>\s*;\s*rel="?next"?`)

// nextLink returns the rel="next" URL of a Link header ("" on the last page).
func nextLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			if m := reLinkNext.FindStringSubmatch(part); m != nil {
				return m[1]
			}
		}
	}
	return ""
}

func (g *gitHub) path(rest string) string {
	owner, name, _ := strings.Cut(g.repo, "/")
	return "/repos/" + url.PathEscape(owner) + "/" + url.PathEscape(name) + rest
}

type ghItem struct {
	ID        json.Number `json:"id"`
	CreatedAt time.Time   `json:"created_at"`
}

func span(items []ghItem) (newest, oldest time.Time) {
	for _, it := range items {
		if it.CreatedAt.After(newest) {
			newest = it.CreatedAt
		}
		if oldest.IsZero() || it.CreatedAt.Before(oldest) {
			oldest = it.CreatedAt
		}
	}
	return newest, oldest
}

func (g *gitHub) deployments(ctx context.Context, next string, etags map[string]etag) (walkPage, error) {
	ref := next
	var q url.Values
	if ref == "" {
		ref, q = g.path("/deployments"), url.Values{"per_page": {ghPerPage}}
		if g.e.set.Environment != "" {
			q.Set("environment", g.e.set.Environment)
		}
	}
	res, err := g.e.c.get(ctx, ref, q, nil)
	if err != nil {
		return walkPage{}, err
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(res.Body, &raws); err != nil {
		return walkPage{}, fmt.Errorf("deployments of %s: %w", g.repo, err)
	}
	items := make([]ghItem, len(raws))
	var full []json.RawMessage
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &items[i]); err != nil || items[i].ID == "" {
			full = append(full, raw) // the importer reports it
			continue
		}
		statuses, changed, err := g.statuses(ctx, items[i], etags)
		if err != nil {
			return walkPage{}, err
		}
		if !changed {
			continue // statuses unchanged since the last walk: so is the deploy
		}
		withStatuses, err := setField(raw, "statuses", statuses)
		if err != nil {
			return walkPage{}, fmt.Errorf("deployment %s: %w", items[i].ID, err)
		}
		full = append(full, withStatuses)
	}
	doc, err := json.Marshal(full)
	if err != nil {
		return walkPage{}, err
	}
	if full == nil {
		doc = []byte(`[]`)
	}
	b, err := parsePage("github-deployments", g.repo+" deployments", doc, g.e.opt)
	if err != nil {
		return walkPage{}, err
	}
	newest, oldest := span(items)
	return walkPage{batch: b, n: len(raws), newest: newest, oldest: oldest, next: nextLink(res.Header)}, nil
}

// statuses reads a deployment's statuses with If-None-Match; changed is
// false on a 304.
func (g *gitHub) statuses(ctx context.Context, d ghItem, etags map[string]etag) ([]json.RawMessage, bool, error) {
	ref := g.path("/deployments/" + d.ID.String() + "/statuses")
	var hdr http.Header
	if e, ok := etags[ref]; ok && e.ETag != "" {
		hdr = http.Header{"If-None-Match": {e.ETag}}
	}
	var out []json.RawMessage
	var q = url.Values{"per_page": {ghPerPage}}
	for page := ref; page != ""; q = nil {
		res, err := g.e.c.get(ctx, page, q, hdr)
		if err != nil {
			return nil, false, err
		}
		if res.Status == http.StatusNotModified {
			return nil, false, nil
		}
		if page == ref {
			etags[ref] = etag{ETag: res.Header.Get("ETag"), Newest: d.CreatedAt}
			hdr = nil
		}
		var sts []json.RawMessage
		if err := json.Unmarshal(res.Body, &sts); err != nil {
			return nil, false, fmt.Errorf("statuses of deployment %s: %w", d.ID, err)
		}
		out = append(out, sts...)
		page = nextLink(res.Header)
	}
	return out, true, nil
}

func (g *gitHub) runs(ctx context.Context, next string, etags map[string]etag) (walkPage, error) {
	if g.defaultBranch == "" {
		res, err := g.e.c.get(ctx, g.path(""), nil, nil)
		if err != nil {
			return walkPage{}, err
		}
		var repo struct {
			DefaultBranch string `json:"default_branch"`
		}
		if err := json.Unmarshal(res.Body, &repo); err != nil || repo.DefaultBranch == "" {
			return walkPage{}, fmt.Errorf("repository %s: no default_branch (%v)", g.repo, err)
		}
		g.defaultBranch = repo.DefaultBranch
	}
	ref := next
	if ref == "" {
		ref = g.path("/actions/runs")
		if w := g.e.set.Workflow; w != "" {
			ref = g.path("/actions/workflows/" + url.PathEscape(w) + "/runs")
		}
		ref += "?per_page=" + ghPerPage
	}
	var hdr http.Header
	old, known := etags[ref]
	if known && old.ETag != "" {
		hdr = http.Header{"If-None-Match": {old.ETag}}
	}
	res, err := g.e.c.get(ctx, ref, nil, hdr)
	if err != nil {
		return walkPage{}, err
	}
	if res.Status == http.StatusNotModified {
		// The page is as the last walk saw it: nothing to write; go on
		// where it went on.
		return walkPage{n: old.Count, newest: old.Newest, oldest: old.Oldest, next: old.Next}, nil
	}
	var body struct {
		Runs []json.RawMessage `json:"workflow_runs"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil {
		return walkPage{}, fmt.Errorf("workflow runs of %s: %w", g.repo, err)
	}
	items := make([]ghItem, len(body.Runs))
	full := make([]json.RawMessage, 0, len(body.Runs))
	for i, raw := range body.Runs {
		_ = json.Unmarshal(raw, &items[i])
		full = append(full, g.withDefaultBranch(raw))
	}
	doc, err := json.Marshal(map[string][]json.RawMessage{"workflow_runs": full})
	if err != nil {
		return walkPage{}, err
	}
	opt := g.e.opt
	opt.Workflow = g.e.set.Workflow
	b, err := parsePage("github-actions-runs", g.repo+" runs", doc, opt)
	if err != nil {
		return walkPage{}, err
	}
	newest, oldest := span(items)
	p := walkPage{batch: b, n: len(body.Runs), newest: newest, oldest: oldest, next: nextLink(res.Header)}
	if tag := res.Header.Get("ETag"); tag != "" {
		etags[ref] = etag{ETag: tag, Next: p.next, Oldest: oldest, Newest: newest, Count: p.n}
	}
	return p, nil
}

// withDefaultBranch adds the repository's default branch to a run's
// repository object when the run lacks it (the minimal repository of the
// runs list), so the importer does not fall back to main/master.
func (g *gitHub) withDefaultBranch(raw json.RawMessage) json.RawMessage {
	var run map[string]json.RawMessage
	if json.Unmarshal(raw, &run) != nil {
		return raw
	}
	var repo map[string]json.RawMessage
	if json.Unmarshal(run["repository"], &repo) != nil || repo == nil {
		return raw
	}
	if _, ok := repo["default_branch"]; ok {
		return raw
	}
	repo["default_branch"], _ = json.Marshal(g.defaultBranch)
	withRepo, err := setField(raw, "repository", repo)
	if err != nil {
		return raw
	}
	return withRepo
}
