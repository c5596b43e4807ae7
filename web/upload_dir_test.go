package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sreport/analytics/store"
	"sreport/web"
)

// TestUploadDirBesideDatabase: uploads wait in one folder beside the
// database file, which every start empties (a crash leaves files nobody
// knows about); no web.New leaves a folder in the system temp directory.
func TestUploadDirBesideDatabase(t *testing.T) {
	dbFile := filepath.Join(t.TempDir(), "sreport.db")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // os.TempDir: where the old code leaked sreport-uploads-*
	st, err := store.Open(context.Background(), dbFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dir := dbFile + "-uploads"
	stale := filepath.Join(dir, "0123abcd", "left-by-a-crash.upload")
	if err := os.MkdirAll(filepath.Dir(stale), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for range 3 { // without a background context, as tests and tools build it
		web.New(st, web.Config{Logger: quiet})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := httptest.NewServer(web.New(st, web.Config{Logger: quiet, Now: time.Now, Background: ctx}))
	t.Cleanup(srv.Close)

	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("file left by an earlier run not swept: %v", err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("upload dir %s: %v %v", dir, fi, err)
	}
	s := signIn(t, st, srv.URL, web.RoleEditor)
	uploadFiles(t, s.client, srv.URL, map[string]string{"format": "auto"},
		map[string][]byte{"deploys.csv": []byte("service,environment,started_at,status\ncheckout-api,production,2026-10-01T10:00:00Z,success\n")})
	if got, _ := filepath.Glob(filepath.Join(dir, "*", "*.upload")); len(got) != 1 {
		t.Fatalf("pending upload files under %s: %v", dir, got)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("web.New and an upload left %d entries in the temp dir, e.g. %s", len(left), left[0].Name())
	}

	// Shutdown (the background context ends) removes pending uploads.
	cancel()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		left, _ := os.ReadDir(dir)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pending uploads survive shutdown: %d entries", len(left))
		}
	}
}
