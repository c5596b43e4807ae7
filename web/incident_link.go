package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sreport/analytics"
	"sreport/analytics/kpifmt"
	"sreport/analytics/report"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
	"sreport/views"
)

// engineLink is the KPI engine's own deploy-link decision about one
// incident, for the period and service whose change failure rate it
// affects: the page shows this, never a rule of its own.
type engineLink struct {
	link    analytics.DeployLink
	period  analytics.Period
	service string // the service whose scorecard counts the deploy
	// window is the deploy-link window in force in period, the one the
	// engine applied.
	window time.Duration
}

// deployLinks asks the engine how it links in to a deploy, and which
// deploy rule (b) would infer without the user's link decisions on this
// incident (the candidate the confirm and remove buttons act on).
//
// The answer is cached per data version like a scorecard: it loads up to
// four service-months of records, and during an incident everyone on the
// call opens the same incident page. It is never served stale (only
// scorecard.AcceptStale callers are): the page offers the link buttons.
func (h *Handler) deployLinks(ctx context.Context, in analytics.Incident) (engineLink, *analytics.Deploy, error) {
	env, err := h.env(ctx)
	if err != nil {
		return engineLink{}, nil, err
	}
	type links struct {
		actual   engineLink
		inferred *analytics.Deploy
	}
	// The key holds the incident's own values, read before the data
	// version is: a change committed between the two reads then keys a
	// different entry instead of caching the older incident's decision
	// under the newer version.
	state, err := json.Marshal(in)
	if err != nil {
		return engineLink{}, nil, fmt.Errorf("web: deploy links of incident %d: %w", in.ID, err)
	}
	sum := sha256.Sum256(state)
	key := strings.Join([]string{"deploy-links", strconv.FormatInt(in.ID, 10), hex.EncodeToString(sum[:]), env.Settings.AsOf.Format(time.RFC3339)}, "|")
	l, err := scorecard.Do(ctx, h.cache, h.store, key, func(ctx context.Context) (links, error) {
		a, i, err := h.computeDeployLinks(ctx, env, in)
		return links{a, i}, err
	})
	return l.actual, l.inferred, err
}

// computeDeployLinks is deployLinks without the cache.
func (h *Handler) computeDeployLinks(ctx context.Context, env scorecard.Env, in analytics.Incident) (engineLink, *analytics.Deploy, error) {
	actual, err := h.settleLink(ctx, env, in)
	if err != nil {
		return engineLink{}, nil, err
	}
	probe := in
	probe.CausedByDeployID, probe.NotDeployRelated, probe.InferredLinkRejected = nil, false, false
	cand, err := h.settleLink(ctx, env, probe)
	if err != nil {
		return engineLink{}, nil, err
	}
	var inferred *analytics.Deploy
	if cand.link.Rule == analytics.LinkInferred {
		inferred = cand.link.Deploy
	}
	return actual, inferred, nil
}

// settleLink computes the engine's decision for in where it counts: first
// for the incident's service in the month of its detection, then, when the
// deploy concerned (the linked one, else the one rule (b) looks at)
// belongs to another service or month, for that deploy's service and month.
func (h *Handler) settleLink(ctx context.Context, env scorecard.Env, in analytics.Incident) (engineLink, error) {
	loc := env.Settings.Location()
	e := engineLink{period: analytics.MonthOf(in.DetectedAt, loc), service: in.Service}
	var err error
	if e.link, err = h.linkIn(ctx, env, in, in.ServiceID, e.period); err != nil {
		return e, err
	}
	target := e.link.Deploy
	if target == nil && e.link.Rule == analytics.LinkExplicit {
		// The named deploy lies outside this service's records: it is
		// another service's, or long before.
		d, err := h.store.DeployByID(ctx, e.link.DeployID)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return e, err
		default:
			target = &d
		}
	}
	if target == nil {
		target = e.link.Nearest
	}
	if target == nil || target.ServiceID == in.ServiceID && e.period.Contains(target.FinishedAt) {
		e.window = env.SettingsFor(e.period).DeployLinkWindow
		return e, nil
	}
	e.period = analytics.MonthOf(target.FinishedAt, loc)
	for _, s := range env.Services {
		if s.ID == target.ServiceID {
			e.service = s.Name
		}
	}
	e.link, err = h.linkIn(ctx, env, in, target.ServiceID, e.period)
	e.window = env.SettingsFor(e.period).DeployLinkWindow
	return e, err
}

// linkIn loads one service's records for p as the scorecard does, with in
// standing for the stored incident, and returns the engine's decision.
func (h *Handler) linkIn(ctx context.Context, env scorecard.Env, in analytics.Incident, serviceID int64, p analytics.Period) (analytics.DeployLink, error) {
	var svcs []analytics.Service
	for _, s := range env.Services {
		if s.ID == serviceID {
			svcs = append(svcs, s)
		}
	}
	if len(svcs) == 0 {
		return analytics.DeployLink{}, nil
	}
	input, err := scorecard.Load(ctx, h.store, env, svcs, p)
	if err != nil {
		return analytics.DeployLink{}, err
	}
	for _, list := range []*[]analytics.Incident{&input.Incidents, &input.LinkIncidents} {
		for i := range *list {
			if (*list)[i].ID == in.ID {
				(*list)[i] = in
			}
		}
	}
	return analytics.DeployLinkOf(input, p, env.SettingsFor(p), in.ID), nil
}

// linkVerdict says in one sentence whether the incident makes a deploy a
// failed change, and why, in the engine's words.
func linkVerdict(e engineLink, in analytics.Incident, d incidentData) views.LinkVerdict {
	l, month, window := e.link, report.Title(e.period), kpifmt.Exact(analytics.UnitMinutes, e.window.Minutes())
	dep := func(x *analytics.Deploy) *views.Link {
		return &views.Link{Text: deployLabel(*x, d.loc), Href: idHref("/deploys/", x.ID)}
	}
	v := views.LinkVerdict{}
	switch {
	case !l.Found:
		v.Before = fmt.Sprintf("No failed change counted: the %s scorecard of %s, where the deploy is counted, does not see this incident: it was detected outside that period's input window (docs/metrics.md, \"Input window\").",
			month, e.service)
	case l.FailedChange:
		how := "this incident names it"
		if l.Rule == analytics.LinkInferred {
			how = fmt.Sprintf("inferred: this incident was detected within %s after it", window)
		}
		v.Counts, v.Deploy = true, dep(l.Deploy)
		v.After = fmt.Sprintf(" counts as a failed change in the %s scorecard of %s (%s).", month, e.service, how)
	case l.Rule == analytics.LinkExplicit && l.Deploy == nil:
		v.Before = fmt.Sprintf("No failed change counted: the deploy #%d this incident names is not among the deploys of %s in %s.", l.DeployID, e.service, month)
	case l.Rule != "" && l.Deploy.IsRollback:
		v.Before, v.Deploy, v.After = "No failed change: linked to ", dep(l.Deploy), ", a rollback, which is not a deployment."
	case l.Rule != "":
		v.Before, v.Deploy, v.After = "No failed change: linked to ", dep(l.Deploy), ", which is not a successful production deployment of "+month+"."
	case l.Nearest == nil:
		v.Before = fmt.Sprintf("No failed change: no production deploy of %s finished in the %s before detection.", in.Service, window)
	case l.NoInference == analytics.NoInferenceCausesNamed:
		v.Before, v.Deploy = "No failed change: ", dep(l.Nearest)
		v.After = fmt.Sprintf(" finished just before, but incidents of %s name the deploys that caused them (#%d names deploy #%d), so sreport infers no links for %s in %s.",
			in.Service, l.NamedBy.ID, *l.NamedBy.CausedByDeployID, in.Service, month)
	case l.NoInference == analytics.NoInferenceNotRelated:
		v.Before, v.Deploy, v.After = "No failed change: marked not deploy-related, so it is not linked to ", dep(l.Nearest), "."
	case l.NoInference == analytics.NoInferenceRejected:
		v.Before, v.Deploy, v.After = "No failed change: the inferred link to ", dep(l.Nearest), " was removed."
	}
	return v
}
