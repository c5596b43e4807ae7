package seed

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"sreport/analytics/store"
)

// batchRows is how many rows go into one transaction.
const batchRows = 8000

const (
	stTeam = iota
	stService
	stAlias
	stSLO
	stDeploy
	stIncident
	stPage
	stAction
	stSLI
	stToil
	stRisk
	stRiskService
	stRiskIncident
	stRiskEvent
	stPerson
	stInitiative
	stInitiativeService
	stInitiativeRisk
	stReadiness
	stDRTest
	stToilTask
	stCapacity
	stCost
	stStakeholder
	numStmts
)

var stmtSQL = [numStmts]string{
	stTeam:    `INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)`,
	stService: `INSERT INTO services (id, name, tier, team_id, description, oncall_tz, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
	stAlias:   `INSERT INTO service_aliases (source, alias, service_id) VALUES (?, ?, ?)`,
	stSLO:     `INSERT INTO slos (id, service_id, name, objective, window_days) VALUES (?, ?, ?, ?, ?)`,
	stDeploy: `INSERT INTO deploys (id, source, external_id, service_id, environment, version, started_at, finished_at,
		status, is_rollback, is_hotfix, commit_at, url, perf_regression) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	stIncident: `INSERT INTO incidents (id, source, external_id, service_id, title, severity, severity_raw, status,
		customer_impacting, started_at, detected_at, acknowledged_at, mitigated_at, resolved_at, root_cause, category,
		problem_ref, caused_by_ref, caused_by_deploy_id, postmortem_due_at, postmortem_published_at, postmortem_url, url)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	stPage: `INSERT INTO pages (id, source, external_id, service_id, incident_id, incident_ref, title, urgency,
		triggered_at, acknowledged_at, resolved_at, auto_resolved, actionable, responder) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	stAction: `INSERT INTO action_items (id, incident_id, service_id, title, owner, due_at, closed_at, url, source, external_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	stSLI:  `INSERT INTO sli_daily (slo_id, day, good, total) VALUES (?, ?, ?, ?)`,
	stToil: `INSERT INTO toil_entries (id, team_id, week_start, toil_hours, total_hours, note) VALUES (?, ?, ?, ?, ?, ?)`,
	stRisk: `INSERT INTO risks (id, code, title, description, category, likelihood, impact, residual_likelihood, residual_impact,
		owner, status, mitigation, acceptance_rationale, accepted_by, target_date, next_review_date, version,
		created_at, created_by, updated_at, updated_by, closed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	stRiskService:  `INSERT INTO risk_services (risk_id, service_id) VALUES (?, ?)`,
	stRiskIncident: `INSERT INTO risk_incidents (risk_id, incident_id) VALUES (?, ?)`,
	stRiskEvent:    `INSERT INTO risk_events (id, risk_id, at, actor, field, old_value, new_value, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
	stPerson:       `INSERT INTO oncall_people (name, email, updated_at) VALUES (?, ?, ?)`,
	stInitiative: `INSERT INTO initiatives (id, code, title, description, owner, start_quarter, end_quarter, status, kpi,
		target_kind, target, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	stInitiativeService: `INSERT INTO initiative_services (initiative_id, service_id) VALUES (?, ?)`,
	stInitiativeRisk:    `INSERT INTO initiative_risks (initiative_id, risk_id) VALUES (?, ?)`,
	stReadiness: `INSERT INTO service_readiness (service_id, dashboard_url, runbook_url, oncall_rotation, prr_date, prr_result,
		dr_plan_url, rto_minutes, rpo_minutes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	stDRTest: `INSERT INTO dr_tests (tested_on, service_id, kind, rto_target_minutes, rto_achieved_minutes, rpo_target_minutes,
		rpo_achieved_minutes, result, evidence_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	stToilTask:    `INSERT INTO toil_tasks (team_id, task, runs_per_week, minutes_per_run, automated_since) VALUES (?, ?, ?, ?, ?)`,
	stCapacity:    `INSERT INTO capacity_samples (service_id, month, resource, peak_pct, safe_pct) VALUES (?, ?, ?, ?, ?)`,
	stCost:        `INSERT INTO cost_entries (service_id, team_id, month, category, cost, units, unit_name) VALUES (?, ?, ?, ?, ?, ?, ?)`,
	stStakeholder: `INSERT INTO stakeholder_scores (quarter, group_name, score, responses) VALUES (?, ?, ?, ?)`,
}

// writer streams rows through prepared statements, committing every batchRows rows.
type writer struct {
	ctx   context.Context
	db    *sql.Conn
	tx    *sql.Tx
	stmts [numStmts]*sql.Stmt
	n     int
}

func (w *writer) exec(st int, args ...any) error {
	if w.tx == nil {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		tx, err := w.db.BeginTx(w.ctx, nil)
		if err != nil {
			return fmt.Errorf("seed: begin: %w", err)
		}
		w.tx = tx
	}
	s := w.stmts[st]
	if s == nil {
		var err error
		s, err = w.tx.PrepareContext(w.ctx, stmtSQL[st])
		if err != nil {
			return fmt.Errorf("seed: prepare: %w", err)
		}
		w.stmts[st] = s
	}
	if _, err := s.ExecContext(w.ctx, args...); err != nil {
		return fmt.Errorf("seed: %s: %w", stmtName(st), err)
	}
	w.n++
	if w.n >= batchRows {
		return w.commit()
	}
	return nil
}

func (w *writer) commit() error {
	if w.tx == nil {
		return nil
	}
	for i, s := range w.stmts {
		if s != nil {
			s.Close()
			w.stmts[i] = nil
		}
	}
	err := w.tx.Commit()
	w.tx = nil
	w.n = 0
	if err != nil {
		return fmt.Errorf("seed: commit: %w", err)
	}
	return nil
}

func (w *writer) rollback() {
	if w.tx == nil {
		return
	}
	for i, s := range w.stmts {
		if s != nil {
			s.Close()
			w.stmts[i] = nil
		}
	}
	_ = w.tx.Rollback()
	w.tx = nil
	w.n = 0
}

func stmtName(st int) string {
	return [...]string{"teams", "services", "service_aliases", "slos", "deploys", "incidents", "pages",
		"action_items", "sli_daily", "toil_entries", "risks", "risk_services", "risk_incidents", "risk_events", "oncall_people",
		"initiatives", "initiative_services", "initiative_risks",
		"service_readiness", "dr_tests", "toil_tasks", "capacity_samples", "cost_entries", "stakeholder_scores"}[st]
}

// ts renders unix seconds for storage; 0 means NULL.
func ts(sec int64) any {
	if sec == 0 {
		return nil
	}
	return time.Unix(sec, 0).UTC().Format(store.TimeLayout)
}

func tsStr(sec int64) string { return time.Unix(sec, 0).UTC().Format(store.TimeLayout) }

func day(sec int64) string { return time.Unix(sec, 0).UTC().Format(store.DayLayout) }

func nullInt(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
