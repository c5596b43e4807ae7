package connectors_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"sreport/analytics/store"
	"sreport/connectors"
)

// TestSchedulerIsolation: of three due connectors, one whose API answers
// 500 to every retry and one whose credential is refused, the third still
// syncs; each ends with its own status, the failing one due again at its
// next interval and the refused one not at all.
func TestSchedulerIsolation(t *testing.T) {
	now := mustTime("2023-09-10T00:00:00Z")
	h := newHarness(t, now)
	og := newOGServer(t)
	good := newServer(t, &faults{}, og)
	og.base = good.URL
	broken := newServer(t, &faults{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
	}))
	since := mustTime("2023-09-01T00:00:00Z")
	okID := h.add(connectors.Spec{Name: "og-good", Kind: connectors.Opsgenie, BaseURL: good.URL, Since: since, CreateServices: true}, ogKey)
	badID := h.add(connectors.Spec{Name: "og-broken", Kind: connectors.Opsgenie, BaseURL: broken.URL, Since: since}, ogKey)
	refusedID := h.add(connectors.Spec{Name: "og-refused", Kind: connectors.Opsgenie, BaseURL: good.URL, Since: since}, "not-the-key")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	ended := map[int64]bool{}
	sched := &connectors.Scheduler{Runner: h.runner, Poll: time.Hour}
	h.runner.Retries = 2
	done := make(chan struct{})
	go func() { sched.Run(ctx); close(done) }()
	// The scheduler looks at once; wait for the three runs to be recorded
	// (the deadline only keeps a broken scheduler from hanging the test).
	deadline := time.After(30 * time.Second)
	for {
		mu.Lock()
		for _, id := range []int64{okID, badID, refusedID} {
			if c := h.connector(id); c.Status != store.ConnectorNew && c.Status != store.ConnectorRunning {
				ended[id] = true
			}
		}
		n := len(ended)
		mu.Unlock()
		if n == 3 {
			break
		}
		select {
		case <-done:
			t.Fatal("the scheduler stopped")
		case <-deadline:
			t.Fatalf("the scheduler ran %d of 3 connectors", n)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	<-done
	if c := h.connector(okID); c.Status != store.ConnectorOK || count(t, h.st, `SELECT COUNT(*) FROM pages`) != 3 {
		t.Errorf("good connector: %s %q", c.Status, c.StatusMessage)
	}
	if c := h.connector(badID); c.Status != store.ConnectorFailed || !strings.Contains(c.StatusMessage, "HTTP 500") ||
		!strings.Contains(c.StatusMessage, "after 2 retries") || c.NextRunAt == nil || !c.NextRunAt.Equal(now.Add(time.Hour)) {
		t.Errorf("broken connector: %s %q next %v", c.Status, c.StatusMessage, c.NextRunAt)
	}
	if c := h.connector(refusedID); c.Status != store.ConnectorStopped || c.NextRunAt != nil {
		t.Errorf("refused connector: %s next %v", c.Status, c.NextRunAt)
	}
}

// TestLease: a second runner (another process) cannot run a connector
// while the first holds it; once the first has died (its lease expired),
// the next run closes the dead run as interrupted, finishes its import so
// it can be rolled back, and resumes from the saved cursor.
func TestLease(t *testing.T) {
	now := mustTime("2023-09-10T00:00:00Z")
	h := newHarness(t, now)
	og := newOGServer(t)
	f := &faults{}
	srv := newServer(t, f, og)
	og.base = srv.URL
	id := h.add(connectors.Spec{Name: "og", Kind: connectors.Opsgenie, BaseURL: srv.URL, Since: mustTime("2023-09-01T00:00:00Z"), CreateServices: true}, ogKey)

	// The first runner commits a page, then its process dies mid-run:
	// simulated by taking the run over before it finishes.
	_, dead, err := h.st.BeginConnectorRun(context.Background(), id, store.RunStart{Owner: "host-a:1", Trigger: "schedule", LeaseFor: 15 * time.Minute, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	b := importBatch(t, real+"/opsgenie/incidents.json", "opsgenie-api")
	if _, err := h.st.ApplyConnectorPage(context.Background(), dead, store.ConnectorPage{Batch: b, Cursor: []byte(`{"streams":{}}`), Progress: 0.5, Now: now,
		Apply: store.ApplyOptions{CreateServices: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.run(context.Background(), id); !errors.Is(err, store.ErrConnectorBusy) {
		t.Fatalf("a second runner ran a held connector: %v", err)
	}
	due, _ := h.st.DueConnectors(context.Background(), now.Add(time.Minute))
	if len(due) != 0 {
		t.Errorf("a held connector is due")
	}
	// Sixteen minutes later the lease has run out.
	later := now.Add(16 * time.Minute)
	h.runner.Now = func() time.Time { return later }
	run := h.mustRun(id)
	runs, _ := h.st.ConnectorRuns(context.Background(), id, 0)
	if len(runs) != 2 || runs[1].Status != store.RunInterrupted || runs[0].ID != run.ID {
		t.Fatalf("runs: %+v", runs)
	}
	im, err := h.st.ImportByID(context.Background(), dead.ImportID)
	if err != nil || im.Status != "done" {
		t.Fatalf("the dead run's import: %+v %v", im, err)
	}
	if _, err := h.st.RollbackImport(context.Background(), run.ImportID, store.Audit{Actor: "test"}); err != nil {
		t.Fatalf("roll back the resumed run: %v", err)
	}
	// The dead runner wakes up: its lease is gone, nothing it writes lands.
	if _, err := h.st.ApplyConnectorPage(context.Background(), dead, store.ConnectorPage{Batch: b, Now: later}); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("a page of a run whose lease was taken over: %v", err)
	}
}
