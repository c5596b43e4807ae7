// Package imports holds what an import carries from a parser to the store:
// the Batch of records one file produced (with their source lines, the rows
// that did not become records and how the store should apply them) and the
// Mapping a generic CSV is read with. The importers (analytics/ingest) fill
// these types and the store (analytics/store) applies and saves them, so
// neither depends on the other.
//
// Like analytics, the package is pure: no database, no network, no clock.
package imports

import "sreport/analytics"

// Batch is everything one file produced.
type Batch struct {
	Format      string
	Source      string // value stored in the source column
	Incidents   []analytics.Incident
	Deploys     []analytics.Deploy
	Pages       []analytics.Page
	SLIDays     []analytics.SLIDay
	SLOs        []analytics.SLODefinition // SLO definitions (OpenSLO, Sloth), applied before SLIDays
	Toil        []analytics.ToilWeek
	ActionItems []analytics.ActionItem
	// Lines maps a record key to the source line it came from, for
	// store-time errors. Keys: "incident:<external_id>", "deploy:<external_id>",
	// "page:<external_id>", "action_item:<external_id>",
	// "sli:<service>/<slo>/<YYYY-MM-DD>", "toil:<team>/<YYYY-MM-DD>",
	// "slo:<service>/<slo>"
	// (IncidentKey and its siblings build them).
	Lines    map[string]int
	Rejects  []Reject
	Warnings []string

	// KeepStored says the file is one of several overlapping exports of the
	// same records that differ in completeness (PagerDuty: incidents with or
	// without log entries, log entries alone, the CSV exports): a value the
	// file lacks (NULL or empty) never replaces a stored one, so the files
	// converge in any order instead of undoing each other.
	KeepStored bool
	// Derived lists, per table ("pages", "incidents"), the columns the file
	// only derives (a PagerDuty log entry's page title from the incident
	// summary): used for new rows, never replacing a stored value.
	Derived map[string][]string
	// FallbackPages maps a page's external id to its incident ref for pages
	// that stand in for an incident's notifications because the file has
	// none (PagerDuty's trigger): the store skips them when the incident
	// already has other pages.
	FallbackPages map[string]string
	// LinkedOnly are action items (by external id) that are imported only
	// when the incident they name is: Jira tasks whose parent is not in
	// the file, which may be an incident of an earlier import or an epic.
	// The store skips the others with one warning.
	LinkedOnly map[string]bool
	// SupersededPages are external ids of stand-in pages that this file
	// shows are not pages after all (the trigger of an incident that has
	// notify entries): the store removes them.
	SupersededPages []string
}

// Reject is one row that did not become a record. Line is the 1-based line
// of the record start (CSV: 1 = header; JSON: the line of the element's
// opening brace).
type Reject struct {
	Line   int
	Reason string
	Raw    string
}

// Records is the number of records of every kind.
func (b *Batch) Records() int {
	return len(b.Incidents) + len(b.Deploys) + len(b.Pages) + len(b.SLIDays) + len(b.SLOs) + len(b.Toil) + len(b.ActionItems)
}

// Line returns the source line of a record key (see Lines), 0 if unknown.
func (b *Batch) Line(key string) int { return b.Lines[key] }

// The key functions below build Batch.Lines keys, so the parsers that
// record a line and the store and pages that look it up agree.

// IncidentKey is the Lines key of an incident.
func IncidentKey(externalID string) string { return "incident:" + externalID }

// DeployKey is the Lines key of a deploy.
func DeployKey(externalID string) string { return "deploy:" + externalID }

// PageKey is the Lines key of a page.
func PageKey(externalID string) string { return "page:" + externalID }

// ActionItemKey is the Lines key of an action item.
func ActionItemKey(externalID string) string { return "action_item:" + externalID }

// SLIKey is the Lines key of one SLO's day.
func SLIKey(d analytics.SLIDay) string {
	return "sli:" + d.Service + "/" + d.SLO + "/" + d.Day.Format("2006-01-02")
}

// ToilKey is the Lines key of one team's toil week.
func ToilKey(t analytics.ToilWeek) string {
	return "toil:" + t.Team + "/" + t.WeekStart.Format("2006-01-02")
}

// SLOKey is the Lines key of an SLO definition.
func SLOKey(service, name string) string { return "slo:" + service + "/" + name }
