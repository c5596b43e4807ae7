package views

// IncidentView is one incident's page: facts, the imported-versus-edited
// comparison, the edit form (editors), the inferred deploy link, the
// timeline, linked pages and deploys, and action items.
type IncidentView struct {
	Layout  Layout
	Facts   []Fact
	CanEdit bool
	// Compare lists each editable field's imported value next to the
	// user's override and the value the KPIs use.
	Compare []CompareRow
	Form    IncidentForm
	// Link is the KPI engine's verdict on the incident's deploy link:
	// whether it makes a deploy a failed change, and why.
	Link     LinkVerdict
	Inferred *InferredLink // nil when no deploy can be inferred
	Timeline Table
	Deploys  Table
	Pages    Table
	Items    []ActionItemRow
	NewItem  ActionItemForm
}

// CompareRow is one field's imported value, override and effective value.
type CompareRow struct {
	Field      string
	Imported   string
	Override   string // "" = none
	Effective  string
	Overridden bool
}

// IncidentForm is the incident edit form's state; times are shown in the
// reporting timezone (TZ, named with its offset) as YYYY-MM-DD HH:MM.
type IncidentForm struct {
	Action         string
	TZ             string
	StartedAt      string
	DetectedAt     string
	AcknowledgedAt string
	MitigatedAt    string
	ResolvedAt     string
	// Imported* are the imported times, shown as help beside the fields.
	ImportedStarted, ImportedDetected, ImportedAcked, ImportedMitigated, ImportedResolved string
	Severity                                                                              []Option
	CustomerImpacting                                                                     []Option
	NotDeployRelated                                                                      bool
	CausedBy                                                                              []Option
	Fingerprint                                                                           string
	FingerprintHint                                                                       string // the derived fingerprint used without an override
	PostmortemURL                                                                         string
	PostmortemPublished                                                                   string
	PostmortemDue                                                                         string
	PostmortemDueHint                                                                     string // the deadline computed from severity and settings
	// Version is the version of the override the form was loaded with,
	// posted back so a save over someone else's newer edit is refused.
	Version  int
	Conflict *IncidentConflict // set when a save was refused (409)
	Errors   map[string]string
}

// incidentFields are the edit form's fields in form order, with labels.
var incidentFields = []string{"started_at", "Impact started", "detected_at", "Detected at",
	"acknowledged_at", "Acknowledged at", "mitigated_at", "Mitigated at", "resolved_at", "Resolved at",
	"severity", "Severity", "customer_impacting", "Customer impacting", "caused_by_deploy_id", "Caused by deploy",
	"fingerprint", "Fingerprint", "postmortem_url", "Postmortem URL", "postmortem_published_at", "Postmortem published",
	"postmortem_due_at", "Postmortem due"}

// ErrorList is the form's validation errors in form order.
func (f IncidentForm) ErrorList() []FieldError {
	return ErrorList("inc", f.Errors, incidentFields...)
}

func (f IncidentForm) time(name, label, value, imported string) TimeField {
	hint := ""
	if imported != "" {
		hint = " · imported: " + imported
	}
	return TimeField{ID: FieldID("inc", name), Name: name, Label: label, Value: value, Zone: f.TZ, Hint: hint, Error: f.Errors[name]}
}

// IncidentConflict shows the edit another person saved while the user was
// editing: who, when, and each field where their saved value and the
// user's input differ.
type IncidentConflict struct {
	By   string
	At   string
	Rows []IncidentConflictRow
}

// IncidentConflictRow is one field saved by the other person and the user's input for it.
type IncidentConflictRow struct {
	Field  string
	Theirs string
	Yours  string
}

// LinkVerdict is one sentence, Before + Deploy + After, saying whether the
// incident makes a deploy a failed change in the engine's reckoning.
type LinkVerdict struct {
	Before string
	Deploy *Link // nil: the sentence names no deploy
	After  string
	Counts bool // the incident makes Deploy a failed change
}

// InferredLink is the deploy rule (b) links the incident to, with buttons.
type InferredLink struct {
	Deploy    Link
	State     string // "inferred", "confirmed" or "removed"
	Action    string // form action for confirm / remove / restore
	CanChange bool
}

// ActionItemRow is one action item with its controls.
type ActionItemRow struct {
	ID           string
	Title        string
	Href         string // the item's own link (tracker), if any
	Service      string
	ServiceHref  string
	Incident     string
	IncidentHref string
	Owner        string
	Due          string
	ClosedAt     string
	State        string // open, overdue, closed, closed late
	Source       string
	EditHref     string // empty for viewers
	CloseAction  string
	ReopenAction string
}

// ActionItemForm is the add/edit form of an action item.
type ActionItemForm struct {
	Action string
	Title  string
	Owner  string
	Due    string // datetime-local in the reporting timezone
	URL    string
	TZ     string
	Next   string // where to go after saving
	// Prefix makes the field ids unique on the page ("item").
	Prefix string
	// Was holds the values the edit form was loaded with (nil on the add
	// form), posted back so only the fields the user changed are saved.
	Was    *ActionItemWas
	Errors map[string]string
}

// ErrorList is the form's validation errors in form order.
func (f ActionItemForm) ErrorList() []FieldError {
	return ErrorList(f.prefix(), f.Errors, "title", "Title", "owner", "Owner", "due_at", "Due", "url", "Link")
}

func (f ActionItemForm) prefix() string {
	if f.Prefix == "" {
		return "item"
	}
	return f.Prefix
}

// ActionItemWas is an action item's effective values as an edit form showed
// them (due as datetime-local in the reporting timezone).
type ActionItemWas struct {
	Title string
	Owner string
	Due   string
	URL   string
}

// ActionItemEdit is the page editing one action item.
type ActionItemEdit struct {
	Layout   Layout
	Facts    []Fact
	Form     ActionItemForm
	Imported bool // edits of imported items are kept as overrides
}

// ActionItemList is the cross-service list of action items.
type ActionItemList struct {
	Layout  Layout
	Filters []Filter
	Rows    []ActionItemRow
	CSRF    string
	Summary string
}

// NavActionItems is the navigation section of the action-items pages.
const NavActionItems Nav = "action-items"
