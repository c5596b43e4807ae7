package scorecard

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"sreport/analytics"
)

// Cell is one KPI of one scorecard row, judged against its tier target.
type Cell struct {
	Value     *float64 `json:"value"`
	Target    *float64 `json:"target"`
	Direction string   `json:"direction,omitempty"`
	Status    string   `json:"status"`
	Previous  *float64 `json:"previous"`
	Change    *float64 `json:"change"`
}

// Row is one service, tier roll-up or the organisation.
type Row struct {
	Kind    string           `json:"kind"` // service, tier, org
	Name    string           `json:"name"`
	Tier    *int             `json:"tier,omitempty"`
	Team    string           `json:"team,omitempty"`
	KPIs    map[string]Cell  `json:"kpis"`
	Counts  analytics.Counts `json:"counts"`
	Result  analytics.Result `json:"-"` // without Evidence; see Result()
	PrevRes analytics.Result `json:"-"`
}

// Card is the whole scorecard of one period.
type Card struct {
	Period         string `json:"period"`
	From           string `json:"from"`
	To             string `json:"to"`
	Timezone       string `json:"timezone"`
	PreviousPeriod string `json:"previous_period"`
	Services       []Row  `json:"services"`
	Tiers          []Row  `json:"tiers"`
	Org            Row    `json:"organisation"`
}

// Parts is one scope's records split the way the scorecard rolls them up:
// each service's own records (with that service as their catalogue), in
// the order of the services, and each tier's records merged from its
// services' parts.
type Parts struct {
	Services []analytics.Input
	Tiers    map[int]analytics.Input
}

// Split splits in by service and merges the parts by tier. It is the one
// tier roll-up rule: the scorecard's tier rows and the reports' tier
// history both come from it, so they count the same records.
func Split(in analytics.Input, services []analytics.Service) Parts {
	bySvc := analytics.SplitByService(in)
	parts := Parts{Services: make([]analytics.Input, len(services)), Tiers: map[int]analytics.Input{}}
	byTier := map[int][]analytics.Input{}
	for i, s := range services {
		part := bySvc[s.ID]
		part.Services = []analytics.Service{s}
		parts.Services[i] = part
		byTier[s.Tier] = append(byTier[s.Tier], part)
	}
	for tier, ins := range byTier {
		parts.Tiers[tier] = analytics.MergeInputs(ins...)
	}
	return parts
}

// Compute builds the scorecard of p for services from in, which must hold
// the records of p and of the previous period: every service's row, the
// tier roll-ups and the organisation row, each computed from the records.
// Once ctx ends the rows not yet started are not computed and Compute
// returns ctx's error: a caller that has gone does not keep the cores busy.
func Compute(ctx context.Context, env Env, in analytics.Input, services []analytics.Service, p analytics.Period) (*Card, error) {
	prevP := p.Prev()
	card := &Card{Period: p.Label, From: p.From.Format(time.RFC3339), To: p.To.Format(time.RFC3339),
		Timezone: p.Loc.String(), PreviousPeriod: prevP.Label}
	parts := Split(in, services)
	// Rows are independent: compute them on every core, each into its own slot.
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	run := func(dst *Row, kind, name string, tier *int, team string, part analytics.Input) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				return // the caller has gone: the rows left are not computed
			}
			*dst = env.row(kind, name, tier, team, part, p, prevP)
		}()
	}
	card.Services = make([]Row, len(services))
	for i, s := range services {
		tier := s.Tier
		run(&card.Services[i], "service", s.Name, &tier, s.Team, parts.Services[i])
	}
	var tiers []int
	for tier := 0; tier <= 3; tier++ {
		if _, ok := parts.Tiers[tier]; ok {
			tiers = append(tiers, tier)
		}
	}
	card.Tiers = make([]Row, len(tiers))
	for i, tier := range tiers {
		t := tier
		run(&card.Tiers[i], "tier", fmt.Sprintf("Tier %d", tier), &t, "", parts.Tiers[tier])
	}
	run(&card.Org, "org", "Organisation", nil, "", in)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return card, nil
}

// row computes one row; tier targets apply to services and tier roll-ups,
// the organisation row has no target of its own.
func (env Env) row(kind, name string, tier *int, team string, in analytics.Input, p, prevP analytics.Period) Row {
	cur := analytics.ComputeKPIs(in, p, env.Settings)
	prev := noPrevious(analytics.ComputeKPIs(in, prevP, env.Settings))
	r := Row{Kind: kind, Name: name, Tier: tier, Team: team, Counts: cur.Counts, Result: cur, PrevRes: prev,
		KPIs: make(map[string]Cell, len(analytics.KPINames))}
	change := Change(cur.KPIs, prev.KPIs)
	for _, k := range analytics.KPINames {
		c := Cell{Value: cur.KPIs.Get(k), Previous: prev.KPIs.Get(k), Change: change[k], Status: analytics.StatusNoData}
		if tier != nil {
			if t, ok := env.Targets.Get(*tier, k); ok {
				v := t.Target
				c.Target, c.Direction = &v, t.Direction
				c.Status = analytics.Status(c.Value, t, true)
			}
		}
		r.KPIs[k] = c
	}
	return r
}

// Change returns cur − prev for every KPI (nil when either is missing).
func Change(cur, prev analytics.KPIs) map[string]*float64 {
	out := make(map[string]*float64, len(analytics.KPINames))
	for _, k := range analytics.KPINames {
		a, b := cur.Get(k), prev.Get(k)
		if a == nil || b == nil {
			out[k] = nil
			continue
		}
		d := *a - *b
		out[k] = &d
	}
	return out
}

// noPrevious blanks a previous period that holds no records at all (before
// the first import, or before a service existed): its zero counts would
// otherwise read as "up from 0", a change that never happened.
func noPrevious(r analytics.Result) analytics.Result {
	c := r.Counts
	if c.Incidents+c.Deployments+c.Rollbacks+c.Pages+c.SLODays+c.ToilWeeks+c.ActionItemsDue+c.ActionItemsPending+c.ActionItemsOverdue > 0 {
		return r
	}
	return analytics.Result{Counts: analytics.Counts{Days: c.Days, Services: c.Services}}
}

// Sort keys of SortRows besides the KPI names.
const (
	// SortService orders by service name.
	SortService = "service"
	// SortSev12 orders by the Sev1 and Sev2 incidents together (the
	// scorecard's "Sev1+2" column).
	SortSev12 = "sev1_sev2"
)

// Sorted returns the card with its service rows ordered by sort, a key of
// SortRows with a leading "-" for descending order. The card itself may be
// cached and shared, so the rows are sorted in a copy.
func (c *Card) Sorted(sort string) *Card {
	sorted := *c
	sorted.Services = slices.Clone(c.Services)
	key, desc := strings.TrimPrefix(sort, "-"), strings.HasPrefix(sort, "-")
	SortRows(sorted.Services, key, desc)
	return &sorted
}

// SortRows orders rows by key, keeping equal rows in their order: the
// service name (SortService), Sev1 and Sev2 incidents (SortSev12), or one
// KPI's value with missing values last in either direction.
func SortRows(rows []Row, key string, desc bool) {
	switch key {
	case SortService:
		slices.SortStableFunc(rows, func(a, b Row) int {
			if desc {
				return strings.Compare(b.Name, a.Name)
			}
			return strings.Compare(a.Name, b.Name)
		})
	case SortSev12:
		sum := func(r Row) float64 { return float64(r.Counts.Sev1 + r.Counts.Sev2) }
		slices.SortStableFunc(rows, func(a, b Row) int {
			if desc {
				a, b = b, a
			}
			return cmp.Compare(sum(a), sum(b))
		})
	default:
		sortByKPI(rows, key, desc)
	}
}

// sortByKPI orders rows by one KPI's value, missing values last.
func sortByKPI(rows []Row, kpi string, desc bool) {
	slices.SortStableFunc(rows, func(a, b Row) int {
		va, vb := a.KPIs[kpi].Value, b.KPIs[kpi].Value
		switch {
		case va == nil && vb == nil:
			return 0
		case va == nil:
			return 1
		case vb == nil:
			return -1
		}
		d := *va - *vb
		if desc {
			d = -d
		}
		switch {
		case d < 0:
			return -1
		case d > 0:
			return 1
		}
		return 0
	})
}
