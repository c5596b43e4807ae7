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
	Text string
	Raw  string // strconv 'g' of the engine's value; empty for no data
	// Sample is a mean's or ratio's sample ("2 of 2", "n = 3").
	Sample      string
	Status      string // met, at_risk, missed, low_sample, no_target, no_data
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
	Toolbar bool
	// Stale, on the web page only, says the report is from before the
	// latest change to the data and is being recomputed.
	Stale    *StaleNotice
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

	// Exec is the first page; Contents the sections after it, with their
	// printed page numbers once known.
	Exec            ReportExec
	Commentary      ReportCommentary
	Contents        []ReportTOCEntry
	DefinitionsHref string // absolute link to the KPI definitions, when the server knows its address
	Summary         []string
	MonthHeads      []string // the quarter's months, for side-by-side columns
	Headlines       []ReportKPI
	Dora            []ReportDora
	TierHeads       []string
	Tiers           []ReportRow
	SLOHeads        []string
	SLOs            []ReportRow
	Incidents       Table
	Themes          Table
	Causes          Table // incidents by category, for trend analysis (not repeats)
	Change          []ReportKPI
	ChangeNote      string
	OnCall          []ReportKPI
	OnCallNote      string
	OnCallTeams     Table // on-call health per team: aggregates only, never people
	OnCallTeamsNote string
	Program         []ReportKPI // the KPIs of the registry's program group
	ProgramNote     string
	// Roadmap says the report is quarterly and so reports the roadmap:
	// the initiatives delivered in the quarter and planned for the next.
	Roadmap        bool
	DeliveredTitle string // "Delivered in Q3 2026"
	Delivered      Table
	DeliveredNote  string
	PlannedTitle   string // "Planned for Q4 2026"
	Planned        Table
	Discipline     []ReportKPI
	DiscNote       string
	Coverage       Table // data coverage per source
	Risks          Table
	RisksNote      string // when the register is judged and what its marks mean
	RiskMoves      Table
	Worst          Table
	Best           Table // most improved services
	TrendCharts    []Chart
}

// ReportTOCEntry is one section of the report in its contents list.
type ReportTOCEntry struct {
	ID, Title string
	// Page is the printed page the section starts on: set in a PDF, a
	// fixed-width placeholder while the PDF is first laid out, empty on
	// screen.
	Page string
}

// H is the title of the section with id, as its contents entry names it.
func (v Report) H(id string) string {
	for _, e := range v.Contents {
		if e.ID == id {
			return e.Title
		}
	}
	return id
}

// rowGroups splits a table's rows at each roll-up row, so a tier's total
// and its services print together (a tier never leaves orphan rows on the
// next page); a table without roll-ups is one group.
func rowGroups(rows []ReportRow) [][]ReportRow {
	var out [][]ReportRow
	for i, r := range rows {
		if i == 0 || r.Rollup {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], r)
	}
	return out
}

// keepRows is the most rows a report table may have and still be kept on
// one page whole: a short table split across pages leaves a row or two
// orphaned under a repeated header.
const keepRows = 24

// plural is one or many by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
