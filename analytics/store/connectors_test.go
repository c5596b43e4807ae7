package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"sreport/analytics/store"
	"sreport/testutil"
)

func newConnector(t *testing.T, st *store.Store, name string) int64 {
	t.Helper()
	id, err := st.CreateConnector(context.Background(), store.NewConnector{Name: name, Kind: "argocd", BaseURL: "https://argo.example",
		Since: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Every: time.Hour}, func(id int64) (string, error) { return "v1:sealed", nil },
		store.Audit{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestConnectorLifecycle: names are unique, a refused credential's stop is
// lifted by a new credential, the run history keeps the newest runs and
// every run that wrote an import, and removing a connector keeps its
// imports.
func TestConnectorLifecycle(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	id := newConnector(t, st, "argo")
	if _, err := st.CreateConnector(ctx, store.NewConnector{Name: "argo", Kind: "argocd", BaseURL: "https://x", Since: time.Now(), Every: time.Hour},
		func(int64) (string, error) { return "v1:x", nil }, store.Audit{Actor: "test"}); !errors.Is(err, store.ErrConnectorExists) {
		t.Fatalf("duplicate name: %v", err)
	}
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	start := store.RunStart{Owner: "a", Trigger: "schedule", LeaseFor: time.Minute}
	var withImport int64
	for i := 0; i < 503; i++ {
		start.Now = now.Add(time.Duration(i) * time.Hour)
		_, run, err := st.BeginConnectorRun(ctx, id, start)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			b := incidentBatch("checkout", "first run's incident")
			if _, err := st.ApplyConnectorPage(ctx, run, store.ConnectorPage{Batch: b, Now: start.Now, Progress: -1,
				Apply: store.ApplyOptions{CreateServices: true}}); err != nil {
				t.Fatal(err)
			}
			withImport = run.ID
		}
		status := store.RunOK
		if i == 502 {
			status = store.RunStopped
		}
		if err := st.FinishConnectorRun(ctx, run, store.RunEnd{Status: status, Error: "the credential was refused (HTTP 401)", Now: start.Now,
			NextRun: start.Now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := st.ConnectorRuns(ctx, id, 1000)
	if err != nil || len(runs) != 501 || runs[len(runs)-1].ID != withImport {
		t.Fatalf("%d runs kept (want the newest 500 and the one with an import), oldest %d", len(runs), runs[len(runs)-1].ID)
	}
	c, _ := st.ConnectorByID(ctx, id)
	if c.Status != store.ConnectorStopped || c.NextRunAt != nil || c.LeaseOwner != "" {
		t.Fatalf("stopped connector: %+v", c)
	}
	if err := st.SetConnectorCredential(ctx, id, func(int64) (string, error) { return "v1:new", nil }, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if due, _ := st.DueConnectors(ctx, time.Now().Add(time.Second)); len(due) != 1 || due[0].Credential != "v1:new" {
		t.Fatalf("after a new credential: %+v", due)
	}
	if err := st.DeleteConnector(ctx, id, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportByID(ctx, runs[len(runs)-1].ImportID); err != nil {
		t.Fatalf("the import of a removed connector's run: %v", err)
	}
	if _, err := st.ConnectorByID(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("removed connector: %v", err)
	}
}
