package views

// RiskRegister is the register page: filters, heat map and table.
type RiskRegister struct {
	Layout  Layout
	Action  string
	Filters []Filter
	Hidden  []Option  // kept across filter submits (Text = name)
	Heat    []HeatRow // likelihood 5 (top) to 1
	Columns []Column
	Rows    []RiskRow
	Summary string
	CSVHref string
	// CanEdit shows the create and import controls.
	CanEdit bool
}

// HeatRow is one likelihood row of the 5×5 heat map.
type HeatRow struct {
	Likelihood int
	Cells      []HeatCell // impact 1 to 5
}

// HeatCell counts the open and mitigating risks of one likelihood × impact.
type HeatCell struct {
	Likelihood int
	Impact     int
	Count      int
	Rating     string
	Href       string
	Selected   bool
}

// RiskRow is one risk in the register table.
type RiskRow struct {
	Code          string
	Href          string
	Title         string
	Services      []Link
	Category      string
	Likelihood    int
	Impact        int
	Score         int
	Rating        string
	Status        string
	Owner         string
	Review        string
	Target        string
	ReviewOverdue bool
	PastTarget    bool
}

// RiskDetail is one risk's page.
type RiskDetail struct {
	Layout        Layout
	Initiatives   RiskInitiatives // the roadmap initiatives mitigating it
	Code          string
	Title         string
	Rating        string
	Score         int
	Status        string
	ReviewOverdue bool
	PastTarget    bool
	Facts         []Fact
	Services      []Link
	Incidents     []RiskIncident
	Events        []RiskEventRow
	CanEdit       bool
	EditHref      string
	Version       int
	StatusForm    RiskStatusForm
	Comment       string
	CommentError  string
	IncidentRef   string
	IncidentError string
}

// RiskIncident is one incident linked as evidence.
type RiskIncident struct {
	ID         string
	Href       string
	Title      string
	Detected   string
	Severity   string
	Service    string
	UnlinkHref string
}

// RiskEventRow is one history entry.
type RiskEventRow struct {
	At      string
	Actor   string
	Field   string
	Old     string
	New     string
	Comment string
}

// RiskStatusForm changes a risk's status from its page.
type RiskStatusForm struct {
	Action     string
	Statuses   []Option
	Rationale  string
	AcceptedBy string
	Comment    string
	Errors     map[string]string
}

// RiskForm creates or edits a risk.
type RiskForm struct {
	Layout     Layout
	Action     string
	Code       string // empty for a new risk
	CancelHref string
	Version    int
	V          RiskValues
	Errors     map[string]string
	Services   []Option
	Categories []Option
	Statuses   []Option
	Owners     []string // suggestions: users' emails and owners in use
	Conflict   *RiskConflict
	// Was is the risk as the edit form was loaded (Value field name, Text
	// its value), posted back so a save applies only the fields changed.
	Was []Option
	// ErrorSummary lists the validation errors in form order.
	ErrorSummary []FieldError
}

// RiskValues are the form's fields as entered.
type RiskValues struct {
	Title, Description, Category, Likelihood, Impact        string
	ResidualLikelihood, ResidualImpact, Owner, Status       string
	Mitigation, AcceptanceRationale, AcceptedBy, TargetDate string
	NextReviewDate, Comment                                 string
}

// RiskConflict shows the change someone saved while this editor had the form open.
type RiskConflict struct {
	By   string
	At   string
	Rows []RiskConflictRow
	// Merged: their changes to other fields were merged into the form;
	// Rows are only the fields both changed, with the value both started from.
	Merged bool
}

// RiskConflictRow is one field where the saved value and the editor's differ.
type RiskConflictRow struct {
	Field  string
	Was    string
	Theirs string
	Yours  string
}

// RiskImport is the CSV upload form and, after an upload, its preview.
type RiskImport struct {
	Layout         Layout
	Errors         []string
	FileName       string
	Payload        string // the uploaded CSV, carried to the confirm step
	Rows           []RiskImportRow
	RowErrors      []RejectRow
	Unknown        []string
	CreateServices bool
	Tiers          []Option
	// Versions carries the stored versions the update rows were diffed
	// against ("R-003:2 R-004:1"), so a change made meanwhile is caught.
	Versions string
	// New, Updated and Unchanged count the rows by effect.
	New, Updated, Unchanged int
	// Accept is the "accept imported accepted risks with this note"
	// option: offered when a row needs it or it is in use; Previewed
	// echoes the note and accepter these rows were filled with.
	AcceptOffered bool
	Accept        bool
	AcceptNote    string
	AcceptBy      string
	AcceptErrors  string
	Previewed     string
	// Ready says the preview has no errors and changes something.
	Ready bool
}

// RiskImportRow is one parsed row of the preview.
type RiskImportRow struct {
	Line       int
	Title      string
	Services   string
	Likelihood int
	Impact     int
	Rating     string
	Owner      string
	Status     string
	Target     string
	// Kind is new, update or unchanged; Effect says it in words, such as
	// "update R-003: impact 3 → 4".
	Kind   string
	Effect string
	// Filled lists the acceptance values the import option supplies.
	Filled []string
}

func joinStrings(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}
