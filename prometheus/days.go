package prometheus

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"sreport/analytics"
)

// Settle is how long after a UTC midnight the day is read: Prometheus
// scrapes, remote-writes and rule evaluations land a little late, and a
// day read too early would be stored short.
const Settle = 15 * time.Minute

// ChunkDays bounds the days of one query_range (Prometheus refuses more
// than 11,000 points per series); a chunk is one connector page, stored
// with its cursor in one transaction.
const ChunkDays = 180

// Step is the query_range step: one evaluation per day end.
const Step = 86400

// LastCompleteDay is the latest UTC day whose counts can be read at now:
// the day before today, once Settle has passed since midnight.
func LastCompleteDay(now time.Time) time.Time {
	return Civil(now.Add(-Settle)).AddDate(0, 0, -1)
}

// Civil is the UTC date of t at midnight.
func Civil(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// RangeBounds are the query_range start and end (Unix seconds) that
// evaluate a daily query at the end of every day in [from, to]: the value
// at midnight after a day is that day's count.
func RangeBounds(from, to time.Time) (start, end string) {
	return strconv.FormatInt(from.AddDate(0, 0, 1).Unix(), 10), strconv.FormatInt(to.AddDate(0, 0, 1).Unix(), 10)
}

// Result is one query_range answer read by ParseRange.
type Result struct {
	// Days holds the value per day (the day before each evaluation
	// instant); days without a value are absent.
	Days map[time.Time]float64
	// Points is how many points the answer held.
	Points int
	// Notes are the answer's PromQL info and warning annotations (about the
	// query, not the data: "metric might not be a counter").
	Notes []string
}

// ErrIncomplete is wrapped by ParseRange when Prometheus (or a Thanos or
// Cortex in front of it) warns that the answer may lack data: counts from
// it would be stored short.
var ErrIncomplete = errors.New("prometheus: the answer may be incomplete")

// ErrNotDaily is wrapped by ParseRange when the answer is not the one daily
// series a DailyQuery gives.
var ErrNotDaily = errors.New("prometheus: the query does not give one daily series")

// ParseRange reads a query_range answer of a daily query (one series, as
// DailyQuery's sum gives).
func ParseRange(body []byte) (Result, error) {
	var out struct {
		Status    string   `json:"status"`
		ErrorType string   `json:"errorType"`
		Error     string   `json:"error"`
		Warnings  []string `json:"warnings"`
		Infos     []string `json:"infos"`
		Data      struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Values [][2]any `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return Result{}, fmt.Errorf("prometheus: not the query API's JSON: %.200s", body)
	}
	if out.Status != "success" {
		return Result{}, fmt.Errorf("prometheus: %s: %s", out.ErrorType, out.Error)
	}
	r := Result{Days: map[time.Time]float64{}, Notes: out.Infos}
	for _, w := range out.Warnings {
		if !strings.HasPrefix(w, "PromQL info:") && !strings.HasPrefix(w, "PromQL warning:") {
			return Result{}, fmt.Errorf("%w: %s", ErrIncomplete, w)
		}
		r.Notes = append(r.Notes, w)
	}
	if out.Data.ResultType != "matrix" {
		return Result{}, fmt.Errorf("%w: query_range returned %q, want a matrix", ErrNotDaily, out.Data.ResultType)
	}
	if len(out.Data.Result) > 1 {
		return Result{}, fmt.Errorf("%w: it returned %d series (aggregate it with sum)", ErrNotDaily, len(out.Data.Result))
	}
	for _, s := range out.Data.Result {
		for _, p := range s.Values {
			ts, ok1 := p[0].(float64)
			vs, ok2 := p[1].(string)
			if !ok1 || !ok2 {
				return Result{}, fmt.Errorf("prometheus: malformed point %v", p)
			}
			r.Points++
			v, err := strconv.ParseFloat(vs, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				continue // no events at all gives NaN for a ratio; not a count
			}
			r.Days[time.Unix(int64(ts), 0).UTC().AddDate(0, 0, -1)] = v
		}
	}
	return r, nil
}

// SLO is what Days needs of an SLO.
type SLO struct {
	Service, Name string
	Objective     float64
	// Bad says the part series counts bad events (Sloth's error_query):
	// good = total − bad.
	Bad bool
}

// Days turns the daily total and good (or bad) values of [from, to] into
// SLI days. A day without a total value has no SLI day (no samples is not
// a day of zero events); a missing good/bad value means none of them.
// Counts are evaluated separately and rounded, so 0 ≤ good ≤ total is
// enforced.
func Days(s SLO, from, to time.Time, total, part map[time.Time]float64) []analytics.SLIDay {
	var out []analytics.SLIDay
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		tv, ok := total[d]
		if !ok {
			continue
		}
		t := max(int64(math.Round(tv)), 0)
		g := int64(math.Round(part[d]))
		if s.Bad {
			g = t - g
		}
		g = max(0, min(g, t))
		out = append(out, analytics.SLIDay{Service: s.Service, SLO: s.Name, Objective: s.Objective, Day: d, Good: g, Total: t})
	}
	return out
}
