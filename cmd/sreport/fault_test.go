package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sreport/analytics/store"
)

// The fault tests run sreport in a child process — this test binary again,
// entering TestFaultChild — so they can kill it with SIGKILL at chosen
// points, or run it beside a server the way an operator would.

// TestFaultChild is the fault tests' child process: with SREPORT_FAULT_ARGS
// set (a JSON list of arguments) it runs the command line and exits.
func TestFaultChild(t *testing.T) {
	raw := os.Getenv("SREPORT_FAULT_ARGS")
	if raw == "" {
		t.Skip("only runs as the fault tests' child process")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		fmt.Fprintln(os.Stderr, "bad SREPORT_FAULT_ARGS:", err)
		os.Exit(2)
	}
	if err := run(context.Background(), args, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "sreport:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// child is a started sreport process with its output read line by line.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	out   strings.Builder // every line, for failure messages
}

// startChild runs `sreport args...` in a child process.
func startChild(t *testing.T, stdin bool, args ...string) *child {
	t.Helper()
	js, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestFaultChild$")
	cmd.Env = append(os.Environ(), "SREPORT_FAULT_ARGS="+string(js))
	c := &child{cmd: cmd, lines: make(chan string, 1024)}
	if stdin {
		w, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		c.stdin = w
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	go func() {
		defer close(c.lines)
		defer r.Close()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	return c
}

// waitFor reads the child's output until a line contains s; false when the
// child ended first.
func (c *child) waitFor(s string) bool {
	for line := range c.lines {
		c.out.WriteString(line + "\n")
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

// wait drains the output and waits for the child to end.
func (c *child) wait() error {
	for line := range c.lines {
		c.out.WriteString(line + "\n")
	}
	return c.cmd.Wait()
}

// dbState is what the fault tests compare before and after a crash.
type dbState struct {
	Integrity                                          string
	Incidents, Services, Imports, Changes, Audit, Open int
}

func readState(t *testing.T, path string) dbState {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path) // recovers the WAL a killed writer left
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var s dbState
	db := st.Writer()
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&s.Integrity); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM incidents), (SELECT COUNT(*) FROM services),
		(SELECT COUNT(*) FROM imports), (SELECT COUNT(*) FROM import_changes), (SELECT COUNT(*) FROM audit_log),
		(SELECT COUNT(*) FROM imports WHERE status = 'running')`).Scan(&s.Incidents, &s.Services, &s.Imports, &s.Changes, &s.Audit, &s.Open); err != nil {
		t.Fatal(err)
	}
	return s
}

// writeIncidents writes a ServiceNow incident export of n rows, numbered
// from first, over 50 services.
func writeIncidents(t *testing.T, path string, first, n int) []byte {
	t.Helper()
	var b strings.Builder
	b.WriteString("number,opened_at,short_description,cmdb_ci,priority,state,resolved_at\n")
	for i := first; i < first+n; i++ {
		d, h, m := 1+i%28, i%24, i%60
		fmt.Fprintf(&b, "INC%08d,2026-07-%02d %02d:%02d:00,Disk full on host %d,svc-%d,%d - High,Closed,2026-07-%02d %02d:%02d:30\n",
			i, d, h, m, i%977, i%50, 1+i%4, d, h, m)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return []byte(b.String())
}

// TestImportKilled kills `sreport import` with SIGKILL while it reads the
// file, a tenth, a third and four fifths into the streamed file (each read
// and its records written), and once it is all read (the last writes and the
// commit are next): each time the database passes
// PRAGMA integrity_check and holds exactly what it held before — no
// record, import, change log or audit row of the killed run. A last run
// imports the whole file.
func TestImportKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "fault.db")
	base := filepath.Join(dir, "base.csv")
	big := filepath.Join(dir, "big.csv")
	writeIncidents(t, base, 0, 1000)
	const rows = 40000
	data := writeIncidents(t, big, 1000, rows)

	if err := startChild(t, false, "import", "--db", db, "--create-services", base).wait(); err != nil {
		t.Fatalf("baseline import: %v", err)
	}
	before := readState(t, db)
	if before.Integrity != "ok" || before.Incidents != 1000 || before.Imports != 1 {
		t.Fatalf("baseline: %+v", before)
	}
	args := []string{"import", "--db", db, "--create-services", "--progress"}
	for _, point := range []struct {
		name, line string
		stdin      bool
	}{
		{name: "while reading the file", stdin: true},
		{name: "10% read and written", line: "(10%)"},
		{name: "30% written", line: "(30%)"},
		{name: "80% written", line: "(80%)"},
		{name: "every record written, at the commit", line: "(100%)"},
	} {
		var c *child
		if point.stdin {
			c = startChild(t, true, append(args, "-")...)
			// The pipe holds 64 KiB: once half the file is written, the
			// child has read all but that and is still parsing.
			if _, err := c.stdin.Write(data[:len(data)/2]); err != nil {
				t.Fatal(err)
			}
		} else {
			c = startChild(t, false, append(args, big)...)
			if !c.waitFor(point.line) {
				t.Fatalf("%s: the child ended before printing %q: %v\n%s", point.name, point.line, c.wait(), c.out.String())
			}
		}
		if err := c.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		err := c.wait()
		var ee *exec.ExitError
		killed := errors.As(err, &ee) && ee.ProcessState.String() == "signal: killed"
		after := readState(t, db)
		if after.Integrity != "ok" {
			t.Fatalf("%s: integrity_check: %s", point.name, after.Integrity)
		}
		switch {
		case after == before:
		case point.line == "(100%)" && after.Incidents == before.Incidents+rows && after.Imports == before.Imports+1 && after.Open == 0:
			// The commit beat the signal: all of it, which is all-or-nothing too.
			before = after
		default:
			t.Fatalf("%s (killed %v): database changed from %+v to %+v\n%s", point.name, killed, before, after, c.out.String())
		}
		t.Logf("%s: killed %v, %+v", point.name, killed, after)
	}
	if before.Incidents == 1000 {
		c := startChild(t, false, append(args, big)...)
		if err := c.wait(); err != nil {
			t.Fatalf("full import: %v\n%s", err, c.out.String())
		}
	}
	final := readState(t, db)
	if final.Integrity != "ok" || final.Incidents != 1000+rows || final.Imports != 2 || final.Open != 0 {
		t.Fatalf("after the full import: %+v", final)
	}
}
