package connectors

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sreport/analytics/imports"
	"sreport/analytics/store"
	"sreport/prometheus"
)

// Prometheus: for every SLO whose definition (OpenSLO, Sloth) carries
// Prometheus queries, the daily good and total event counts of the
// complete UTC days from since on, read with GET /api/v1/query_range at
// the day ends (step one day; prometheus.DailyQuery makes each query a
// day's count) and stored as SLI days. One page is one SLO's chunk of at
// most prometheus.ChunkDays days: both series are read before anything is
// stored, so a failed query leaves no half day behind, and the SLO's
// cursor (its last stored day) moves with the days. The cursor keeps the
// queries it read with; an SLO whose queries changed is read again from
// since (the upserts update its days).
//
// Credential: empty = no authentication; user:password = basic auth (as
// Jira, ServiceNow and Jenkins); anything else is a bearer token.
func init() { builders[Prometheus] = newPrometheus }

// promCursor is one SLO's position: the last day stored with these queries.
type promCursor struct {
	LastDay string `json:"last_day"`
	Good    string `json:"good"`
	Bad     string `json:"bad"`
	Total   string `json:"total"`
}

// promStream reads every SLO with Prometheus queries in turn.
type promStream struct {
	e     *env
	cur   map[string]promCursor // by SLO id
	slos  []store.PromSLO
	pos   int
	ready bool
	first time.Time // the first day to read: since's date
	last  time.Time // the last complete day
}

func newPrometheus(e *env) ([]stream, error) {
	switch cred := e.cred; {
	case cred == "":
	case strings.Contains(cred, ":"):
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(cred))
		e.c.auth = func(h http.Header) { h.Set("Authorization", basic) }
	default:
		e.c.auth = func(h http.Header) { h.Set("Authorization", "Bearer "+cred) }
	}
	e.c.header.Set("Accept", "application/json")
	return []stream{&promStream{e: e, cur: map[string]promCursor{}, first: prometheus.Civil(e.since),
		last: prometheus.LastCompleteDay(e.now)}}, nil
}

func (s *promStream) key() string { return "slos" }
func (s *promStream) state() any  { return s.cur }
func (s *promStream) load(raw json.RawMessage) error {
	return json.Unmarshal(raw, &s.cur)
}

// from is the first day of o still to read.
func (s *promStream) from(o store.PromSLO) time.Time {
	c, ok := s.cur[strconv.FormatInt(o.ID, 10)]
	if !ok || c.Good != o.GoodQuery || c.Bad != o.BadQuery || c.Total != o.TotalQuery {
		return s.first
	}
	d, err := time.Parse(store.DayLayout, c.LastDay)
	if err != nil {
		return s.first
	}
	if d = d.AddDate(0, 0, 1); d.Before(s.first) {
		return s.first
	}
	return d
}

// progress is the share of the SLOs' days from since to the last
// complete day that is stored.
func (s *promStream) progress() float64 {
	if len(s.slos) == 0 || s.first.After(s.last) {
		return 1
	}
	span := s.last.AddDate(0, 0, 1)
	var sum float64
	for _, o := range s.slos {
		sum += fraction(s.from(o), s.first, span)
	}
	return sum / float64(len(s.slos))
}

func (s *promStream) next(ctx context.Context) (page, error) {
	if !s.ready {
		slos, err := s.e.store.PrometheusSLOs(ctx)
		if err != nil {
			return page{}, err
		}
		// Only SLOs that still have queries keep a position: one that
		// loses them and gets them back is read again from since.
		kept := map[string]promCursor{}
		for _, o := range slos {
			id := strconv.FormatInt(o.ID, 10)
			if c, ok := s.cur[id]; ok {
				kept[id] = c
			}
		}
		s.slos, s.cur, s.ready = slos, kept, true
	}
	for ; s.pos < len(s.slos); s.pos++ {
		o := s.slos[s.pos]
		from := s.from(o)
		if from.After(s.last) {
			continue
		}
		to := from.AddDate(0, 0, prometheus.ChunkDays-1)
		if to.After(s.last) {
			to = s.last
		}
		b, fetched, err := s.read(ctx, o, from, to)
		label := o.Service + "/" + o.Name
		var qe *queryError
		if errors.As(err, &qe) {
			// This SLO's query is at fault, not the server: the other SLOs
			// go on, and this one is tried again at the next run.
			s.pos++
			return page{failed: fmt.Errorf("SLO %s, days %s to %s: %w", label, from.Format(time.DateOnly), to.Format(time.DateOnly), err),
				done: s.pos >= len(s.slos), progress: s.progress()}, nil
		}
		if err != nil {
			return page{}, fmt.Errorf("SLO %s: %w", label, err)
		}
		s.cur[strconv.FormatInt(o.ID, 10)] = promCursor{LastDay: to.Format(store.DayLayout), Good: o.GoodQuery, Bad: o.BadQuery, Total: o.TotalQuery}
		if to.Equal(s.last) {
			s.pos++
		}
		return page{batch: b, fetched: fetched, done: s.pos >= len(s.slos), progress: s.progress()}, nil
	}
	p := page{done: true, progress: 1}
	if len(s.slos) == 0 {
		p.batch = &imports.Batch{Format: "prometheus", Source: "prometheus", Warnings: []string{noSLOs}}
	}
	return p, nil
}

// noSLOs is the warning of a run that found nothing to read.
const noSLOs = "no SLO has Prometheus queries: import its OpenSLO or Sloth definition (sreport import, or the upload page)"

// read fetches one SLO's total and good (or bad) counts of [from, to].
func (s *promStream) read(ctx context.Context, o store.PromSLO, from, to time.Time) (*imports.Batch, int, error) {
	partQ, bad := o.GoodQuery, false
	if partQ == "" {
		partQ, bad = o.BadQuery, true
	}
	total, err := s.query(ctx, o.TotalQuery, from, to)
	if err != nil {
		return nil, 0, fmt.Errorf("total query: %w", err)
	}
	part, err := s.query(ctx, partQ, from, to)
	if err != nil {
		what := "good query"
		if bad {
			what = "bad query"
		}
		return nil, 0, fmt.Errorf("%s: %w", what, err)
	}
	b := &imports.Batch{Format: "prometheus", Source: "prometheus", Lines: map[string]int{}}
	b.SLIDays = prometheus.Days(prometheus.SLO{Service: o.Service, Name: o.Name, Objective: o.Objective, Bad: bad}, from, to, total.Days, part.Days)
	for _, n := range append(total.Notes, part.Notes...) {
		b.Warnings = append(b.Warnings, "SLO "+o.Service+"/"+o.Name+": "+n)
	}
	return b, total.Points + part.Points, nil
}

// queryError is a failure of one SLO's query (its shape, Prometheus
// refusing it, an answer that may miss data), not of the server.
type queryError struct{ err error }

func (e *queryError) Error() string { return e.err.Error() }
func (e *queryError) Unwrap() error { return e.err }

func (s *promStream) query(ctx context.Context, q string, from, to time.Time) (prometheus.Result, error) {
	daily, err := prometheus.DailyQuery(q)
	if err != nil {
		return prometheus.Result{}, &queryError{err}
	}
	start, end := prometheus.RangeBounds(from, to)
	res, err := s.e.c.get(ctx, "/api/v1/query_range", url.Values{"query": {daily}, "start": {start}, "end": {end},
		"step": {strconv.Itoa(prometheus.Step)}}, nil)
	var he *HTTPError
	if errors.As(err, &he) && (he.Status == http.StatusBadRequest || he.Status == http.StatusUnprocessableEntity) {
		// bad_data (400) or execution (422): this query, not the server.
		var body struct {
			ErrorType string `json:"errorType"`
			Error     string `json:"error"`
		}
		if json.Unmarshal([]byte(he.Message), &body) == nil && body.Error != "" {
			return prometheus.Result{}, &queryError{fmt.Errorf("refused (HTTP %d, %s): %s", he.Status, body.ErrorType, body.Error)}
		}
		return prometheus.Result{}, &queryError{err}
	}
	if err != nil {
		return prometheus.Result{}, err
	}
	r, err := prometheus.ParseRange(res.Body)
	if errors.Is(err, prometheus.ErrIncomplete) || errors.Is(err, prometheus.ErrNotDaily) {
		return r, &queryError{err}
	}
	return r, err
}
