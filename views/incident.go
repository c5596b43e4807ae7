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
// reporting timezone (TZ) as datetime-local values.
type IncidentForm struct {
	Action              string
	TZ                  string
	StartedAt           string
	MitigatedAt         string
	Severity            []Option
	CustomerImpacting   []Option
	NotDeployRelated    bool
	CausedBy            []Option
	Fingerprint         string
	FingerprintHint     string // the derived fingerprint used without an override
	PostmortemURL       string
	PostmortemPublished string
	PostmortemDue       string
	PostmortemDueHint   string // the deadline computed from severity and settings
	// Version is the version of the override the form was loaded with,
	// posted back so a save over someone else's newer edit is refused.
	Version  int
	Conflict *IncidentConflict // set when a save was refused (409)
	Errors   map[string]string
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
	// Was holds the values the edit form was loaded with (nil on the add
	// form), posted back so only the fields the user changed are saved.
	Was    *ActionItemWas
	Errors map[string]string
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
