package web_test

import (
	"bytes"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"sreport/testutil"
	"sreport/web"
)

// lockedBuffer is a log destination the server and the test share.
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

// TestImportIntoFullDatabase confirms an import while the database cannot
// grow (PRAGMA max_page_count, as a full disk would): the page says so,
// the log has the error, nothing of the file is written although
// skip-invalid is ticked, and pages keep loading.
func TestImportIntoFullDatabase(t *testing.T) {
	st := testutil.NewStore(t)
	var logs lockedBuffer
	app := web.New(st, web.Config{Now: time.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	c := signIn(t, st, srv.URL, web.RoleEditor).client
	data, err := os.ReadFile("../testdata/fixtures/servicenow_changes.csv")
	if err != nil {
		t.Fatal(err)
	}
	res, body := uploadFiles(t, c, srv.URL, map[string]string{"create_services": "1", "skip_invalid": "1"},
		map[string][]byte{"changes.csv": data})
	if !strings.Contains(body, testID("inserted", "603")) {
		t.Fatalf("preview: %.800s", body)
	}
	// The preview rolled back; now leave the database no room to grow.
	w := st.Writer()
	var pages int
	if err := w.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Exec(fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+2)); err != nil {
		t.Fatal(err)
	}
	res, body = postPage(t, c, res.Request.URL.String()+"/confirm", body, url.Values{"action": {"confirm"}, "skip_invalid": {"1"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	if msg := "Nothing imported from this file: the database or its disk is full"; !strings.Contains(html.UnescapeString(body), msg) {
		t.Fatalf("result page lacks %q: %.1500s", msg, body[strings.Index(body, "<main>"):])
	}
	if l := logs.String(); !strings.Contains(l, "msg=import") || !strings.Contains(l, "database or disk is full") {
		t.Errorf("no log line for the failed import:\n%s", l)
	}
	for what, q := range map[string]string{"deploys": `SELECT COUNT(*) FROM deploys`, "services": `SELECT COUNT(*) FROM services`,
		"imports": `SELECT COUNT(*) FROM imports`, "import changes": `SELECT COUNT(*) FROM import_changes`} {
		if n := testCount(t, st, q); n != 0 {
			t.Errorf("%d %s written by an import that failed", n, what)
		}
	}
	for _, path := range []string{"/deploys", "/imports", "/services"} {
		if status, _, _ := getWith(t, c, srv.URL+path); status != http.StatusOK {
			t.Errorf("GET %s with the database full: %d", path, status)
		}
	}
}
