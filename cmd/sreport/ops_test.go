package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"sreport/analytics/store"
	"sreport/testutil"
)

// TestMain lets the tests run this test binary as the sreport command
// (serve, and the replicator serve starts from os.Executable), so kill -9
// hits a real server process without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("SREPORT_TEST_AS_COMMAND") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// lockedBuffer collects a child's log lines for failure messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serverProc is a `sreport serve` child process in its own process group
// (its replicator joins that group).
type serverProc struct {
	cmd     *exec.Cmd
	url     string
	metrics string
	logs    *lockedBuffer
	exited  chan struct{}
}

var listenLine = regexp.MustCompile(`msg="(sreport|metrics) listening" addr=(\S+)`)

func startServe(t testing.TB, env []string, args ...string) *serverProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(append(os.Environ(), "SREPORT_TEST_AS_COMMAND=1"), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &serverProc{cmd: cmd, logs: &lockedBuffer{}, exited: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan [2]string, 2)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(p.logs, line)
			if m := listenLine.FindStringSubmatch(line); m != nil {
				found <- [2]string{m[1], m[2]}
			}
		}
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
		if t.Failed() {
			t.Logf("serve log:\n%s", p.logs)
		}
	})
	deadline := time.After(2 * time.Minute)
	for p.url == "" || p.metrics == "" {
		select {
		case f := <-found:
			if f[0] == "sreport" {
				p.url = "http://" + f[1]
			} else {
				p.metrics = "http://" + f[1] + "/metrics"
			}
		case <-p.exited:
			t.Fatalf("serve exited:\n%s", p.logs)
		case <-deadline:
			t.Fatalf("serve did not start:\n%s", p.logs)
		}
	}
	return p
}

// waitGroupGone waits until no process of the server's group is left: the
// replicator exits after its final sync.
func (p *serverProc) waitGroupGone(t testing.TB) {
	t.Helper()
	<-p.exited
	deadline := time.Now().Add(2 * time.Minute)
	for syscall.Kill(-p.cmd.Process.Pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("the replicator did not exit:\n%s", p.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitReplicating polls /readyz until replication reports healthy.
func (p *serverProc) waitReplicating(t testing.TB) {
	t.Helper()
	p.waitReady(t, "[+] replication")
}

// waitReady polls /readyz until its body contains want.
func (p *serverProc) waitReady(t testing.TB, want string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		res, err := http.Get(p.url + "/readyz")
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if strings.Contains(string(b), want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("/readyz never showed %q: %s\n%s", want, b, p.logs)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

// adminClient signs in through the login form and returns a client that
// does not follow redirects, and the form token.
func adminClient(t testing.TB, base, email, password string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	token := func(path string) string {
		res, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := csrfInput.FindSubmatch(b)
		if m == nil {
			t.Fatalf("no form token on %s: %d", path, res.StatusCode)
		}
		return string(m[1])
	}
	res, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {password}, "_csrf": {token("/login")}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	return c, token("/settings/services")
}

// createServices adds services through the catalogue form; each returns
// 303 only after its transaction committed.
func createServices(t testing.TB, c *http.Client, base, csrf, prefix string, n int) []string {
	t.Helper()
	var names []string
	for i := range n {
		name := fmt.Sprintf("%s-%03d", prefix, i)
		res, err := c.PostForm(base+"/settings/services", url.Values{"name": {name}, "tier": {"2"}, "_csrf": {csrf}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("create %s: %d", name, res.StatusCode)
		}
		names = append(names, name)
	}
	return names
}

// newDBWithAdmin creates a migrated database with one admin account.
func newDBWithAdmin(t testing.TB, path string) (email, password string) {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	return "ops@example.com", testutil.CreateUser(t, st, "ops@example.com", "admin")
}

func serviceNameSet(t testing.TB, path string) map[string]bool {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM services`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[n] = true
	}
	return out
}

// restoreTo runs `sreport restore` as its own process, as an operator
// would (and so no replica connection outlives it in the test process).
func restoreTo(t testing.TB, from, to string, extra ...string) string {
	t.Helper()
	out, err := runCommand(t, append([]string{"restore", "--from", from, "--to", to}, extra...)...)
	if err != nil {
		t.Fatalf("restore from %s: %v\n%s", from, err, out)
	}
	return out
}

// runCommand runs this test binary as the sreport command.
func runCommand(t testing.TB, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "SREPORT_TEST_AS_COMMAND=1")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func missing(t testing.TB, names []string, have map[string]bool) []string {
	t.Helper()
	var out []string
	for _, n := range names {
		if !have[n] {
			out = append(out, n)
		}
	}
	return out
}

// primary is a replicating `sreport serve` on a new database, with a
// signed-in admin client and its form token.
type primary struct {
	*serverProc
	client          *http.Client
	csrf            string
	email, password string
}

func startPrimary(t testing.TB, dir string, env []string, replica string) primary {
	t.Helper()
	db := filepath.Join(dir, "primary.db")
	email, pw := newDBWithAdmin(t, db)
	p := startServe(t, env, "--db", db, "--replicate", replica)
	p.waitReplicating(t)
	c, csrf := adminClient(t, p.url, email, pw)
	return primary{p, c, csrf, email, pw}
}

// TestReplicationSurvivesKill: writes acknowledged by a replicating server
// are all in a restore elsewhere after kill -9 of the server (its
// replicator ships them as soon as serve is gone). A standby then restores
// from the replica on start, takes over, and keeps replicating to it.
func TestReplicationSurvivesKill(t *testing.T) {
	dir := t.TempDir()
	replica := "file://" + filepath.Join(dir, "replica")
	p := startPrimary(t, dir, nil, replica)
	names := createServices(t, p.client, p.url, p.csrf, "svc", 40)
	// kill -9 right after the last acknowledged write.
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	p.waitGroupGone(t)

	out := restoreTo(t, replica, filepath.Join(dir, "restored.db"))
	if !strings.Contains(out, "integrity ok") {
		t.Fatalf("restore output: %s", out)
	}
	if lost := missing(t, names, serviceNameSet(t, filepath.Join(dir, "restored.db"))); len(lost) > 0 {
		t.Fatalf("after kill -9 of serve the replica lacks %d of %d acknowledged writes: %v\n%s", len(lost), len(names), lost, p.logs)
	}

	// The standby: no database yet; it restores from the replica, serves,
	// and replicates its own writes to the same replica.
	standbyDB := filepath.Join(dir, "standby", "sreport.db")
	os.MkdirAll(filepath.Dir(standbyDB), 0o750)
	backups := filepath.Join(dir, "backups")
	s := startServe(t, nil, "--db", standbyDB, "--replicate", replica, "--restore-if-missing",
		"--backup-dir", backups, "--backup-every", "1h", "--backup-keep", "3")
	if !strings.Contains(s.logs.String(), "restored from the replica") {
		t.Fatalf("standby did not restore:\n%s", s.logs)
	}
	s.waitReplicating(t)
	c, csrf := adminClient(t, s.url, p.email, p.password)
	more := createServices(t, c, s.url, csrf, "after-failover", 10)
	mark := waitOnReplica(t, replica, dir, more)

	// A backup while the standby serves holds every write so far, and the
	// scheduled backup (the first is due at start) is on /readyz.
	manual := filepath.Join(dir, "manual-backup.db")
	if out, err := runCommand(t, "backup", "--db", standbyDB, "--out", manual); err != nil || !strings.Contains(out, "integrity ok") {
		t.Fatalf("backup while serving: %v %s", err, out)
	}
	if lost := missing(t, append(append([]string{}, names...), more...), serviceNameSet(t, manual)); len(lost) > 0 {
		t.Fatalf("the backup lacks %v", lost)
	}
	s.waitReady(t, "[+] backups: last backup")
	if files, _ := filepath.Glob(filepath.Join(backups, "sreport-*.db")); len(files) != 1 {
		t.Fatalf("scheduled backups: %v", files)
	}
	late := createServices(t, c, s.url, csrf, "late", 5)
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s.waitGroupGone(t)
	again := filepath.Join(dir, "again.db")
	restoreTo(t, replica, again)
	all := append(append(append([]string{}, names...), more...), late...)
	if lost := missing(t, all, serviceNameSet(t, again)); len(lost) > 0 {
		t.Fatalf("after failover and a graceful stop the replica lacks %v\n%s", lost, s.logs)
	}

	// Point in time: the state when "after-failover" had reached the
	// replica, before "late" was written.
	past := filepath.Join(dir, "past.db")
	out = restoreTo(t, replica, past, "--timestamp", mark.UTC().Format(time.RFC3339Nano))
	if !strings.Contains(out, "as of") {
		t.Fatalf("restore output %q", out)
	}
	have := serviceNameSet(t, past)
	if lost := missing(t, append(append([]string{}, names...), more...), have); len(lost) > 0 {
		t.Fatalf("point-in-time restore lacks %v", lost)
	}
	if extra := len(late) - len(missing(t, late, have)); extra > 0 {
		t.Fatalf("point-in-time restore as of %s holds %d writes made after it", mark, extra)
	}
}

// waitOnReplica restores until the replica holds every name, and returns
// a time by which it did (after the restore that showed it: every file
// that restore read was on the replica by then).
func waitOnReplica(t testing.TB, replica, dir string, names []string) time.Time {
	t.Helper()
	start := time.Now()
	for i := 0; ; i++ {
		path := filepath.Join(dir, fmt.Sprintf("probe-%d.db", i))
		restoreTo(t, replica, path)
		if len(missing(t, names, serviceNameSet(t, path))) == 0 {
			at := time.Now()
			t.Logf("the replica held all %d writes within %s of the last one", len(names), at.Sub(start).Round(10*time.Millisecond))
			return at
		}
		if time.Since(start) > 2*time.Minute {
			t.Fatalf("the replica never caught up")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// fakeS3 starts an S3-compatible server (gofakes3, in memory) with one
// bucket and returns a replica URL in it and the credentials for serve.
func fakeS3(t testing.TB) (replica string, env []string) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("sreport-backups"); err != nil {
		t.Fatal(err)
	}
	s3 := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(s3.Close)
	// The restores run in this process. With the metadata lookup off the
	// SDK never looks for credentials beyond loopback.
	env = []string{"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test-secret", "AWS_EC2_METADATA_DISABLED=true"}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return "s3://sreport-backups/prod/sreport?endpoint=" + url.QueryEscape(s3.URL) + "&region=us-east-1", env
}

// TestReplicationToS3 replicates to an S3-compatible server (gofakes3,
// in this test process), loses the whole machine (kill -9 of serve and
// its replicator together) once the replica has the writes, and restores
// them elsewhere; /metrics shows the replication state.
func TestReplicationToS3(t *testing.T) {
	replica, env := fakeS3(t)
	dir := t.TempDir()
	p := startPrimary(t, dir, env, replica)
	names := createServices(t, p.client, p.url, p.csrf, "s3svc", 30)

	// Wait until the replica holds every write (restoring is the proof),
	// then lose the machine.
	waitOnReplica(t, replica, dir, names)

	res, err := http.Get(p.metrics)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{"sreport_replication_up 1", "sreport_replication_healthy 1", "sreport_replication_replica_txid", "sreport_database_size_bytes{file=\"db\"}"} {
		if !bytes.Contains(metrics, []byte(want)) {
			t.Errorf("metrics lack %s", want)
		}
	}
	loseMachine(t, p.serverProc, replica, dir, names)
}

// loseMachine kills serve and its replicator together, as the loss of the
// machine would, restores the replica elsewhere, and fails unless every
// name is there.
func loseMachine(t testing.TB, p *serverProc, replica, dir string, names []string) {
	t.Helper()
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.waitGroupGone(t)
	restored := filepath.Join(dir, "restored.db")
	restoreTo(t, replica, restored)
	if lost := missing(t, names, serviceNameSet(t, restored)); len(lost) > 0 {
		t.Fatalf("after losing the machine the restore from %s lacks %v", replica, lost)
	}
}

// TestRestoreCommand: restore takes a backup file or a replica URL, checks
// the result, refuses to overwrite, and reports bad input clearly.
func TestRestoreCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	newDBWithAdmin(t, db)
	var out, errb bytes.Buffer
	bk := filepath.Join(dir, "bk.db")
	if err := run(ctx, []string{"backup", "--db", db, "--out", bk}, &out, &errb); err != nil {
		t.Fatalf("backup: %v", err)
	}
	if !regexp.MustCompile(`backup .*bk\.db: \d+ bytes, schema version \d+, integrity ok`).MatchString(out.String()) {
		t.Fatalf("backup output %q", out.String())
	}
	got := restoreTo(t, bk, filepath.Join(dir, "from-file.db"))
	if !strings.Contains(got, "from backup") || !strings.Contains(got, "integrity ok") {
		t.Fatalf("restore output %q", got)
	}
	emptyReplica := "file://" + filepath.Join(dir, "no-replica-here")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"restore", "--from", bk}, "--from and --to"},
		{[]string{"restore", "--from", bk, "--to", db}, "already exists"},
		{[]string{"restore", "--from", bk, "--to", filepath.Join(dir, "x.db"), "--timestamp", "2026-11-01T00:00:00Z"}, "needs a replica URL"},
		{[]string{"restore", "--from", emptyReplica, "--to", filepath.Join(dir, "y.db"), "--timestamp", "yesterday"}, "RFC 3339"},
		{[]string{"restore", "--from", emptyReplica, "--to", filepath.Join(dir, "y.db")}, "no database to restore"},
		{[]string{"restore", "--from", "gs://bucket/x", "--to", filepath.Join(dir, "z.db")}, "unsupported replica URL"},
		{[]string{"restore", "--from", "file://relative/dir", "--to", filepath.Join(dir, "z.db")}, "absolute path"},
		{[]string{"backup", "--db", db, "--out", bk}, "already exists"},
		{[]string{"serve", "--db", db, "--restore-if-missing"}, "needs --replicate"},
		{[]string{"serve", "--db", db, "--replicate", "sftp://u@example.com/x"}, "host key"},
		{[]string{"serve", "--db", db, "--backup-dir", dir, "--backup-keep", "0"}, "at least one"},
		{[]string{"serve", "--db", db, "--compute-slots", "-1"}, "want 0 (one per core) or more"},
	} {
		err := run(ctx, c.args, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error with %q", c.args, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "y.db")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a failed restore left a file behind")
	}
}
