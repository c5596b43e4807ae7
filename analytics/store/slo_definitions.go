package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"sreport/analytics"
	"sreport/analytics/imports"
)

// SLOChange is what importing one SLO definition does, for the preview
// and the result page: Action is "create", "update" or "unchanged";
// Changes names each field that differs ("objective 99% → 99.9%").
type SLOChange struct {
	Service string
	Name    string
	Action  string
	Changes []string
	Line    int
}

// sloDefinitions creates or updates the batch's SLO definitions through the
// same upsert as every other record (so a re-import is "unchanged", a dry
// run previews and a rollback restores), recording per SLO what changes.
func (a *applier) sloDefinitions() error {
	if len(a.b.SLOs) == 0 {
		return nil
	}
	u, err := a.prepare(entSLO)
	if err != nil {
		return err
	}
	for _, d := range a.b.SLOs {
		a.tick()
		line := a.b.Line(imports.SLOKey(d.Service, d.Name))
		label := "SLO " + d.Service + "/" + d.Name
		sid, ok, err := a.service(d.Service, line, label)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		ch := SLOChange{Service: d.Service, Name: d.Name, Line: line}
		var cur analytics.SLODefinition
		err = a.tx.QueryRowContext(a.ctx, `SELECT objective, window_days, calendar, description, query_type, good_query, bad_query, total_query
			FROM slos WHERE service_id = ? AND name = ?`, sid, d.Name).Scan(&cur.Objective, &cur.WindowDays, &cur.Calendar,
			&cur.Description, &cur.QueryType, &cur.GoodQuery, &cur.BadQuery, &cur.TotalQuery)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			ch.Action = "create"
			ch.Changes = []string{"objective " + pct(d.Objective), "window " + windowText(d.WindowDays, d.Calendar)}
			if d.QueryType != "" {
				ch.Changes = append(ch.Changes, d.QueryType+" queries")
			}
		case err != nil:
			return fmt.Errorf("store: look up %s: %w", label, err)
		default:
			ch.Changes = sloDiff(cur, d)
			ch.Action = "update"
			if len(ch.Changes) == 0 {
				ch.Action = "unchanged"
			}
		}
		id, err := a.upsert(u, line, label, []any{sid, d.Name}, []any{d.Objective, d.WindowDays, d.Calendar, d.Description,
			d.QueryType, d.GoodQuery, d.BadQuery, d.TotalQuery})
		if err != nil {
			return err
		}
		// New queries measure something else: the Prometheus sources read
		// the SLO's days again from their back-fill start (re-reading only
		// updates days, so a rollback of this import loses nothing).
		if ch.Action == "update" && (cur.GoodQuery != d.GoodQuery || cur.BadQuery != d.BadQuery || cur.TotalQuery != d.TotalQuery) {
			if _, err := a.tx.ExecContext(a.ctx, `DELETE FROM prometheus_cursors WHERE slo_id = ?`, id); err != nil {
				return fmt.Errorf("store: reset Prometheus cursors of %s: %w", label, err)
			}
		}
		a.res.SLOs = append(a.res.SLOs, ch)
	}
	return nil
}

// sloDiff lists the fields of a stored definition that the new one changes.
func sloDiff(old, d analytics.SLODefinition) []string {
	var out []string
	if old.Objective != d.Objective {
		out = append(out, "objective "+pct(old.Objective)+" → "+pct(d.Objective))
	}
	if old.WindowDays != d.WindowDays || old.Calendar != d.Calendar {
		out = append(out, "window "+windowText(old.WindowDays, old.Calendar)+" → "+windowText(d.WindowDays, d.Calendar))
	}
	if old.Description != d.Description {
		out = append(out, "description")
	}
	if old.QueryType != d.QueryType || old.GoodQuery != d.GoodQuery || old.BadQuery != d.BadQuery || old.TotalQuery != d.TotalQuery {
		switch {
		case old.QueryType == "" && old.TotalQuery == "":
			out = append(out, d.QueryType+" queries added")
		case d.TotalQuery == "":
			out = append(out, "queries removed")
		default:
			out = append(out, "queries")
		}
	}
	return out
}

func pct(r float64) string { return strconv.FormatFloat(r*100, 'f', -1, 64) + "%" }

// windowText shows an SLO's window: "28-day rolling" or "calendar month".
func windowText(days int, calendar string) string {
	if calendar != "" {
		return "calendar " + calendar
	}
	return strconv.Itoa(days) + "-day rolling"
}
