package analytics

import (
	"strings"
	"time"
)

// Partial is the part of one service's computation of a period that a
// roll-up over several services (a tier, a team, the organisation) can
// take instead of computing it again from every record: the deploy
// figures (the counts, and the lead and recovery times behind the
// medians, which sort), the repeat incidents and the on-call tally per
// person (interruptions add up, nights and shifts unite; the fairness
// figures are drawn from the sum), and the page counts with the
// acknowledgement times in page order (a roll-up over its parts in order,
// Rollup, takes those too: its mean is then the same to the bit). They
// depend only on the service's own records, the incidents naming its
// deploys, which SplitByService passes to it, and the on-call zones its
// pages were read in, with one exception: an incident naming a
// deploy of another service of the roll-up makes rule (b) see its own
// service differently alone than together ("no incident names any deploy
// of that service", docs/metrics.md), so a roll-up holding such an
// incident computes its deploy figures from the records. A roll-up that
// reads a page in another zone than the part did computes the tally and
// the page figures from the records. The zero Partial is none.
type Partial struct {
	ok      bool
	key     partialKey
	dep     deployFigures
	repeats int
	oncall  onCallTally
	pg      pageFigures
	// zones are the on-call zones the service's pages were read in (by
	// service id): the tally and the page figures hold only for a
	// roll-up reading them in the same.
	zones map[int64]*time.Location
	own   []int64 // the window's deploys of the service that an incident names
	other []int64 // deploys the service's incidents name that are not its own in the window
}

// partialKey is what the deploy and repeat steps depend on besides the
// records: a Partial is taken only by a computation with the same.
type partialKey struct {
	from, to, winFrom, winTo, depFrom, depTo int64 // Unix nanoseconds
	link, lookback                           time.Duration
	shiftDays                                int
	envs                                     string
	// The page step's hours and noise rule.
	business, sleep [2]int
	noise           time.Duration
}

func (c *computer) partialKey() partialKey {
	return partialKey{from: c.p.From.UnixNano(), to: c.p.To.UnixNano(), winFrom: c.winFrom.UnixNano(), winTo: c.winTo.UnixNano(),
		depFrom: c.depW.From.UnixNano(), depTo: c.depW.To.UnixNano(), link: c.s.DeployLinkWindow, lookback: c.s.RepeatLookback, shiftDays: c.s.ShiftDays,
		envs:     strings.Join(c.s.ProdEnvironments, "\x00"),
		business: [2]int{c.s.BusinessStartHour, c.s.BusinessEndHour}, sleep: [2]int{c.s.SleepStartHour, c.s.SleepEndHour},
		noise: c.s.NoiseAutoResolve}
}

// ComputeKPIsPartial is ComputeKPIs of one service's records (its part of
// SplitByService) that also returns the Partial a roll-up over the service
// can take (ComputeKPIsOf).
func ComputeKPIsPartial(in Input, p Period, s Settings) (Result, Partial) {
	c, part := computeOf(in, p, s, nil, nil, true, nil)
	return c.res, part
}

// ComputeKPIsOf is ComputeKPIs of in for a roll-up: in holds the records of
// the services whose partials are parts, as MergeParts of their
// SplitByService parts (or the input they were split from) holds them, and
// each part was computed by ComputeKPIsPartial for p with the same
// settings. It takes the deploy figures, the repeat incidents and the
// on-call tally from the parts when that gives what computing them from in
// gives, and computes them from in otherwise; every other figure is
// computed from in.
func ComputeKPIsOf(in Input, p Period, s Settings, parts []Partial) Result {
	c, _ := computeOf(in, p, s, nil, parts, false, nil)
	return c.res
}

// partial is what this computation of one service's records gives a
// roll-up; c.deploys, c.repeats, c.pages and c.oncall must have run.
func (c *computer) partial() Partial {
	part := Partial{ok: true, key: c.partialKey(), dep: c.dep, repeats: c.res.Counts.RepeatIncidents, oncall: c.tally,
		pg: c.pg, zones: c.svcTZ}
	for id := range c.named {
		part.own = append(part.own, id)
	}
	for _, inc := range c.windowIncidents {
		if id := inc.CausedByDeployID; id != nil {
			if _, own := c.named[*id]; !own {
				part.other = append(part.other, *id)
			}
		}
	}
	return part
}

// merged sums parts for a roll-up, or reports false when a part is missing
// or was computed differently, or when an incident of one part names a
// deploy of another (see Partial); never for a computation collecting
// evidence. zones reports whether, besides, every part read its pages in
// the zones this computation reads them in, so that the on-call tallies
// and page figures add up to this computation's.
func (c *computer) merged(parts []Partial) (sum Partial, ok, zones bool) {
	if len(parts) == 0 || c.ev != nil {
		return Partial{}, false, false
	}
	key := c.partialKey()
	own := map[int64]bool{}
	zones = true
	for i := range parts {
		if !parts[i].ok || parts[i].key != key {
			return Partial{}, false, false
		}
		for _, id := range parts[i].own {
			own[id] = true
		}
		zones = zones && !parts[i].pg.foreign
		for id, loc := range parts[i].zones {
			zones = zones && c.svcTZ[id] == loc
		}
	}
	var nLead, nRecovery, nAck int
	for i := range parts {
		for _, id := range parts[i].other {
			if own[id] {
				return Partial{}, false, false
			}
		}
		nLead, nRecovery, nAck = nLead+len(parts[i].dep.lead), nRecovery+len(parts[i].dep.recovery), nAck+len(parts[i].pg.mtta)
	}
	// Sized once: a roll-up's values are thousands.
	sum.dep.lead, sum.dep.recovery = capped[float64](nLead), capped[float64](nRecovery)
	if zones {
		sum.pg.mtta = capped[float64](nAck)
	}
	for i := range parts {
		sum.repeats += parts[i].repeats
		sum.dep.add(parts[i].dep)
		if zones {
			sum.oncall.add(parts[i].oncall)
			sum.pg.add(parts[i].pg)
		}
	}
	return sum, true, zones
}
