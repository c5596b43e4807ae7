package analytics

import (
	"fmt"
	"slices"
)

// failure records why one deployment is a failed change.
type failure struct {
	explicit []*Incident // rule (a)
	inferred []*Incident // rule (b)
	followUp *Deploy     // rule (c)
}

// linkState is what the change-failure rules are evaluated with: the
// input window's deploys, each service's production timeline, and the
// services whose incidents name their causes (with the evidence).
type linkState struct {
	deps     []*Deploy
	prod     []*Deploy // the production changes of deps, grouped by service (tl's runs)
	byID     map[int64]*Deploy
	tl       prodTimeline
	explicit map[int64]*Incident
}

// linkState collects the deploys finished in the deploy window and the
// services that rule (b) must not guess for; c.incidents must have run.
//
// The deploy window (LoadWindows.Deploys: the period and DeployLinkWindow
// either side) holds every deploy the three rules can count for the
// period. It is also what a store loads for one period, and keeping to it
// here makes the result the same however many more deploys the caller
// loaded (a report loads years at once): an incident naming a deploy
// outside it names, for explicitServices, a deploy not in the input.
func (c *computer) linkState() linkState {
	// Other services' incidents that SplitByService passed along name
	// deploys too.
	named := slices.Clip(c.windowIncidents)
	for i := range c.in.LinkIncidents {
		if inc := &c.in.LinkIncidents[i]; c.inWindow(inc.DetectedAt) {
			named = append(named, inc)
		}
	}
	// byID holds only the deploys an incident names: those are all it is
	// asked for, and a map of every deploy of the window was most of the
	// cost of a computation.
	want := make(map[int64]struct{})
	for _, inc := range named {
		if inc.CausedByDeployID != nil {
			want[*inc.CausedByDeployID] = struct{}{}
		}
	}
	ls := linkState{byID: make(map[int64]*Deploy, len(want))}
	ls.deps = make([]*Deploy, 0, len(c.in.Deploys))
	for i := range c.in.Deploys {
		d := &c.in.Deploys[i]
		if d.FinishedAt.Before(c.depW.From) || !d.FinishedAt.Before(c.depW.To) {
			continue
		}
		ls.deps = append(ls.deps, d)
		if _, named := want[d.ID]; named {
			if _, dup := ls.byID[d.ID]; !dup {
				ls.byID[d.ID] = d
			}
		}
	}
	ls.tl, ls.prod = groupProd(ls.deps, c.envs)
	ls.explicit = explicitServices(named, ls.byID)
	return ls
}

// deploys computes the DORA-style deploy KPIs: deployments, change failure
// rate, rollback rate, lead time and failed deploy recovery; and the
// performance-regression rate over the same deployments.
func (c *computer) deploys() {
	var f deployFigures
	ls := c.linkState()
	c.named = ls.byID
	byID, tl := ls.byID, ls.tl
	fails := make(map[*Deploy]*failure)
	fail := func(d *Deploy) *failure {
		x := fails[d]
		if x == nil {
			x = &failure{}
			fails[d] = x
		}
		return x
	}
	// Rule (a): explicit links, including other services' incidents that
	// SplitByService passed along for this purpose.
	explicit := func(inc *Incident) {
		if inc.CausedByDeployID == nil {
			return
		}
		if d, ok := byID[*inc.CausedByDeployID]; ok {
			x := fail(d)
			x.explicit = append(x.explicit, inc)
		}
	}
	for _, inc := range c.windowIncidents {
		explicit(inc)
		if d := tl.infer(inc, c.s.DeployLinkWindow, ls.explicit); d != nil {
			x := fail(d)
			x.inferred = append(x.inferred, inc)
		}
	}
	for i := range c.in.LinkIncidents {
		if inc := &c.in.LinkIncidents[i]; c.inWindow(inc.DetectedAt) {
			explicit(inc)
		}
	}
	// Rule (c): a rollback or hotfix soon after.
	for d, r := range tl.followUps(c.s.DeployLinkWindow) {
		fail(d).followUp = r
	}

	// Only production changes count; the order of the loop reaches only
	// the medians, which sort, and the evidence, which is sorted.
	for _, d := range ls.prod {
		if !c.p.Contains(d.FinishedAt) {
			continue
		}
		row := EvidenceRow{Kind: KindDeploy, ID: d.ID, Label: c.depLabel(d), At: d.FinishedAt}
		if d.IsRollback {
			f.rollbacks++
			rb := row
			rb.Included, rb.Note = true, "rollback"
			c.ev.add(rb, KPIRollbackRate)
			continue
		}
		f.deployments++
		if d.IsHotfix {
			f.hotfixes++
		}
		c.ev.add(row, KPIRollbackRate)
		dep := row
		dep.Included = true
		c.ev.add(dep, KPIDeployments, KPIDeploysPerWeek)

		cf := row
		if fl := fails[d]; fl != nil {
			f.failed++
			f.inferred += len(fl.inferred)
			for _, inc := range fl.explicit {
				f.recovery = c.recovered(f.recovery, inc, d, "explicit link")
			}
			for _, inc := range fl.inferred {
				f.recovery = c.recovered(f.recovery, inc, d, "inferred link")
			}
			if c.ev != nil {
				cf.Included = true
				cf.Note = fl.note(d)
			}
		}
		c.ev.add(cf, KPIChangeFailureRate)

		// As for the change failure rate, an included row is one the
		// numerator counts; the notes tell checked from unknown.
		pr := row
		switch {
		case d.PerfRegression == nil:
			pr.Note = "no regression flag; excluded"
		case *d.PerfRegression:
			f.perfFlag++
			f.perfRegressions++
			pr.Included, pr.Note = true, "flagged as a performance regression"
		default:
			f.perfFlag++
			pr.Note = "checked, no regression"
		}
		c.ev.add(pr, KPIPerfRegressionRate)

		lt := row
		switch {
		case d.CommitAt == nil:
			lt.Note = "no commit_at"
		case d.CommitAt.After(d.FinishedAt):
			lt.Note = "commit after finish; excluded"
		default:
			v := d.FinishedAt.Sub(*d.CommitAt).Hours()
			f.lead = append(f.lead, v)
			if c.ev != nil { // v stays on the stack for ComputeKPIs
				v := v
				lt.Value, lt.Included = &v, true
			}
		}
		c.ev.add(lt, KPILeadTimeMedianHours)
	}
	c.dep = f
	c.setDeploys(f)
}

// deployFigures are the deploy step's counts and the values behind its
// medians: what a roll-up sums and concatenates from its services
// (Partial).
type deployFigures struct {
	deployments, failed, rollbacks, hotfixes, inferred, perfFlag, perfRegressions int
	lead, recovery                                                                []float64 // hours; minutes
}

// add adds o's figures to f's, o's values after f's.
func (f *deployFigures) add(o deployFigures) {
	f.deployments += o.deployments
	f.failed += o.failed
	f.rollbacks += o.rollbacks
	f.hotfixes += o.hotfixes
	f.inferred += o.inferred
	f.perfFlag += o.perfFlag
	f.perfRegressions += o.perfRegressions
	f.lead = append(f.lead, o.lead...)
	f.recovery = append(f.recovery, o.recovery...)
}

// setDeploys sets the deploy counts and KPIs from f; the medians sort f's
// values in place.
func (c *computer) setDeploys(f deployFigures) {
	k, n := &c.res.KPIs, &c.res.Counts
	n.Deployments, n.FailedChanges, n.Rollbacks, n.Hotfixes = f.deployments, f.failed, f.rollbacks, f.hotfixes
	n.InferredLinks, n.DeploymentsPerfFlag, n.PerfRegressions = f.inferred, f.perfFlag, f.perfRegressions
	n.DeploymentsWithCommit = len(f.lead)
	n.FailedDeployIncidents = len(f.recovery)
	k.Deployments = num(float64(n.Deployments))
	k.DeploysPerWeek = ratio(float64(n.Deployments), float64(n.Days)/7)
	k.ChangeFailureRate = ratio(float64(n.FailedChanges), float64(n.Deployments))
	k.RollbackRate = ratio(float64(n.Rollbacks), float64(n.Deployments+n.Rollbacks))
	k.PerfRegressionRate = ratio(float64(n.PerfRegressions), float64(n.DeploymentsPerfFlag))
	k.LeadTimeMedianHours = median(f.lead)
	k.FailedDeployRecoveryMedianMinutes = median(f.recovery)
}

// recovered appends the minutes incident inc, linked (how) to the failed
// deployment d, took to resolve to recovery, when it is resolved, and adds
// its evidence row.
func (c *computer) recovered(recovery []float64, inc *Incident, d *Deploy, how string) []float64 {
	resolved := inc.ResolvedAt != nil && !inc.ResolvedAt.Before(inc.DetectedAt)
	var v float64
	if resolved {
		v = minutes(inc.ResolvedAt.Sub(inc.DetectedAt))
		recovery = append(recovery, v)
	}
	if c.ev == nil {
		return recovery
	}
	rr := EvidenceRow{Kind: KindIncident, ID: inc.ID, Label: incLabel(inc), At: inc.DetectedAt,
		Note: fmt.Sprintf("%s to deploy #%d", how, d.ID)}
	if resolved {
		rr.Value, rr.Included = &v, true
	} else {
		rr.Note += "; not resolved, excluded"
	}
	c.ev.add(rr, KPIFailedDeployRecoveryMedianMinutes)
	return recovery
}

// note explains a failed change in one line.
func (f *failure) note(d *Deploy) string {
	var s string
	sep := func() {
		if s != "" {
			s += "; "
		}
	}
	for _, inc := range f.explicit {
		sep()
		s += fmt.Sprintf("explicit link from incident #%d", inc.ID)
	}
	for _, inc := range f.inferred {
		sep()
		s += fmt.Sprintf("inferred link to incident #%d", inc.ID)
	}
	if r := f.followUp; r != nil {
		sep()
		what := "hotfix"
		if r.IsRollback {
			what = "rollback"
		}
		s += fmt.Sprintf("%s deploy #%d %s later", what, r.ID, r.FinishedAt.Sub(d.FinishedAt))
	}
	return s
}
