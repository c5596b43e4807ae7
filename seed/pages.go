// Pages: the pages an incident sends, and the pages that belong to no
// incident (noise, self-resolving alerts).

package seed

import "strings"

type page struct {
	id, seq                  int64
	inc                      *incident
	ext, title, urgency      string
	triggered, ack, resolved int64
	auto                     bool
	actionable               int // -1 NULL
}

func (g *gen) urgency(s *svcState, high float64) string {
	if chance(s.rng, high) {
		return "high"
	}
	return "low"
}

func (g *gen) addPage(p *page) {
	if p.ack > g.end {
		p.ack = 0
	}
	if p.resolved > g.end || (p.resolved != 0 && p.resolved < p.triggered) {
		p.resolved = 0
	}
	p.seq = int64(len(g.chunk.pages))
	g.chunk.pages = append(g.chunk.pages, p)
}

func (g *gen) incidentPages(s *svcState, in *incident) {
	r := s.rng
	n := 1 + weighted(r, []float64{0.45, 0.3, 0.15, 0.1})
	high := 0.3
	if in.sev <= 2 || s.def.tier <= 1 {
		high = 0.9
	}
	first := &page{inc: in, title: in.title, urgency: g.urgency(s, high), triggered: in.detected,
		ack: in.ack, resolved: in.resolved, auto: chance(r, 0.5), actionable: -1}
	if in.resolved == 0 {
		first.auto = false
	}
	if chance(r, 0.3) {
		first.actionable = 1
	}
	g.addPage(first)
	span := in.resolved
	if span == 0 {
		span = g.end
	}
	span -= in.detected
	for k := 1; k < n; k++ {
		trig := in.detected + int64(r.Float64()*float64(min(span, 2*3600)))
		if trig > g.end {
			continue
		}
		p := &page{inc: in, title: fill(pick(r, alertNames), s, r, "", ""), urgency: g.urgency(s, high),
			triggered: trig, actionable: -1}
		if chance(r, 0.75) {
			p.ack = trig + 5 + int64(lognorm(r, 60, 1.0))
			if in.resolved > p.ack {
				p.resolved = in.resolved
			} else {
				p.resolved = p.ack + int64(lognorm(r, 20*60, 1.0))
			}
			if chance(r, 0.2) {
				p.actionable = 1
			}
		} else {
			p.resolved = trig + 60 + int64(lognorm(r, 20*60, 1.0))
			p.auto = true
		}
		g.addPage(p)
	}
}

func (g *gen) standalonePage(s *svcState, t int64) {
	r := s.rng
	d := s.def
	p := &page{triggered: t, actionable: -1}
	noiseP, flapP := 0.22, 0.12
	high := [4]float64{0.75, 0.7, 0.45, 0.2}[d.tier]
	if d.noisy {
		noiseP, flapP, high = 0.85, 0.05, 0.5
		p.title = fill(pick(r, noisyAlertNames), s, r, "", "")
	} else {
		p.title = fill(pick(r, alertNames), s, r, "", "")
	}
	p.urgency = g.urgency(s, high)
	switch u := r.Float64(); {
	case u < noiseP: // noise: nobody acknowledges, clears by itself within minutes
		p.resolved = t + int64(45+r.IntN(500))
		p.auto = true
		if chance(r, 0.12) {
			p.actionable = 0
		}
	case u < noiseP+flapP:
		p.resolved = t + int64(12*60+r.IntN(80*60))
		p.auto = true
	default:
		p.ack = t + 10 + int64(lognorm(r, 120, 1.0))
		if chance(r, 0.5) {
			p.resolved = p.ack + int64(lognorm(r, 15*60, 1.0))
			p.auto = true
		} else {
			p.resolved = p.ack + int64(lognorm(r, 25*60, 1.0))
		}
		switch v := r.Float64(); {
		case v < 0.2:
			p.actionable = 1
		case v < 0.3:
			p.actionable = 0
		}
	}
	g.addPage(p)
}

// responder is who the demo rota pages for a page of team t: the primary
// of the page's week (Monday to Sunday UTC), rotating through the team with
// the first person taking a second turn each cycle (they swap in for
// others, so the load is uneven on purpose); on one page in eight the
// secondary, as after an escalation. One page in eleven names the person by
// e-mail, as a second source would; the seeded on-call people merge them.
// It draws no random numbers, so the rest of the data set is unchanged.
func responder(t *teamDef, pageID, triggered int64) string {
	if t == nil || len(t.people) == 0 {
		return ""
	}
	const week = 7 * 24 * 3600
	w := (triggered - 4*24*3600) / week // 1970-01-05 was a Monday
	slot := int(w % int64(len(t.people)+1))
	if slot == len(t.people) {
		slot = 0
	}
	if pageID%8 == 0 {
		slot = (slot + 1) % len(t.people)
	}
	name := t.people[slot]
	if pageID%11 == 0 {
		return email(name)
	}
	return name
}

// email is a demo person's address: "Anna Schmidt" → anna.schmidt@acme.example.
func email(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@acme.example"
}
