package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"sync"
	"syscall"
	"time"
)

// benchServer is a `sreport serve` child process on a database.
type benchServer struct {
	cmd  *exec.Cmd
	base string
}

// startServer starts `sreport serve` on db at a free local port and waits
// until /readyz answers 200; it returns how long that took.
func startServer(ctx context.Context, db string, env []string) (*benchServer, time.Duration, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, 0, err
	}
	addr := l.Addr().String()
	l.Close()
	exe, err := os.Executable()
	if err != nil {
		return nil, 0, err
	}
	cmd := exec.Command(exe, "serve", "--db", db, "--addr", addr)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	// The server's log (with GODEBUG=gctrace=1, its heap after every
	// collection) goes where SREPORT_BENCH_SERVER_LOG says, for diagnosis.
	if p := os.Getenv("SREPORT_BENCH_SERVER_LOG"); p != "" {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, 0, fmt.Errorf("bench: server log: %w", err)
		}
		defer f.Close() // the child holds its own descriptor
		cmd.Stderr = f
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	s := &benchServer{cmd: cmd, base: "http://" + addr}
	client := &http.Client{Timeout: time.Second}
	for {
		if ctx.Err() != nil || time.Since(start) > time.Minute {
			s.stop()
			return nil, 0, fmt.Errorf("bench: server on %s not ready", addr)
		}
		resp, err := client.Get(s.base + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body) //nolint:errcheck // drained only to reuse the connection
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, time.Since(start), nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// stop ends the server with SIGTERM and returns its peak RSS in MB.
func (s *benchServer) stop() float64 {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	return peakRSSMB(s.cmd.ProcessState)
}

// loadResult is what a mixed load measured.
type loadResult struct {
	latencies []time.Duration // sorted
	errors    int
	byPath    map[string][]time.Duration
	starts    []request // every request, in the order they finished
}

// request is when one request of a load started and how long it took.
type request struct {
	start time.Time
	took  time.Duration
}

// slowBySecond counts the requests slower than limit by the whole second
// after t0 in which they started.
func (r loadResult) slowBySecond(t0 time.Time, limit time.Duration) []int {
	var out []int
	for _, q := range r.starts {
		if q.took <= limit {
			continue
		}
		sec := max(int(q.start.Sub(t0)/time.Second), 0)
		for len(out) <= sec {
			out = append(out, 0)
		}
		out[sec]++
	}
	return out
}

// warmUp requests every path once, one after the other, as the first
// viewers of a freshly started server do, and returns how long each took:
// the server's cold start, reported apart from the load that follows.
func warmUp(ctx context.Context, base, session string, paths []string) ([]time.Duration, error) {
	client := &http.Client{Timeout: 10 * time.Minute}
	out := make([]time.Duration, len(paths))
	for i, p := range paths {
		took, ok := get(ctx, client, base+p, session)
		if !ok {
			return nil, fmt.Errorf("bench: warm-up request %s failed", p)
		}
		out[i] = took
	}
	return out, nil
}

// get requests url as the signed-in session and reads the whole answer; ok
// is false on a transport error or a status other than 200.
func get(ctx context.Context, client *http.Client, url, session string) (took time.Duration, ok bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, false
	}
	req.AddCookie(&http.Cookie{Name: "sreport_session", Value: session})
	start := time.Now()
	resp, err := client.Do(req)
	ok = err == nil
	if ok {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		ok = err == nil && resp.StatusCode == http.StatusOK
	}
	return time.Since(start), ok
}

// mixedLoad runs clients signed-in clients, each requesting paths in turn
// (client i starts at path i), for d and then until done is closed, and
// returns every request's latency. A request in flight at the end is
// waited for and counted.
func mixedLoad(ctx context.Context, base, session string, paths []string, clients int, d time.Duration, done <-chan struct{}) loadResult {
	var mu sync.Mutex
	res := loadResult{byPath: map[string][]time.Duration{}}
	deadline := time.Now().Add(d)
	running := func() bool {
		if ctx.Err() != nil {
			return false
		}
		if time.Now().Before(deadline) {
			return true
		}
		select {
		case <-done:
			return false
		default:
			return true
		}
	}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Minute}
			for i := c; running(); i++ {
				p := paths[i%len(paths)]
				start := time.Now()
				took, ok := get(ctx, client, base+p, session)
				mu.Lock()
				res.latencies = append(res.latencies, took)
				res.byPath[p] = append(res.byPath[p], took)
				res.starts = append(res.starts, request{start, took})
				if !ok {
					res.errors++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.Sort(res.latencies)
	return res
}

// quantile is the q-quantile (nearest rank) of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted)) + 0.999999)
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

// errNoRequests says a load finished no request at all.
var errNoRequests = errors.New("bench: the load finished no request")
