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
