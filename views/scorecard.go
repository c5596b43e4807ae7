package views

// ScoreCell is one KPI value on the scorecard, judged against its target.
type ScoreCell struct {
	Text string
	// Sample is the value's sample for a mean or ratio ("2 of 2", "n = 3").
	Sample      string
	Status      string // met, at_risk, missed, low_sample, no_target, no_data; team: a team figure shown on the team's row
	StatusLabel string // words for the status, for screen readers and print
	Icon        string
	Trend       string // "▲ 12 min" vs previous period
	TrendClass  string // better, worse, flat
	Href        string // explain: the records behind the number
	Title       string // target and previous value
	TestID      string
}

// ScoreRow is a service, a tier roll-up or the organisation.
type ScoreRow struct {
	Name   string
	Href   string
	Team   string
	Cells  []ScoreCell
	Rollup bool
	TestID string
}

// TierSection is one tier's services with its roll-up row and status counts.
type TierSection struct {
	Title     string
	Tier      int
	Rows      []ScoreRow
	Summary   ScoreRow
	Met       int
	AtRisk    int
	Missed    int
	LowSample int
	NoData    int
}

// Scorecard is the tiered scorecard page.
type Scorecard struct {
	Layout  Layout
	Filters []Filter
	Hidden  []Option
	Columns []Column
	Tiers   []TierSection
	// Teams are the team roll-ups, where team figures (toil) are shown.
	Teams []ScoreRow
	Org   ScoreRow
	// Compared says what the arrows compare with (the same span of the
	// previous period while this one is in progress).
	Compared string
	CSVHref  string
	APIHref  string
	Empty    string
}
