package views

// Roadmap is the roadmap page: the initiatives per quarter.
type Roadmap struct {
	Layout   Layout
	CanEdit  bool
	Current  string // the quarter now: "2026-Q4"
	Quarters []RoadmapQuarter
	Flash    string
}

// RoadmapQuarter is one quarter of the roadmap.
type RoadmapQuarter struct {
	Quarter string
	Current bool
	Rows    []InitiativeRow
}

// InitiativeRow is one initiative as a list shows it.
type InitiativeRow struct {
	Code, Title, Owner  string
	Quarters            string // "2026-Q2 – 2026-Q3"
	Status, StatusLabel string
	KPI, Target         string // "Change failure rate", "by −5 pp"
	Services            []Link
	Risks               []Link
	EditHref            string
}

// InitiativeValues are the initiative form's fields as typed.
type InitiativeValues struct {
	Title, Description, Owner string
	StartQuarter, EndQuarter  string
	Status, KPI, TargetKind   string
	Target                    string
}

// InitiativeForm is the add or edit form.
type InitiativeForm struct {
	Layout     Layout
	Action     string
	Code       string // "" for a new initiative
	V          InitiativeValues
	Statuses   []Option
	KPIs       []Option
	Kinds      []Option
	Services   []Option
	Risks      []Option
	Errors     map[string]string
	CancelHref string
	DeleteHref string
}

// RoadmapImport is the CSV upload page and its outcome.
type RoadmapImport struct {
	Layout    Layout
	FileName  string
	Errors    []string
	RowErrors []RejectRow
	// Rows is the preview, one row per valid line of the file.
	Rows                    []RoadmapImportRow
	New, Updated, Unchanged int
	// Payload is the file's text and Expect the state ("code:fingerprint")
	// of every initiative it names, carried to the confirm step.
	Payload, Expect string
	Ready           bool // the file applies: no errors, something to write
}

// RoadmapImportRow is what importing one line of a roadmap file does.
type RoadmapImportRow struct {
	Line    int
	Kind    string // new, update or unchanged
	Code    string // the code it updates or keeps; "" takes the next free one
	Title   string
	Changes []FieldChangeRow // an update's changed fields
}

// FieldChangeRow is one field an import changes, old and new value.
type FieldChangeRow struct {
	Field, Old, New string
}

// RiskInitiatives lists the initiatives that mitigate a risk, on its page.
type RiskInitiatives struct {
	Rows    []InitiativeRow
	CanEdit bool
	NewHref string
}

// importEffect names what importing a preview row does.
func importEffect(kind string) string {
	switch kind {
	case "new":
		return "add"
	case "update":
		return "update"
	}
	return "unchanged"
}
