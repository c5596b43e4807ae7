package analytics

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file is the reliability roadmap: initiatives meant to move one KPI
// of the registry by a stated amount, planned over quarters. Before and
// after figures come from the engine (ComputeKPIs) over the initiative's
// services; this file says which quarters those are and whether the
// target was met (docs/metrics.md, "Reliability roadmap").

// Initiative statuses.
const (
	InitiativePlanned    = "planned"
	InitiativeInProgress = "in_progress"
	InitiativeDelivered  = "delivered"
	InitiativeDropped    = "dropped"
)

// InitiativeStatuses are the statuses in display order.
var InitiativeStatuses = []string{InitiativePlanned, InitiativeInProgress, InitiativeDelivered, InitiativeDropped}

// InitiativeStatusLabel names a status for pages: "in progress".
func InitiativeStatusLabel(s string) string { return strings.ReplaceAll(s, "_", " ") }

// Target kinds of an initiative.
const (
	TargetValue  = "value"  // reach this value of the KPI
	TargetChange = "change" // move the KPI by this amount (signed, in the KPI's unit)
)

// Initiative is one item of the reliability roadmap.
type Initiative struct {
	ID           int64
	Code         string // I-001
	Title        string
	Description  string
	Owner        string
	StartQuarter string // "2026-Q3"
	EndQuarter   string // the last planned quarter; for a delivered initiative the quarter of delivery
	Status       string
	KPI          string // a registry key
	TargetKind   string // TargetValue or TargetChange
	// Target is in the KPI's unit as the engine computes it: a fraction
	// for a percentage KPI (0.05 for 5 %, −0.05 for −5 pp).
	Target    float64
	Services  []string // service names, sorted
	Risks     []string // risk codes the initiative mitigates, sorted
	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
}

// NormQuarter reads a quarter label ("2026-q3", " 2026-Q3 ") and returns
// it as stored ("2026-Q3").
func NormQuarter(s string) (string, error) {
	p, err := ParsePeriod(s, time.UTC)
	if err != nil || p.Kind != Quarter {
		return "", fmt.Errorf("%q is not a quarter: write it as 2026-Q3", strings.TrimSpace(s))
	}
	return p.Label, nil
}

// quarter returns the Period of a stored quarter label in loc.
func quarter(label string, loc *time.Location) (Period, bool) {
	p, err := ParsePeriod(label, loc)
	return p, err == nil && p.Kind == Quarter
}

// Validate returns a message per invalid field (form field names); none
// when the initiative can be stored.
func (in Initiative) Validate() map[string]string {
	errs := map[string]string{}
	if strings.TrimSpace(in.Title) == "" {
		errs["title"] = "Give the initiative a title."
	} else if utf8.RuneCountInString(in.Title) > 200 {
		errs["title"] = "Keep the title under 200 characters."
	}
	if strings.TrimSpace(in.Owner) == "" {
		errs["owner"] = "Name who owns the initiative."
	}
	_, okS := quarter(in.StartQuarter, time.UTC)
	_, okE := quarter(in.EndQuarter, time.UTC)
	if !okS {
		errs["start_quarter"] = "Write the start quarter as 2026-Q3."
	}
	if !okE {
		errs["end_quarter"] = "Write the end quarter as 2026-Q3."
	}
	if okS && okE && in.EndQuarter < in.StartQuarter {
		errs["end_quarter"] = "The end quarter is before the start quarter."
	}
	if !slices.Contains(InitiativeStatuses, in.Status) {
		errs["status"] = "Choose planned, in progress, delivered or dropped."
	}
	d, ok := KPIDefOf(in.KPI)
	if !ok {
		errs["kpi"] = "Choose a KPI of the registry."
	}
	switch {
	case in.TargetKind != TargetValue && in.TargetKind != TargetChange:
		errs["target_kind"] = "Choose a target value or a change."
	case math.IsNaN(in.Target) || math.IsInf(in.Target, 0):
		errs["target"] = "Give the target as a number."
	case !ok:
	case in.TargetKind == TargetChange && in.Target == 0:
		errs["target"] = "A change of 0 moves nothing: give the amount the KPI should move."
	case in.TargetKind == TargetChange && (in.Target > 0) != d.HigherIsBetter():
		if d.HigherIsBetter() {
			errs["target"] = d.Label + " is better higher: the change should be an increase."
		} else {
			errs["target"] = d.Label + " is better lower: the change should be a decrease (a negative number)."
		}
	case in.TargetKind == TargetValue && d.Unit.Fraction() && (in.Target < 0 || in.Target > 1):
		errs["target"] = "A percentage target lies between 0 % and 100 %."
	case in.TargetKind == TargetValue && in.Target < 0 && d.Unit != UnitBudget:
		errs["target"] = d.Label + " is never negative."
	}
	return errs
}

// ActiveIn reports whether the initiative's quarters include q ("2026-Q3").
func (in Initiative) ActiveIn(q string) bool { return in.StartQuarter <= q && q <= in.EndQuarter }

// Quarters lists the labels from StartQuarter to EndQuarter.
func (in Initiative) Quarters() []string {
	p, ok := quarter(in.StartQuarter, time.UTC)
	if !ok || in.EndQuarter < in.StartQuarter {
		return nil
	}
	var out []string
	for ; p.Label <= in.EndQuarter; p = p.Next() {
		out = append(out, p.Label)
	}
	return out
}

// BeforeQuarter is the quarter whose KPI is the "before" figure: the one
// before the initiative started.
func (in Initiative) BeforeQuarter(loc *time.Location) (Period, bool) {
	p, ok := quarter(in.StartQuarter, loc)
	return p.Prev(), ok
}

// AfterQuarter is the quarter whose KPI is the "after" figure of a
// delivered initiative: its quarter of delivery (EndQuarter), the first
// that holds the change.
func (in Initiative) AfterQuarter(loc *time.Location) (Period, bool) {
	if in.Status != InitiativeDelivered {
		return Period{}, false
	}
	return quarter(in.EndQuarter, loc)
}

// DeliveredIn reports whether the initiative was delivered in quarter q.
func (in Initiative) DeliveredIn(q string) bool {
	return in.Status == InitiativeDelivered && in.EndQuarter == q
}

// PlannedFor reports whether the initiative is still to do (planned or in
// progress) and planned to run in quarter q.
func (in Initiative) PlannedFor(q string) bool {
	return (in.Status == InitiativePlanned || in.Status == InitiativeInProgress) && in.ActiveIn(q)
}

// QuarterPlan is one quarter of the roadmap and the initiatives running in it.
type QuarterPlan struct {
	Quarter     string
	Initiatives []Initiative
}

// RoadmapByQuarter lays the initiatives out per quarter, earliest first:
// an initiative appears in every quarter from its start to its end, and
// each quarter lists its initiatives by start quarter, then code. Quarters
// between the first and the last without any initiative are kept, so the
// plan reads as a timeline.
func RoadmapByQuarter(ins []Initiative) []QuarterPlan {
	first, last := "", ""
	for _, in := range ins {
		if len(in.Quarters()) == 0 {
			continue
		}
		if first == "" || in.StartQuarter < first {
			first = in.StartQuarter
		}
		if in.EndQuarter > last {
			last = in.EndQuarter
		}
	}
	if first == "" {
		return nil
	}
	sorted := slices.Clone(ins)
	slices.SortStableFunc(sorted, func(a, b Initiative) int {
		if c := strings.Compare(a.StartQuarter, b.StartQuarter); c != 0 {
			return c
		}
		return strings.Compare(a.Code, b.Code)
	})
	var out []QuarterPlan
	for _, q := range (Initiative{StartQuarter: first, EndQuarter: last}).Quarters() {
		qp := QuarterPlan{Quarter: q}
		for _, in := range sorted {
			if in.ActiveIn(q) {
				qp.Initiatives = append(qp.Initiatives, in)
			}
		}
		out = append(out, qp)
	}
	return out
}

// InitiativeOutcome compares a delivered initiative's KPI before and
// after with its target.
type InitiativeOutcome struct {
	Before, After *float64
	// Change is After − Before in the KPI's unit; nil without both.
	Change *float64
	// Met says whether the target was reached: the after value at or past
	// a value target in the KPI's better direction, or the change at least
	// as large as a change target in its direction. nil when the figures
	// it needs are missing.
	Met *bool
}

// Outcome judges the initiative's target on the KPI before and after.
func (in Initiative) Outcome(before, after *float64) InitiativeOutcome {
	o := InitiativeOutcome{Before: before, After: after}
	d, ok := KPIDefOf(in.KPI)
	if before != nil && after != nil {
		o.Change = num(*after - *before)
	}
	if !ok {
		return o
	}
	var met bool
	switch in.TargetKind {
	case TargetValue:
		if after == nil {
			return o
		}
		met = *after <= in.Target
		if d.HigherIsBetter() {
			met = *after >= in.Target
		}
	case TargetChange:
		if o.Change == nil {
			return o
		}
		// Compare with a tolerance: 0.1 − 0.3 is not exactly −0.2.
		eps := 1e-9 * math.Max(1, math.Abs(in.Target))
		met = *o.Change <= in.Target+eps
		if in.Target > 0 {
			met = *o.Change >= in.Target-eps
		}
	default:
		return o
	}
	o.Met = &met
	return o
}

// InitiativeFields are the fields a change is recorded by, in form order.
var InitiativeFields = []string{"title", "description", "owner", "start_quarter", "end_quarter", "status",
	"kpi", "target_kind", "target", "services", "risks"}

// FieldValue renders one field as text, for diffs, the audit log and CSV.
func (in Initiative) FieldValue(field string) string {
	switch field {
	case "title":
		return in.Title
	case "description":
		return in.Description
	case "owner":
		return in.Owner
	case "start_quarter":
		return in.StartQuarter
	case "end_quarter":
		return in.EndQuarter
	case "status":
		return in.Status
	case "kpi":
		return in.KPI
	case "target_kind":
		return in.TargetKind
	case "target":
		return strconv.FormatFloat(in.Target, 'g', -1, 64)
	case "services":
		return strings.Join(in.Services, "; ")
	case "risks":
		return strings.Join(in.Risks, " ")
	}
	return ""
}

// Fingerprint identifies a stored initiative's state: its fields and when
// it was last changed. An import preview records it per code so the apply
// step can tell that someone changed the initiative in between.
func (in Initiative) Fingerprint() string {
	h := sha256.New()
	for _, f := range InitiativeFields {
		h.Write([]byte(in.FieldValue(f)))
		h.Write([]byte{0x1f})
	}
	h.Write([]byte(in.UpdatedAt.UTC().Format(time.RFC3339Nano)))
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// FieldChange is one field's old and new value.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// DiffInitiatives lists the fields whose values differ from a to b.
func DiffInitiatives(a, b Initiative) []FieldChange {
	var out []FieldChange
	for _, f := range InitiativeFields {
		if o, n := a.FieldValue(f), b.FieldValue(f); o != n {
			out = append(out, FieldChange{Field: f, Old: o, New: n})
		}
	}
	return out
}
