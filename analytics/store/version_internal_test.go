package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestDataVersionNewConnectionIsAChange: when the dedicated connection
// fails and is replaced, the new connection's pragma numbers are not
// comparable with the old ones, so the version must move rather than risk
// matching a cached one.
func TestDataVersionNewConnectionIsAChange(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v1, err := st.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.verConn.Close() // the connection breaks under the Store
	if _, err := st.DataVersion(ctx); err == nil {
		t.Fatal("read on a closed connection succeeded")
	}
	v2, err := st.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v2 == v1 {
		t.Fatalf("version %d on a new connection equals the old connection's", v1)
	}
	if v3, err := st.DataVersion(ctx); err != nil || v3 != v2 {
		t.Fatalf("version %d, %v after %d with no commit", v3, err, v2)
	}
}
