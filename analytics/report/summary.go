package report

import (
	"strconv"
	"strings"
	"time"

	"sreport/analytics"
	"sreport/analytics/scorecard"
)

// Name is a KPI's name in a sentence (KPIDef.Prose); an unknown key is itself.
func Name(kpi string) string {
	if d, ok := analytics.KPIDefOf(kpi); ok {
		return d.Prose
	}
	return kpi
}

// Title is a period as prose names it: "October 2026" or "Q3 2026".
func Title(p analytics.Period) string {
	if p.Kind == analytics.Quarter {
		return "Q" + strconv.Itoa(p.Num) + " " + strconv.Itoa(p.Year)
	}
	return p.From.Format("January 2006")
}

// SpanTitle names a period cut short (Data.Prev of a period in
// progress) by its days: "1–15 October 2026", "1 July – 15 August 2026";
// a whole period by its Title.
func SpanTitle(p analytics.Period) string {
	whole := analytics.NewMonth(p.Year, p.Num, p.Loc).To
	if p.Kind == analytics.Quarter {
		whole = analytics.NewQuarter(p.Year, p.Num, p.Loc).To
	}
	if !p.To.Before(whole) {
		return Title(p)
	}
	loc := p.Loc
	if loc == nil {
		loc = time.UTC
	}
	a, b := p.From.In(loc), p.To.Add(-time.Nanosecond).In(loc)
	if a.Month() == b.Month() {
		return strconv.Itoa(a.Day()) + "–" + b.Format("2 January 2006")
	}
	return a.Format("2 January") + " – " + b.Format("2 January 2006")
}

// PeriodTitle names the report's period in sentences: "October 2026", or
// "October 2026 to date" while it is in progress.
func (d Data) PeriodTitle() string {
	if d.ToDate {
		return Title(d.Period) + " to date"
	}
	return Title(d.Period)
}

// PrevTitle names the period the report compares with: "September 2026",
// or the same span of it while the report's period is in progress
// ("1–15 September 2026").
func (d Data) PrevTitle() string { return SpanTitle(d.Prev) }

// Word is "month" or "quarter".
func Word(p analytics.Period) string { return string(p.Kind) }

// TierSubject is "tier-0 services".
func TierSubject(tier int) string { return "tier-" + strconv.Itoa(tier) + " services" }

// TeamTierSubject names one tier within a scope: "tier-0 services" for the
// organisation, "payments' tier-0 services" for team payments, so a team
// report never passes the team's numbers off as the whole tier's.
func TeamTierSubject(team string, tier int) string {
	if team == "" {
		return TierSubject(tier)
	}
	return Possessive(team) + " " + TierSubject(tier)
}

// ScopeSubject names a report's scope as the subject of a sentence: "the
// organisation", "team payments", "tier-0 services", "payments' tier-0 services".
func ScopeSubject(team string, tier *int) string {
	switch {
	case tier != nil:
		return TeamTierSubject(team, *tier)
	case team != "":
		return "team " + team
	}
	return "the organisation"
}

// Possessive is "payments'" or "checkout's".
func Possessive(name string) string {
	if strings.HasSuffix(name, "s") {
		return name + "'"
	}
	return name + "'s"
}

// MetricOf builds the sentence input for one KPI of a scorecard row, with
// the results of earlier periods (aligned with d.Earlier's last ones) for
// target streaks, each period judged by the target in force in it.
func MetricOf(d Data, k, subject string, row scorecard.Row, earlier []analytics.Result) Metric {
	c := row.KPIs[k]
	def, _ := analytics.KPIDefOf(k)
	m := Metric{Name: Name(k), Subject: subject, Unit: UnitOf(k), Current: c.Value, Previous: c.Previous,
		Low: c.Status == analytics.StatusLowSample, PrevLow: c.PreviousStatus == analytics.StatusLowSample,
		Sample: def.Sample.Of(c.N), PrevSample: def.Sample.Of(c.PreviousN),
		PeriodLabel: d.PeriodTitle(), PrevLabel: d.PrevTitle(), PeriodWord: Word(d.Period)}
	tier := row.TargetTier
	if tier == nil {
		tier = row.Tier
	}
	target := func(v *float64) *analytics.Target {
		if v == nil {
			return nil
		}
		t := analytics.Target{KPI: k, Target: *v, Direction: c.Direction}
		if t.Direction == "" {
			t.Direction = def.Better
		}
		if tier != nil {
			t.Tier = *tier
		}
		return &t
	}
	m.Target, m.PrevTarget = target(c.Target), target(c.PreviousTarget)
	rules := d.EarlierRules[len(d.EarlierRules)-min(len(earlier), len(d.EarlierRules)):]
	for i, e := range earlier {
		m.Earlier = append(m.Earlier, e.KPIs.Get(k))
		var t *analytics.Target
		low := false
		if i < len(rules) {
			if tier != nil {
				if tt, ok := rules[i].Targets.Get(*tier, k); ok {
					t = &tt
				}
			}
			low = def.SampleSize(e.Counts) < float64(rules[i].Settings.MinSampleOf(k))
		}
		m.EarlierTargets = append(m.EarlierTargets, t)
		m.EarlierLow = append(m.EarlierLow, low)
	}
	m.HistoryCapped = d.EarlierCapped && len(earlier) > 0
	return m
}

// count reads a count KPI of a cell (0 for no data, as the engine never
// leaves a count nil) and its previous value.
func count(cells ...scorecard.Cell) (cur int, prev *int) {
	p := 0
	havePrev := true
	for _, c := range cells {
		if c.Value != nil {
			cur += int(*c.Value)
		}
		if c.Previous == nil {
			havePrev = false
		} else {
			p += int(*c.Previous)
		}
	}
	if havePrev {
		prev = &p
	}
	return cur, prev
}

// Summary writes the executive summary: every sentence is computed from
// the report's numbers, in the order a reader asks: how many incidents,
// how fast tier-0/1 recovered and how available they were, change safety,
// postmortem discipline, on-call load, the worst and the best trend, repeat
// themes and the risk register.
func Summary(d Data, r Report) []string {
	var out []string
	scope := r.Scope
	tally := func(noun Noun, keys ...string) {
		cells := make([]scorecard.Cell, len(keys))
		for i, k := range keys {
			cells[i] = scope.KPIs[k]
		}
		cur, prev := count(cells...)
		out = append(out, Tally{Subject: Capitalize(d.ScopeName), Noun: noun, Current: cur, Previous: prev,
			PeriodLabel: d.PeriodTitle(), PrevLabel: d.PrevTitle()}.Sentence())
	}
	tally(Noun{"Sev1 or Sev2 incident", "Sev1 or Sev2 incidents"}, analytics.KPISev1Count, analytics.KPISev2Count)
	tally(Noun{"customer-impacting incident", "customer-impacting incidents"}, analytics.KPICustomerImpactingIncidents)

	// Recovery and availability of the tiers that matter most (0 and 1),
	// or of the report's own tier whatever it is.
	for _, t := range d.Card.Tiers {
		tier := *t.Tier
		if d.Tier != nil && *d.Tier != tier || d.Tier == nil && tier > 1 {
			continue
		}
		for _, k := range []string{analytics.KPIMTTRMinutes, analytics.KPIAvailability} {
			out = append(out, MetricOf(d, k, TeamTierSubject(d.Team, tier), t, d.EarlierTiers[tier]).Sentence())
		}
	}
	for _, k := range []string{analytics.KPIChangeFailureRate, analytics.KPIPostmortemOnTimeRate} {
		out = append(out, MetricOf(d, k, d.ScopeName, scope, d.EarlierScope).Sentence())
	}
	tally(Noun{"after-hours page", "after-hours pages"}, analytics.KPIPagesAfterHours)

	if len(r.Worst) > 0 {
		w := r.Worst[0]
		subject := w.Service + " (tier " + strconv.Itoa(w.Tier) + ")"
		row := scorecard.Row{Tier: &w.Tier, KPIs: map[string]scorecard.Cell{w.KPI: w.Cell}}
		out = append(out, "The largest worsening against a tier target: "+afterColon(MetricOf(d, w.KPI, subject, row, nil).Sentence()))
	} else {
		out = append(out, "No service got worse on a KPI that is now off its tier target.")
	}
	if len(r.Best) > 0 {
		b := r.Best[0]
		subject := b.Service + " (tier " + strconv.Itoa(b.Tier) + ")"
		row := scorecard.Row{Tier: &b.Tier, KPIs: map[string]scorecard.Cell{b.KPI: b.Cell}}
		out = append(out, "The largest improvement against a tier target: "+afterColon(MetricOf(d, b.KPI, subject, row, nil).Sentence()))
	} else {
		out = append(out, "No service improved on a KPI that was off its tier target.")
	}
	if len(r.Themes) > 0 {
		t := r.Themes[0]
		out = append(out, "The most frequent repeat theme, “"+t.Label+"”, accounted for "+
			Plural(t.Count, Noun{"incident", "incidents"})+" across "+Plural(len(t.Services), Noun{"service", "services"})+".")
	}
	var opened, closed int
	for _, m := range r.RiskMoves {
		switch m.Kind {
		case MoveNew:
			opened++
		case MoveClosed:
			closed++
		}
	}
	closedText := "none"
	if closed > 0 {
		closedText = strconv.Itoa(closed)
	}
	s := Capitalize(Plural(opened, Noun{"risk was", "risks were"})) + " opened and " + closedText + " closed in " + d.PeriodTitle() + "; "
	switch {
	case r.OpenRisks == 0:
		s += "no risk is open or being mitigated."
	case r.OpenRisks == 1 && r.HighRisks == 1:
		s += "the one risk in play is rated high or critical."
	case r.OpenRisks == 1:
		s += "the one risk in play is not rated high or critical."
	case r.HighRisks == 0:
		s += "none of the " + Plural(r.OpenRisks, Noun{"risk", "risks"}) + " in play is rated high or critical."
	case r.HighRisks == r.OpenRisks:
		s += "all " + Plural(r.OpenRisks, Noun{"risk", "risks"}) + " in play are rated high or critical."
	default:
		s += strconv.Itoa(r.HighRisks) + " of the " + Plural(r.OpenRisks, Noun{"risk", "risks"}) + " in play " + isAre(r.HighRisks) + " rated high or critical."
	}
	out = append(out, s)
	if r.PastTarget > 0 {
		out = append(out, Capitalize(Plural(r.PastTarget, Noun{"mitigation is past its", "mitigations are past their"}))+" target date.")
	}
	return out
}

// afterColon lower-cases a leading "The" of a sentence that follows a
// colon ("…: the change failure rate for …"); names such as MTTR stay.
func afterColon(s string) string {
	if strings.HasPrefix(s, "The ") {
		return "the " + s[4:]
	}
	return s
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
