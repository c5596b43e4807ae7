package connectors

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sreport/analytics/ingest"
)

// ServiceNow Table API: the incident table (servicenow-csv rules) and the
// change_request table (servicenow-change-csv rules), by sys_updated_on.
// Records come with sysparm_display_value=all, so choice and reference
// fields read as their display values, like the list export, while
// date-times are taken in UTC (ingest.ServiceNowTablePage). Plain dates in
// an encoded query are UTC as well, whatever the API user's time zone.
func init() { builders[ServiceNow] = newServiceNow }

const snLimit = 100

type serviceNow struct {
	e     *env
	table string
}

func newServiceNow(e *env) ([]stream, error) {
	if user, pass, ok := strings.Cut(e.cred, ":"); ok {
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
		e.c.auth = func(h http.Header) { h.Set("Authorization", basic) }
	} else {
		e.c.auth = func(h http.Header) { h.Set("Authorization", "Bearer "+e.cred) }
	}
	e.c.header.Set("Accept", "application/json")
	var out []stream
	for _, t := range []string{"incident", "change_request"} {
		if e.set.wants(t, nil) {
			s := &serviceNow{e: e, table: t}
			out = append(out, &keysetStream{name: t, since: e.since, now: e.now, fetch: s.fetch})
		}
	}
	return out, nil
}

const snTimeLayout = "2006-01-02 15:04:05"

func (s *serviceNow) fetch(ctx context.Context, after time.Time, token string) (keysetPage, error) {
	query := "sys_updated_on>=" + after.UTC().Format(snTimeLayout)
	if s.e.set.Query != "" {
		query = s.e.set.Query + "^" + query
	}
	query += "^ORDERBYsys_updated_on^ORDERBYsys_id"
	q := url.Values{"sysparm_query": {query}, "sysparm_display_value": {"all"}, "sysparm_exclude_reference_link": {"true"},
		"sysparm_limit": {strconv.Itoa(snLimit)}, "sysparm_offset": {"0"}}
	if token != "" {
		q.Set("sysparm_offset", token)
	}
	res, err := s.e.c.get(ctx, "/api/now/table/"+s.table, q, nil)
	if err != nil {
		return keysetPage{}, err
	}
	var body struct {
		Result []struct {
			Updated json.RawMessage `json:"sys_updated_on"`
		} `json:"result"`
	}
	if err := json.Unmarshal(res.Body, &body); err != nil {
		return keysetPage{}, fmt.Errorf("%s page: %w", s.table, err)
	}
	b, err := ingest.ServiceNowTablePage(s.table, res.Body, s.e.opt)
	if err != nil {
		return keysetPage{}, err
	}
	p := keysetPage{batch: b, n: len(body.Result)}
	for _, r := range body.Result {
		if t, ok := snUpdated(r.Updated); ok && t.After(p.last) {
			p.last = t
		}
	}
	offset, _ := strconv.Atoi(q.Get("sysparm_offset"))
	p.more = nextLink(res.Header) != "" || len(body.Result) == snLimit
	p.next = strconv.Itoa(offset + len(body.Result))
	return p, nil
}

// snUpdated reads sys_updated_on, a plain value or a display/value pair.
func snUpdated(raw json.RawMessage) (time.Time, bool) {
	var v string
	if json.Unmarshal(raw, &v) != nil {
		var pair struct {
			Value string `json:"value"`
		}
		if json.Unmarshal(raw, &pair) != nil {
			return time.Time{}, false
		}
		v = pair.Value
	}
	t, err := time.ParseInLocation(snTimeLayout, v, time.UTC)
	return t, err == nil
}
