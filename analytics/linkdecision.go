package analytics

// Deploy-link rules of the change failure rate (docs/metrics.md).
const (
	LinkExplicit = "explicit" // rule (a): the incident names the deploy
	LinkInferred = "inferred" // rule (b): detected soon after the service's latest production deploy
)

// Reasons rule (b) does not link an incident to the deploy it looks at.
const (
	NoInferenceNamesDeploy = "names_deploy" // the incident names a deploy itself (rule (a))
	NoInferenceNotRelated  = "not_related"  // someone marked it not deploy-related
	NoInferenceRejected    = "rejected"     // someone removed the inferred link
	NoInferenceCausesNamed = "causes_named" // incidents of its service name their causes
)

// DeployLink is the engine's decision about one incident and the deploy
// it may have caused, exactly as Compute makes it for one period, with the
// evidence: what an incident page shows, so it can never say a deploy
// failed when the scorecard does not count it, or the other way round.
type DeployLink struct {
	// Found says the incident is among the records Compute considers for
	// the period: detected in its input window (docs/metrics.md, "Input
	// window"). Without it nothing below applies.
	Found bool
	// Rule is LinkExplicit or LinkInferred; "" when the incident is linked
	// to no deploy.
	Rule string
	// DeployID is the linked deploy (0 without a link); for an explicit
	// link also when that deploy is not among the records, and Deploy is nil.
	DeployID int64
	Deploy   *Deploy
	// FailedChange says the link makes Deploy a failed change in the
	// period: it is one of the period's deployments (a successful
	// production deploy, finished in the period, not a rollback).
	FailedChange bool
	// Nearest is the deploy rule (b) looks at: the service's most recent
	// successful production deploy finished at or before detection, at
	// most DeployLinkWindow before it; nil when there is none.
	Nearest *Deploy
	// NoInference says why rule (b) does not link the incident to Nearest
	// (NoInference…); "" when it does, or without a Nearest.
	NoInference string
	// NamedBy is, for NoInferenceCausesNamed, the earliest incident that
	// names a deploy of the service.
	NamedBy *Incident
}

// DeployLinkOf returns how Compute, computing p over in, links the
// incident with ID id to a deploy. The incident may be one of in.Incidents
// or of in.LinkIncidents (an incident of another service naming one of
// in's deploys, which counts for rule (a) only).
func DeployLinkOf(in Input, p Period, s Settings, id int64) DeployLink {
	c := newComputer(in, p, s, nil)
	c.services()
	c.incidents()
	ls := c.linkState()
	var inc *Incident
	own := false
	for _, x := range c.windowIncidents {
		if x.ID == id {
			inc, own = x, true
			break
		}
	}
	for i := range c.in.LinkIncidents {
		if x := &c.in.LinkIncidents[i]; inc == nil && x.ID == id && c.inWindow(x.DetectedAt) {
			inc = x
		}
	}
	if inc == nil {
		return DeployLink{}
	}
	out := DeployLink{Found: true}
	if own {
		out.Nearest = ls.tl.nearest(inc, s.DeployLinkWindow)
	}
	switch {
	case inc.CausedByDeployID != nil:
		out.Rule, out.DeployID, out.Deploy = LinkExplicit, *inc.CausedByDeployID, ls.byID[*inc.CausedByDeployID]
	case own:
		if d := ls.tl.infer(inc, s.DeployLinkWindow, ls.explicit); d != nil {
			out.Rule, out.DeployID, out.Deploy = LinkInferred, d.ID, d
		}
	}
	if out.Nearest != nil && out.Rule != LinkInferred {
		switch {
		case inc.CausedByDeployID != nil:
			out.NoInference = NoInferenceNamesDeploy
		case inc.NotDeployRelated:
			out.NoInference = NoInferenceNotRelated
		case inc.InferredLinkRejected:
			out.NoInference = NoInferenceRejected
		case ls.explicit[inc.ServiceID] != nil:
			out.NoInference, out.NamedBy = NoInferenceCausesNamed, ls.explicit[inc.ServiceID]
		}
	}
	out.FailedChange = out.Deploy != nil && c.p.Contains(out.Deploy.FinishedAt) && c.envs.isDeployment(out.Deploy)
	return out
}
