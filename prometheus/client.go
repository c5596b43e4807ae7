package prometheus

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client calls a Prometheus server's HTTP API (/api/v1/query_range).
type Client struct {
	BaseURL string // e.g. http://prometheus:9090 (a path prefix is kept)
	// Auth: "none", "bearer" (Secret is the token) or "basic" (Username and
	// Secret as password).
	Auth     string
	Username string
	Secret   string
	HTTP     *http.Client // nil = a client with a 60 s timeout
}

// maxBody bounds a response; a year of daily points is a few kB.
const maxBody = 16 << 20

// DayValues evaluates query at the end of every UTC day in [from, to]
// (civil dates at midnight UTC) and returns the value per day (the day
// before the evaluation instant). Days without a value are absent.
func (c *Client) DayValues(ctx context.Context, query string, from, to time.Time) (map[time.Time]float64, error) {
	u, err := url.Parse(strings.TrimRight(c.BaseURL, "/") + "/api/v1/query_range")
	if err != nil {
		return nil, fmt.Errorf("prometheus: base URL: %w", err)
	}
	form := url.Values{"query": {query}, "start": {unix(from.AddDate(0, 0, 1))}, "end": {unix(to.AddDate(0, 0, 1))},
		"step": {"86400"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	switch c.Auth {
	case "bearer":
		req.Header.Set("Authorization", "Bearer "+c.Secret)
	case "basic":
		req.SetBasicAuth(c.Username, c.Secret)
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("prometheus: query_range: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("prometheus: read response: %w", err)
	}
	var out struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
		Data      struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Values [][2]any `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("prometheus: query_range: HTTP %d, not the API's JSON: %.200s", res.StatusCode, body)
	}
	if out.Status != "success" {
		return nil, fmt.Errorf("prometheus: query_range: HTTP %d: %s: %s", res.StatusCode, out.ErrorType, out.Error)
	}
	if out.Data.ResultType != "matrix" {
		return nil, fmt.Errorf("prometheus: query_range returned %q, want a matrix", out.Data.ResultType)
	}
	if len(out.Data.Result) > 1 {
		return nil, fmt.Errorf("prometheus: the query returned %d series, want one (aggregate it with sum)", len(out.Data.Result))
	}
	days := map[time.Time]float64{}
	for _, s := range out.Data.Result {
		for _, p := range s.Values {
			ts, ok1 := p[0].(float64)
			vs, ok2 := p[1].(string)
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("prometheus: malformed point %v", p)
			}
			v, err := strconv.ParseFloat(vs, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				continue // no events at all gives NaN for a ratio; not a count
			}
			day := time.Unix(int64(ts), 0).UTC().AddDate(0, 0, -1)
			days[day] = v
		}
	}
	return days, nil
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
