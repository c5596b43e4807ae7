package connectors

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"sreport/analytics/imports"
)

// PagerDuty REST API v2: incidents by creation time, each with its log
// entries embedded, mapped by the pagerduty-api importer (the same shape
// as a {"incidents":[…]} export with log_entries). Incidents still open in
// sreport are read again by id on every run, because their creation time
// never brings them back (as DevLake's collector does).
func init() { builders[PagerDuty] = newPagerDuty }

const (
	pdLimit = 100
	// PagerDuty refuses offset+limit above 10,000 ("Offset+limit exceeds
	// maximum allowed value of 10000") and since/until ranges over 6 months.
	pdMaxOffset = 10000
	pdWindow    = 30 * 24 * time.Hour
)

type pagerDuty struct{ e *env }

// pdInclude expands an incident's assignees and acknowledgers into whole
// users, whose e-mails let the importer merge each responder with the same
// person in other sources (the log entries' user references carry only a
// name).
var pdInclude = []string{"assignees", "acknowledgers"}

func newPagerDuty(e *env) ([]stream, error) {
	e.c.auth = func(h http.Header) { h.Set("Authorization", "Token token="+e.cred) }
	e.c.header.Set("Accept", "application/vnd.pagerduty+json;version=2")
	pd := &pagerDuty{e}
	return []stream{
		&windowStream{name: "incidents", since: e.since, now: e.now, window: pdWindow, limit: pdLimit, maxOffset: pdMaxOffset, fetch: pd.window},
		&refreshStream{name: "open incidents", per: 20, fetch: pd.refresh,
			list: func(ctx context.Context) ([]string, error) { return e.openRecords(ctx, "pagerduty", "incidents") }},
	}, nil
}

// pdIncident is the part of an incident the connector itself reads.
type pdIncident struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
}

func (p *pagerDuty) window(ctx context.Context, from, to time.Time, offset int) (windowPage, error) {
	q := url.Values{"since": {from.UTC().Format(time.RFC3339)}, "until": {to.UTC().Format(time.RFC3339)},
		"sort_by": {"created_at:asc"}, "time_zone": {"UTC"}, "limit": {strconv.Itoa(pdLimit)}, "offset": {strconv.Itoa(offset)},
		"include[]": pdInclude}
	for _, id := range p.e.set.ServiceIDs {
		q.Add("service_ids[]", id)
	}
	for _, id := range p.e.set.TeamIDs {
		q.Add("team_ids[]", id)
	}
	res, err := p.e.c.get(ctx, "/incidents", q, nil)
	if err != nil {
		return windowPage{}, err
	}
	var body struct {
		Incidents []json.RawMessage `json:"incidents"`
		More      bool              `json:"more"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil {
		return windowPage{}, fmt.Errorf("incidents page: %w", err)
	}
	b, last, err := p.withLogEntries(ctx, body.Incidents)
	if err != nil {
		return windowPage{}, err
	}
	return windowPage{batch: b, n: len(body.Incidents), more: body.More, lastAt: last}, nil
}

// refresh reads open incidents again by id; one that is gone (deleted, or
// of another account) is skipped.
func (p *pagerDuty) refresh(ctx context.Context, ids []string) (*imports.Batch, int, error) {
	var raws []json.RawMessage
	for _, id := range ids {
		res, err := p.e.c.get(ctx, "/incidents/"+url.PathEscape(id), url.Values{"time_zone": {"UTC"}, "include[]": pdInclude}, nil)
		if IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		var body struct {
			Incident json.RawMessage `json:"incident"`
		}
		if err := json.Unmarshal(res.Body, &body); err != nil {
			return nil, 0, fmt.Errorf("incident %s: %w", id, err)
		}
		raws = append(raws, body.Incident)
	}
	b, _, err := p.withLogEntries(ctx, raws)
	return b, len(raws), err
}

// withLogEntries embeds each incident's log entries and maps the page.
func (p *pagerDuty) withLogEntries(ctx context.Context, incidents []json.RawMessage) (*imports.Batch, time.Time, error) {
	var last time.Time
	full := make([]json.RawMessage, 0, len(incidents))
	for _, raw := range incidents {
		var inc pdIncident
		if err := json.Unmarshal(raw, &inc); err != nil || inc.ID == "" {
			// The importer reports the malformed incident.
			full = append(full, raw)
			continue
		}
		last = inc.CreatedAt
		entries, err := p.logEntries(ctx, inc)
		if err != nil {
			return nil, last, err
		}
		withEntries, err := setField(raw, "log_entries", entries)
		if err != nil {
			return nil, last, fmt.Errorf("incident %s: %w", inc.ID, err)
		}
		full = append(full, withEntries)
	}
	doc, err := json.Marshal(map[string][]json.RawMessage{"incidents": full})
	if err != nil {
		return nil, last, err
	}
	b, err := parsePage("pagerduty-api", "pagerduty incidents", doc, p.e.opt)
	return b, last, err
}

// logEntries reads all of an incident's log entries (every type: notify
// entries are its pages).
func (p *pagerDuty) logEntries(ctx context.Context, inc pdIncident) ([]json.RawMessage, error) {
	var out []json.RawMessage
	q := url.Values{"time_zone": {"UTC"}, "limit": {strconv.Itoa(pdLimit)}}
	if !inc.CreatedAt.IsZero() {
		// The range defaults to the last month; an incident's entries lie
		// within its life.
		q.Set("since", inc.CreatedAt.Add(-time.Minute).UTC().Format(time.RFC3339))
		until := inc.CreatedAt.Add(180 * 24 * time.Hour)
		if until.After(p.e.now) {
			until = p.e.now
		}
		q.Set("until", until.UTC().Format(time.RFC3339))
	}
	for offset := 0; ; {
		q.Set("offset", strconv.Itoa(offset))
		res, err := p.e.c.get(ctx, "/incidents/"+url.PathEscape(inc.ID)+"/log_entries", q, nil)
		if err != nil {
			return nil, err
		}
		var body struct {
			LogEntries []json.RawMessage `json:"log_entries"`
			More       bool              `json:"more"`
		}
		if err := json.Unmarshal(res.Body, &body); err != nil {
			return nil, fmt.Errorf("log entries of %s: %w", inc.ID, err)
		}
		out = append(out, body.LogEntries...)
		if !body.More || len(body.LogEntries) == 0 {
			return out, nil
		}
		if offset += len(body.LogEntries); offset+pdLimit > pdMaxOffset {
			return out, fmt.Errorf("incident %s has more than %d log entries", inc.ID, pdMaxOffset)
		}
	}
}

// setField returns the JSON object raw with key set to v, keeping every
// other field as the vendor sent it.
func setField(raw json.RawMessage, key string, v any) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	m[key] = enc
	return json.Marshal(m)
}
