package store

import (
	"context"
	"database/sql"
	"fmt"
	"golang.org/x/sync/errgroup"
	"time"

	"sreport/analytics"
)

// SLIDaysInRange returns SLI days whose civil date lies in [from, to) (dates
// compared as YYYY-MM-DD) for the services (nil = all).
//
// The SLOs' names and objectives, the same on every day of an SLO, are
// read once, in the same read transaction as the days: the days' query
// then steps four columns a row, not eight.
func (s *Store) SLIDaysInRange(ctx context.Context, serviceIDs []int64, from, to time.Time) ([]analytics.SLIDay, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: load sli days: %w", err)
	}
	defer tx.Rollback()
	slos, err := sloNames(ctx, tx, serviceIDs)
	if err != nil {
		return nil, err
	}
	var w where
	w.add("d.day >= ? AND d.day < ?", from.Format(DayLayout), to.Format(DayLayout))
	inIDs(&w, "o.service_id", serviceIDs)
	rows, err := tx.QueryContext(ctx, `SELECT d.slo_id, d.day, d.good, d.total
		FROM sli_daily d JOIN slos o ON o.id = d.slo_id`+w.sql()+` ORDER BY d.day, d.slo_id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: load sli days: %w", err)
	}
	defer rows.Close()
	// The days repeat on every SLO: each distinct one is parsed once, from
	// bytes valid until the next row.
	var (
		out  []analytics.SLIDay
		days = map[string]time.Time{}
		day  sql.RawBytes
	)
	for rows.Next() {
		var d analytics.SLIDay
		if err := rows.Scan(&d.SLOID, &day, &d.Good, &d.Total); err != nil {
			return nil, fmt.Errorf("store: scan: %w", err)
		}
		o, ok := slos[d.SLOID]
		if !ok {
			continue // an SLO of no service, which the join of its service would drop
		}
		d.ServiceID, d.Service, d.SLO, d.Objective = o.ServiceID, o.Service, o.SLO, o.Objective
		t, ok := days[string(day)]
		if !ok {
			if t, err = time.Parse(DayLayout, string(day)); err != nil {
				return nil, fmt.Errorf("store: scan: %w", err)
			}
			days[string(day)] = t
		}
		d.Day = t
		out = append(out, d)
	}
	return out, rows.Err()
}

// sloNames returns the services' SLOs (nil = all) by id, with their
// service's id and name and their objective: the fields an SLIDay
// repeats.
func sloNames(ctx context.Context, q querier, serviceIDs []int64) (map[int64]analytics.SLIDay, error) {
	var w where
	inIDs(&w, "o.service_id", serviceIDs)
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.service_id, s.name, o.name, o.objective
		FROM slos o JOIN services s ON s.id = o.service_id`+w.sql(), w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: load slos: %w", err)
	}
	defer rows.Close()
	out := map[int64]analytics.SLIDay{}
	for rows.Next() {
		var o analytics.SLIDay
		if err := rows.Scan(&o.SLOID, &o.ServiceID, &o.Service, &o.SLO, &o.Objective); err != nil {
			return nil, fmt.Errorf("store: scan: %w", err)
		}
		out[o.SLOID] = o
	}
	return out, rows.Err()
}

// ToilInRange returns toil weeks starting in [from, to) for the teams (nil = all).
func (s *Store) ToilInRange(ctx context.Context, teamIDs []int64, from, to time.Time) ([]analytics.ToilWeek, error) {
	var w where
	w.add("e.week_start >= ? AND e.week_start < ?", from.Format(DayLayout), to.Format(DayLayout))
	inIDs(&w, "e.team_id", teamIDs)
	rows, err := s.db.QueryContext(ctx, `SELECT e.team_id, t.name, e.week_start, e.toil_hours, e.total_hours, e.note
		FROM toil_entries e JOIN teams t ON t.id = e.team_id`+w.sql()+` ORDER BY e.week_start, e.team_id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: load toil: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, func(sc interface{ Scan(...any) error }) (analytics.ToilWeek, error) {
		var tw analytics.ToilWeek
		var week string
		if err := sc.Scan(&tw.TeamID, &tw.Team, &week, &tw.ToilHours, &tw.TotalHours, &tw.Note); err != nil {
			return tw, err
		}
		t, err := time.Parse(DayLayout, week)
		tw.WeekStart = t
		return tw, err
	})
}

// actionItemCols selects effective values (see itemDue, itemClosed, actionItemFrom).
const actionItemCols = `a.id, a.incident_id, a.service_id, s.name, COALESCE(ao.title, a.title), COALESCE(ao.owner, a.owner),
	` + itemDue + `, ` + itemClosed + `, COALESCE(ao.url, a.url), a.source, a.external_id`

func scanActionItem(sc interface{ Scan(...any) error }) (analytics.ActionItem, error) {
	var (
		a          analytics.ActionItem
		inc        sql.NullInt64
		due, close sql.NullString
	)
	if err := sc.Scan(&a.ID, &inc, &a.ServiceID, &a.Service, &a.Title, &a.Owner, &due, &close, &a.URL, &a.Source, &a.ExternalID); err != nil {
		return a, err
	}
	if inc.Valid {
		id := inc.Int64
		a.IncidentID = &id
	}
	var err error
	if a.DueAt, err = parseNullTime(due); err != nil {
		return a, err
	}
	a.ClosedAt, err = parseNullTime(close)
	return a, err
}

// ActionItemsInRange returns action items due in r for the services (nil = all).
func (s *Store) ActionItemsInRange(ctx context.Context, serviceIDs []int64, r TimeRange) ([]analytics.ActionItem, error) {
	var w where
	ListFilter{Range: r}.scope(&w, "a.service_id", itemDue)
	inIDs(&w, "a.service_id", serviceIDs)
	rows, err := s.db.QueryContext(ctx, `SELECT `+actionItemCols+actionItemFrom+w.sql()+` ORDER BY `+itemDue+`, a.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: load action items: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, scanActionItem)
}

// ActionItemsForIncident returns an incident's action items.
func (s *Store) ActionItemsForIncident(ctx context.Context, incidentID int64) ([]analytics.ActionItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+actionItemCols+actionItemFrom+` WHERE a.incident_id = ? ORDER BY `+itemDue+`, a.id`, incidentID)
	if err != nil {
		return nil, fmt.Errorf("store: load action items of incident %d: %w", incidentID, err)
	}
	defer rows.Close()
	return collectAll(rows, scanActionItem)
}

// KPIInput loads every record the KPI engine needs for services (nil = all)
// within the per-kind windows (analytics.Settings.LoadWindows).
func (s *Store) KPIInput(ctx context.Context, services []analytics.Service, w analytics.LoadWindows) (analytics.Input, error) {
	return s.kpiInput(ctx, services, w, true)
}

// KPIInputLean is KPIInput without the display fields of deploys and pages
// (service name, version, source ids, URLs, titles) that only evidence
// labels use: the same KPIs and counts by source (analytics.CountsBySource)
// from fewer columns and allocations, for scorecards, charts and reports.
func (s *Store) KPIInputLean(ctx context.Context, services []analytics.Service, w analytics.LoadWindows) (analytics.Input, error) {
	return s.kpiInput(ctx, services, w, false)
}

func (s *Store) kpiInput(ctx context.Context, services []analytics.Service, w analytics.LoadWindows, full bool) (analytics.Input, error) {
	var ids, teams []int64
	if services != nil {
		ids = make([]int64, 0, len(services))
		seen := map[int64]bool{}
		teams = []int64{}
		for _, sv := range services {
			ids = append(ids, sv.ID)
			if sv.TeamID != 0 && !seen[sv.TeamID] {
				seen[sv.TeamID] = true
				teams = append(teams, sv.TeamID)
			}
		}
	}
	in := analytics.Input{Services: services}
	rest := TimeRange{From: w.Rest.From, To: w.Rest.To}
	// The kinds load concurrently on the reader pool: most of the time is
	// spent stepping rows in cgo, which runs in parallel across cores.
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		in.Incidents, err = s.packedIncidents(gctx, ids, TimeRange{From: w.Incidents.From, To: w.Incidents.To})
		return err
	})
	g.Go(func() (err error) {
		r := TimeRange{From: w.Deploys.From, To: w.Deploys.To}
		if full {
			in.Deploys, err = s.DeploysInRange(gctx, ids, r)
		} else {
			in.Deploys, err = s.packedDeploys(gctx, ids, r)
		}
		return err
	})
	g.Go(func() (err error) {
		if full {
			in.Pages, err = s.PagesInRange(gctx, ids, rest)
		} else {
			in.Pages, err = s.packedPages(gctx, ids, rest)
		}
		return err
	})
	g.Go(func() (err error) {
		if in.ActionItems, err = s.ActionItemsInRange(gctx, ids, rest); err != nil {
			return err
		}
		in.ActionItems, err = s.addOverdueItems(gctx, in.ActionItems, ids, w.Overdue)
		return err
	})
	// Civil dates are stored as YYYY-MM-DD; the Rest window already has a
	// day of margin each side, and toil weeks start up to 6 days earlier.
	// The SLI days load on their own: after the action items they were the
	// longest of the loads.
	g.Go(func() (err error) {
		in.SLIDays, err = s.SLIDaysInRange(gctx, ids, rest.From, rest.To)
		return err
	})
	g.Go(func() (err error) {
		in.Toil, err = s.ToilInRange(gctx, teams, rest.From.AddDate(0, 0, -7), rest.To)
		return err
	})
	g.Go(func() (err error) {
		in.People, err = s.ResponderPeople(gctx)
		return err
	})
	g.Go(func() error {
		sc := programScope{ids: ids, teams: teams}
		sc.from, sc.to = monthsOf(rest)
		return s.programInput(gctx, sc, &in)
	})
	if ids != nil {
		// Incidents of services outside the scope that name a deploy inside it.
		g.Go(func() (err error) {
			in.LinkIncidents, err = s.linkingIncidents(gctx, ids, TimeRange{From: w.Incidents.From, To: w.Incidents.To})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return analytics.Input{}, err
	}
	return in, nil
}

// linkingIncidents returns incidents detected in r, of services not in ids,
// that explicitly name a deploy of one of the services in ids.
func (s *Store) linkingIncidents(ctx context.Context, ids []int64, r TimeRange) ([]analytics.Incident, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var w where
	detectedIn(&w, r)
	var notIn, deployIn where
	inIDs(&notIn, "i.service_id", ids)
	inIDs(&deployIn, "service_id", ids)
	w.add("NOT "+notIn.conds[0], notIn.args...)
	// One primary-key look-up per incident of the window rather than the
	// list of every deploy the services ever had (50 ms → 2 ms for 23 of
	// 24 services at scale 10).
	w.add("EXISTS (SELECT 1 FROM deploys WHERE id = COALESCE(o.caused_by_deploy_id, i.caused_by_deploy_id) AND "+deployIn.conds[0]+")", deployIn.args...)
	rows, err := s.db.QueryContext(ctx, `SELECT `+incidentCols+incidentFrom+w.sql()+` ORDER BY `+effectiveDetected+`, i.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: load linking incidents: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, scanIncident)
}

// addOverdueItems appends to items, once each, the action items of the
// services (nil = all) that can be overdue at an instant of w: due before
// w.To and not closed by w.From, whatever the due date (LoadWindows.Overdue).
func (s *Store) addOverdueItems(ctx context.Context, items []analytics.ActionItem, serviceIDs []int64, w analytics.Window) ([]analytics.ActionItem, error) {
	if w.To.IsZero() {
		return items, nil
	}
	var wh where
	wh.add(itemDue+" < ?", FormatTime(w.To))
	wh.add("("+itemClosed+" IS NULL OR "+itemClosed+" > ?)", FormatTime(w.From))
	inIDs(&wh, "a.service_id", serviceIDs)
	rows, err := s.db.QueryContext(ctx, `SELECT `+actionItemCols+actionItemFrom+wh.sql()+` ORDER BY `+itemDue+`, a.id`, wh.args...)
	if err != nil {
		return nil, fmt.Errorf("store: load overdue action items: %w", err)
	}
	defer rows.Close()
	open, err := collectAll(rows, scanActionItem)
	if err != nil {
		return nil, fmt.Errorf("store: load overdue action items: %w", err)
	}
	seen := make(map[int64]bool, len(items))
	for _, a := range items {
		seen[a.ID] = true
	}
	for _, a := range open {
		if !seen[a.ID] {
			items = append(items, a)
		}
	}
	return items, nil
}

// OpenActionItems returns a service's action items that are not closed, oldest due first.
func (s *Store) OpenActionItems(ctx context.Context, serviceID int64) ([]analytics.ActionItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+actionItemCols+actionItemFrom+`
		WHERE a.service_id = ? AND `+itemClosed+` IS NULL ORDER BY `+itemDue+` IS NULL, `+itemDue+`, a.id`, serviceID)
	if err != nil {
		return nil, fmt.Errorf("store: load open action items of service %d: %w", serviceID, err)
	}
	defer rows.Close()
	return collectAll(rows, scanActionItem)
}

// interner keeps one copy of each distinct string scanned: a column of a
// few repeated values (a source, an environment, a responder) then costs
// one allocation per value, not one per row.
type interner map[string]string

func (n *interner) of(b []byte) string {
	if *n == nil {
		*n = interner{}
	}
	if s, ok := (*n)[string(b)]; ok {
		return s
	}
	s := string(b)
	(*n)[s] = s
	return s
}
