package views

// ReportIndex is the list of periods a report can be printed for.
type ReportIndex struct {
	Layout  Layout
	Filters []Filter
	Periods []ReportPeriod
	// PDFNote explains what to install when Chromium is missing; empty when PDFs work.
	PDFNote string
	Empty   string
}

// ReportPeriod is one month or quarter with its report links.
type ReportPeriod struct {
	Title      string // "Q3 2026"
	Label      string // "2026-Q3"
	Kind       string // "Quarter" or "Month"
	InProgress bool
	Href       string
	PDFHref    string // empty when Chromium is missing
	HTMLHref   string
	TestID     string
}

// ReportValue is one number in the report: its text, its raw value (for
// tests comparing with the KPI engine) and its status against a target.
type ReportValue struct {
	Text        string
	Raw         string // strconv 'g' of the engine's value; empty for no data
	Status      string // met, at_risk, missed, no_data, none
	Icon        string
	StatusLabel string
	TestID      string
}

// ReportKPI is one row of a KPI table: current, previous, change, target.
type ReportKPI struct {
	Label       string
	Value       ReportValue
	Months      []ReportValue // the months of a quarter
	Previous    string
	Change      string
	ChangeClass string // better, worse, flat
	Target      string
	TiersMet    string // "2 of 4 tiers"
}

// ReportRow is one row of the tier-by-tier or SLO table.
type ReportRow struct {
	Name   string
	Note   string // team
	Rollup bool
	Cells  []ReportValue
	TestID string
}

// ReportDora is one DORA metric's band now and before.
type ReportDora struct {
	Metric    string
	Band      string
	Class     string
	PrevBand  string
	PrevClass string
	TestID    string
}

// Report is a printable executive report: a document of its own, with a
// minimal frame and no navigation, designed for A4 and US Letter.
type Report struct {
	Title       string // "Reliability report"
	PeriodTitle string // "Q3 2026"
	PeriodLabel string // "2026-Q3"
	Scope       string // "Organisation", "Team payments", "Tier 0"
	Range       string // "1 Jul 2026 – 30 Sep 2026 (UTC)"
	Generated   string
	DataAsOf    string
	Version     string
	Previous    string // "Q2 2026"
	// Toolbar shows the screen-only links (back, PDF, HTML, print).
	Toolbar  bool
	BackHref string
	PDFHref  string
	HTMLHref string
	PDFNote  string
	// Charts loads the chart library.
	Charts bool
	// InlineCSS and InlineJS, when set, replace the stylesheet and chart
	// library links, so a downloaded HTML file works on its own.
	InlineCSS string
	InlineJS  string
	// PDF drops the stylesheet's page-number margin boxes: the PDF printer
	// adds its own footer with page numbers.
	PDF bool

	Summary     []string
	MonthHeads  []string // the quarter's months, for side-by-side columns
	Headlines   []ReportKPI
	Dora        []ReportDora
	TierHeads   []string
	Tiers       []ReportRow
	SLOHeads    []string
	SLOs        []ReportRow
	Incidents   Table
	Themes      Table
	Causes      Table // incidents by category, for trend analysis (not repeats)
	Change      []ReportKPI
	ChangeNote  string
	OnCall      []ReportKPI
	OnCallNote  string
	Discipline  []ReportKPI
	DiscNote    string
	Coverage    Table // data coverage per source
	Risks       Table
	RisksNote   string // when the register is judged and what its marks mean
	RiskMoves   Table
	Worst       Table
	Best        Table // most improved services
	TrendCharts []Chart
}
