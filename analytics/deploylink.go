package analytics

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// prodEnvs is the set of production environment names, lower-cased.
type prodEnvs map[string]struct{}

func newProdEnvs(s Settings) prodEnvs {
	m := make(prodEnvs, len(s.ProdEnvironments))
	for _, e := range s.ProdEnvironments {
		m[strings.ToLower(strings.TrimSpace(e))] = struct{}{}
	}
	return m
}

func (m prodEnvs) has(env string) bool {
	if _, ok := m[env]; ok { // as sources mostly write it: no case folding to do
		return true
	}
	_, ok := m[strings.ToLower(strings.TrimSpace(env))]
	return ok
}

// isProdChange reports whether d is a successful production deploy, the only
// kind that can change production and so the only kind that can be linked
// to an incident or counted (docs/metrics.md, "Deployments").
func (m prodEnvs) isProdChange(d *Deploy) bool {
	return d.Status == DeploySuccess && m.has(d.Environment)
}

// isDeployment reports whether d counts as a deployment (CFR denominator):
// a successful production deploy that is not a rollback.
func (m prodEnvs) isDeployment(d *Deploy) bool {
	return !d.IsRollback && m.isProdChange(d)
}

// deployOrder sorts deploys by service, finish time, then ID, so that on a
// tie the higher ID counts as the later deploy; the order is total, which
// makes every link deterministic whatever order the caller passed.
func deployOrder(a, b *Deploy) int {
	if c := cmp.Compare(a.ServiceID, b.ServiceID); c != 0 {
		return c
	}
	if c := a.FinishedAt.Compare(b.FinishedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// prodTimeline holds each service's successful production deploys
// (rollbacks included), sorted by deployOrder.
type prodTimeline map[int64][]*Deploy

// newProdTimeline groups the production changes of deps by service, in one
// array, each service's run sorted. Deploys arrive in finish order from a
// store, so the runs usually are already and only need checking.
func newProdTimeline(deps []*Deploy, envs prodEnvs) prodTimeline {
	tl, _ := groupProd(deps, envs)
	return tl
}

// groupProd is newProdTimeline that also returns the array holding every
// run: the production changes of deps, each once.
func groupProd(deps []*Deploy, envs prodEnvs) (prodTimeline, []*Deploy) {
	prod := make([]*Deploy, 0, len(deps))
	count := make(map[int64]int)
	// A window's deploys name a handful of environments, mostly in runs:
	// the last one's verdict spares folding and hashing each deploy's.
	var lastEnv string
	lastProd, seen := false, false
	for _, d := range deps {
		if d.Status != DeploySuccess {
			continue
		}
		if !seen || d.Environment != lastEnv {
			lastEnv, lastProd, seen = d.Environment, envs.has(d.Environment), true
		}
		if lastProd {
			prod = append(prod, d)
			count[d.ServiceID]++
		}
	}
	next := make(map[int64]int, len(count))
	off := 0
	for svc, n := range count {
		next[svc] = off
		off += n
	}
	grouped := make([]*Deploy, len(prod))
	for _, d := range prod {
		grouped[next[d.ServiceID]] = d
		next[d.ServiceID]++
	}
	tl := make(prodTimeline, len(count))
	for svc, end := range next {
		run := grouped[end-count[svc] : end : end]
		if !slices.IsSortedFunc(run, deployOrder) {
			slices.SortFunc(run, deployOrder)
		}
		tl[svc] = run
	}
	return tl, grouped
}

// eligibleForInference reports whether rule (b) may link inc: it names no
// deploy, nobody said it is unrelated or rejected the inferred link, and no
// incident names any deploy of its service (explicit holds those services).
func eligibleForInference(inc *Incident, explicit map[int64]*Incident) bool {
	return inc.CausedByDeployID == nil && !inc.NotDeployRelated && !inc.InferredLinkRejected && explicit[inc.ServiceID] == nil
}

// explicitServices returns the services that have at least one deploy named
// by an incident (rule (a)), each with the earliest such incident (by
// detection, then ID) as the evidence. For those services the source
// records causes explicitly, so rule (b) does not guess for them: "no
// incident names any deploy of that service" (docs/metrics.md). A named
// deploy that is not in the input counts for the naming incident's own
// service.
func explicitServices(incs []*Incident, byID map[int64]*Deploy) map[int64]*Incident {
	out := make(map[int64]*Incident)
	for _, inc := range incs {
		if inc.CausedByDeployID == nil {
			continue
		}
		svc := inc.ServiceID
		if d, ok := byID[*inc.CausedByDeployID]; ok {
			svc = d.ServiceID
		}
		if prev := out[svc]; prev == nil || inc.DetectedAt.Before(prev.DetectedAt) ||
			inc.DetectedAt.Equal(prev.DetectedAt) && inc.ID < prev.ID {
			out[svc] = inc
		}
	}
	return out
}

// nearest returns the deploy rule (b) looks at for inc: the service's most
// recent successful production deploy finished at or before detection, if
// detection is at most window after it; nil otherwise.
func (tl prodTimeline) nearest(inc *Incident, window time.Duration) *Deploy {
	list := tl[inc.ServiceID]
	// k is the first deploy finished after detection; k-1 the most recent at or before it.
	k, _ := slices.BinarySearchFunc(list, inc.DetectedAt, func(d *Deploy, t time.Time) int {
		if d.FinishedAt.After(t) {
			return 1
		}
		return -1
	})
	if k == 0 {
		return nil
	}
	d := list[k-1]
	if inc.DetectedAt.Sub(d.FinishedAt) > window {
		return nil
	}
	return d
}

// infer returns the deploy rule (b) links inc to, or nil: the nearest
// deploy, when inc is eligible. Taking only the most recent deploy is what
// "before the service's next production deploy finished" means, and it is
// why several incidents after one deploy make one failed change.
func (tl prodTimeline) infer(inc *Incident, window time.Duration, explicit map[int64]*Incident) *Deploy {
	if !eligibleForInference(inc, explicit) {
		return nil
	}
	return tl.nearest(inc, window)
}

// followUps returns, for every deployment revealed as failed by rule (c),
// the rollback or hotfix deploy that revealed it: a rollback or hotfix that
// finished at most window after the service's most recent preceding
// deployment marks that one deployment (and only that one) as failed.
func (tl prodTimeline) followUps(window time.Duration) map[*Deploy]*Deploy {
	out := make(map[*Deploy]*Deploy)
	for _, list := range tl {
		var last *Deploy // most recent non-rollback deploy so far
		for _, d := range list {
			if (d.IsRollback || d.IsHotfix) && last != nil && d.FinishedAt.Sub(last.FinishedAt) <= window {
				if _, seen := out[last]; !seen {
					out[last] = d
				}
			}
			if !d.IsRollback {
				last = d
			}
		}
	}
	return out
}

// InferDeployLinks applies rule (b) of the change failure rate
// (docs/metrics.md) and returns incident ID → deploy ID for every incident
// that names no deploy, is not marked NotDeployRelated or
// InferredLinkRejected, and was detected within s.DeployLinkWindow after its
// service's most recent successful production deploy, over exactly the
// records given: a service counts as naming its causes only if one of
// incidents names one of its deploys. Pages use DeployLinkOf instead, which
// judges an incident over the records a period's scorecard sees. Incidents
// with ID 0 are skipped because they could not be told apart in the map.
func InferDeployLinks(incidents []Incident, deploys []Deploy, s Settings) map[int64]int64 {
	envs := newProdEnvs(s)
	deps := make([]*Deploy, len(deploys))
	for i := range deploys {
		deps[i] = &deploys[i]
	}
	tl := newProdTimeline(deps, envs)
	byID := make(map[int64]*Deploy, len(deps))
	for _, d := range deps {
		byID[d.ID] = d
	}
	incs := make([]*Incident, len(incidents))
	for i := range incidents {
		incs[i] = &incidents[i]
	}
	explicit := explicitServices(incs, byID)
	out := make(map[int64]int64)
	for i := range incidents {
		inc := &incidents[i]
		if inc.ID == 0 {
			continue
		}
		if d := tl.infer(inc, s.DeployLinkWindow, explicit); d != nil {
			out[inc.ID] = d.ID
		}
	}
	return out
}
