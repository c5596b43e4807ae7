package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sreport/analytics/store"
)

// TestImportSLODefinitionsAndPrometheusSource: sreport import reads a Sloth
// file and says what it does to each SLO (a re-import: unchanged); a
// Prometheus source is saved with its token sealed, never in clear.
func TestImportSLODefinitionsAndPrometheusSource(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	runCmd := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, append(args[:1:1], append([]string{"--db", db}, args[1:]...)...), &out, &errb)
		return out.String() + errb.String(), err
	}
	file := "../../testdata/real/sloth/getting-started.yml"
	out, err := runCmd("import", "--create-services", file)
	if err != nil || !strings.Contains(out, "SLO myservice/requests-availability: create (objective 99.9%; window 30-day rolling; prometheus queries)") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, err = runCmd("import", file)
	if err != nil || !strings.Contains(out, "SLO myservice/requests-availability: unchanged") || !strings.Contains(out, "unchanged 1") {
		t.Fatalf("re-import: %v\n%s", err, out)
	}

	stdin := filepath.Join(dir, "token")
	if err := os.WriteFile(stdin, []byte("s3cret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(stdin)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var o, e bytes.Buffer
	err = runPrometheusWith(ctx, []string{"add", "--db", db, "--name", "prod", "--url", "http://127.0.0.1:1", "--auth", "bearer"}, in, &o, &e, time.Now)
	if err != nil || !strings.Contains(o.String(), `Prometheus source "prod" added`) {
		t.Fatalf("add: %v %s %s", err, o.String(), e.String())
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	src, err := st.PrometheusSourceByName(ctx, "prod")
	if err != nil || src.SecretSealed == "" || strings.Contains(src.SecretSealed, "s3cret") {
		t.Fatalf("source %+v %v", src, err)
	}
	raw, _ := os.ReadFile(db)
	if bytes.Contains(raw, []byte("s3cret-token")) {
		t.Error("the token is in the database file in clear")
	}
	// A sync against a closed port fails for the SLO, says so and records it.
	o.Reset()
	err = runPrometheusWith(ctx, []string{"sync", "--db", db, "--name", "prod"}, nil, &o, &e, time.Now)
	if err == nil || !strings.Contains(o.String(), "requests-availability") || !strings.Contains(o.String(), "query_range") {
		t.Fatalf("sync: %v\n%s", err, o.String())
	}
	if src, _ = st.PrometheusSourceByName(ctx, "prod"); src.LastRunAt == nil || src.LastError == "" {
		t.Errorf("run not recorded: %+v", src)
	}
	if err := runPrometheusWith(ctx, []string{"sync", "--db", db, "--name", "nope"}, nil, &o, &e, time.Now); err == nil ||
		!strings.Contains(err.Error(), `no source named "nope"`) {
		t.Errorf("unknown source: %v", err)
	}
}
