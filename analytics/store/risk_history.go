package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"sreport/analytics"
)

// RiskChangesBetween returns the field changes of the register recorded in
// [from, to), oldest first: one row per changed field, as UpdateRisk
// writes them (comments without a field are left out). A zero to means no
// upper bound.
func (s *Store) RiskChangesBetween(ctx context.Context, from, to time.Time) ([]analytics.RiskEvent, error) {
	q := `SELECT ` + riskEventCols + ` FROM risk_events e JOIN risks r ON r.id = e.risk_id
		WHERE e.field != '' AND e.at >= ?`
	args := []any{FormatTime(from)}
	if !to.IsZero() {
		q += ` AND e.at < ?`
		args = append(args, FormatTime(to))
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY e.at, e.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: load risk changes: %w", err)
	}
	defer rows.Close()
	out, err := collectAll(rows, scanRiskEvent)
	if err != nil {
		return nil, fmt.Errorf("store: load risk changes: %w", err)
	}
	return out, nil
}

// RisksAsOf returns the register as it stood just before instant t, so a
// report of a past period does not change when the register does: the
// risks created before t, each with every change recorded at or after t
// undone (see RewindRisk). Highest score first, then by code.
func (s *Store) RisksAsOf(ctx context.Context, t time.Time) ([]analytics.Risk, error) {
	cur, err := s.Risks(ctx, RiskFilter{})
	if err != nil {
		return nil, err
	}
	later, err := s.RiskChangesBetween(ctx, t, time.Time{})
	if err != nil {
		return nil, err
	}
	byRisk := map[int64][]analytics.RiskEvent{}
	for _, e := range later {
		byRisk[e.RiskID] = append(byRisk[e.RiskID], e)
	}
	out := make([]analytics.Risk, 0, len(cur))
	for _, r := range cur {
		if !r.CreatedAt.Before(t) {
			continue
		}
		out = append(out, RewindRisk(r, byRisk[r.ID], t))
	}
	slices.SortStableFunc(out, func(a, b analytics.Risk) int {
		return cmp.Or(cmp.Compare(b.Score(), a.Score()), cmp.Compare(a.Code, b.Code))
	})
	return out, nil
}

// RewindRisk takes r as it stands now back to just before instant t: each
// change of r in changes recorded at or after t is undone, newest first,
// by setting its field back to the old value. Changes of other risks are
// ignored. The fields the history records are rewound (status, likelihood,
// impact, dates, services, linked incidents, …); ClosedAt is cleared
// unless the risk was closed by then. Version and UpdatedAt stay as stored.
func RewindRisk(r analytics.Risk, changes []analytics.RiskEvent, t time.Time) analytics.Risk {
	var undo []analytics.RiskEvent
	for _, e := range changes {
		if e.RiskID == r.ID && e.Field != "" && !e.At.Before(t) {
			undo = append(undo, e)
		}
	}
	if len(undo) == 0 {
		return r
	}
	slices.SortStableFunc(undo, func(a, b analytics.RiskEvent) int {
		return cmp.Or(b.At.Compare(a.At), cmp.Compare(b.ID, a.ID))
	})
	r.Services = slices.Clone(r.Services)
	r.IncidentIDs = slices.Clone(r.IncidentIDs)
	for _, e := range undo {
		setRiskField(&r, e)
	}
	if r.Status != analytics.RiskClosed || r.ClosedAt != nil && !r.ClosedAt.Before(t) {
		// Not closed then, or closed again only later: the first closing
		// time is not stored, so none is better than a later one.
		r.ClosedAt = nil
	}
	return r
}

// setRiskField undoes one change: the field gets the change's old value,
// in the text form analytics.Risk.FieldValue writes.
func setRiskField(r *analytics.Risk, e analytics.RiskEvent) {
	v := e.Old
	optInt := func(p **int) {
		if v == "" {
			*p = nil
		} else if n, err := strconv.Atoi(v); err == nil {
			*p = &n
		}
	}
	optDate := func(p **time.Time) {
		if v == "" {
			*p = nil
		} else if d, err := time.Parse(DayLayout, v); err == nil {
			*p = &d
		}
	}
	switch e.Field {
	case "title":
		r.Title = v
	case "description":
		r.Description = v
	case "category":
		r.Category = v
	case "owner":
		r.Owner = v
	case "status":
		r.Status = v
	case "mitigation":
		r.Mitigation = v
	case "acceptance_rationale":
		r.AcceptanceRationale = v
	case "accepted_by":
		r.AcceptedBy = v
	case "likelihood":
		if n, err := strconv.Atoi(v); err == nil {
			r.Likelihood = n
		}
	case "impact":
		if n, err := strconv.Atoi(v); err == nil {
			r.Impact = n
		}
	case "residual_likelihood":
		optInt(&r.ResidualLikelihood)
	case "residual_impact":
		optInt(&r.ResidualImpact)
	case "target_date":
		optDate(&r.TargetDate)
	case "next_review_date":
		optDate(&r.NextReviewDate)
	case "services":
		r.Services = nil
		if v != "" {
			r.Services = strings.Split(v, ", ")
		}
	case "incidents":
		// A link writes "" → "#12", an unlink "#12" → "".
		id := func(s string) (int64, bool) {
			n, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
			return n, err == nil
		}
		if n, ok := id(e.New); ok {
			r.IncidentIDs = slices.DeleteFunc(r.IncidentIDs, func(x int64) bool { return x == n })
		}
		if n, ok := id(e.Old); ok && !slices.Contains(r.IncidentIDs, n) {
			r.IncidentIDs = append(r.IncidentIDs, n)
			slices.Sort(r.IncidentIDs)
		}
	}
}
