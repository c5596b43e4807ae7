package views

// CatalogueView is the admin's service catalogue: services with their
// tier, team and on-call timezone, merging, and source-name aliases.
type CatalogueView struct {
	Layout   Layout
	Services []CatalogueRow
	Teams    []string // for the team datalist
	Targets  []Option // services, for merge targets and aliases
	New      ServiceForm
	Aliases  []AliasRow
	NewAlias AliasForm
}

// CatalogueRow is one service with its edit and merge forms.
type CatalogueRow struct {
	ID          string
	Name        string
	Tier        string
	Team        string
	OnCallTZ    string
	Description string
	Incidents   int
	Deploys     int
	Pages       int
	Action      string
	MergeAction string
	Errors      map[string]string
}

// ServiceForm is the create-service form.
type ServiceForm struct {
	Name        string
	Tier        string
	Team        string
	OnCallTZ    string
	Description string
	Errors      map[string]string
}

// AliasRow is how one source names a service.
type AliasRow struct {
	Source       string
	Alias        string
	Service      string
	DeleteAction string
}

// AliasForm is the add-alias form.
type AliasForm struct {
	Source  string
	Alias   string
	Service string
	Errors  map[string]string
}

// rowFieldID is the id of a catalogue row's input: the row's form is
// "svc-ID", so its fields take "row" + ID as their prefix.
func rowFieldID(id, name string) string { return FieldID("row"+id, name) }

// catalogueErrors lists the invalid fields of the service rows, each
// labelled with the service it belongs to.
func catalogueErrors(rows []CatalogueRow) []FieldError {
	var out []FieldError
	for _, r := range rows {
		for _, e := range ErrorList("row"+r.ID, r.Errors, "name", "name", "tier", "tier", "team", "team", "oncall_tz", "on-call timezone", "into", "merge into") {
			e.Label = r.Name + ", " + e.Label
			out = append(out, e)
		}
	}
	return out
}
