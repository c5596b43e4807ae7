// Writing a chunk: one service-month of generated records, numbered in time
// order and written by flush, with the SLI impact of its incidents.

package seed

import "fmt"

type chunk struct {
	deploys   []*deploy
	incidents []*incident
	pages     []*page
	actions   []*action
}

func (c *chunk) reset() {
	clear(c.deploys)
	clear(c.incidents)
	clear(c.pages)
	clear(c.actions)
	c.deploys, c.incidents, c.pages, c.actions = c.deploys[:0], c.incidents[:0], c.pages[:0], c.actions[:0]
}

var sevFrac = [5]float64{0, 0.2, 0.015, 0.002, 0.0003}
var tierAmp = [4]float64{1, 1.5, 3, 6}

func (g *gen) flush(s *svcState) error {
	c := &g.chunk
	r := s.rng
	slicesSortBy(c.deploys, func(d *deploy) (int64, int) { return d.finished, d.seq })
	for _, d := range c.deploys {
		g.nextDeployID++
		d.id = g.nextDeployID
		if err := g.w.exec(stDeploy, d.id, d.source, d.ext, s.id, d.env, d.ver, ts(d.started), tsStr(d.finished),
			d.status, b2i(d.rollback), b2i(d.hotfix), ts(d.commit), d.url, g.perfFlag(s, d)); err != nil {
			return err
		}
		g.sum.Deploys++
	}
	slicesSortBy(c.incidents, func(in *incident) (int64, int) { return in.detected, int(in.seq) })
	for _, in := range c.incidents {
		g.nextIncID++
		g.incExtN++
		in.id = g.nextIncID
		in.ext = pdID('Q', g.incExtN, r)
		var causeID int64
		if in.cause != nil {
			causeID = in.cause.id
		}
		pmURL := ""
		if in.pmPub != 0 {
			pmURL = "https://wiki.acme.internal/postmortems/" + in.ext
		}
		if err := g.w.exec(stIncident, in.id, "pagerduty", in.ext, s.id, in.title, in.sev, in.sevRaw, in.status,
			b2i(in.cust), ts(in.started), tsStr(in.detected), ts(in.ack), ts(in.mitigated), ts(in.resolved),
			in.rootCause, in.category, in.problemRef, "", nullInt(causeID), ts(in.pmDue), ts(in.pmPub), pmURL,
			"https://acme.pagerduty.com/incidents/"+in.ext); err != nil {
			return err
		}
		g.sum.Incidents++
		if in.status != "resolved" {
			g.openCount++
		}
		if in.sev <= 2 && len(s.sev12) < 8 {
			s.sev12 = append(s.sev12, in.id)
		}
		g.impact(s, in)
	}
	slicesSortBy(c.pages, func(p *page) (int64, int) { return p.triggered, int(p.seq) })
	for _, p := range c.pages {
		g.nextPageID++
		g.pageExtN++
		p.id = g.nextPageID
		p.ext = pdID('P', g.pageExtN+7_777_777, r)
		var incID int64
		ref := ""
		if p.inc != nil {
			incID, ref = p.inc.id, p.inc.ext
		}
		var act any
		if p.actionable >= 0 {
			act = p.actionable
		}
		if err := g.w.exec(stPage, p.id, "pagerduty", p.ext, s.id, nullInt(incID), ref, p.title, p.urgency,
			tsStr(p.triggered), ts(p.ack), ts(p.resolved), b2i(p.auto), act, responder(s.team, p.id, p.triggered)); err != nil {
			return err
		}
		g.sum.Pages++
	}
	slicesSortBy(c.actions, func(a *action) (int64, int) { return a.created, int(a.seq) })
	for _, a := range c.actions {
		g.nextActionID++
		a.id = g.nextActionID
		if err := g.w.exec(stAction, a.id, a.inc.id, s.id, a.title, a.owner, ts(a.due), ts(a.closed), "", "app",
			fmt.Sprintf("AI-%06d", a.id), tsStr(a.created)); err != nil {
			return err
		}
		g.sum.ActionItems++
	}
	return nil
}

// impact spreads an incident's bad-event fraction over the days it lasted.
func (g *gen) impact(s *svcState, in *incident) {
	a := in.started
	if a == 0 {
		a = in.detected
	}
	b := in.mitigated
	if b == 0 {
		b = in.resolved
	}
	if b == 0 {
		b = g.end
	}
	frac := sevFrac[in.sev] * tierAmp[s.def.tier] * lognorm(s.rng, 1, 0.6) / g.scale
	if !in.cust {
		frac *= 0.2
	}
	latF := 2.0
	if in.perf {
		latF = 10
	}
	for a < b {
		d := g.dayIndex(a)
		next := g.start + int64(d+1)*day_
		seg := min(b, next) - a
		if d >= 0 && d < len(g.impAvail[s.idx]) {
			x := frac * float64(seg) / day_
			g.impAvail[s.idx][d] += x
			g.impLat[s.idx][d] += x * latF
		}
		a = next
	}
}
