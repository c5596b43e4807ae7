package seed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

type svcState struct {
	def     *svcDef
	team    *teamDef
	teamIdx int
	idx     int
	id      int64
	loc     *time.Location
	rng     *rand.Rand

	nextDeploy, nextInc, nextPage float64
	depRate, incRate, pageRate    float64 // peak arrival rates per second (thinning)
	incTrendMax                   float64

	major, minor, patch int
	sha                 string
	cur                 string // version in production

	themes []svcTheme
	sev12  []int64 // first sev1/sev2 incident ids, for risk links
	sloIDs []int64
}

type svcTheme struct {
	theme
	problemRef string
	dep        string
}

func (s *svcState) semver() bool { return s.def.tier <= 1 }

func (s *svcState) version() string {
	if s.semver() {
		return fmt.Sprintf("v%d.%d.%d", s.major, s.minor, s.patch)
	}
	if s.sha == "" {
		s.sha = hexStr(s.rng, 7)
	}
	return s.sha
}

// bump returns the version of a new build; hotfix builds bump the patch level.
func (s *svcState) bump(hotfix bool) string {
	if s.semver() {
		switch {
		case hotfix:
			s.patch++
		case s.rng.IntN(60) == 0:
			s.major, s.minor, s.patch = s.major+1, 0, 0
		default:
			s.minor, s.patch = s.minor+1, 0
		}
	} else {
		s.sha = hexStr(s.rng, 7)
	}
	return s.version()
}

func (g *gen) setupService(s *svcState) {
	d := s.def
	r := s.rng
	s.depRate = d.deploysPerDay * g.scale / (day_ * avgDeployW)
	s.incTrendMax = 1 + math.Abs(s.team.incTrend)/2
	s.incRate = d.incPerMonth * 12 / 365 * g.scale * s.incTrendMax / (day_ * avgIncidentW)
	if d.noisy {
		s.pageRate = d.pagesPerDay * g.scale / (day_ * avgNoisyW)
	} else {
		s.pageRate = d.pagesPerDay * g.scale / (day_ * avgPageW)
	}
	// recurring themes: tier 0/1 services always have the 5xx theme
	n := 2 + r.IntN(3)
	perm := r.Perm(len(themePool))
	if d.tier <= 1 {
		for i, p := range perm {
			if p == 0 {
				perm[0], perm[i] = perm[i], perm[0]
			}
		}
	}
	for _, p := range perm[:n] {
		th := svcTheme{theme: themePool[p]}
		if chance(r, 0.65) {
			th.problemRef = fmt.Sprintf("PRB%07d", g.prbN)
			g.prbN += 1 + r.IntN(40)
		}
		th.dep = pick(r, s.team.thirdParty)
		s.themes = append(s.themes, th)
	}
	sf := float64(g.start)
	s.nextDeploy = s.arrival(g, sf, s.depRate, deployWeight, false)
	s.nextInc = s.arrival(g, sf, s.incRate, incidentWeight, true)
	if d.noisy {
		s.nextPage = s.arrival(g, sf, s.pageRate, noisyWeight, false)
	} else {
		s.nextPage = s.arrival(g, sf, s.pageRate, pageWeight, false)
	}
}

// arrival samples the next event of a non-homogeneous Poisson process by
// thinning: candidates at the peak rate, accepted with the local-time weight.
// It returns +Inf once past End.
func (s *svcState) arrival(g *gen, from, rate float64, w func(time.Time) float64, trend bool) float64 {
	if rate <= 0 {
		return math.Inf(1)
	}
	t := from
	for {
		t += s.rng.ExpFloat64() / rate
		if t > g.endF {
			return math.Inf(1)
		}
		acc := w(time.Unix(int64(t), 0).In(s.loc))
		if trend {
			frac := (t - float64(g.start)) / (g.endF - float64(g.start))
			acc *= (1 + s.team.incTrend*(frac-0.5)) / s.incTrendMax
		}
		if s.rng.Float64() < acc {
			return t
		}
	}
}

// serviceMonth generates one service's events up to me and writes them.
func (g *gen) serviceMonth(s *svcState, me float64) error {
	g.chunk.reset()
	for s.nextDeploy < me {
		t := s.nextDeploy
		cursor := g.emitDeploy(s, int64(t))
		// After a bad deploy the service pauses until remediation. At Scale N a
		// service behaves like N independent repositories, so only one in N
		// bad deploys pauses the stream (keeps volumes linear in Scale).
		from := t
		if float64(cursor) > t && (g.opt.Scale == 1 || s.rng.IntN(g.opt.Scale) == 0) {
			from = float64(cursor)
		}
		s.nextDeploy = s.arrival(g, from, s.depRate, deployWeight, false)
	}
	for s.nextInc < me {
		t := s.nextInc
		g.backgroundIncident(s, int64(t))
		s.nextInc = s.arrival(g, t, s.incRate, incidentWeight, true)
	}
	w := pageWeight
	if s.def.noisy {
		w = noisyWeight
	}
	for s.nextPage < me {
		t := s.nextPage
		g.standalonePage(s, int64(t))
		s.nextPage = s.arrival(g, t, s.pageRate, w, false)
	}
	return g.flush(s)
}

// ---- deploys ----

type deploy struct {
	id                         int64
	seq                        int
	source, ext, env, ver, url string
	started, finished, commit  int64
	status                     string
	rollback, hotfix           bool
}

func (g *gen) addDeploy(s *svcState, env, ver string, started, finished, commit int64, status string, rollback, hotfix bool) *deploy {
	if finished > g.end {
		return nil
	}
	d := &deploy{seq: len(g.chunk.deploys), source: s.team.ciSource, env: env, ver: ver,
		started: started, finished: finished, commit: commit, status: status, rollback: rollback, hotfix: hotfix}
	if d.source == "github" {
		g.ghRun += 1 + int64(s.rng.IntN(900))
		d.ext = fmt.Sprint(g.ghRun)
		d.url = "https://github.com/acme/" + s.def.name + "/actions/runs/" + d.ext
	} else {
		g.glPipe += 1 + int64(s.rng.IntN(40))
		d.ext = fmt.Sprint(g.glPipe)
		d.url = "https://gitlab.acme.internal/acme/" + s.def.name + "/-/pipelines/" + d.ext
	}
	g.chunk.deploys = append(g.chunk.deploys, d)
	return d
}

var deployIncidentP = [4]float64{0.022, 0.03, 0.04, 0.045}

// emitDeploy writes one production deploy finishing at t (with its staging
// deploy, retries and remediation) and returns the time after which the next
// regular deploy may happen.
func (g *gen) emitDeploy(s *svcState, t int64) int64 {
	r := s.rng
	dur := int64(120 + r.IntN(1200))
	ver := s.bump(false)
	lead := int64(lognorm(r, s.team.leadTimeH*3600, 1.0)) + 300
	commit := t - dur - lead
	if chance(r, 0.45) {
		sf := t - dur - int64(900+r.IntN(3*3600))
		ss := sf - int64(60+r.IntN(900))
		commit = min(commit, ss-int64(120+r.IntN(1800)))
		st := "success"
		if chance(r, 0.06) {
			st = "failed"
		}
		g.addDeploy(s, "staging", ver, ss, sf, commit, st, false, false)
	}
	status := "success"
	switch u := r.Float64(); {
	case u < 0.055:
		status = "failed"
	case u < 0.085:
		status = "cancelled"
	}
	d := g.addDeploy(s, "production", ver, t-dur, t, commit, status, false, false)
	cursor := t
	if status == "failed" && chance(r, 0.6) {
		t2 := t + int64(600+r.IntN(2400))
		d = g.addDeploy(s, "production", ver, t2-dur, t2, commit, "success", false, false)
		if d == nil {
			return cursor
		}
		cursor = t2
	} else if status != "success" {
		return cursor
	}
	prev := s.cur
	s.cur = ver
	u := r.Float64()
	p := deployIncidentP[s.def.tier] * s.team.cfrFactor
	switch {
	case u < p:
		if c := g.deployIncident(s, d, prev); c > cursor {
			cursor = c
		}
	case u < p+0.02: // bad change caught by the team, rolled back without an incident
		rb := d.finished + int64(lognorm(r, 35*60, 0.6))
		if x := g.addDeploy(s, "production", prev, rb-int64(60+r.IntN(300)), rb, 0, "success", true, false); x != nil {
			s.cur = prev
			cursor = rb
		}
	}
	return cursor
}

// ---- incidents ----

type incident struct {
	id, seq                           int64
	ext, title, sevRaw, status        string
	rootCause, category, problemRef   string
	sev                               int
	cust, perf, noMit                 bool
	started, detected, ack, mitigated int64
	resolved, pmDue, pmPub            int64
	cause                             *deploy
}

var (
	sevWeights = [4][]float64{
		{0.05, 0.17, 0.38, 0.40},
		{0.035, 0.14, 0.38, 0.445},
		{0.02, 0.10, 0.36, 0.52},
		{0.01, 0.06, 0.33, 0.60},
	}
	custP    = [5]float64{0, 0.95, 0.75, 0.25, 0.05}
	mttdMin  = [4]float64{2.5, 5, 12, 25}
	mttaMin  = [4]float64{1.5, 3, 6, 12}
	ttmMin   = [5]float64{0, 25, 35, 60, 150}
	resMin   = [5]float64{0, 30, 40, 60, 180}
	tierSlow = [4]float64{0.6, 0.9, 1.4, 2.2}
)

func (g *gen) newIncident(s *svcState, start int64) *incident {
	r := s.rng
	tier := s.def.tier
	in := &incident{seq: int64(len(g.chunk.incidents))}
	in.sev = 1 + weighted(r, sevWeights[tier])
	in.sevRaw = fmt.Sprintf("P%d", in.sev)
	cp := custP[in.sev]
	if tier == 3 {
		cp *= 0.6
	}
	in.cust = chance(r, cp)
	in.started = start
	in.detected = start + int64(lognorm(r, mttdMin[tier]*60, 0.9))
	ackF := 1.0
	if !businessHours(time.Unix(in.detected, 0).In(s.loc)) {
		ackF = 1.7
	}
	in.ack = in.detected + 5 + int64(lognorm(r, mttaMin[tier]*60*ackF, 0.8))
	in.mitigated = in.ack + 60 + int64(lognorm(r, ttmMin[in.sev]*tierSlow[tier]*60, 1.0))
	in.resolved = in.mitigated + int64(lognorm(r, resMin[in.sev]*tierSlow[tier]*60, 1.2))
	in.noMit = chance(r, 0.12)
	return in
}

// finish clamps the lifecycle at End, sets status and postmortem fields and
// adds the incident, its pages and action items to the chunk. It returns false
// when the incident was detected after End.
func (g *gen) finish(s *svcState, in *incident) bool {
	r := s.rng
	if in.detected > g.end {
		return false
	}
	if chance(r, 0.04) {
		in.started = 0
	}
	if in.ack > g.end {
		in.ack = 0
	}
	if in.ack == 0 || in.mitigated > g.end {
		in.mitigated = 0
	}
	if in.mitigated == 0 || in.resolved > g.end {
		in.resolved = 0
	}
	if in.noMit && in.resolved != 0 {
		in.mitigated = 0
	}
	switch {
	case in.resolved != 0:
		in.status = "resolved"
	case in.mitigated != 0:
		in.status = "mitigated"
	case in.ack != 0:
		in.status = "acknowledged"
	default:
		in.status = "open"
	}
	if in.sev <= 2 && in.resolved != 0 {
		bd := 5
		if in.sev == 2 {
			bd = 10
		}
		in.pmDue = addBusinessDays(in.resolved, bd)
		switch u := r.Float64(); {
		case u < 0.72:
			in.pmPub = in.resolved + int64(r.Float64()*float64(in.pmDue-in.resolved))
		case u < 0.87:
			in.pmPub = in.pmDue + int64(lognorm(r, 4*day_, 0.7))
		}
		if in.pmPub > g.end {
			in.pmPub = 0
		}
	}
	g.chunk.incidents = append(g.chunk.incidents, in)
	g.incidentPages(s, in)
	if in.sev <= 2 && in.resolved != 0 {
		g.actionItems(s, in)
	}
	return true
}

func (g *gen) applyTheme(s *svcState, in *incident, th theme, dep, ver string) {
	in.title = fill(th.title, s, s.rng, dep, ver)
	in.category = th.category
	in.rootCause = th.rootCause
	in.perf = th.perf
}

func (g *gen) backgroundIncident(s *svcState, t int64) {
	r := s.rng
	in := g.newIncident(s, t)
	switch u := r.Float64(); {
	case u < 0.45 && len(s.themes) > 0:
		th := pick(r, s.themes)
		g.applyTheme(s, in, th.theme, th.dep, "")
		if th.problemRef != "" && chance(r, 0.85) {
			in.problemRef = th.problemRef
		}
	case u < 0.57:
		g.applyTheme(s, in, pick(r, oneOffs[7:9]), "", "") // third-party
	default:
		g.applyTheme(s, in, pick(r, oneOffs), "", "")
	}
	if in.resolved == 0 || !chance(r, 0.8) {
		in.rootCause = ""
	}
	g.finish(s, in)
}

// deployIncident creates an incident caused by deploy d and its remediation
// (rollback to prev or a hotfix). It returns the end of the remediation.
func (g *gen) deployIncident(s *svcState, d *deploy, prev string) int64 {
	r := s.rng
	start := d.finished + min(int64(lognorm(r, 12*60, 1.0)), 4*3600)
	in := g.newIncident(s, start)
	if in.detected-d.finished > 6*3600 {
		shift := in.detected - d.finished - 6*3600 + int64(r.IntN(1800))
		in.detected -= shift
		in.ack -= shift
		in.mitigated -= shift
		in.resolved -= shift
		in.started = min(in.started, in.detected-60)
	}
	if chance(r, 0.55) && len(s.themes) > 0 {
		th := s.themes[0]
		g.applyTheme(s, in, th.theme, th.dep, d.ver)
	} else {
		in.title = fill(pick(r, deployTitles), s, r, "", d.ver)
		in.category = "application"
		in.rootCause = "Defect shipped in " + d.ver + "."
		in.perf = chance(r, 0.3)
	}
	if chance(r, 0.55) {
		in.cause = d
		in.category = "change"
	}
	end := d.finished
	switch u := r.Float64(); {
	case u < 0.5: // rollback
		rb := in.ack + int64(lognorm(r, 10*60, 0.6))
		if x := g.addDeploy(s, "production", prev, rb-int64(60+r.IntN(240)), rb, 0, "success", true, false); x != nil {
			s.cur = prev
		}
		in.mitigated = rb + int64(60+r.IntN(420))
		end = rb
	case u < 0.8: // hotfix
		hf := in.ack + int64(lognorm(r, 100*60, 0.6))
		ver := s.bump(true)
		hs := hf - int64(300+r.IntN(600))
		commit := hs - int64(lognorm(r, 30*60, 0.5)) - 60
		if x := g.addDeploy(s, "production", ver, hs, hf, commit, "success", false, true); x != nil {
			s.cur = ver
		}
		in.mitigated = hf + int64(60+r.IntN(600))
		end = hf
	}
	if in.resolved < in.mitigated {
		in.resolved = in.mitigated + int64(lognorm(r, 30*60, 1.0))
	}
	if in.resolved == 0 || !chance(r, 0.85) {
		in.rootCause = ""
	}
	g.finish(s, in)
	return end
}

// ---- action items ----

type action struct {
	id, seq              int64
	inc                  *incident
	title, owner         string
	created, due, closed int64
}

func (g *gen) actionItems(s *svcState, in *incident) {
	r := s.rng
	created := in.resolved + int64(4*3600+r.IntN(68*3600))
	if created > g.end {
		return
	}
	n := 1 + r.IntN(4)
	for range n {
		a := &action{inc: in, seq: int64(len(g.chunk.actions)), created: created + int64(r.IntN(3600)),
			owner: pick(r, s.team.people)}
		a.title = fill(pick(r, actionTitles), s, r, "", "")
		a.due = a.created + int64(14+r.IntN(29))*day_
		switch u := r.Float64(); {
		case u < 0.62:
			a.closed = a.created + day_ + int64(r.Float64()*float64(a.due-a.created-day_))
		case u < 0.82:
			a.closed = a.due + int64(lognorm(r, 9*day_, 0.8))
		}
		if a.closed > g.end {
			a.closed = 0
		}
		g.chunk.actions = append(g.chunk.actions, a)
	}
}

// ---- open incidents at End ----

// injectOpen tops up the incidents still open at End to 3–6 (at scale 1 few
// incidents are open by chance alone).
func (g *gen) injectOpen() error {
	target := 3 + g.rng.IntN(4)
	for k := 0; k < target-g.openCount; k++ {
		s := g.svcs[g.rng.IntN(len(g.svcs))]
		g.chunk.reset()
		r := s.rng
		start := g.end - int64(2*3600+r.IntN(10*day_))
		in := g.newIncident(s, start)
		if in.sev == 1 {
			in.sev, in.sevRaw = 2, "P2"
		}
		th := pick(r, s.themes)
		g.applyTheme(s, in, th.theme, th.dep, "")
		in.problemRef = th.problemRef
		in.rootCause = ""
		in.resolved = g.end + 3600 // still being worked on
		switch k % 3 {
		case 0: // acknowledged, under investigation
			in.mitigated = g.end + 1
		case 1: // mitigated, waiting for the real fix
			in.mitigated = min(in.mitigated, g.end-60)
			if in.mitigated < in.ack {
				in.mitigated = g.end + 1
			}
		case 2: // just fired, nobody has acknowledged yet
			in.detected = g.end - int64(120+r.IntN(900))
			in.started = in.detected - int64(60+r.IntN(600))
			in.ack = g.end + 1
		}
		if in.detected > g.end {
			in.detected = g.end - 600
			in.started = in.detected - 300
			in.ack = g.end + 1
		}
		in.noMit = false
		g.finish(s, in)
		if err := g.flush(s); err != nil {
			return err
		}
	}
	return nil
}
