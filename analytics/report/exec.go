package report

import (
	"sreport/analytics"
	"sreport/analytics/scorecard"
)

// ExecKPIs are the headline KPIs of the report's first page: the few a VP
// asks about first — is it up, how fast do we recover, how many serious
// incidents, is change safe, do we learn from incidents, what does on-call
// cost — each shown with its target, twelve months and the change.
var ExecKPIs = []string{
	analytics.KPIAvailability, analytics.KPIMTTRMinutes, analytics.KPISev1Count,
	analytics.KPIChangeFailureRate, analytics.KPIPostmortemOnTimeRate, analytics.KPIPagesAfterHours,
}

// ExecListLen is how many risks, worsenings and improvements the first
// page lists: enough to act on, few enough to read in a minute.
const ExecListLen = 3

// Judged says a cell's status compares a value, on a sample large enough
// to be judged, with a target: met, at risk or missed. Every other status
// (no data, and whatever marks a small sample or a missing target) is not
// a verdict and never counts for or against a service.
func Judged(status string) bool {
	return status == analytics.StatusMet || status == analytics.StatusAtRisk || status == analytics.StatusMissed
}

// ServiceStatus is where one service stands against its tier's targets:
// missed when any judged KPI misses its target, at risk when none misses
// but one is at risk, met when every judged KPI meets its target, and no
// data when none could be judged.
func ServiceStatus(row scorecard.Row) string {
	st := analytics.StatusNoData
	for _, c := range row.KPIs {
		if c.Target == nil || !Judged(c.Status) {
			continue
		}
		switch {
		case c.Status == analytics.StatusMissed:
			return analytics.StatusMissed
		case c.Status == analytics.StatusAtRisk:
			st = analytics.StatusAtRisk
		case st == analytics.StatusNoData:
			st = analytics.StatusMet
		}
	}
	return st
}

// TierCount counts one tier's services by ServiceStatus.
type TierCount struct {
	Tier                                  int
	Services, Met, AtRisk, Missed, NoData int
}

// TierCounts counts the services of each tier of c by their status, in
// the card's tier order.
func TierCounts(c *scorecard.Card) []TierCount {
	out := make([]TierCount, 0, len(c.Tiers))
	for _, t := range c.Tiers {
		tc := TierCount{Tier: *t.Tier}
		for _, s := range c.Services {
			if s.Tier == nil || *s.Tier != tc.Tier {
				continue
			}
			tc.Services++
			switch ServiceStatus(s) {
			case analytics.StatusMet:
				tc.Met++
			case analytics.StatusAtRisk:
				tc.AtRisk++
			case analytics.StatusMissed:
				tc.Missed++
			default:
				tc.NoData++
			}
		}
		out = append(out, tc)
	}
	return out
}
