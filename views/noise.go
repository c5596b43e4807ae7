package views

// Noise is the alert noise analysis page: where pages come from, when they
// come, and how many of them were worth waking someone for.
type Noise struct {
	Layout  Layout
	Action  string
	Filters []Filter
	// NoData replaces the analysis when the scope had no page in the period.
	NoData   *NoData
	Tiles    []Tile
	Alerts   Section
	Services Section
	Heat     PageHeat
}

// PageHeat is a weekday × hour grid of counts; every cell links to its records.
type PageHeat struct {
	Caption string
	Hours   []string // column heads
	Rows    []PageHeatRow
	Legend  []PageHeatLevel
	Note    string
}

// PageHeatRow is one weekday of a PageHeat grid.
type PageHeatRow struct {
	Day   string
	Cells []PageHeatCell
}

// PageHeatCell is one weekday and hour: Level 0 (none) to 4 (the busiest).
type PageHeatCell struct {
	Text  string
	Title string
	Level int
	Href  string
}

// PageHeatLevel explains one shade of a PageHeat grid.
type PageHeatLevel struct {
	Level int
	Text  string
}
