package views

// NavProgram is the reliability program section.
const NavProgram Nav = "program"

// ProgramView is the Program page: each input with its records and the
// KPIs computed from it.
type ProgramView struct {
	Layout Layout
	Inputs []ProgramInputSummary
	// OverThreshold lists the capacity samples of the period above their
	// safe threshold.
	OverThreshold Table
}

// ProgramInputSummary is one input on the Program page.
type ProgramInputSummary struct {
	Key     string
	Title   string
	About   string
	Href    string
	Records int
	KPIs    Table // KPI, organisation, tier 0–3
}

// ProgramListView is one input's records.
type ProgramListView struct {
	Layout Layout
	About  string
	Table  Table
	// NewHref and ImportHref are "" for users who may not change records.
	NewHref    string
	ImportHref string
	ExportHref string
}

// ProgramField is one field of a program record's form.
type ProgramField struct {
	Key      string
	Label    string
	Type     string // text, url, date, month, number, select
	Value    string
	Help     string
	Error    string
	Required bool
	Options  []Option // select
}

// ProgramFormView adds or edits one program record.
type ProgramFormView struct {
	Layout       Layout
	Action       string
	DeleteAction string // "" when adding
	Submit       string
	BackHref     string
	Problem      string
	Fields       []ProgramField
}

// ProgramImportView is an input's CSV upload and its outcome.
type ProgramImportView struct {
	Layout    Layout
	Action    string
	BackHref  string
	Header    string // the columns a file has, comma-separated
	Errors    []string
	RowErrors []RejectRow
}
