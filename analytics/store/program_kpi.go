package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sreport/analytics"
)

// The program KPIs' records for the engine (analytics/program.go). They are
// a few hundred rows per organisation, so each loads whole for its scope:
// the engine picks the period's. The monthly ones (capacity samples and
// costs) load only for the months of the load's window: a scorecard of one
// month read eighteen months of them.

type programScope struct {
	ids, teams []int64 // nil = all
	// from and to are the first and last month (YYYY-MM) of the monthly
	// records; "" = unbounded.
	from, to string
}

// monthsOf returns the months (YYYY-MM) holding every month a period whose
// Rest window is r counts (analytics: inMonths, by the civil date of the
// month's start in the period's zone). r has a day of margin each side,
// wider than any zone's offset, so its ends in UTC lie in or beyond those
// months. An open end is unbounded.
func monthsOf(r TimeRange) (from, to string) {
	if !r.From.IsZero() {
		from = r.From.UTC().Format("2006-01")
	}
	if !r.To.IsZero() {
		to = r.To.UTC().Format("2006-01")
	}
	return from, to
}

// months adds sc's month bounds on col to w.
func (sc programScope) months(w *where, col string) {
	if sc.from != "" {
		w.add(col+" >= ?", sc.from)
	}
	if sc.to != "" {
		w.add(col+" <= ?", sc.to)
	}
}

// programInput loads every program record of the scope into in.
func (s *Store) programInput(ctx context.Context, sc programScope, in *analytics.Input) error {
	var err error
	if in.Readiness, err = s.readiness(ctx, sc.ids); err != nil {
		return err
	}
	if in.DRTests, err = s.drTests(ctx, sc.ids); err != nil {
		return err
	}
	if in.ToilTasks, err = s.toilTasks(ctx, sc.teams); err != nil {
		return err
	}
	if in.Capacity, err = s.capacitySamples(ctx, sc); err != nil {
		return err
	}
	if in.Costs, err = s.costEntries(ctx, sc); err != nil {
		return err
	}
	in.Stakeholder, err = s.stakeholderScores(ctx)
	return err
}

func nullDate(ns sql.NullString) (*time.Time, error) {
	if !ns.Valid || ns.String == "" {
		return nil, nil
	}
	t, err := time.Parse(DayLayout, ns.String)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func nullFloat(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	v := n.Float64
	return &v
}

// readiness returns one readiness record per service of the scope, with
// HasSLO derived, whether or not a record was entered.
func (s *Store) readiness(ctx context.Context, ids []int64) ([]analytics.ServiceReadiness, error) {
	var w where
	inIDs(&w, "s.id", ids)
	rows, err := s.db.QueryContext(ctx, `SELECT s.id, s.name, EXISTS (SELECT 1 FROM slos o WHERE o.service_id = s.id),
		COALESCE(r.dashboard_url, ''), COALESCE(r.runbook_url, ''), COALESCE(r.oncall_rotation, ''), r.prr_date,
		COALESCE(r.prr_result, ''), COALESCE(r.dr_plan_url, ''), r.rto_minutes, r.rpo_minutes
		FROM services s LEFT JOIN service_readiness r ON r.service_id = s.id`+w.sql()+` ORDER BY s.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: load readiness: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, func(sc interface{ Scan(...any) error }) (analytics.ServiceReadiness, error) {
		var (
			r        analytics.ServiceReadiness
			prr      sql.NullString
			rto, rpo sql.NullFloat64
		)
		if err := sc.Scan(&r.ServiceID, &r.Service, &r.HasSLO, &r.DashboardURL, &r.RunbookURL, &r.OnCallRotation, &prr,
			&r.PRRResult, &r.DRPlanURL, &rto, &rpo); err != nil {
			return r, err
		}
		r.RTOMinutes, r.RPOMinutes = nullFloat(rto), nullFloat(rpo)
		var err error
		r.PRRDate, err = nullDate(prr)
		return r, err
	})
}

func (s *Store) drTests(ctx context.Context, ids []int64) ([]analytics.DRTest, error) {
	var w where
	inIDs(&w, "t.service_id", ids)
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.service_id, s.name, t.tested_on, t.kind, t.rto_target_minutes,
		t.rto_achieved_minutes, t.rpo_target_minutes, t.rpo_achieved_minutes, t.result, COALESCE(t.evidence_url, '')
		FROM dr_tests t JOIN services s ON s.id = t.service_id`+w.sql()+` ORDER BY t.tested_on, t.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: load dr tests: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, func(sc interface{ Scan(...any) error }) (analytics.DRTest, error) {
		var (
			t                      analytics.DRTest
			day, result            string
			rtoT, rtoA, rpoT, rpoA sql.NullFloat64
		)
		if err := sc.Scan(&t.ID, &t.ServiceID, &t.Service, &day, &t.Kind, &rtoT, &rtoA, &rpoT, &rpoA, &result, &t.EvidenceURL); err != nil {
			return t, err
		}
		t.RTOTarget, t.RTOAchieved, t.RPOTarget, t.RPOAchieved = nullFloat(rtoT), nullFloat(rtoA), nullFloat(rpoT), nullFloat(rpoA)
		t.Passed = result == "pass"
		var err error
		t.Date, err = time.Parse(DayLayout, day)
		return t, err
	})
}

func (s *Store) toilTasks(ctx context.Context, teams []int64) ([]analytics.ToilTask, error) {
	var w where
	inIDs(&w, "t.team_id", teams)
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.team_id, m.name, t.task, t.runs_per_week, t.minutes_per_run, t.automated_since
		FROM toil_tasks t JOIN teams m ON m.id = t.team_id`+w.sql()+` ORDER BY t.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: load toil tasks: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, func(sc interface{ Scan(...any) error }) (analytics.ToilTask, error) {
		var (
			t    analytics.ToilTask
			auto sql.NullString
		)
		if err := sc.Scan(&t.ID, &t.TeamID, &t.Team, &t.Task, &t.RunsPerWeek, &t.MinutesPerRun, &auto); err != nil {
			return t, err
		}
		var err error
		t.AutomatedSince, err = nullDate(auto)
		return t, err
	})
}

func monthStart(s string) (time.Time, error) { return time.Parse("2006-01", s) }

func (s *Store) capacitySamples(ctx context.Context, sc programScope) ([]analytics.CapacitySample, error) {
	var w where
	inIDs(&w, "c.service_id", sc.ids)
	sc.months(&w, "c.month")
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.service_id, s.name, c.month, c.resource, c.peak_pct, c.safe_pct
		FROM capacity_samples c JOIN services s ON s.id = c.service_id`+w.sql()+` ORDER BY c.month, c.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: load capacity: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, func(sc interface{ Scan(...any) error }) (analytics.CapacitySample, error) {
		var (
			c     analytics.CapacitySample
			month string
		)
		if err := sc.Scan(&c.ID, &c.ServiceID, &c.Service, &month, &c.Resource, &c.PeakPct, &c.SafePct); err != nil {
			return c, err
		}
		var err error
		c.Month, err = monthStart(month)
		return c, err
	})
}

// costEntries returns the scope's services' costs and its teams' own.
func (s *Store) costEntries(ctx context.Context, sc programScope) ([]analytics.CostEntry, error) {
	var w where
	if sc.ids != nil {
		var svc, team where
		inIDs(&svc, "e.service_id", sc.ids)
		inIDs(&team, "e.team_id", sc.teams)
		w.add("("+strings.Join(svc.conds, "")+" OR (e.service_id IS NULL AND "+strings.Join(team.conds, "")+"))",
			append(svc.args, team.args...)...)
	}
	sc.months(&w, "e.month")
	rows, err := s.db.QueryContext(ctx, `SELECT e.id, COALESCE(e.service_id, 0), COALESCE(s.name, ''),
		COALESCE(e.team_id, s.team_id, 0), COALESCE(m.name, ''), e.month, e.category, e.cost, e.units, COALESCE(e.unit_name, '')
		FROM cost_entries e LEFT JOIN services s ON s.id = e.service_id
		LEFT JOIN teams m ON m.id = COALESCE(e.team_id, s.team_id)`+w.sql()+` ORDER BY e.month, e.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: load cost: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, func(sc interface{ Scan(...any) error }) (analytics.CostEntry, error) {
		var (
			e     analytics.CostEntry
			month string
			units sql.NullFloat64
		)
		if err := sc.Scan(&e.ID, &e.ServiceID, &e.Service, &e.TeamID, &e.Team, &month, &e.Category, &e.Cost, &units, &e.UnitName); err != nil {
			return e, err
		}
		e.Units = nullFloat(units)
		var err error
		e.Month, err = monthStart(month)
		return e, err
	})
}

func (s *Store) stakeholderScores(ctx context.Context) ([]analytics.StakeholderScore, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, quarter, group_name, score, responses FROM stakeholder_scores ORDER BY quarter, id`)
	if err != nil {
		return nil, fmt.Errorf("store: load stakeholder scores: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, func(sc interface{ Scan(...any) error }) (analytics.StakeholderScore, error) {
		var (
			r analytics.StakeholderScore
			q string
		)
		if err := sc.Scan(&r.ID, &q, &r.Group, &r.Score, &r.Responses); err != nil {
			return r, err
		}
		y, n, ok := strings.Cut(q, "-Q")
		var err1, err2 error
		r.Year, err1 = strconv.Atoi(y)
		r.Quarter, err2 = strconv.Atoi(n)
		if !ok || err1 != nil || err2 != nil {
			return r, fmt.Errorf("stakeholder score %d: quarter %q", r.ID, q)
		}
		return r, nil
	})
}
