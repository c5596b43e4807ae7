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

// ReportCommentary is the editors' notes on the report, shown on the first
// page, with the form editors change them with (screen only).
type ReportCommentary struct {
	Highlights, Lowlights, Asks string
	// Byline is "version 3, saved by ana@example.com on 2 Oct 2026 14:05 UTC".
	Byline string
	// Earlier are the versions before the current one, newest first.
	Earlier []ReportCommentaryVersion
	// Form is set for an editor on the web report.
	Form *CommentaryForm
}

// Shown says there are notes to print.
func (c ReportCommentary) Shown() bool {
	return c.Highlights != "" || c.Lowlights != "" || c.Asks != ""
}

// ReportCommentaryVersion is one earlier version of the notes.
type ReportCommentaryVersion struct {
	Byline                      string
	Highlights, Lowlights, Asks string
}

// CommentaryForm edits the notes: the text the editor typed, the version
// it started from, and what went wrong with the last save.
type CommentaryForm struct {
	Action, CSRF                string
	Base                        int
	Highlights, Lowlights, Asks string
	Errors                      map[string]string
	// Conflict explains that another editor saved first; the editor's
	// text is kept in the form and the other version shows above it.
	Conflict string
}
