package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"sreport/analytics/imports"
	"sreport/analytics/store"
)

// TestDataVersionSeesOtherConnections opens two Stores on one SQLite file,
// as the server and a CLI import in another process would, and checks that
// a commit through either changes the version the first one reads, and
// that nothing else does.
func TestDataVersionSeesOtherConnections(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	a, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	version := func(ctx context.Context) int64 {
		t.Helper()
		v, err := a.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	commit := func(st *store.Store, name string) {
		t.Helper()
		if err := st.SaveMapping(ctx, imports.Mapping{Name: name, Kind: "incidents"}, store.Audit{Actor: "cli"}); err != nil {
			t.Fatal(err)
		}
	}
	v1 := version(ctx)
	// Reads, on a's pool and on b, are not changes.
	if _, err := a.Mappings(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Mappings(ctx); err != nil {
		t.Fatal(err)
	}
	if v := version(ctx); v != v1 {
		t.Fatalf("version moved from %d to %d without a commit", v1, v)
	}
	commit(b, "from b")
	v2 := version(ctx)
	if v2 == v1 {
		t.Fatalf("a commit through another Store left the version at %d", v1)
	}
	commit(a, "from a")
	v3 := version(ctx)
	if v3 == v2 {
		t.Fatalf("a commit through a's own writer left the version at %d", v2)
	}
	if v := version(ctx); v != v3 {
		t.Fatalf("version moved from %d to %d without a commit", v3, v)
	}
	// A caller that has gone away still gets a comparable version.
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if v := version(gone); v != v3 {
		t.Fatalf("cancelled read: %d, want %d", v, v3)
	}
	commit(b, "from b again")
	if v := version(ctx); v == v3 {
		t.Fatalf("a commit after a cancelled read left the version at %d", v3)
	}
}
