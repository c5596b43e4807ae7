package views

// ConnectorList is /admin/connectors: every connector with its state.
type ConnectorList struct {
	Layout Layout
	Rows   []ConnectorRow
	// SchedulerOff says no scheduler runs in this process: "sync now"
	// only marks the connector due.
	SchedulerOff bool
}

// ConnectorRow is one connector in the list.
type ConnectorRow struct {
	ID      string
	Name    string
	Href    string
	Kind    string
	Status  string
	Message string // why it failed or stopped
	// Progress is the back-fill done in percent; Backfilling is true until
	// the connector first reached the present.
	Progress    int
	Backfilling bool
	LastRun     string // "2026-10-01 09:15 UTC, ok"; "—" before the first
	Took        string
	Inserted    int
	Updated     int
	Unchanged   int
	Rejected    int
	ErrorsHref  string // the last run's rejected rows as CSV
	NextRun     string
	Enabled     bool
	SyncAction  string
}

// ConnectorDetail is /admin/connectors/{id}.
type ConnectorDetail struct {
	Layout       Layout
	ID           string
	Name         string
	Status       string
	Message      string
	Facts        []Fact
	Progress     int
	Backfilling  bool
	Runs         []ConnectorRunRow
	Enabled      bool
	SchedulerOff bool
	// Form actions.
	SyncAction, ResetAction, CredentialAction, EnableAction, DeleteAction string
	CredentialError                                                       string
}

// ConnectorRunRow is one run in a connector's history.
type ConnectorRunRow struct {
	ID        string
	Started   string
	Took      string
	By        string
	Status    string
	Error     string
	Warnings  []string
	Pages     int
	Fetched   int
	Inserted  int
	Updated   int
	Unchanged int
	Rejected  int
	Requests  int
	Retries   int
	// ImportHref links the run's import (rejects, roll back); empty when the
	// run changed nothing.
	ImportHref     string
	ErrorsHref     string
	RollbackAction string
}

// ConnectorForm is the add-connector form with its input kept.
type ConnectorForm struct {
	Layout Layout
	Kinds  []Option
	Tiers  []Option
	// Kind help: base URL defaults and what the credential is, by kind.
	Help   []ConnectorKindHelp
	Values map[string]string // field → value (never the credential)
	Errors map[string]string // field → message
	EU     bool
	Create bool
}

// ConnectorKindHelp tells what one kind needs.
type ConnectorKindHelp struct {
	Kind       string
	Title      string
	BaseURL    string
	EUBaseURL  string
	Credential string
	Records    string
}

// connectorFields are the connector form's fields in form order with the
// short labels its error summary uses.
var connectorFields = []string{
	"kind", "Kind", "name", "Name", "base_url", "Base URL", "credential", "Credential",
	"since", "Back-fill from", "every", "Every", "tier", "Tier of created services",
	"records", "Records", "service_ids", "PagerDuty service ids", "team_ids", "PagerDuty team ids",
	"query", "Query", "repos", "GitHub repositories", "environment", "Deployment environment",
	"workflow", "GitHub deploy workflow", "projects", "Projects", "ref", "GitLab deploy branch",
	"selector", "Argo CD label selector", "jql", "Jira JQL", "jira_api", "Jira API",
	"jira_service", "Jira service field", "jira_severity", "Jira severity field",
	"jira_impact_start", "Jira impact start field", "jira_mitigated", "Jira mitigated-at field",
	"jira_link", "Jira action-item link field", "jobs", "Jenkins deploy jobs",
	"severity_map", "Severity map", "lookback", "Lookback",
}

// connectorErrors lists the connector form's invalid fields in form order.
func connectorErrors(errs map[string]string) []FieldError {
	return ErrorList("f", errs, connectorFields...)
}
