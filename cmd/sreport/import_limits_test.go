package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sreport/analytics/store"
)

// TestImportLimits: the CLI refuses a decompression bomb at its byte cap
// (--max-bytes) and a file over its record cap (--max-records), each with
// the flag that raises it, and writes nothing.
func TestImportLimits(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	// 1 MiB of gzip that decompresses to 64 MiB of SLI rows.
	var rows bytes.Buffer
	for i := 0; rows.Len() < 1<<20; i++ {
		rows.WriteString("api,availability,2026-07-01,99,100\n")
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write([]byte("service,slo,day,good,total\n"))
	for range 64 {
		zw.Write(rows.Bytes())
	}
	zw.Close()
	bombFile := filepath.Join(dir, "sli.csv.gz")
	if err := os.WriteFile(bombFile, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-bytes", "4MiB"}, "more than 4 MiB of text once decompressed (the limit); nothing imported (raise the limit with --max-bytes)"},
		{[]string{"--max-records", "1000"}, "more than 1,000 records (the limit of one file); nothing imported (raise the limit with --max-records)"},
	} {
		var out, errb bytes.Buffer
		args := append(append([]string{"import", "--db", db, "--create-services"}, tc.args...), bombFile)
		err := run(ctx, args, &out, &errb)
		if err == nil || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: %v\n%s", tc.args, err, errb.String())
		}
	}
	for _, bad := range []string{"lots", "-1", "12XB"} {
		var out, errb bytes.Buffer
		if err := run(ctx, []string{"import", "--db", db, "--max-bytes", bad, bombFile}, &out, &errb); err == nil || !strings.Contains(err.Error(), "--max-bytes") {
			t.Errorf("--max-bytes %s: %v", bad, err)
		}
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var n int
	if err := st.Writer().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM sli_daily) + (SELECT COUNT(*) FROM imports) + (SELECT COUNT(*) FROM services)`).Scan(&n); err != nil || n != 0 {
		t.Errorf("refused files wrote %d rows (%v)", n, err)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1024": 1024, "512MiB": 512 << 20, "4GiB": 4 << 30, "2g": 2 << 30, "10 KB": 10 << 10, "7B": 7} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", in, got, err, want)
		}
	}
}

// TestImportBadServiceName: --create-services does not create a name the
// naming rule refuses; the output says why and what to do.
func TestImportBadServiceName(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "sli.csv")
	if err := os.WriteFile(f, []byte("service,slo,day,good,total\npayments//api,availability,2026-07-01,99,100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"import", "--db", filepath.Join(dir, "t.db"), "--create-services", f}, &out, &errb)
	want := `service "payments//api" on 1 rows (first line 2) cannot be created: a service name cannot start or end with "/" or have an empty part`
	if err == nil || !strings.Contains(out.String(), want) || !strings.Contains(errb.String(), "nothing was written") {
		t.Errorf("%v\n%s\n%s", err, out.String(), errb.String())
	}
}
