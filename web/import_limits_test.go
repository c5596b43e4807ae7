package web_test

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sreport/testutil"
	"sreport/web"
)

// TestUploadBombs: compressed uploads that expand to gigabytes are refused
// with a clear message at the importers' limits, and the server's heap stays
// bounded (the same process serves the test, so its heap is the server's).
func TestUploadBombs(t *testing.T) {
	st := testutil.NewStore(t)
	app := web.New(st, web.Config{Now: time.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxUploadRecords: 20000})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	c := signIn(t, st, srv.URL, web.RoleEditor).client

	var rows bytes.Buffer
	for i := 0; rows.Len() < 1<<20; i++ {
		fmt.Fprintf(&rows, "api,availability,2026-07-%02d,99,100\n", i%28+1)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		// 8 MiB of gzip, 8 GiB of one line.
		{"line.csv.gz", testutil.GzipBomb([]byte("service,slo,day,good,total\napi,availability,2026-07-01,"), bytes.Repeat([]byte("9"), 1<<20), 8<<10),
			"Nothing imported: line 2: one record is larger than 16 MiB (the limit)."},
		// 1 GiB of rows.
		{"rows.csv.gz", testutil.GzipBomb([]byte("service,slo,day,good,total\n"), rows.Bytes(), 1<<10),
			"Nothing imported: the file holds more than 20,000 records, the most one uploaded file may hold. Split it, or import it with the command line (sreport import FILE)."},
	} {
		if len(tc.data) > 12<<20 {
			t.Fatalf("%s: %d bytes", tc.name, len(tc.data))
		}
		var body string
		peak, _ := testutil.HeapPeak(func() error {
			_, body = uploadFiles(t, c, srv.URL, map[string]string{"format": "auto"}, map[string][]byte{tc.name: tc.data})
			return nil
		})
		if !strings.Contains(html.UnescapeString(body), tc.want) {
			t.Errorf("%s: page lacks %q:\n%.2000s", tc.name, tc.want, body)
		}
		// The upload itself (8 MiB, read by the multipart parser) plus
		// one record or the capped records; unbounded it was gigabytes.
		if peak > 256<<20 {
			t.Errorf("%s: heap grew by %d MiB", tc.name, peak>>20)
		}
		t.Logf("%s (%d KiB): heap +%d MiB", tc.name, len(tc.data)>>10, peak>>20)
	}
}

// TestUploadWideCSVAndLongFields: a million-column CSV gets a short mapping
// page that says why, and over-long fields are rejected row by row with the
// field named.
func TestUploadWideCSVAndLongFields(t *testing.T) {
	srv, _, c := newImportServer(t)
	wide := []byte(strings.Repeat("col,", 1000000) + "col\n" + strings.Repeat("1,", 1000000) + "1\n")
	res, body := uploadFiles(t, c, srv.URL, map[string]string{"format": "auto"}, map[string][]byte{"wide.csv": wide})
	if res.StatusCode != http.StatusOK || !strings.HasSuffix(res.Request.URL.Path, "/mapping") {
		t.Fatalf("%d %s", res.StatusCode, res.Request.URL)
	}
	if !strings.Contains(body, "the header has more than 1,000 columns (the limit)") {
		t.Errorf("mapping page lacks the reason:\n%.1500s", body)
	}
	if len(body) > 1<<20 {
		t.Errorf("mapping page of a million columns is %d bytes", len(body))
	}
	t.Logf("mapping page of a %d-byte, million-column CSV: %d bytes", len(wide), len(body))

	head := `"number","opened_at","short_description","cmdb_ci"` + "\n"
	text := head + `"INC1","2026-07-01 01:00:00","fine","api"` + "\n" +
		`"INC2","2026-07-01 02:00:00","` + strings.Repeat("t", 2000) + `","api"` + "\n" +
		`"INC3","2026-07-01 03:00:00","` + strings.Repeat("t", 2<<20) + `","api"` + "\n"
	_, body = uploadFiles(t, c, srv.URL, map[string]string{"format": "auto", "create_services": "on"},
		map[string][]byte{"sn.csv.gz": testutil.GzipBomb([]byte(text), nil, 0)})
	body = html.UnescapeString(body)
	for _, want := range []string{
		"incident INC2: title longer than 1,000 characters (2,000)",
		`the cell in "short_description" is longer than 1 MiB (the limit)`,
		testID("rejected", "2"),
	} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %q:\n%.3000s", want, body)
		}
	}
	// A 100 MB title is more than one record may hold: the file is refused.
	huge := head + `"INC4","2026-07-01 04:00:00","` + strings.Repeat("t", 100<<20) + `","api"` + "\n"
	_, body = uploadFiles(t, c, srv.URL, map[string]string{"format": "auto"}, map[string][]byte{"huge.csv.gz": testutil.GzipBomb([]byte(huge), nil, 0)})
	if want := "Nothing imported: line 2: one record is larger than 16 MiB (the limit)."; !strings.Contains(html.UnescapeString(body), want) {
		t.Errorf("100 MB title: page lacks %q:\n%.2000s", want, body)
	}
}
