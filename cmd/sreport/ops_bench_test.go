package main

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ack is one write the server acknowledged, and when.
type ack struct {
	name string
	at   time.Time
}

// writeUntilStopped creates services one after another until stop closes
// or the server stops answering, and returns the acknowledged ones.
func writeUntilStopped(c *http.Client, base, csrf string, stop <-chan struct{}) []ack {
	var acks []ack
	for i := 0; ; i++ {
		select {
		case <-stop:
			return acks
		default:
		}
		name := fmt.Sprintf("rpo-%05d", i)
		res, err := c.PostForm(base+"/settings/services", url.Values{"name": {name}, "tier": {"2"}, "_csrf": {csrf}})
		if err != nil {
			return acks
		}
		res.Body.Close()
		if res.StatusCode == http.StatusSeeOther {
			acks = append(acks, ack{name, time.Now()})
		}
	}
}

// BenchmarkKillRPO measures the recovery point objective: a client writes
// continuously (one acknowledged transaction after another), the machine
// is lost after 3–6 s (kill -9 of serve and its replicator together), and
// a restore elsewhere is compared with what the client was told was saved.
// "serve-only" kills just serve: the replicator ships the rest. One
// iteration is one kill and one restore. Not part of the test suite:
//
//	go test -run '^$' -bench KillRPO -benchtime 5x ./cmd/sreport/
func BenchmarkKillRPO(b *testing.B) {
	for _, c := range []struct {
		name      string
		s3, group bool
	}{{"file/machine", false, true}, {"s3/machine", true, true}, {"file/serve-only", false, false}} {
		b.Run(c.name, func(b *testing.B) {
			var lostN, ackN int
			var worst, restoreTotal time.Duration
			for i := range b.N {
				dir := b.TempDir()
				replica, env := "file://"+filepath.Join(dir, "replica"), []string(nil)
				if c.s3 {
					replica, env = fakeS3(b)
				}
				p := startPrimary(b, dir, env, replica)
				stop := make(chan struct{})
				var acks []ack
				var wg sync.WaitGroup
				wg.Add(1)
				go func() { defer wg.Done(); acks = writeUntilStopped(p.client, p.url, p.csrf, stop) }()
				time.Sleep(3*time.Second + rand.N(3*time.Second))
				var killErr error
				if c.group {
					killErr = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
				} else {
					killErr = p.cmd.Process.Kill()
				}
				killed := time.Now()
				if killErr != nil {
					b.Fatal(killErr)
				}
				close(stop)
				wg.Wait()
				p.waitGroupGone(b)
				restored := filepath.Join(dir, "restored.db")
				start := time.Now()
				restoreTo(b, replica, restored)
				restoreTotal += time.Since(start)
				have := serviceNameSet(b, restored)
				var lost []ack
				for _, a := range acks {
					if !have[a.name] {
						lost = append(lost, a)
					}
				}
				if len(lost) > 0 {
					worst = max(worst, killed.Sub(lost[0].at))
				}
				b.Logf("run %d: %d writes acknowledged, %d lost%s", i+1, len(acks), len(lost), lostWindow(lost, killed))
				lostN += len(lost)
				ackN += len(acks)
				os.RemoveAll(dir)
			}
			b.ReportMetric(float64(ackN)/float64(b.N), "acked-writes/op")
			b.ReportMetric(float64(lostN)/float64(b.N), "lost-writes/op")
			b.ReportMetric(worst.Seconds(), "worst-rpo-s")
			b.ReportMetric((restoreTotal / time.Duration(b.N)).Seconds(), "restore-s/op")
		})
	}
}

func lostWindow(lost []ack, killed time.Time) string {
	if len(lost) == 0 {
		return ""
	}
	return fmt.Sprintf(" (acknowledged %s to %s before the kill)", killed.Sub(lost[0].at).Round(time.Millisecond), killed.Sub(lost[len(lost)-1].at).Round(time.Millisecond))
}

// restoreLine is the timing part of `sreport restore`'s report.
var restoreLine = regexp.MustCompile(`restore took (\S+), check (\S+)\)`)

// BenchmarkRestoreRTO measures the restore part of the recovery time: a
// `sreport seed --scale 10` database with a few writes on top, replicated
// by `serve --replicate` to a file and to an S3-compatible replica
// (gofakes3 on loopback), the machine lost (kill -9 of serve and its
// replicator), then `sreport restore` run as a process once per iteration.
// Each restored file must hold the primary's incidents, deploys and pages.
// Not part of the test suite (the seed alone takes a while):
//
//	go test -run '^$' -bench RestoreRTO -benchtime 3x ./cmd/sreport/
func BenchmarkRestoreRTO(b *testing.B) {
	dir := b.TempDir()
	seeded := filepath.Join(dir, "seeded.db")
	if out, err := runCommand(b, "seed", "--db", seeded, "--scale", "10"); err != nil {
		b.Fatalf("seed: %v\n%s", err, out)
	}
	email, pw := newDBWithAdmin(b, seeded)
	for _, c := range []struct {
		name string
		s3   bool
	}{{"file", false}, {"s3", true}} {
		b.Run(c.name, func(b *testing.B) {
			run := filepath.Join(b.TempDir(), "primary.db")
			raw, err := os.ReadFile(seeded)
			if err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(run, raw, 0o600); err != nil {
				b.Fatal(err)
			}
			replica, env := "file://"+filepath.Join(filepath.Dir(run), "replica"), []string(nil)
			if c.s3 {
				replica, env = fakeS3(b)
			}
			p := startServe(b, env, "--db", run, "--replicate", replica)
			p.waitReplicating(b)
			client, csrf := adminClient(b, p.url, email, pw)
			names := createServices(b, client, p.url, csrf, "rto", 5)
			waitOnReplica(b, replica, filepath.Dir(run), names)
			want := recordCounts(b, run)
			if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL); err != nil {
				b.Fatal(err)
			}
			p.waitGroupGone(b)
			var restore, check time.Duration
			b.ResetTimer()
			for i := range b.N {
				to := filepath.Join(filepath.Dir(run), fmt.Sprintf("restored-%d.db", i))
				start := time.Now()
				out := restoreTo(b, replica, to)
				wall := time.Since(start)
				b.StopTimer()
				m := restoreLine.FindStringSubmatch(out)
				if m == nil {
					b.Fatalf("restore output: %s", out)
				}
				r, _ := time.ParseDuration(m[1])
				k, _ := time.ParseDuration(m[2])
				restore, check = restore+r, check+k
				if got := recordCounts(b, to); got != want {
					b.Fatalf("restored %v, primary had %v", got, want)
				}
				b.Logf("restore %d: %s wall (restore %s, check %s), %v", i+1, wall.Round(10*time.Millisecond), m[1], m[2], want)
				os.Remove(to)
				b.StartTimer()
			}
			b.ReportMetric((restore / time.Duration(b.N)).Seconds(), "restore-s/op")
			b.ReportMetric((check / time.Duration(b.N)).Seconds(), "check-s/op")
		})
	}
}

// recordCounts reads the incident, deploy and page counts of a database file.
func recordCounts(b *testing.B, path string) [3]int {
	b.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var n [3]int
	if err := db.QueryRow(`SELECT (SELECT COUNT(*) FROM incidents), (SELECT COUNT(*) FROM deploys), (SELECT COUNT(*) FROM pages)`).Scan(&n[0], &n[1], &n[2]); err != nil {
		b.Fatal(err)
	}
	return n
}
