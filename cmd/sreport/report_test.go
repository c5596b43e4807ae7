package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "r.db")
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"seed", "--db", db, "--months", "6", "--end", "2026-10"}, &out, &errb); err != nil {
		t.Fatalf("seed: %v %s", err, errb.String())
	}
	html := filepath.Join(dir, "q3.html")
	if err := run(ctx, []string{"report", "--db", db, "--period", "2026-Q3", "--tier", "0", "--out", html}, &out, &errb); err != nil {
		t.Fatalf("report: %v %s", err, errb.String())
	}
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Executive summary", "Q3 2026", "Tier 0", "<style>"} {
		if !strings.Contains(string(b), w) {
			t.Errorf("HTML lacks %q", w)
		}
	}
	for _, bad := range [][]string{
		{"report", "--db", db, "--period", "2026-Q3"},
		{"report", "--db", db, "--period", "2026-Q3", "--out", filepath.Join(dir, "x.txt")},
		{"report", "--db", db, "--period", "2026-Q5", "--out", filepath.Join(dir, "x.html")},
		{"report", "--db", db, "--period", "2026-Q3", "--tier", "9", "--out", filepath.Join(dir, "x.html")},
		{"report", "--db", filepath.Join(dir, "missing.db"), "--period", "2026-Q3", "--out", filepath.Join(dir, "x.html")},
	} {
		if err := run(ctx, bad, &out, &errb); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
