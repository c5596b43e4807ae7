package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sreport/analytics/imports"
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

	// The GitLab fixture imports cleanly: undeployed is a warning naming it.
	out, _, err = runCmd("--create-services", fixtures+"gitlab_api_deployments.json")
	if err != nil || !strings.Contains(out, "inserted 4, updated 0, unchanged 0, rejected 0") ||
		!strings.Contains(out, "warning: 1 deployments whose status is not a deploy outcome were skipped (13436915 undeployed)") {
		t.Fatalf("gitlab: %v\n%s", err, out)
	}

	// A file with a rejected row fails unless --skip-invalid; rejects are listed with lines.
	bad := filepath.Join(dir, "bad-changes.csv")
	changes, err := os.ReadFile(fixtures + "servicenow_changes.csv")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(bad, bytes.Replace(changes, []byte(`"successful","checkout-api"`), []byte(`"no idea","checkout-api"`), 1), 0o644)
	out, _, err = runCmd(bad)
	if err == nil || !strings.Contains(out, "rejected 1 — nothing written") || !strings.Contains(out, "  line ") {
		t.Fatalf("reject: %v\n%s", err, out)
	}
	out, _, err = runCmd("--skip-invalid", bad)
	if err != nil || !strings.Contains(out, "rejected 1 (import #") {
		t.Fatalf("skip invalid: %v\n%s", err, out)
	}

	// Generic CSV through a saved mapping.
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveMapping(ctx, imports.Mapping{Name: "sheet", Kind: "incidents", DateLayout: "dd/mm/yyyy",
		Columns: map[string]string{"service": "System", "detected_at": "Opened", "title": "Summary", "external_id": "Ref"}}, store.Audit{Actor: "cli"}); err != nil {
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

// TestImportFlagsAfterFiles: Go's flag package stops at the first file
// name, so "import FILE --dry-run" once imported for real.
func TestImportFlagsAfterFiles(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "t.db")
	runCmd := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, append([]string{"import", "--db", db}, args...), &out, &errb)
		return out.String() + errb.String(), err
	}
	imports := func() int {
		st, err := store.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		im, err := st.Imports(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(im)
	}
	out, err := runCmd(fixtures+"servicenow_changes.csv", "--create-services", "--dry-run")
	if err != nil || !strings.Contains(out, "inserted 603, updated 0, unchanged 0, rejected 0 (dry run") {
		t.Fatalf("flags after the file: %v\n%s", err, out)
	}
	if n := imports(); n != 0 {
		t.Fatalf("a dry run wrote %d imports", n)
	}
	if out, err := runCmd(fixtures+"servicenow_changes.csv", "--no-such-flag"); err == nil || imports() != 0 {
		t.Fatalf("unknown flag after the file: %v\n%s", err, out)
	}
	// After "--" everything is a file name, even one starting with "-".
	if out, err := runCmd("--dry-run", "--", "--create-services"); err == nil || !strings.Contains(out, "--create-services: open --create-services") {
		t.Fatalf("-- ends the flags: %v\n%s", err, out)
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	audits, err := st.AuditEntries(ctx, store.AuditFilter{Entity: "imports"})
	st.Close()
	if err != nil || len(audits) != 0 {
		t.Fatalf("dry runs audited: %+v %v", audits, err)
	}

	// Severity map and Jira columns from flags (given after the file too).
	out, err = runCmd(fixtures+"jira_incidents.csv", "--create-services", "--jira-severity", "Priority",
		"--severity-map", "Highest=1, High=1, Medium=1, Low=1", "--jira-impact-start", "-", "--jira-service", "Custom field (Affected services)",
		"--jira-mitigated", "-")
	if err != nil || !strings.Contains(out, "inserted 80,") {
		t.Fatalf("jira flags: %v\n%s", err, out)
	}
	st, err = store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var sevs, started, mitigated int
	var svc string
	if err := st.Writer().QueryRow(`SELECT COUNT(DISTINCT severity), COUNT(started_at), COUNT(mitigated_at) FROM incidents WHERE source = 'jira'`).Scan(&sevs, &started, &mitigated); err != nil {
		t.Fatal(err)
	}
	if err := st.Writer().QueryRow(`SELECT s.name FROM incidents i JOIN services s ON s.id = i.service_id WHERE i.external_id = 'OPS-1'`).Scan(&svc); err != nil {
		t.Fatal(err)
	}
	if sevs != 1 || started != 0 || mitigated != 0 || svc != "notifications" {
		t.Fatalf("jira flags: %d severities, %d impact starts, %d mitigated, OPS-1 service %q", sevs, started, mitigated, svc)
	}
	audits, err = st.AuditEntries(ctx, store.AuditFilter{Entity: "imports"})
	if err != nil || len(audits) != 1 || audits[0].Actor != "cli" || audits[0].Action != "import" {
		t.Fatalf("import audit %+v %v", audits, err)
	}
	if _, err := runCmd(fixtures+"jira_incidents.csv", "--severity-map", "P1=9"); err == nil || !strings.Contains(err.Error(), "0 to 4") {
		t.Fatalf("bad severity map: %v", err)
	}
}
