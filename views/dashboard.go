package views

// Tile is one headline KPI with its target, status and trend.
type Tile struct {
	Label string
	Value string
	// Sample is the value's sample for a mean or ratio ("2 of 2").
	Sample      string
	Target      string
	Trend       string
	TrendClass  string
	Status      string
	Icon        string
	StatusLabel string
	Href        string
	TestID      string
}

// Dashboard is a page of KPI tiles, charts and tables: the service page and
// the organisation trends page.
type Dashboard struct {
	Layout   Layout
	Action   string
	Filters  []Filter
	Hidden   []Option
	Facts    []Fact
	Tiles    []Tile
	Charts   []Chart
	Sections []Section
}
