package analytics

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
)

// incidents computes the counts and the MTTD/MTTA/MTTR/TTM family over the
// incidents detected in the period.
func (c *computer) incidents() {
	k, n := &c.res.KPIs, &c.res.Counts
	c.periodIncidentOK = make(map[*Incident]bool)
	var mttd, mtta, mttr, ttm []float64
	for i := range c.in.Incidents {
		inc := &c.in.Incidents[i]
		if !c.inWindow(inc.DetectedAt) {
			continue
		}
		c.windowIncidents = append(c.windowIncidents, inc)
		if !c.p.Contains(inc.DetectedAt) {
			continue
		}
		c.periodIncidents = append(c.periodIncidents, inc)
		c.periodIncidentOK[inc] = true
		n.Incidents++
		base := EvidenceRow{Kind: KindIncident, ID: inc.ID, Label: c.incLabel(inc), At: inc.DetectedAt, Included: true}
		c.ev.add(base, KPIIncidentsTotal)
		switch inc.Severity {
		case Sev1:
			n.Sev1++
			c.ev.add(base, KPISev1Count)
		case Sev2:
			n.Sev2++
			c.ev.add(base, KPISev2Count)
		}
		if inc.CustomerImpacting {
			n.CustomerImpacting++
			c.ev.add(base, KPICustomerImpactingIncidents)
		}

		// Each lifecycle interval is measured from detection; an interval
		// that would be negative is bad data and is left out, not clamped,
		// because clamping to 0 would flatter the mean.
		row := base
		switch {
		case inc.StartedAt == nil:
			row.Included, row.Note = false, "no started_at"
		case inc.StartedAt.After(inc.DetectedAt):
			row.Included, row.Note = false, "started after detection; excluded"
		default:
			v := minutes(inc.DetectedAt.Sub(*inc.StartedAt))
			mttd = append(mttd, v)
			row.Value = c.value(v)
		}
		c.ev.add(row, KPIMTTDMinutes)

		row = base
		switch {
		case inc.AcknowledgedAt == nil:
			row.Included, row.Note = false, "not acknowledged"
		case inc.AcknowledgedAt.Before(inc.DetectedAt):
			row.Included, row.Note = false, "acknowledged before detection; excluded"
		default:
			v := minutes(inc.AcknowledgedAt.Sub(inc.DetectedAt))
			mtta = append(mtta, v)
			row.Value = c.value(v)
		}
		c.ev.add(row, KPIMTTAMinutes)

		row = base
		switch {
		case inc.ResolvedAt == nil:
			n.OpenIncidents++
			row.Included, row.Note = false, "open"
		case inc.ResolvedAt.Before(inc.DetectedAt):
			row.Included, row.Note = false, "resolved before detection; excluded"
		default:
			v := minutes(inc.ResolvedAt.Sub(inc.DetectedAt))
			mttr = append(mttr, v)
			row.Value = c.value(v)
		}
		c.ev.add(row, KPIMTTRMinutes, KPIMTTRMedianMinutes, KPIMTTRP90Minutes)

		row = base
		switch {
		case inc.MitigatedAt == nil:
			row.Included, row.Note = false, "no mitigated_at"
		case inc.MitigatedAt.Before(inc.DetectedAt):
			row.Included, row.Note = false, "mitigated before detection; excluded"
		default:
			v := minutes(inc.MitigatedAt.Sub(inc.DetectedAt))
			ttm = append(ttm, v)
			row.Value = c.value(v)
		}
		c.ev.add(row, KPITTMMinutes)
	}
	n.IncidentsWithStart, n.IncidentsWithAck = len(mttd), len(mtta)
	n.ResolvedIncidents, n.MitigatedIncidents = len(mttr), len(ttm)
	k.IncidentsTotal = num(float64(n.Incidents))
	k.Sev1Count = num(float64(n.Sev1))
	k.Sev2Count = num(float64(n.Sev2))
	k.CustomerImpactingIncidents = num(float64(n.CustomerImpacting))
	k.MTTDMinutes = mean(mttd)
	k.MTTAMinutes = mean(mtta)
	k.MTTRMinutes = mean(mttr)
	k.MTTRMedianMinutes = median(mttr)
	k.MTTRP90Minutes = nearestRank(mttr, 0.9)
	k.TTMMinutes = mean(ttm)
}

// fingerprint is Fingerprint with the title normalisation memoised across
// computations (titleFingerprint), since alert-generated titles repeat a
// lot and the regexps dominate the cost, and a scorecard computes each
// incident's period once per row it appears in.
func (c *computer) fingerprint(inc *Incident) string {
	if inc.Fingerprint != "" || inc.ProblemRef != "" {
		if fp := Fingerprint(Incident{Fingerprint: inc.Fingerprint, ProblemRef: inc.ProblemRef}); fp != "" {
			return fp
		}
	}
	return titleFingerprint(inc.Title)
}

// repeats marks period incidents that repeat an earlier incident of the same
// service and fingerprint detected at most RepeatLookback before. One sort
// by (service, fingerprint, detected, ID) puts each incident right after its
// most recent predecessor, so only neighbours are compared.
func (c *computer) repeats() {
	type fpInc struct {
		fp  string
		inc *Incident
	}
	list := make([]fpInc, 0, len(c.windowIncidents))
	for _, inc := range c.windowIncidents {
		if fp := c.fingerprint(inc); fp != "" {
			list = append(list, fpInc{fp, inc})
		}
	}
	slices.SortFunc(list, func(a, b fpInc) int {
		if x := cmp.Compare(a.inc.ServiceID, b.inc.ServiceID); x != 0 {
			return x
		}
		if x := cmp.Compare(a.fp, b.fp); x != 0 {
			return x
		}
		if x := a.inc.DetectedAt.Compare(b.inc.DetectedAt); x != 0 {
			return x
		}
		return cmp.Compare(a.inc.ID, b.inc.ID)
	})
	repeatOf := make(map[*Incident]*Incident)
	for i := 1; i < len(list); i++ {
		prev, cur := list[i-1], list[i]
		if prev.inc.ServiceID != cur.inc.ServiceID || prev.fp != cur.fp {
			continue
		}
		if cur.inc.DetectedAt.Sub(prev.inc.DetectedAt) <= c.s.RepeatLookback {
			repeatOf[cur.inc] = prev.inc
		}
	}
	n := &c.res.Counts
	for _, inc := range c.periodIncidents {
		row := EvidenceRow{Kind: KindIncident, ID: inc.ID, Label: c.incLabel(inc), At: inc.DetectedAt}
		if prev, ok := repeatOf[inc]; ok {
			n.RepeatIncidents++
			row.Included = true
			row.Note = c.note("repeat of #%d", prev.ID)
		}
		c.ev.add(row, KPIRepeatIncidentRate)
	}
	c.res.KPIs.RepeatIncidentRate = ratio(float64(n.RepeatIncidents), float64(n.Incidents))
}

// titleMemo holds the title fingerprints ("title:" and the normalised
// title, or "" for a title that normalises to nothing) across
// computations: a scorecard's service, tier, team and organisation rows and
// a report's dozens of periods see the same incidents, and the
// normalisation's regexps were the largest part of their cost
// (docs/performance.md). It is a pure function's cache, so sharing it
// cannot change a result; it stops growing at titleMemoMax titles so a
// history of unique titles cannot hold memory without bound (beyond it
// titles are normalised each time).
var (
	titleMemo  sync.Map // title → fingerprint
	titleMemoN atomic.Int64
)

const titleMemoMax = 200_000

func titleFingerprint(title string) string {
	if fp, ok := titleMemo.Load(title); ok {
		return fp.(string)
	}
	fp := ""
	if t := NormalizeTitle(title); t != "" {
		fp = "title:" + t
	}
	if titleMemoN.Load() < titleMemoMax {
		if _, loaded := titleMemo.LoadOrStore(title, fp); !loaded {
			titleMemoN.Add(1)
		}
	}
	return fp
}
