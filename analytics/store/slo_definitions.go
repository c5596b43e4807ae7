package store

import (
	"context"
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
		// New queries measure something else: the Prometheus connector
		// notices (its cursor keeps the queries it read with) and reads the
		// SLO's days again from its back-fill start.
		if _, err := a.upsert(u, line, label, []any{sid, d.Name}, []any{d.Objective, d.WindowDays, d.Calendar, d.Description,
			d.QueryType, d.GoodQuery, d.BadQuery, d.TotalQuery}); err != nil {
			return err
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

// PromSLO is an SLO whose definition carries Prometheus queries: what the
// Prometheus connector reads its SLI days with.
type PromSLO struct {
	ID         int64
	Service    string
	Name       string
	Objective  float64
	GoodQuery  string
	BadQuery   string // Sloth's error query: good = total − bad
	TotalQuery string
}

// PrometheusSLOs lists the SLOs whose definitions carry Prometheus queries
// (a total query and a good or bad one), by service and name.
func (s *Store) PrometheusSLOs(ctx context.Context) ([]PromSLO, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT o.id, s.name, o.name, o.objective, o.good_query, o.bad_query, o.total_query
		FROM slos o JOIN services s ON s.id = o.service_id
		WHERE o.query_type = 'prometheus' AND o.total_query != '' AND (o.good_query != '' OR o.bad_query != '')
		ORDER BY s.name, o.name`)
	if err != nil {
		return nil, fmt.Errorf("store: load Prometheus SLOs: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, func(sc interface{ Scan(...any) error }) (PromSLO, error) {
		var p PromSLO
		err := sc.Scan(&p.ID, &p.Service, &p.Name, &p.Objective, &p.GoodQuery, &p.BadQuery, &p.TotalQuery)
		return p, err
	})
}
