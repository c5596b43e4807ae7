package views

// SLOReport is one SLO's calendar report: what it is, then its figures
// for the rolling window, the calendar months and the calendar quarters.
type SLOReport struct {
	Layout   Layout
	Facts    []Fact
	Note     string // how the figures are computed
	Rolling  Table
	Months   Table
	Quarters Table
}
