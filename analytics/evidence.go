package analytics

import (
	"cmp"
	"slices"
	"time"
)

// Evidence kinds: the record type an EvidenceRow points at.
const (
	KindIncident   = "incident"
	KindDeploy     = "deploy"
	KindPage       = "page"
	KindSLIDay     = "sli_day"
	KindToilWeek   = "toil_week"
	KindActionItem = "action_item"
	KindResponder  = "responder" // a person's on-call load; ID is their rank by load (1 = most paged), the label names them
)

// Evidence holds, per KPI name, the records behind the number so a lead can
// "explain a number": every record that was considered, whether it counted
// in the numerator, and why not when it was left out.
type Evidence map[string][]EvidenceRow

// EvidenceRow is one record considered for a KPI.
type EvidenceRow struct {
	Kind  string    `json:"kind"` // incident, deploy, page, sli_day, toil_week, action_item
	ID    int64     `json:"id"`   // record ID; SLO ID for sli_day, team ID for toil_week
	Label string    `json:"label"`
	At    time.Time `json:"at"` // the timestamp that put the record in the period
	// Value is the record's own contribution, e.g. minutes to resolve an
	// incident or hours of lead time; nil when the KPI is a plain count.
	Value *float64 `json:"value"`
	// Included is true when the record counts in the KPI's numerator (for a
	// mean or median: is one of the averaged values); e.g. a failed change,
	// a late action item, a noise page, a repeat incident.
	Included bool   `json:"included"`
	Note     string `json:"note,omitempty"` // e.g. "inferred link to incident #123", "repeat of #88"
}

// For returns the rows behind kpi (nil when there are none).
func (e Evidence) For(kpi string) []EvidenceRow { return e[kpi] }

// add appends a row under every named KPI.
func (e Evidence) add(row EvidenceRow, kpis ...string) {
	if e == nil { // ComputeKPIs: no evidence wanted
		return
	}
	for _, k := range kpis {
		e[k] = append(e[k], row)
	}
}

// sortRows orders every KPI's rows by time, then kind and ID, so the
// explanation does not depend on the order the caller passed records in.
// Rows that tie on all three are the same record, so an unstable sort is fine.
func (e Evidence) sortRows() {
	for _, rows := range e {
		slices.SortFunc(rows, func(a, b EvidenceRow) int {
			if c := a.At.Compare(b.At); c != 0 {
				return c
			}
			if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
	}
}
