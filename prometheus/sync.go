package prometheus

import (
	"context"
	"fmt"
	"math"
	"time"

	"sreport/analytics"
	"sreport/analytics/imports"
	"sreport/analytics/store"
)

// Settle is how long after a UTC midnight the day is read: Prometheus
// scrapes, remote-writes and rule evaluations land a little late, and a
// day read too early would be stored short.
const Settle = 15 * time.Minute

// chunkDays bounds one query_range (Prometheus refuses more than 11,000
// points per series); a chunk is one transaction with its cursor.
const chunkDays = 180

// SLOResult is what a sync did for one SLO.
type SLOResult struct {
	Service, SLO string
	From, To     time.Time // days read (zero when none was due)
	Days         int       // days with counts
	Inserted     int
	Updated      int
	Unchanged    int
	Err          string // the SLO's failure; the other SLOs still sync
}

// Sync reads, for every SLO with Prometheus queries, the complete UTC days
// after the source's cursor (from BackfillDays before now on the first
// run) up to yesterday, and stores their good and total counts. Each chunk
// of days is stored with the cursor in one transaction, so an interrupted
// sync resumes after the last stored day and reading a day twice changes
// nothing.
func Sync(ctx context.Context, st *store.Store, src store.PrometheusSource, c *Client, now time.Time, a store.Audit) ([]SLOResult, error) {
	slos, err := st.PrometheusSLOs(ctx, src.ID)
	if err != nil {
		return nil, err
	}
	now = now.UTC()
	last := civil(now.Add(-Settle)).AddDate(0, 0, -1) // the last complete day
	var out []SLOResult
	for _, s := range slos {
		r := SLOResult{Service: s.Service, SLO: s.Name}
		from := s.LastDay.AddDate(0, 0, 1)
		if s.LastDay.IsZero() {
			from = civil(now).AddDate(0, 0, -src.BackfillDays)
		}
		for start := from; !start.After(last); start = start.AddDate(0, 0, chunkDays) {
			end := minTime(start.AddDate(0, 0, chunkDays-1), last)
			if r.From.IsZero() {
				r.From = start
			}
			if err := syncChunk(ctx, st, src, c, s, start, end, a, &r); err != nil {
				r.Err = err.Error()
				break
			}
			r.To = end
		}
		out = append(out, r)
	}
	return out, nil
}

func syncChunk(ctx context.Context, st *store.Store, src store.PrometheusSource, c *Client, s store.PromSLO, from, to time.Time,
	a store.Audit, r *SLOResult) error {
	totalQ, err := DailyQuery(s.TotalQuery)
	if err != nil {
		return fmt.Errorf("total query: %w", err)
	}
	total, err := c.DayValues(ctx, totalQ, from, to)
	if err != nil {
		return fmt.Errorf("total query: %w", err)
	}
	q, bad := s.GoodQuery, false
	if q == "" {
		q, bad = s.BadQuery, true
	}
	partQ, err := DailyQuery(q)
	if err != nil {
		return fmt.Errorf("good/bad query: %w", err)
	}
	part, err := c.DayValues(ctx, partQ, from, to)
	if err != nil {
		return fmt.Errorf("good/bad query: %w", err)
	}
	b := &imports.Batch{Format: "prometheus", Source: "prometheus", Lines: map[string]int{}}
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		tv, ok := total[d]
		if !ok {
			continue // no samples that day: no SLI day rather than a day of zero events
		}
		t := int64(math.Round(tv))
		p := int64(math.Round(part[d])) // a missing good/bad series means none of them
		g := p
		if bad {
			g = t - p
		}
		// Counts are evaluated separately and rounded: keep 0 ≤ good ≤ total.
		g = max(0, min(g, t))
		b.SLIDays = append(b.SLIDays, analytics.SLIDay{Service: s.Service, SLO: s.Name, Objective: s.Objective, Day: d, Good: g, Total: max(t, 0)})
	}
	res, err := st.ApplyPrometheusDays(ctx, src.ID, s.SLOID, to, b, a)
	if err != nil {
		return err
	}
	r.Days += len(b.SLIDays)
	r.Inserted += res.Inserted
	r.Updated += res.Updated
	r.Unchanged += res.Unchanged
	return nil
}

// civil is the UTC date of t at midnight.
func civil(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
