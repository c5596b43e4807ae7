package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"sreport/analytics"
)

// effectiveDetected and effectiveResolved are an incident's detection and
// resolution as the KPIs use them: the user's correction, else the import.
const (
	effectiveDetected = "COALESCE(o.detected_at, i.detected_at)"
	effectiveResolved = "COALESCE(o.resolved_at, i.resolved_at)"
)

// incidentCols selects an incident's effective values: a user's override
// wins over the imported value, which stays untouched in incidents.
const incidentCols = `i.id, i.source, i.external_id, i.service_id, s.name, i.title,
	COALESCE(o.severity, i.severity), i.severity_raw, i.status,
	COALESCE(o.customer_impacting, i.customer_impacting),
	COALESCE(o.started_at, i.started_at), ` + effectiveDetected + `, COALESCE(o.acknowledged_at, i.acknowledged_at),
	COALESCE(o.mitigated_at, i.mitigated_at), ` + effectiveResolved + `,
	i.root_cause, i.category, i.problem_ref, COALESCE(o.fingerprint, ''), i.caused_by_ref,
	COALESCE(o.caused_by_deploy_id, i.caused_by_deploy_id),
	COALESCE(o.not_deploy_related, 0), COALESCE(o.inferred_link_rejected, 0),
	COALESCE(o.postmortem_due_at, i.postmortem_due_at),
	COALESCE(o.postmortem_published_at, i.postmortem_published_at),
	COALESCE(o.postmortem_url, i.postmortem_url), i.url, i.postmortem_tracked, i.responders`

const incidentFrom = ` FROM incidents i JOIN services s ON s.id = i.service_id
	LEFT JOIN incident_overrides o ON o.incident_id = i.id`

func scanIncident(sc interface{ Scan(...any) error }) (analytics.Incident, error) {
	var (
		in                                      analytics.Incident
		started, ack, mitig, resolved, due, pub sql.NullString
		detected                                string
		cust, notDeploy, rejected, tracked      int
		causedBy                                sql.NullInt64
		responders                              string
	)
	err := sc.Scan(&in.ID, &in.Source, &in.ExternalID, &in.ServiceID, &in.Service, &in.Title,
		&in.Severity, &in.SeverityRaw, &in.Status, &cust,
		&started, &detected, &ack, &mitig, &resolved,
		&in.RootCause, &in.Category, &in.ProblemRef, &in.Fingerprint, &in.CausedByRef,
		&causedBy, &notDeploy, &rejected, &due, &pub, &in.PostmortemURL, &in.URL, &tracked, &responders)
	if err != nil {
		return in, err
	}
	if in.Responders, err = decodeResponders(responders); err != nil {
		return in, fmt.Errorf("incident %d: %w", in.ID, err)
	}
	in.CustomerImpacting = cust != 0
	in.NotDeployRelated = notDeploy != 0
	in.InferredLinkRejected = rejected != 0
	in.PostmortemTracked = tracked != 0
	if causedBy.Valid {
		id := causedBy.Int64
		in.CausedByDeployID = &id
	}
	if in.DetectedAt, err = ParseTime(detected); err != nil {
		return in, fmt.Errorf("incident %d detected_at: %w", in.ID, err)
	}
	for _, p := range []struct {
		src sql.NullString
		dst **time.Time
	}{{started, &in.StartedAt}, {ack, &in.AcknowledgedAt}, {mitig, &in.MitigatedAt}, {resolved, &in.ResolvedAt},
		{due, &in.PostmortemDueAt}, {pub, &in.PostmortemPublishedAt}} {
		if *p.dst, err = parseNullTime(p.src); err != nil {
			return in, fmt.Errorf("incident %d: %w", in.ID, err)
		}
	}
	return in, nil
}

var incidentSorts = []sortKey{
	{name: "detected", column: effectiveDetected},
	{name: "severity", column: "COALESCE(o.severity, i.severity)", isInt: true},
	{name: "title", column: "i.title"},
}

// Incidents returns one page of incidents matching f.
func (s *Store) Incidents(ctx context.Context, f ListFilter) (Page[analytics.Incident], error) {
	var w where
	scopeIncidents(&w, f)
	if f.Severity != 0 {
		w.add("COALESCE(o.severity, i.severity) = ?", f.Severity)
	}
	switch f.Status {
	case "open":
		w.add(effectiveResolved + " IS NULL")
	case "resolved":
		w.add(effectiveResolved + " IS NOT NULL")
	}
	k := pickSort(incidentSorts, f.Sort)
	tail, limit, err := applyKeyset(&w, k, f, "i.id")
	if err != nil {
		return Page[analytics.Incident]{}, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+incidentCols+`, `+k.column+incidentFrom+w.sql()+tail, w.args...)
	if err != nil {
		return Page[analytics.Incident]{}, fmt.Errorf("store: load incidents: %w", err)
	}
	defer rows.Close()
	return collectPage(rows, limit, scanIncident, func(in analytics.Incident) int64 { return in.ID })
}

// IncidentByID returns one incident or ErrNotFound.
func (s *Store) IncidentByID(ctx context.Context, id int64) (analytics.Incident, error) {
	in, err := scanIncident(s.db.QueryRowContext(ctx, `SELECT `+incidentCols+incidentFrom+` WHERE i.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return in, ErrNotFound
	}
	if err != nil {
		return in, fmt.Errorf("store: load incident %d: %w", id, err)
	}
	return in, nil
}

// IncidentsInRange returns every incident detected in r for the given services (nil = all), oldest first.
func (s *Store) IncidentsInRange(ctx context.Context, serviceIDs []int64, r TimeRange) ([]analytics.Incident, error) {
	return incidentsInRange(ctx, s.db, serviceIDs, r)
}

// incidentsInRange is IncidentsInRange on q (packedIncidents reads the
// same from record days).
func incidentsInRange(ctx context.Context, q querier, serviceIDs []int64, r TimeRange) ([]analytics.Incident, error) {
	var w where
	detectedIn(&w, r)
	inIDs(&w, "i.service_id", serviceIDs)
	rows, err := q.QueryContext(ctx, `SELECT `+incidentCols+incidentFrom+w.sql()+` ORDER BY `+effectiveDetected+`, i.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: load incidents: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, scanIncident)
}

// scopeIncidents is ListFilter.scope for a query over incidentFrom, with
// the period applied to the effective detection time.
func scopeIncidents(w *where, f ListFilter) {
	r := f.Range
	f.Range = TimeRange{}
	f.scope(w, "i.service_id", "")
	detectedIn(w, r)
}

// detectedIn restricts a query over incidentFrom to incidents whose
// effective detection lies in r. An imported time in r, or a corrected one
// in r, is a superset the indexes on both tables find; the effective time
// then decides, so an incident whose detection was moved out of r is left
// out and one moved into r is found.
func detectedIn(w *where, r TimeRange) {
	if r.From.IsZero() && r.To.IsZero() {
		return
	}
	from, to := r.bounds()
	detectedBetween(w, from, to)
}

// detectedBetween is detectedIn for text bounds [from, to).
func detectedBetween(w *where, from, to string) {
	w.add(`(i.detected_at >= ? AND i.detected_at < ?
		OR i.id IN (SELECT incident_id FROM incident_overrides WHERE detected_at >= ? AND detected_at < ?))`, from, to, from, to)
	w.add(effectiveDetected+" >= ? AND "+effectiveDetected+" < ?", from, to)
}

// scanAppend scans a row whose last column is the sort key used for the cursor.
type scanAppend struct {
	rows *sql.Rows
	key  *any
}

func (s scanAppend) Scan(dst ...any) error {
	return s.rows.Scan(append(dst, s.key)...)
}

// inIDs restricts col to ids; the placeholders are generated, the ids bound.
func inIDs(w *where, col string, ids []int64) {
	if ids == nil {
		return
	}
	if len(ids) == 0 {
		w.add("0")
		return
	}
	ph := make([]byte, 0, len(ids)*2)
	args := make([]any, len(ids))
	for i, id := range ids {
		if i > 0 {
			ph = append(ph, ',')
		}
		ph = append(ph, '?')
		args[i] = id
	}
	w.add(col+" IN ("+string(ph)+")", args...)
}

// IncidentsCausedBy returns the incidents explicitly linked to a deploy.
func (s *Store) IncidentsCausedBy(ctx context.Context, deployID int64) ([]analytics.Incident, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+incidentCols+incidentFrom+`
		WHERE (i.caused_by_deploy_id = ? OR i.id IN (SELECT incident_id FROM incident_overrides WHERE caused_by_deploy_id = ?))
		AND COALESCE(o.caused_by_deploy_id, i.caused_by_deploy_id) = ? ORDER BY `+effectiveDetected+`, i.id`, deployID, deployID, deployID)
	if err != nil {
		return nil, fmt.Errorf("store: load incidents of deploy %d: %w", deployID, err)
	}
	defer rows.Close()
	return collectAll(rows, scanIncident)
}
