package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
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
