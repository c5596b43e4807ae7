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
	Title   string
	Tier    int
	Rows    []ScoreRow
	Summary ScoreRow
	// Targets are the tier's target of each KPI column, "no target" where none.
	Targets []string
	// Met, AtRisk, Missed and NoData count services (see web.serviceStatus);
	// NoData is "not judged": no KPI with both enough data and a target.
	Met    int
	AtRisk int
	Missed int
	NoData int
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
	// ClearHref drops the filters when none of the services match them.
	ClearHref string
	// Choices are the KPI columns a user may show or hide (Selected: shown);
	// Back is where saving the choice returns.
	Choices []Option
	Back    string
	// FirstRun replaces the page while the database holds no services.
	FirstRun *FirstRun
}

// FirstRun is the way into an empty database: import an export, add a
// connector or load the demo, offered by what the user's role may do.
type FirstRun struct {
	CanImport bool // editors and admins
	CanAdmin  bool // admins: connectors and the demo
	CSRF      string
}
