package views

// ImportList is the import history.
type ImportList struct {
	Layout Layout
	Rows   []ImportRow
}

// ImportRow is one import batch in the history.
type ImportRow struct {
	ID         string
	Href       string
	Started    string
	User       string
	File       string
	Format     string
	Status     string
	SHA256     string
	Inserted   int
	Updated    int
	Unchanged  int
	Rejected   int
	ErrorsHref string // CSV of the rejected rows; empty without any
	// RollbackAction is the rollback form's URL; empty when the user may not
	// roll back or the import cannot be rolled back.
	RollbackAction string
}

// ImportForm is the upload form.
type ImportForm struct {
	Layout      Layout
	Formats     []Option
	Mappings    []Option
	Tiers       []Option
	Timezone    string
	DateLayout  string
	Workflow    string
	SeverityMap string // "P1=1, P2=2"
	// Jira column headers; empty = guessed.
	JiraService, JiraSeverity, JiraImpactStart, JiraMitigated string
	SkipInvalid                                               bool
	CreateServices                                            bool
	MaxMiB                                                    int
	Errors                                                    map[string]string // field → message
	// Where the service is read when an export has several fields, the
	// service of records naming none, the branches that deploy.
	ServiceFrom    []Option
	DefaultService string
	ProdBranches   string
}

// ImportProgress is shown while a file is read or written.
type ImportProgress struct {
	Layout      Layout
	ProgressURL string // JSON polled by static/js/imports.js
	SelfHref    string
	Phase       string
	Percent     int
}

// ImportPreview shows what an upload would do before it is applied.
type ImportPreview struct {
	Layout      Layout
	Action      string // confirm form URL
	Files       []FilePreview
	Unknown     []UnknownChoice
	Tiers       []Option
	SkipInvalid bool
	// Blocked explains why Import is not possible yet (rejected rows
	// without skip-invalid, unknown services); empty = ready.
	Blocked string
	Errors  []string
	// EmptyCatalogue: no service exists yet, so creating the unknown
	// ones is the main action.
	EmptyCatalogue bool
	// Creatable counts the unknown names the naming rule lets become
	// services (what "create these N services" creates).
	Creatable int
}

// FilePreview is one uploaded file's dry run.
type FilePreview struct {
	Name      string
	Format    string
	SHA256    string
	Records   int
	Inserted  int
	Updated   int
	Unchanged int
	Rejected  int
	Created   []string
	Warnings  []string
	Sample    Table
	SLOs      Table // what the file's SLO definitions change; no rows for other files
	Rejects   []RejectRow
	Failed    string // the file could not be read at all
}

// RejectRow is one rejected row.
type RejectRow struct {
	Line   int
	Reason string
}

// UnknownChoice lets the user map an unknown service name or create it.
type UnknownChoice struct {
	Name       string
	Field      string // form field carrying the choice
	Rows       int
	Lines      string
	Options    []Option
	Suggestion string // a catalogue service with a near name ("" = none)
	ScopeField string // checkbox: the alias applies to this file's source only
	SourceOnly bool
	// NotCreated says why the name cannot become a service (the naming
	// rule); then Options only map it.
	NotCreated string
}

// ImportMapping maps a generic CSV's columns to sreport's fields.
type ImportMapping struct {
	Layout     Layout
	Action     string
	KindAction string // GET form that switches the kind
	File       string
	Header     []string
	Rows       [][]string
	Kinds      []Option
	Saved      []Option
	Fields     []MappingField
	DateLayout string
	Source     string
	SaveAs     string
	Errors     []string
}

// MappingField is one of our fields with the file's columns to choose from.
type MappingField struct {
	Name     string
	Required bool
	Options  []Option
}

// ImportDone shows the outcome of a confirmed upload.
type ImportDone struct {
	Layout Layout
	Files  []ImportDoneFile
}

// ImportDoneFile is one file's import.
type ImportDoneFile struct {
	Name      string
	Format    string
	Href      string
	Inserted  int
	Updated   int
	Unchanged int
	Rejected  int
	Created   []string
	Failed    string
	Rejects   []RejectRow
	SLOs      Table // SLO definitions created or changed
}

// ImportDetail is one recorded import.
type ImportDetail struct {
	Layout         Layout
	Facts          []Fact
	Warnings       []string
	Rejects        []RejectRow
	ErrorsHref     string
	RollbackAction string
}
