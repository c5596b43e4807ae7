package report

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"sreport/analytics"
	"sreport/analytics/scorecard"
)

// HeadlineKPIs are the KPIs of the headline table, in order.
var HeadlineKPIs = []string{
	analytics.KPIAvailability, analytics.KPISLOAttainment, analytics.KPIErrorBudgetRemaining,
	analytics.KPIIncidentsTotal, analytics.KPISev1Count, analytics.KPISev2Count, analytics.KPICustomerImpactingIncidents,
	analytics.KPIMTTDMinutes, analytics.KPIMTTAMinutes, analytics.KPIMTTRMinutes, analytics.KPITTMMinutes,
	analytics.KPIRepeatIncidentRate, analytics.KPIChangeFailureRate, analytics.KPIDeploysPerWeek,
	analytics.KPIPagesTotal, analytics.KPIPagesAfterHours, analytics.KPIAlertNoiseRatio, analytics.KPIToilRatio,
	analytics.KPIPostmortemOnTimeRate, analytics.KPIActionItemOnTimeRate, analytics.KPIActionItemsOverdue,
}

// ChangeKPIs are the change-safety section's KPIs.
var ChangeKPIs = []string{
	analytics.KPIDeployments, analytics.KPIDeploysPerWeek, analytics.KPIChangeFailureRate, analytics.KPIRollbackRate,
	analytics.KPILeadTimeMedianHours, analytics.KPIFailedDeployRecoveryMedianMinutes,
}

// OnCallKPIs are the on-call health section's KPIs.
var OnCallKPIs = []string{
	analytics.KPIPagesTotal, analytics.KPIPagesPerShift, analytics.KPIPagesAfterHours, analytics.KPIPagesSleepHours,
	analytics.KPIAlertNoiseRatio, analytics.KPIMTTAPagesMinutes, analytics.KPIToilRatio,
}

// DisciplineKPIs are the postmortem and action-item section's KPIs.
var DisciplineKPIs = []string{analytics.KPIPostmortemOnTimeRate, analytics.KPIActionItemOnTimeRate, analytics.KPIActionItemsOverdue,
	analytics.KPIRepeatIncidentRate}

// TierKPIs are the columns of the tier-by-tier table.
var TierKPIs = []string{
	analytics.KPIAvailability, analytics.KPISLOAttainment, analytics.KPIMTTRMinutes, analytics.KPIMTTDMinutes,
	analytics.KPIChangeFailureRate, analytics.KPIRepeatIncidentRate, analytics.KPIAlertNoiseRatio,
	analytics.KPIPostmortemOnTimeRate,
}

// SLOKPIs are the columns of the SLO and error-budget table.
var SLOKPIs = []string{analytics.KPIAvailability, analytics.KPISLOAttainment, analytics.KPIErrorBudgetRemaining, analytics.KPIBurnRate}

// DoraMetrics are the DORA metrics in display order.
var DoraMetrics = []string{analytics.DoraDeployFrequency, analytics.DoraLeadTimeHours, analytics.DoraChangeFailureRate, analytics.DoraRecoveryHours}

// Limits of the report's lists, so a bad quarter still prints on a few pages.
const (
	MaxIncidents = 12
	MaxThemes    = 8
	MaxRisks     = 10
	MaxWorst     = 6
	MaxBest      = 6
	// MaxHistory is how many periods before the current one (the previous
	// included) a report loads for target streaks ("sixth quarter in a
	// row"); a longer streak reads "for at least the …".
	MaxHistory = 12
)

// Data is what Build needs: one scope's computed scorecards and the records
// the lists are made of. The caller (web) loads it; Build only computes.
type Data struct {
	// Period is the report's period and Prev the one it is compared with:
	// the previous period, cut at the same elapsed span when ToDate.
	Period, Prev analytics.Period
	// ToDate says Period is in progress at AsOf (scorecard.Card.ToDate).
	ToDate bool
	// ScopeName names the scope in sentences: "The organisation",
	// "Team payments", "Tier-0 services".
	ScopeName string
	// Team is set when the report covers one team; Tier when it covers one tier.
	Team string
	Tier *int
	// Card is the scorecard of Period (with the previous period) for the scope.
	Card *scorecard.Card
	// AsOf is the knowledge cut-off used for postmortem status.
	AsOf     time.Time
	Settings analytics.Settings
	// Earlier are the periods before Prev, oldest first, with the scope's
	// and each tier's results in them and the rules in force in each (for
	// "first time in three months", each period judged by its own
	// targets): back to the first period without data, at most
	// MaxHistory-1.
	Earlier      []analytics.Period
	EarlierScope []analytics.Result
	EarlierTiers map[int][]analytics.Result
	EarlierRules []analytics.Rules
	// EarlierCapped says Earlier was cut at MaxHistory while older periods
	// may still hold data, so a streak reaching its start is a lower bound.
	EarlierCapped bool
	// Months are the calendar months of Period (three for a quarter) with the scope's KPIs.
	Months    []analytics.Period
	MonthKPIs []analytics.KPIs
	// Dora and PrevDora are the scope's DORA bands.
	Dora, PrevDora map[string]string
	// Incidents are the scope's incidents detected in Period.
	Incidents []analytics.Incident
	// Risks are the scope's risks in every status as they stood at the end
	// of Period (created before it, with later changes undone); RiskEvents
	// the status events in Period.
	Risks      []analytics.Risk
	RiskEvents []analytics.RiskEvent
	// MoveScores are the risks' scores right after each status event, by
	// event ID; an event without one shows the score at the period end.
	MoveScores map[int64]int
	// Sources are the counts of each source's own records in Period, for
	// the data coverage per source (analytics.CountsBySource).
	Sources []analytics.SourceCounts
}

// RiskAt is the instant the risk register is judged at, in the period's
// timezone: the period's last moment (a target date on its last day is
// still on time), or the knowledge cut-off while the period is still
// running (a target date still ahead is not past yet).
func (d Data) RiskAt() time.Time {
	at := d.Period.To.Add(-time.Nanosecond)
	if !d.AsOf.IsZero() && d.AsOf.Before(at) {
		at = d.AsOf
	}
	if d.Period.Loc != nil {
		at = at.In(d.Period.Loc)
	}
	return at
}

// Report is the computed content of an executive report; web formats it.
type Report struct {
	Summary []string
	// Tiers counts each tier's services met, at risk and missed.
	Tiers        []TierCount
	Scope        scorecard.Row // the row the headline numbers come from
	Headlines    []Headline
	Dora         []DoraRow
	SLOs         []scorecard.Row // tier-0/1 services
	TopIncidents []IncidentRow
	Themes       []Theme
	Causes       []Cause
	Worst        []Worsening
	Best         []Worsening
	TopRisks     []RiskRow
	RiskMoves    []RiskMove
	// OpenRisks counts risks in play; HighRisks those of them rated high or critical.
	OpenRisks, HighRisks int
	// PastTarget counts the risks in play past their target date at the
	// period end; ReviewOverdue the risks not closed whose review is overdue.
	PastTarget, ReviewOverdue int
}

// RiskRow is one top risk with its markings at the period end.
type RiskRow struct {
	Risk          analytics.Risk
	ReviewOverdue bool
	PastTarget    bool
}

// Headline is one KPI of the scope: value, previous value, target (for a
// tier scope), the months of the period and how many tiers meet their target.
type Headline struct {
	KPI    string
	Cell   scorecard.Cell
	Months []*float64
	// TiersMet of TiersJudged tiers meet their own target for this KPI.
	TiersMet, TiersJudged int
}

// DoraRow is one DORA metric's band now and in the previous period.
type DoraRow struct {
	Metric, Band, PrevBand string
}

// Postmortem statuses of an incident.
const (
	PMOnTime      = "on_time"
	PMLate        = "late"
	PMOverdue     = "overdue"
	PMDue         = "due"
	PMOpen        = "open" // incident not resolved yet
	PMNotRequired = "not_required"
	PMUnknown     = "unknown" // no postmortem data: not counted late
	PMUndated     = "undated" // linked without a publication date
)

// IncidentRow is one top incident with its duration and postmortem status.
type IncidentRow struct {
	Incident analytics.Incident
	// Duration is detection to resolution; nil while open.
	Duration   *time.Duration
	Postmortem string    // PMOnTime, …
	Deadline   time.Time // zero for PMOpen and PMNotRequired
}

// Theme is a group of incidents sharing an analytics.Fingerprint: the
// repeat key, so the themes are the repeats the repeat rate counts.
type Theme struct {
	Key   string
	Label string
	IncidentGroup
}

// Worsening is a service's largest move against its tier target: a
// worsening in Report.Worst, an improvement in Report.Best.
type Worsening struct {
	Service string
	Tier    int
	KPI     string
	Cell    scorecard.Cell
	// Counts are the service row's record counts, for the cell's sample.
	Counts analytics.Counts
	// Score is the move in units of the target's scale (see worsening and improvement).
	Score float64
}

// Risk movement kinds.
const (
	MoveNew    = "new"
	MoveClosed = "closed"
	MoveStatus = "status"
)

// RiskMove is a risk opened, closed or changing status in the period.
type RiskMove struct {
	Code, Title string
	Kind        string
	From, To    string
	At          time.Time
	Actor       string
	Score       int
}

// Build computes the report from d.
func Build(d Data) Report {
	r := Report{Scope: ScopeRow(d.Card, d.Tier)}
	r.Headlines = headlines(d, r.Scope)
	r.Tiers = TierCounts(d.Card)
	for _, m := range DoraMetrics {
		r.Dora = append(r.Dora, DoraRow{Metric: m, Band: d.Dora[m], PrevBand: d.PrevDora[m]})
	}
	for _, row := range d.Card.Services {
		if row.Tier != nil && *row.Tier <= 1 {
			r.SLOs = append(r.SLOs, row)
		}
	}
	slices.SortStableFunc(r.SLOs, func(a, b scorecard.Row) int {
		return cmp.Or(cmp.Compare(*a.Tier, *b.Tier), cmp.Compare(a.Name, b.Name))
	})
	r.TopIncidents = TopIncidents(d.Incidents, d.Settings, d.Period.Loc, d.AsOf, MaxIncidents)
	r.Themes = Themes(d.Incidents, MaxThemes)
	r.Causes = Causes(d.Incidents, MaxCauses)
	r.Worst = Worst(d.Card.Services, MaxWorst)
	r.Best = Best(d.Card.Services, MaxBest)
	r.TopRisks, r.OpenRisks, r.HighRisks = TopRisks(d.Risks, MaxRisks)
	at := d.RiskAt()
	for i, tr := range r.TopRisks {
		r.TopRisks[i].ReviewOverdue, r.TopRisks[i].PastTarget = tr.Risk.ReviewOverdue(at), tr.Risk.PastTarget(at)
	}
	for _, rk := range d.Risks {
		if rk.PastTarget(at) {
			r.PastTarget++
		}
		if rk.ReviewOverdue(at) {
			r.ReviewOverdue++
		}
	}
	r.RiskMoves = RiskMoves(d.RiskEvents, d.Risks, d.MoveScores)
	r.Summary = Summary(d, r)
	return r
}

// ScopeRow is the card row that describes the whole scope: the tier's
// roll-up (with its targets) for a tier report, else the organisation row.
func ScopeRow(c *scorecard.Card, tier *int) scorecard.Row {
	if tier != nil {
		for _, t := range c.Tiers {
			if *t.Tier == *tier {
				return t
			}
		}
	}
	return c.Org
}

func headlines(d Data, scope scorecard.Row) []Headline {
	out := make([]Headline, 0, len(HeadlineKPIs))
	for _, k := range HeadlineKPIs {
		h := Headline{KPI: k, Cell: scope.KPIs[k]}
		for _, m := range d.MonthKPIs {
			h.Months = append(h.Months, m.Get(k))
		}
		for _, t := range d.Card.Tiers {
			c := t.KPIs[k]
			if !analytics.Judged(c.Status) {
				continue // no target, no data or too few records: not judged
			}
			h.TiersJudged++
			if c.Status == analytics.StatusMet {
				h.TiersMet++
			}
		}
		out = append(out, h)
	}
	return out
}

// PostmortemStatus says where an incident's postmortem stands at asOf,
// by the KPI engine's own rule (analytics.PostmortemStatus).
func PostmortemStatus(inc analytics.Incident, s analytics.Settings, loc *time.Location, asOf time.Time) (string, time.Time) {
	state, deadline := analytics.PostmortemStatus(inc, s, loc, asOf)
	switch state {
	case analytics.PostmortemNotRequired, analytics.PostmortemOpen:
		return pmStates[state], time.Time{}
	}
	return pmStates[state], deadline
}

// pmStates maps the engine's postmortem states to the report's.
var pmStates = map[string]string{
	analytics.PostmortemNotRequired: PMNotRequired, analytics.PostmortemOpen: PMOpen,
	analytics.PostmortemOnTime: PMOnTime, analytics.PostmortemLate: PMLate, analytics.PostmortemMissing: PMOverdue,
	analytics.PostmortemPending: PMDue, analytics.PostmortemUnknown: PMUnknown, analytics.PostmortemUndated: PMUndated,
}

// TopIncidents returns the Sev1 and Sev2 incidents, Sev1 first, then
// longest first (open ones count as longest), at most n.
func TopIncidents(incs []analytics.Incident, s analytics.Settings, loc *time.Location, asOf time.Time, n int) []IncidentRow {
	var out []IncidentRow
	for _, inc := range incs {
		if inc.Severity != analytics.Sev1 && inc.Severity != analytics.Sev2 {
			continue
		}
		row := IncidentRow{Incident: inc}
		if inc.ResolvedAt != nil && !inc.ResolvedAt.Before(inc.DetectedAt) {
			d := inc.ResolvedAt.Sub(inc.DetectedAt)
			row.Duration = &d
		}
		row.Postmortem, row.Deadline = PostmortemStatus(inc, s, loc, asOf)
		out = append(out, row)
	}
	dur := func(r IncidentRow) time.Duration {
		if r.Duration == nil {
			return time.Duration(math.MaxInt64)
		}
		return *r.Duration
	}
	slices.SortStableFunc(out, func(a, b IncidentRow) int {
		return cmp.Or(cmp.Compare(a.Incident.Severity, b.Incident.Severity), cmp.Compare(dur(b), dur(a)),
			cmp.Compare(a.Incident.ID, b.Incident.ID))
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Themes groups incidents by analytics.Fingerprint and returns the themes
// with two or more incidents, largest first, at most n.
func Themes(incs []analytics.Incident, n int) []Theme {
	byKey := map[string]*Theme{}
	var keys []string
	for _, inc := range incs {
		k := analytics.Fingerprint(inc)
		if k == "" {
			continue
		}
		t, ok := byKey[k]
		if !ok {
			t = &Theme{Key: k, Label: themeLabel(k, inc)}
			byKey[k] = t
			keys = append(keys, k)
		}
		t.add(inc)
	}
	var out []Theme
	for _, k := range keys {
		if t := byKey[k]; t.Count >= 2 {
			slices.Sort(t.Services)
			out = append(out, *t)
		}
	}
	slices.SortStableFunc(out, func(a, b Theme) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(b.Sev12, a.Sev12), cmp.Compare(a.Key, b.Key))
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// themeLabel is a theme's readable name: the first incident's own text
// behind its key (explicit key, problem or title), as written rather than
// as normalised for matching.
func themeLabel(key string, first analytics.Incident) string {
	prefix, rest, _ := strings.Cut(key, ":")
	var v string
	switch prefix {
	case "fp":
		v = first.Fingerprint
	case "problem":
		v = "problem " + first.ProblemRef
	case "title":
		v = first.Title
	}
	if v = strings.TrimSpace(v); v == "" {
		return rest
	}
	return v
}

// move is how much a cell moved from the previous period, measured
// against its target's scale: the target itself for "max" targets, the
// error margin (1 − target) for "min" ratio targets; positive is better.
// ok is false unless both periods were judged against a target on enough
// records (Cell.Sufficient), or when the move is invisible at the
// precision sentences show.
func move(k string, c scorecard.Cell) (score float64, ok bool) {
	if c.Target == nil || c.Value == nil || c.Previous == nil || !c.Sufficient() || !Judged(c.Status) {
		return 0, false
	}
	if unchanged(UnitOf(k), *c.Value, *c.Previous) {
		return 0, false
	}
	d := *c.Previous - *c.Value // positive: fell, better for a "max" target
	scale := math.Abs(*c.Target)
	if c.Direction == analytics.DirectionMin {
		d = -d
		if analytics.IsRatioKPI(k) {
			scale = 1 - *c.Target
		}
	}
	if scale <= 0 {
		return 0, false
	}
	return d / scale, true
}

// worsening scores how much a cell got worse than the previous period
// (see move). It is 0 unless the value is worse than before and no longer
// meets its target.
func worsening(k string, c scorecard.Cell) float64 {
	s, ok := move(k, c)
	if !ok || s >= 0 || c.Status == analytics.StatusMet {
		return 0
	}
	return -s
}

// improvement scores how much a cell got better than the previous period
// (see move). It is 0 unless the value is better than before and the
// previous value was off the target in force then: progress where it was
// needed, not a KPI comfortably on target getting more so.
func improvement(k string, c scorecard.Cell) float64 {
	s, ok := move(k, c)
	if !ok || s <= 0 || c.PreviousStatus == analytics.StatusMet {
		return 0
	}
	return s
}

// Worst returns the services with the largest worsening against their tier
// targets, one entry (its worst KPI) per service, largest first, at most n.
func Worst(rows []scorecard.Row, n int) []Worsening {
	return largest(rows, n, worsening)
}

// Best returns the services with the largest improvement against their
// tier targets, one entry (its most improved KPI) per service, largest
// first, at most n.
func Best(rows []scorecard.Row, n int) []Worsening {
	return largest(rows, n, improvement)
}

// largest keeps each service's highest-scoring KPI and returns the n
// services with the highest scores.
func largest(rows []scorecard.Row, n int, score func(string, scorecard.Cell) float64) []Worsening {
	var out []Worsening
	for _, r := range rows {
		best := Worsening{}
		for _, k := range analytics.KPINames {
			if d, _ := analytics.KPIDefOf(k); d.Group == analytics.KPIGroupProgram {
				// Program coverage on one service moves 0 ↔ 100 % at once
				// (a DR test ageing out of its year): such a step would
				// crowd out every operational move. The program's KPIs
				// are reported in their own section.
				continue
			}
			if s := score(k, r.KPIs[k]); s > best.Score {
				best = Worsening{Service: r.Name, KPI: k, Cell: r.KPIs[k], Counts: r.Counts, Score: s}
				if r.Tier != nil {
					best.Tier = *r.Tier
				}
			}
		}
		if best.Score > 0 {
			out = append(out, best)
		}
	}
	slices.SortStableFunc(out, func(a, b Worsening) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Service, b.Service))
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// TopRisks returns the risks not closed, highest score first, at most n,
// with the number of risks in play and of those rated high or critical.
// Build marks them as of the period end.
func TopRisks(risks []analytics.Risk, n int) (top []RiskRow, open, high int) {
	for _, r := range risks {
		if r.Status == analytics.RiskClosed {
			continue
		}
		top = append(top, RiskRow{Risk: r})
		if r.InPlay() {
			open++
			if r.Score() >= 10 {
				high++
			}
		}
	}
	slices.SortStableFunc(top, func(a, b RiskRow) int {
		return cmp.Or(cmp.Compare(b.Risk.Score(), a.Risk.Score()), cmp.Compare(a.Risk.Code, b.Risk.Code))
	})
	if len(top) > n {
		top = top[:n]
	}
	return top, open, high
}

// RiskMoves turns status events into movements: a status set from nothing
// is a new risk, one set to closed a closed risk, anything else a status
// change. Events of risks outside risks (another scope) are left out. A
// move's score is the risk's score right after the event (scores, by
// event ID), else its score in risks.
func RiskMoves(events []analytics.RiskEvent, risks []analytics.Risk, scores map[int64]int) []RiskMove {
	byID := make(map[int64]analytics.Risk, len(risks))
	for _, r := range risks {
		byID[r.ID] = r
	}
	var out []RiskMove
	for _, e := range events {
		r, ok := byID[e.RiskID]
		if !ok || e.Field != "status" {
			continue
		}
		m := RiskMove{Code: e.RiskCode, Title: r.Title, From: e.Old, To: e.New, At: e.At, Actor: e.Actor, Score: r.Score(), Kind: MoveStatus}
		if m.Title == "" {
			m.Title = e.Title
		}
		if s, ok := scores[e.ID]; ok {
			m.Score = s
		}
		switch {
		case e.Old == "":
			m.Kind = MoveNew
		case e.New == analytics.RiskClosed:
			m.Kind = MoveClosed
		}
		out = append(out, m)
	}
	return out
}
