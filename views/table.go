package views

// Cell is one table cell; Href makes it a link, Class styles it (e.g. "num", "st-missed").
type Cell struct {
	Text  string
	Href  string
	Class string
	Title string
	// TestID lets browser tests find a cell.
	TestID string
}

// Table is a plain data table with sortable headers.
type Table struct {
	Caption string
	TestID  string
	Columns []Column
	Rows    [][]Cell
	Empty   string // shown when Rows is empty
}

// Filter is one control of a list's filter form.
type Filter struct {
	Name        string
	Label       string
	Options     []Option // select when set, text input otherwise
	Value       string   // text input value
	Placeholder string
}

// RecordList is a filterable, sortable, paginated list page.
type RecordList struct {
	Layout  Layout
	Action  string // form action (the list's own path)
	Filters []Filter
	Hidden  []Option // hidden inputs kept across filter submits (Value, Text unused)
	Table   Table
	Pager   Pager
	Summary string
}

// Fact is one labelled value on a detail page.
type Fact struct {
	Label  string
	Value  string
	Href   string
	Note   string
	TestID string // data-testid of the value, for tests; "" for none
}

// Section is a titled table on a detail page.
type Section struct {
	Title    string
	Table    Table
	MoreHref string // link to the full list when the table shows only the latest rows
}

// Detail is a record's page: facts then related tables.
type Detail struct {
	Layout   Layout
	Facts    []Fact
	Sections []Section
	// Definition is the rule behind the page's number (docs/metrics.md), shown as written.
	Definition string
}

// Chart is a go-echarts chart: our container, its script (already carrying
// the request's CSP nonce) and a table with the same numbers.
type Chart struct {
	ID     string
	Title  string
	Script string
	Table  Table
	// Empty replaces the drawing when nothing in the months has a value:
	// it says what is missing, ImportHref where to import it ("" when the
	// user may not).
	Empty      string
	ImportHref string
}
