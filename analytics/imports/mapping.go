package imports

// Mapping maps a generic CSV's columns to one kind of record. The importers
// read files with it and check it (ingest.ValidateMapping, run before a
// mapping is saved or used); the store keeps named mappings for later
// imports.
type Mapping struct {
	Name       string
	Kind       string            // incidents|deploys|pages|sli|toil|action_items
	Columns    map[string]string // our field → their header
	DateLayout string
	Source     string // value of the source column; "" = "csv"
	// SeverityMap and Jira are the upload's other parse choices, saved with
	// the mapping so a later import with it reads the file the same way;
	// the parse options' own values win when set.
	SeverityMap map[string]int
	Jira        JiraFields
}

// JiraFields names the Jira export columns (header text, e.g.
// "Custom field (Service)") that hold sreport's fields. Empty = guess from
// the header (see docs/importers.md); "-" = the file has no such column.
type JiraFields struct {
	Service, Severity, ImpactStart, MitigatedAt, ActionItemLink string
}
