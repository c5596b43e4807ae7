package connectors

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestClientRetries covers the client's rules apart from any vendor:
// Retry-After as an HTTP date, a connection cut half-way retried, giving up
// after the retries with the last answer, a next link to another host
// refused (it would carry the credential away), and no retry of a 404.
func TestClientRetries(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		switch r.URL.Path {
		case "/date":
			if calls == 1 {
				w.Header().Set("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat))
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte(`{}`))
		case "/cut":
			if calls == 1 {
				hj, _ := w.(http.Hijacker)
				conn, _, _ := hj.Hijack()
				conn.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"partial"))
				conn.Close()
				return
			}
			w.Write([]byte(`{"whole":true}`))
		case "/always":
			http.Error(w, "bad gateway", http.StatusBadGateway)
		case "/missing":
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	var waits []time.Duration
	c, err := newClient(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.now = func() time.Time { return now }
	c.jitter = func() float64 { return 0 }
	c.retries = 3
	c.sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	ctx := context.Background()

	if _, err := c.get(ctx, "/date", nil, nil); err != nil || len(waits) != 1 || waits[0] != 90*time.Second {
		t.Errorf("Retry-After date: %v, waits %v", err, waits)
	}
	calls, waits = 0, nil
	res, err := c.get(ctx, "/cut", nil, nil)
	if err != nil || string(res.Body) != `{"whole":true}` || len(waits) != 1 {
		t.Errorf("cut connection: %v %v waits %v", err, res, waits)
	}
	calls, waits = 0, nil
	_, err = c.get(ctx, "/always", nil, nil)
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusBadGateway || he.Retries != 3 || len(waits) != 3 ||
		waits[0] != 500*time.Millisecond || waits[1] != time.Second || waits[2] != 2*time.Second {
		t.Errorf("502 every time: %v, waits %v", err, waits)
	}
	calls, waits = 0, nil
	if _, err := c.get(ctx, "https://elsewhere.example/steal", nil, nil); err == nil || !strings.Contains(err.Error(), "is not on") || calls != 0 {
		t.Errorf("a link to another host: %v (%d calls)", err, calls)
	}
	if _, err := c.get(ctx, "/missing", nil, nil); !IsNotFound(err) || len(waits) != 0 {
		t.Errorf("404: %v, waits %v", err, waits)
	}
}
