package store

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"time"

	"sreport/analytics"
)

// Incident record days hold what IncidentsInRange returns — effective
// (override-applied) values, the service's name, the responders — per
// UTC day of the effective detection time, which the load filters and
// orders by (record_days.go: the triggers on incidents, incident_overrides
// and services that mark their days dirty).

// packedIncidents returns exactly what IncidentsInRange returns, reading
// clean days from their blobs.
func (s *Store) packedIncidents(ctx context.Context, ids []int64, r TimeRange) ([]analytics.Incident, error) {
	return loadDays(ctx, s, dayReader[analytics.Incident]{
		kind:   incidentDays,
		raw:    incidentsInRange,
		days:   incidentsOfDays,
		decode: decodeIncidents,
	}, ids, r)
}

// incidentsOfDay queries the incidents whose effective detection lies in
// the plain day, in IncidentsInRange's order, with w's further conditions
// and the extra columns.
func incidentsOfDay(ctx context.Context, q querier, day, extra string, w where) (*sql.Rows, error) {
	detectedBetween(&w, day, dayEnd(day))
	return q.QueryContext(ctx, `SELECT `+incidentCols+extra+incidentFrom+w.sql()+` ORDER BY `+effectiveDetected+`, i.id`, w.args...)
}

// incidentsOfDays is IncidentsInRange restricted to the plain days, with
// each incident's day.
func incidentsOfDays(ctx context.Context, q querier, serviceIDs []int64, r TimeRange, days []string) ([]analytics.Incident, []string, error) {
	days = slices.Sorted(slices.Values(days))
	var w where
	detectedIn(&w, r)
	inIDs(&w, "i.service_id", serviceIDs)
	var (
		out []analytics.Incident
		of  []string
	)
	for _, day := range days {
		rows, err := incidentsOfDay(ctx, q, day, "", w)
		if err != nil {
			return nil, nil, fmt.Errorf("store: load incidents: %w", err)
		}
		got, err := collectAll(rows, scanIncident)
		rows.Close()
		if err != nil {
			return nil, nil, err
		}
		out = append(out, got...)
		for range got {
			of = append(of, day)
		}
	}
	return out, of, nil
}

// scanPlus scans a row of incidentCols followed by extra columns.
type scanPlus struct {
	rows  *sql.Rows
	extra []any
}

func (s scanPlus) Scan(dst ...any) error { return s.rows.Scan(append(dst, s.extra...)...) }

// packIncidentDay loads day's incidents as IncidentsInRange does and
// packs them; the blob is nil when they cannot be packed exactly.
func packIncidentDay(ctx context.Context, tx *sql.Tx, day string) (int, []byte, error) {
	rows, err := incidentsOfDay(ctx, tx, day, `, `+effectiveDetected, where{})
	if err != nil {
		return 0, nil, fmt.Errorf("store: pack incidents of %s: %w", day, err)
	}
	defer rows.Close()
	var (
		detected []byte
		ins      []analytics.Incident
	)
	exact := true
	for rows.Next() {
		in, err := scanIncident(scanPlus{rows, []any{&detected}})
		// The load filters and orders by the stored text of the
		// detection, the blob by its second: only the canonical layout
		// agrees. The other times need only come back equal.
		exact = exact && err == nil && canonicalTime(string(detected))
		ins = append(ins, in)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("store: pack incidents of %s: %w", day, err)
	}
	if !exact || len(ins) == 0 {
		return len(ins), nil, nil
	}
	blob := encodeIncidents(ins)
	var sl daySlabs
	back, err := decodeIncidents(blob, &everything, &sl, nil)
	if err != nil || !reflect.DeepEqual(back, ins) {
		return len(ins), nil, nil
	}
	return len(ins), blob, nil
}

const (
	incCustomer = 1 << iota
	incNotDeploy
	incRejected
	incTracked
	incCausedBy
	incStarted
	incAck
	incMitigated
	incResolved
	incDue
	incPublished
)

// incidentTimes are an incident's optional times, in their flags' order.
func incidentTimes(in *analytics.Incident) [6]**time.Time {
	return [6]**time.Time{&in.StartedAt, &in.AcknowledgedAt, &in.MitigatedAt, &in.ResolvedAt, &in.PostmortemDueAt, &in.PostmortemPublishedAt}
}

// incidentStrings are an incident's text fields, in the blob's order.
func incidentStrings(in *analytics.Incident) [13]*string {
	return [13]*string{&in.Source, &in.ExternalID, &in.Service, &in.Title, &in.SeverityRaw, &in.Status, &in.RootCause,
		&in.Category, &in.ProblemRef, &in.Fingerprint, &in.CausedByRef, &in.PostmortemURL, &in.URL}
}

// encodeIncidents packs a day's incidents, given in IncidentsInRange's
// order: per record the head, the text fields as string indexes, the
// severity, the responder list, a uvarint of flags, the deploy link and
// the optional times as deltas from the detection.
func encodeIncidents(ins []analytics.Incident) []byte {
	var (
		e     dayEncoder
		lists responderLists
	)
	for i := range ins {
		in := &ins[i]
		li := lists.of(&e, in.Responders)
		sec := in.DetectedAt.Unix()
		e.head(in.ID, in.ServiceID, sec)
		for _, p := range incidentStrings(in) {
			e.uvarint(e.str(*p))
		}
		e.varint(int64(in.Severity))
		e.uvarint(li)
		var f uint64
		for _, b := range [...]struct {
			on  bool
			bit uint64
		}{{in.CustomerImpacting, incCustomer}, {in.NotDeployRelated, incNotDeploy}, {in.InferredLinkRejected, incRejected},
			{in.PostmortemTracked, incTracked}, {in.CausedByDeployID != nil, incCausedBy}} {
			if b.on {
				f |= b.bit
			}
		}
		times := incidentTimes(in)
		for j, p := range times {
			if *p != nil {
				f |= incStarted << j
			}
		}
		e.uvarint(f)
		if in.CausedByDeployID != nil {
			e.varint(*in.CausedByDeployID)
		}
		for _, p := range times {
			if *p != nil {
				e.varint((*p).Unix() - sec)
			}
		}
	}
	return e.blob(lists.bytes(), len(ins))
}

// decodeIncidents appends the incidents of blob that f keeps to out.
func decodeIncidents(blob []byte, f *dayFilter, sl *daySlabs, out []analytics.Incident) ([]analytics.Incident, error) {
	d := dayDecoder{b: blob}
	d.start()
	lists, ok := d.responderLists()
	if !ok {
		return out, errBadRecordDay
	}
	n := d.uvarint()
	var (
		in    analytics.Incident
		delta [6]int64
	)
	for i := uint64(0); i < n && !d.bad; i++ {
		id, service, sec := d.head()
		in = analytics.Incident{ID: id, ServiceID: service, DetectedAt: unixUTC(sec)}
		for _, p := range incidentStrings(&in) {
			*p = d.str()
		}
		in.Severity = int(d.varint())
		li := d.uvarint()
		fl := d.uvarint()
		var caused int64
		if fl&incCausedBy != 0 {
			caused = d.varint()
		}
		for j := range delta {
			if fl&(incStarted<<j) != 0 {
				delta[j] = d.varint()
			}
		}
		if li >= uint64(len(lists)) {
			d.bad = true
		}
		if d.bad || !f.keep(service, sec) {
			continue
		}
		in.CustomerImpacting, in.NotDeployRelated = fl&incCustomer != 0, fl&incNotDeploy != 0
		in.InferredLinkRejected, in.PostmortemTracked = fl&incRejected != 0, fl&incTracked != 0
		if fl&incCausedBy != 0 {
			in.CausedByDeployID = sl.ids.ptr(caused)
		}
		for j, p := range incidentTimes(&in) {
			if fl&(incStarted<<j) != 0 {
				*p = sl.times.ptr(unixUTC(sec + delta[j]))
			}
		}
		in.Responders = copyResponders(lists[li])
		out = append(out, in)
	}
	if d.bad || len(d.b) != 0 {
		return out, errBadRecordDay
	}
	return out, nil
}
