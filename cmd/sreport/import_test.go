package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sreport/analytics/ingest"
	"sreport/analytics/store"
)

const fixtures = "../../testdata/fixtures/"

func TestImportCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	runCmd := func(args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, append([]string{"import", "--db", db}, args...), &out, &errb)
		return out.String(), errb.String(), err
	}

	// Unknown services: nothing written, non-zero exit, each name reported.
	out, stderr, err := runCmd(fixtures + "servicenow_changes.csv")
	if err == nil || !strings.Contains(out, `unknown service "checkout-api"`) || !strings.Contains(stderr, "nothing was written") {
		t.Fatalf("unknown services: err %v\n%s\n%s", err, out, stderr)
	}

	// Dry run, then a real import of two files (one gzipped), then a no-op re-import.
	out, _, err = runCmd("--create-services", "--tier", "1", "--dry-run", fixtures+"servicenow_changes.csv")
	if err != nil || !strings.Contains(out, "inserted 603, updated 0, unchanged 0, rejected 0 (dry run") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(fixtures + "servicenow_incidents.csv")
	if err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(dir, "incidents.csv.gz")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	if err := os.WriteFile(gz, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = runCmd("--create-services", "--tier", "1", fixtures+"servicenow_changes.csv", gz)
	if err != nil || !strings.Contains(out, "format servicenow-change-csv") || !strings.Contains(out, "format servicenow-csv") ||
		!strings.Contains(out, "inserted 603, updated 0, unchanged 0, rejected 0 (import #1") ||
		!strings.Contains(out, "inserted 161, updated 0, unchanged 0, rejected 0 (import #2") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, _, err = runCmd(gz)
	if err != nil || !strings.Contains(out, "inserted 0, updated 0, unchanged 161, rejected 0") {
		t.Fatalf("re-import: %v\n%s", err, out)
	}

	// A file with a rejected row fails unless --skip-invalid; rejects are listed with lines.
	out, _, err = runCmd("--create-services", fixtures+"gitlab_api_deployments.json")
	if err == nil || !strings.Contains(out, "line 787:") || !strings.Contains(out, "warning:") {
		t.Fatalf("gitlab: %v\n%s", err, out)
	}
	out, _, err = runCmd("--create-services", "--skip-invalid", fixtures+"gitlab_api_deployments.json")
	if err != nil || !strings.Contains(out, "inserted 4, updated 0, unchanged 0, rejected 1") {
		t.Fatalf("gitlab skip: %v\n%s", err, out)
	}

	// Generic CSV through a saved mapping.
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveMapping(ctx, ingest.Mapping{Name: "sheet", Kind: "incidents", DateLayout: "dd/mm/yyyy",
		Columns: map[string]string{"service": "System", "detected_at": "Opened", "title": "Summary", "external_id": "Ref"}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	csvFile := filepath.Join(dir, "sheet.csv")
	os.WriteFile(csvFile, []byte("Ref,System,Opened,Summary\nA-1,checkout-api,03/07/2026 10:00:00,Checkout down\nA-2,checkout-api,04/07/2026 11:30:00,Slow\n"), 0o644)
	out, _, err = runCmd("--mapping", "sheet", csvFile)
	if err != nil || !strings.Contains(out, "format csv") || !strings.Contains(out, "inserted 2,") {
		t.Fatalf("mapping: %v\n%s", err, out)
	}
	if _, _, err := runCmd("--mapping", "nope", csvFile); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("missing mapping: %v", err)
	}
	if _, _, err := runCmd(); err == nil {
		t.Fatal("no files accepted")
	}
}
