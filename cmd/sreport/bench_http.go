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

// mixedLoad runs clients signed-in clients for d, each requesting paths in
// turn (client i starts at path i), and returns every request's latency.
// A request in flight when d ends is waited for and counted.
func mixedLoad(ctx context.Context, base, session string, paths []string, clients int, d time.Duration) loadResult {
	var mu sync.Mutex
	res := loadResult{byPath: map[string][]time.Duration{}}
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Minute}
			for i := c; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				p := paths[i%len(paths)]
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+p, nil)
				if err != nil {
					continue
				}
				req.AddCookie(&http.Cookie{Name: "sreport_session", Value: session})
				start := time.Now()
				resp, err := client.Do(req)
				ok := err == nil
				if ok {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					ok = err == nil && resp.StatusCode == http.StatusOK
				}
				took := time.Since(start)
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
