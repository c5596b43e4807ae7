package views

// ReportExec is the report's first page, the executive summary: status by
// tier, the headline KPIs, the top risks, the largest moves and the
// editors' commentary.
type ReportExec struct {
	Tiers  []ReportTierStatus
	KPIs   []ReportExecKPI
	Risks  []ReportExecRisk
	Worse  []ReportMove
	Better []ReportMove
	// RisksEmpty, WorseEmpty and BetterEmpty say why a list is empty.
	RisksEmpty, WorseEmpty, BetterEmpty string
}

// ReportTierStatus counts one tier's services met, at risk and missed.
type ReportTierStatus struct {
	Tier                                  string // "Tier 0"
	Services, Met, AtRisk, Missed, NoData int
	TestID                                string
}

// ReportExecKPI is one headline KPI of the first page.
type ReportExecKPI struct {
	Label string
	Value ReportValue
	// Target is the scope's target ("≥ 99.9 %"), or each tier's.
	Target string
	// TiersMet is "2 of 4 tiers on target" for a scope spanning tiers.
	TiersMet    string
	Change      string
	ChangeClass string
	Spark       Sparkline
	TestID      string
}

// Sparkline is a small inline SVG line of twelve months, drawn server-side
// so it prints exactly as shown and needs no script.
type Sparkline struct {
	Width, Height float64
	// Lines are the polylines' points ("x,y x,y"); a month without data
	// breaks the line.
	Lines []string
	// DotX, DotY mark the last month with data; HasDot is false without any.
	DotX, DotY float64
	HasDot     bool
	// TargetY is the target's height when the target lies in the drawn range.
	TargetY   float64
	HasTarget bool
	// Label describes the line for screen readers: "Jan 0.5 %, …".
	Label string
}

// ReportExecRisk is one of the top risks on the first page.
type ReportExecRisk struct {
	Code, Title, Score, Status, Owner string
	// Late says why the risk needs attention now ("✗ past target date"), or "".
	Late   string
	TestID string
}

// ReportMove is one service's largest worsening or improvement.
type ReportMove struct {
	Service, KPI, From, To, Target string
	Status                         ReportValue
}
