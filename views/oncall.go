package views

// OnCallView is the on-call health page: a row per team and, for those who
// may see them, each team's people.
type OnCallView struct {
	Layout     Layout
	Team       string // "" = every team
	AllHref    string // back to every team, when one is shown
	PeopleHref string // the people and aliases page, for editors
	ShowPeople bool
	Threshold  int // sleep-hours interruptions above which a person is flagged
	Teams      Table
	People     []Section // one per team
}

// OnCallPeopleView lists people who take pages with their aliases, with a
// form to add one; Edit is set when one person is being edited.
type OnCallPeopleView struct {
	Layout Layout
	People Table
	Form   PersonForm
	// ImportErrors are problems with an uploaded file as a whole,
	// ImportRejects its rows that refused it.
	ImportErrors  []string
	ImportRejects []RejectRow
}

// PersonForm is the add or edit form of one person; Errors are keyed by
// field name.
type PersonForm struct {
	Action  string
	Heading string
	Name    string
	Email   string
	Aliases string // one per line or comma-separated
	Errors  map[string]string
	Problem string // a form-level error
	Submit  string
	// DeleteAction is the delete form's target when editing, else "".
	DeleteAction string
}
