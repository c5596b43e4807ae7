package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

// TestLoadDuringImport serves the demo database over loopback to 16
// signed-in clients while `sreport import` writes 30,000 incidents into the
// same file from another process, starting once the import holds the
// database: every page, API call and form post (editors create API tokens,
// which wait for the import's commit) answers without a 5xx, and nothing
// logs "database is locked" except skipped session renewals (every
// session's first request is due one). It runs while the import runs, and
// at least three seconds.
func TestLoadDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process and loads the server")
	}
	ctx := context.Background()
	db := testutil.DemoPath(t)
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&syncWriter{mu: &logMu, w: &logs}, nil))
	// One compute slot: sixteen clients' cold pages queue for it, and every
	// request must still succeed.
	srv := httptest.NewServer(web.New(st, web.Config{Logger: logger, ComputeSlots: 1}))
	defer srv.Close()

	const clients, editors = 16, 4
	testutil.CreateUser(t, st, "viewer@load.test", web.RoleViewer)
	testutil.CreateUser(t, st, "editor@load.test", web.RoleEditor)
	u, _ := url.Parse(srv.URL)
	client := func(email string, seen time.Time) *http.Client {
		jar, _ := cookiejar.New(nil)
		jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: testutil.SessionToken(t, st, email, seen), Path: "/"}})
		return &http.Client{Jar: jar, Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	// Scorecards and trends are computed once per data version and then
	// served from memory (as `serve` keeps them warm); reports are
	// computed per request, at most a few at once (429 beyond).
	pages := []string{"/", "/scorecards?period=2026-10", "/services", "/services/checkout", "/incidents?period=2026-10", "/deploys",
		"/pages", "/trends", "/api/v1/kpis?period=2026-10", "/risks", "/action-items", "/incidents?status=open"}
	// Sessions are made before the import takes the database. The
	// editors' were last seen two minutes ago, so their first request
	// renews them (a write) while the import holds the database. (Every
	// commit, a renewal too, empties the scorecard cache: the viewers'
	// sessions are fresh so the load is not all recomputation.)
	cs := make([]*http.Client, clients)
	for i := range cs {
		email, seen := "viewer@load.test", time.Now()
		if i < editors {
			email, seen = "editor@load.test", seen.Add(-2*time.Minute)
		}
		cs[i] = client(email, seen)
	}
	for _, p := range pages { // after the sessions: a commit empties the cache
		res, err := cs[clients-1].Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "incidents.csv")
	writeIncidents(t, file, 0, 30000)
	imp := startChild(t, false, "import", "--db", db, "--create-services", "--progress", file)
	// The clients start once the import holds the database for writing.
	if !imp.waitFor("(10%)") {
		t.Fatalf("the import ended before writing: %v\n%s", imp.wait(), imp.out.String())
	}
	importDone := make(chan error, 1)
	go func() { importDone <- imp.wait() }()

	var statuses sync.Map // status → *atomic.Int64
	count := func(code int) {
		v, _ := statuses.LoadOrStore(code, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
	}
	var failures, posted atomic.Int64
	var failMsgs sync.Map
	stop := make(chan struct{})
	var wg sync.WaitGroup
	csrf := regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	for i := range clients {
		wg.Add(1)
		c := cs[i]
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				var res *http.Response
				var err error
				if i < editors && n%3 == 1 {
					res, err = createToken(c, srv.URL, csrf, fmt.Sprintf("load-%d-%d", i, n))
				} else if i == clients-1 && n%3 == 0 {
					res, err = c.Get(srv.URL + "/reports/2026-10")
				} else {
					res, err = c.Get(srv.URL + pages[(i+n)%len(pages)])
				}
				if err != nil {
					failures.Add(1)
					failMsgs.Store(err.Error(), true)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.Request.Method == http.MethodPost && res.StatusCode == http.StatusOK {
					posted.Add(1)
				}
				count(res.StatusCode)
			}
		}()
	}
	start := time.Now()
	ierr := <-importDone
	if rest := 3*time.Second - time.Since(start); rest > 0 {
		time.Sleep(rest)
	}
	close(stop)
	wg.Wait()
	took := time.Since(start)

	if ierr != nil {
		t.Errorf("import: %v\n%s", ierr, imp.out.String())
	}
	total, fives := 0, 0
	summary := map[int]int64{}
	statuses.Range(func(k, v any) bool {
		n := v.(*atomic.Int64).Load()
		summary[k.(int)] = n
		total += int(n)
		if k.(int) >= 500 {
			fives += int(n)
		}
		return true
	})
	logMu.Lock()
	out := logs.String()
	logMu.Unlock()
	if fives > 0 || failures.Load() > 0 {
		var msgs []string
		failMsgs.Range(func(k, _ any) bool { msgs = append(msgs, k.(string)); return true })
		t.Errorf("%d of %d requests got a 5xx, %d failed (%v); statuses %v", fives, total, failures.Load(), msgs, summary)
	}
	// The only place the busy database may show: sessions whose renewal
	// was skipped while the import held it (a later request renews them).
	skipped := 0
	for _, line := range strings.Split(out+imp.out.String(), "\n") {
		switch {
		case strings.Contains(line, "session not renewed"):
			skipped++
		case strings.Contains(line, "database is locked"), strings.Contains(line, "SQLITE_BUSY"):
			t.Errorf("busy database in the logs: %s", line)
		}
	}
	if summary[http.StatusOK] == 0 || posted.Load() == 0 {
		t.Errorf("no page or no form post succeeded: %v, %d posts", summary, posted.Load())
	}
	after := readState(t, db)
	if after.Integrity != "ok" || after.Open != 0 {
		t.Errorf("after the load: %+v", after)
	}
	t.Logf("%d requests (%d token posts) in %v from %d clients (%.0f/s) during the import: statuses %v; %d session renewals skipped",
		total, posted.Load(), took.Round(time.Millisecond), clients, float64(total)/took.Seconds(), summary, skipped)
}

// createToken posts the account page's token form, as an editor would.
func createToken(c *http.Client, base string, csrf *regexp.Regexp, name string) (*http.Response, error) {
	res, err := c.Get(base + "/account")
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrf.FindSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("no CSRF token on /account (status %d)", res.StatusCode)
	}
	return c.PostForm(base+"/account/tokens", url.Values{"_csrf": {string(m[1])}, "name": {name}, "scope": {"read"}})
}

// syncWriter serialises the server's log writes.
type syncWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
