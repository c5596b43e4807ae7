package seed

import (
	"fmt"
	"math"
	"time"
)

// sli writes one good/total row per SLO per complete day.
func (g *gen) sli() error {
	var sloN uint64
	for _, s := range g.svcs {
		for k, slo := range s.def.slos {
			r := g.subRNG(2, sloN)
			sloN++
			budget := 1 - slo.obj
			imp := g.impAvail[s.idx]
			if slo.kind == sloLatency {
				imp = g.impLat[s.idx]
			}
			for d := 0; d < g.nDays; d++ {
				sec := g.start + int64(d)*day_
				t := time.Unix(sec, 0).UTC()
				wf := 1.0
				switch t.Weekday() {
				case time.Saturday, time.Sunday:
					wf = s.def.weekend
				case time.Monday:
					wf = 1.04
				case time.Friday:
					wf = 0.97
				}
				if m, dd := t.Month(), t.Day(); m == 11 && dd >= 24 && dd <= 30 {
					wf *= 1.6 // Black Friday week
				}
				growth := 1 + 0.25*float64(d)/365
				total := int64(s.def.traffic*wf*growth*lognorm(r, 1, 0.07) + 0.5)
				if total < 1 {
					total = 1
				}
				ratio := budget*slo.burn*lognorm(r, 1, 0.6) + imp[d]
				ratio = math.Min(ratio, 1)
				bad := int64(float64(total)*ratio + r.Float64())
				bad = min(bad, total)
				if err := g.w.exec(stSLI, s.sloIDs[k], day(sec), total-bad, total); err != nil {
					return err
				}
				g.sum.SLIDays++
			}
		}
	}
	return nil
}

var toilNotes = []string{
	"heavy on-call week", "manual certificate rotation", "migration to new CI runners", "capacity review",
	"data fix requests from support", "flaky test quarantine", "access requests backlog", "vendor escalation",
}

// toil writes one row per team per complete week (Monday starts).
func (g *gen) toil() error {
	st := time.Unix(g.start, 0).UTC()
	first := st.AddDate(0, 0, (8-int(st.Weekday()))%7)
	var id int64
	for ti, tm := range teams {
		r := g.subRNG(3, uint64(ti))
		for wk := first; wk.Unix()+7*day_ <= g.end; wk = wk.AddDate(0, 0, 7) {
			if tm.name == "data" && chance(r, 0.04) {
				continue // the data team sometimes forgets to report
			}
			avail := 1 - 0.2*r.Float64()
			wkEnd := wk.AddDate(0, 0, 6)
			if (wk.Month() == 12 && wkEnd.Day() >= 24) || (wkEnd.Month() == 1 && wkEnd.Day() <= 7) {
				avail = 0.45
			}
			total := math.Round(40 * float64(tm.size) * avail)
			frac := float64(wk.Unix()-g.start) / float64(g.end-g.start)
			ratio := tm.toilFrom + (tm.toilTo-tm.toilFrom)*frac + 0.04*r.NormFloat64()
			ratio = math.Max(0.05, math.Min(0.85, ratio))
			toil := math.Round(total*ratio*2) / 2
			note := ""
			if chance(r, 0.08) {
				note = pick(r, toilNotes)
			}
			id++
			if err := g.w.exec(stToil, id, ti+1, wk.Format("2006-01-02"), toil, total, note); err != nil {
				return err
			}
			g.sum.ToilWeeks++
		}
	}
	return nil
}

type riskEvent struct {
	at                           int64
	actor, field, old, new, note string
}

// risks writes the risk register with its links and history.
func (g *gen) risks() error {
	r := g.subRNG(4, 0)
	var evID int64
	span := g.end - g.start
	for i, rd := range risks {
		id := int64(i + 1)
		tm := teams[teamIndex(rd.team)]
		owner, creator := tm.people[0], tm.people[1%len(tm.people)]
		created := g.start + int64(rd.createdFrac*float64(span)) + int64(r.IntN(8*3600))
		life := g.end - created
		at := func(f float64) int64 { return created + int64(f*float64(life)) + int64(r.IntN(3600)) }
		evs := []riskEvent{{at: created, actor: creator, field: "status", new: "open", note: "Risk created"}}
		var closed int64
		var resL, resI any
		rationale, acceptedBy := "", ""
		if rd.likelihood > 2 && chance(r, 0.5) {
			evs = append(evs, riskEvent{at: at(0.1), actor: owner, field: "impact", old: fmt.Sprint(rd.impact - 1),
				new: fmt.Sprint(rd.impact), note: "Re-assessed after review"})
		}
		switch rd.status {
		case "mitigating":
			evs = append(evs, riskEvent{at: at(0.3), actor: owner, field: "status", old: "open", new: "mitigating",
				note: "Mitigation work scheduled: " + rd.mitigation})
			resL, resI = max(1, rd.likelihood-1), rd.impact
		case "accepted":
			evs = append(evs, riskEvent{at: at(0.35), actor: vpEngineering, field: "status", old: "open", new: "accepted",
				note: rd.rationale})
			rationale, acceptedBy = rd.rationale, vpEngineering
			resL, resI = rd.likelihood, rd.impact
		case "closed":
			evs = append(evs, riskEvent{at: at(0.2), actor: owner, field: "status", old: "open", new: "mitigating"})
			closed = at(0.6)
			evs = append(evs, riskEvent{at: closed, actor: owner, field: "status", old: "mitigating", new: "closed",
				note: "Mitigation complete: " + rd.mitigation})
			resL, resI = 1, max(1, rd.impact-1)
		}
		last := evs[len(evs)-1]
		for _, e := range evs[1:] {
			if e.at > last.at {
				last = e
			}
		}
		var target, review any
		if rd.status != "closed" {
			target = day(created + int64(rd.targetDays)*day_)
			if rd.reviewOverdue {
				review = day(g.end - int64(10+r.IntN(30))*day_)
			} else {
				review = day(g.end + int64(15+r.IntN(60))*day_)
			}
		}
		if err := g.w.exec(stRisk, id, fmt.Sprintf("R-%03d", i+1), rd.title, rd.desc, rd.category, rd.likelihood,
			rd.impact, resL, resI, owner, rd.status, rd.mitigation, rationale, acceptedBy, target, review, 1,
			tsStr(created), creator, tsStr(last.at), last.actor, ts(closed)); err != nil {
			return err
		}
		g.sum.Risks++
		for _, name := range rd.services {
			if err := g.w.exec(stRiskService, id, int64(serviceIndex(name)+1)); err != nil {
				return err
			}
		}
		linked := 0
		for _, name := range rd.services {
			for _, inc := range g.svcs[serviceIndex(name)].sev12 {
				if linked >= rd.linkIncidents {
					break
				}
				if err := g.w.exec(stRiskIncident, id, inc); err != nil {
					return err
				}
				linked++
			}
		}
		for _, e := range evs {
			evID++
			if err := g.w.exec(stRiskEvent, evID, id, tsStr(e.at), e.actor, e.field, e.old, e.new, e.note); err != nil {
				return err
			}
		}
	}
	return nil
}
