package connectors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds one API response.
const maxBody = 64 << 20

// AuthError is a refused credential (401, or a 403 that is not a rate
// limit): the connector stops until its credential is replaced, because
// retrying cannot help and only fills the vendor's audit log.
type AuthError struct {
	Status  int
	URL     string
	Message string
}

func (e *AuthError) Error() string {
	what := "the credential was refused"
	if e.Status == http.StatusForbidden {
		what = "the credential lacks a permission"
	}
	return fmt.Sprintf("%s (HTTP %d from %s)%s", what, e.Status, e.URL, suffix(e.Message))
}

// HTTPError is an answer that retrying does not change (400, 404, 422 …),
// or a retryable one that kept coming after every retry.
type HTTPError struct {
	Status  int
	URL     string
	Message string
	Retries int
}

func (e *HTTPError) Error() string {
	if e.Retries > 0 {
		return fmt.Sprintf("HTTP %d from %s after %d retries%s", e.Status, e.URL, e.Retries, suffix(e.Message))
	}
	return fmt.Sprintf("HTTP %d from %s%s", e.Status, e.URL, suffix(e.Message))
}

func suffix(msg string) string {
	if msg == "" {
		return ""
	}
	return ": " + msg
}

// IsNotFound reports whether err is a 404 answer.
func IsNotFound(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.Status == http.StatusNotFound
}

// Response is one API answer, read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	URL    string
}

// client makes a connector's HTTP requests: credential, retries with
// back-off and jitter on 429, 5xx and network errors (honouring
// Retry-After and the rate-limit headers), and the request counts of the
// page in progress.
type client struct {
	http    *http.Client
	base    *url.URL
	auth    func(h http.Header)
	header  http.Header // sent with every request (Accept, API version)
	sleep   func(ctx context.Context, d time.Duration) error
	jitter  func() float64 // [0, 1)
	onWait  func(d time.Duration)
	retries int           // per request
	maxWait time.Duration // longest single wait before giving up
	now     func() time.Time

	requests, waited int // since the last take()

	// GitHub tells how many requests remain in the hour; at zero the
	// client waits for the reset instead of being refused.
	rlRemaining int
	rlReset     time.Time
}

// Sleep waits d or until ctx ends; the default of Runner.Sleep.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func newClient(base string, hc *http.Client) (*client, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil {
		return nil, fmt.Errorf("base URL: %w", err)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	return &client{http: hc, base: u, header: http.Header{}, sleep: Sleep, jitter: rand.Float64, retries: 6,
		maxWait: time.Hour, now: time.Now, rlRemaining: -1}, nil
}

// take returns and resets the request and retry counts.
func (c *client) take() (requests, retries int) {
	r, w := c.requests, c.waited
	c.requests, c.waited = 0, 0
	return r, w
}

// resolve turns a path (with query) or an absolute URL of the same host
// into a URL. Vendors' next-page links are absolute; a link to another
// host is refused, so a tampered answer cannot send the credential away.
func (c *client) resolve(ref string, q url.Values) (*url.URL, error) {
	var u *url.URL
	if strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") {
		var err error
		if u, err = url.Parse(ref); err != nil {
			return nil, err
		}
		if !strings.EqualFold(u.Host, c.base.Host) {
			return nil, fmt.Errorf("next page %s is not on %s", u.Redacted(), c.base.Host)
		}
	} else {
		path, raw, _ := strings.Cut(ref, "?")
		u = &url.URL{Scheme: c.base.Scheme, Host: c.base.Host, Path: strings.TrimRight(c.base.Path, "/") + path, RawQuery: raw}
		if strings.Contains(path, "%") {
			// Escaped path segments (a GitLab project path, a Jenkins job
			// name) must reach the server escaped, not decoded.
			u.RawPath = strings.TrimRight(c.base.EscapedPath(), "/") + path
			if p, err := url.PathUnescape(u.RawPath); err == nil {
				u.Path = p
			}
		}
	}
	if len(q) > 0 {
		v := u.Query()
		for k, vs := range q {
			v[k] = vs
		}
		u.RawQuery = v.Encode()
	}
	return u, nil
}

// get fetches ref. hdr adds headers (If-None-Match). A 304 is returned
// like a 200; callers that sent If-None-Match look at Status.
func (c *client) get(ctx context.Context, ref string, q url.Values, hdr http.Header) (*Response, error) {
	u, err := c.resolve(ref, q)
	if err != nil {
		return nil, err
	}
	shown := u.Redacted()
	for attempt := 0; ; attempt++ {
		if err := c.waitRateLimit(ctx); err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, err
		}
		for k, vs := range c.header {
			req.Header[k] = vs
		}
		for k, vs := range hdr {
			req.Header[k] = vs
		}
		req.Header.Set("User-Agent", "sreport-connector")
		if c.auth != nil {
			c.auth(req.Header)
		}
		c.requests++
		resp, err := c.http.Do(req)
		var wait time.Duration
		var last *HTTPError
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if !transient(err) {
				return nil, fmt.Errorf("GET %s: %w", shown, err)
			}
			last = &HTTPError{URL: shown, Message: err.Error()}
			wait = c.backoff(attempt)
		default:
			body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
			resp.Body.Close()
			if rerr != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				last = &HTTPError{Status: resp.StatusCode, URL: shown, Message: "reading the answer: " + rerr.Error()}
				wait = c.backoff(attempt)
				break
			}
			if len(body) > maxBody {
				return nil, fmt.Errorf("GET %s: answer larger than %d MiB", shown, maxBody>>20)
			}
			st := resp.StatusCode
			switch {
			case st < 300 || st == http.StatusNotModified:
				c.noteRateLimit(resp.Header)
				return &Response{Status: st, Header: resp.Header, Body: body, URL: u.String()}, nil
			case st == http.StatusTooManyRequests || st >= 500 || st == http.StatusForbidden && c.rateLimited(resp.Header, body):
				last = &HTTPError{Status: st, URL: shown, Message: errorMessage(body)}
				wait = c.retryAfter(resp.Header, attempt)
			case st == http.StatusUnauthorized || st == http.StatusForbidden:
				return nil, &AuthError{Status: st, URL: shown, Message: errorMessage(body)}
			default:
				return nil, &HTTPError{Status: st, URL: shown, Message: errorMessage(body)}
			}
		}
		if attempt >= c.retries || wait > c.maxWait {
			last.Retries = attempt
			return nil, last
		}
		c.waited++
		if c.onWait != nil {
			c.onWait(wait)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// transient reports whether a transport error is worth retrying: timeouts,
// refused or reset connections, a server that hung up.
func transient(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// backoff is exponential (1 s, 2 s, 4 s … capped at 5 min) with jitter:
// a random wait between half and all of it, so connectors that failed
// together do not retry together.
func (c *client) backoff(attempt int) time.Duration {
	d := time.Second << min(attempt, 8)
	d = min(d, 5*time.Minute)
	return d/2 + time.Duration(c.jitter()*float64(d/2))
}

// retryAfter is the wait a 429 or 5xx asks for: Retry-After (seconds or an
// HTTP date), else a rate-limit reset header (GitHub X-RateLimit-Reset,
// PagerDuty ratelimit-reset), else the back-off; jitter of up to a tenth
// (at most a second) is added so that waiting clients spread out.
func (c *client) retryAfter(h http.Header, attempt int) time.Duration {
	var d time.Duration
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			d = time.Duration(n) * time.Second
		} else if t, err := http.ParseTime(v); err == nil {
			d = max(t.Sub(c.now()), 0)
		}
	} else if v := h.Get("X-RateLimit-Reset"); v != "" && h.Get("X-RateLimit-Remaining") == "0" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			d = max(time.Unix(n, 0).Sub(c.now()), 0) + time.Second
		}
	} else if v := h.Get("Ratelimit-Reset"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			d = time.Duration(n) * time.Second
		}
	} else {
		return c.backoff(attempt)
	}
	return d + time.Duration(c.jitter()*float64(min(d/10, time.Second)))
}

// rateLimited tells GitHub's rate-limit 403 (remaining 0, or a secondary
// limit with Retry-After) from a permission 403.
func (c *client) rateLimited(h http.Header, body []byte) bool {
	if h.Get("Retry-After") != "" || h.Get("X-RateLimit-Remaining") == "0" {
		return true
	}
	return strings.Contains(strings.ToLower(string(body)), "rate limit")
}

// noteRateLimit remembers an X-RateLimit-Remaining of zero, so the next
// request waits for the reset instead of being refused.
func (c *client) noteRateLimit(h http.Header) {
	rem, err := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	if err != nil {
		return
	}
	c.rlRemaining = rem
	if n, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
		c.rlReset = time.Unix(n, 0)
	}
}

func (c *client) waitRateLimit(ctx context.Context) error {
	if c.rlRemaining != 0 || c.rlReset.IsZero() {
		return nil
	}
	d := c.rlReset.Sub(c.now()) + time.Second
	c.rlRemaining = -1
	if d <= 0 {
		return nil
	}
	if d > c.maxWait {
		return fmt.Errorf("the API's rate limit resets only at %s", c.rlReset.UTC().Format(time.RFC3339))
	}
	c.waited++
	if c.onWait != nil {
		c.onWait(d)
	}
	return c.sleep(ctx, d)
}

// errorMessage pulls a vendor's error text out of a JSON or text body,
// short enough for a status line.
func errorMessage(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
