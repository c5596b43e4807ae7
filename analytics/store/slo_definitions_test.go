package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sreport/analytics/imports"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/testutil"
)

func parseSLOFile(t *testing.T, name, text string) *imports.Batch {
	t.Helper()
	b, err := ingest.Parse(strings.NewReader(text), name, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestApplySLODefinitions: the real Sloth and OpenSLO examples create SLOs
// with objective, window and queries; a re-import changes nothing; a
// changed objective is previewed by a dry run, then applied, and a rollback
// gives the old definition back.
func TestApplySLODefinitions(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	read := func(f string) string {
		raw, err := os.ReadFile(filepath.Join("../../testdata/real", f))
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	opt := store.ApplyOptions{CreateServices: true, Audit: cli}
	sloth := read("sloth/getting-started.yml")
	r, err := st.ApplyBatch(ctx, parseSLOFile(t, "getting-started.yml", sloth), opt)
	if err != nil {
		t.Fatal(err)
	}
	counts(t, "first import", r, 1, 0, 0, 0)
	if len(r.SLOs) != 1 || r.SLOs[0].Action != "create" {
		t.Fatalf("SLO changes %+v", r.SLOs)
	}
	want(t, "Sloth SLO", query(t, st, `SELECT s.name, o.name, o.objective, o.window_days, o.calendar, o.query_type, o.good_query, o.bad_query != '', o.total_query
		FROM slos o JOIN services s ON s.id = o.service_id`), "myservice", "requests-availability", "0.999", "30", "", "prometheus", "", "1",
		`sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))`)

	before := checksumOf(t, st, "slos")
	r2, err := st.ApplyBatch(ctx, parseSLOFile(t, "getting-started.yml", sloth), opt)
	if err != nil {
		t.Fatal(err)
	}
	counts(t, "re-import", r2, 0, 0, 1, 0)
	if r2.SLOs[0].Action != "unchanged" || len(r2.SLOs[0].Changes) != 0 {
		t.Errorf("re-import change %+v", r2.SLOs[0])
	}
	if checksumOf(t, st, "slos") != before {
		t.Error("re-import changed the slos table")
	}

	changed := strings.Replace(sloth, "objective: 99.9", "objective: 99.5", 1)
	dry := opt
	dry.DryRun = true
	p, err := st.ApplyBatch(ctx, parseSLOFile(t, "getting-started.yml", changed), dry)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.SLOs) != 1 || p.SLOs[0].Action != "update" || strings.Join(p.SLOs[0].Changes, ";") != "objective 99.9% → 99.5%" {
		t.Fatalf("preview %+v", p.SLOs)
	}
	if checksumOf(t, st, "slos") != before {
		t.Error("the dry run wrote")
	}
	r3, err := st.ApplyBatch(ctx, parseSLOFile(t, "getting-started.yml", changed), opt)
	if err != nil {
		t.Fatal(err)
	}
	counts(t, "changed objective", r3, 0, 1, 0, 0)
	want(t, "objective", query(t, st, `SELECT objective FROM slos`), "0.995")
	if _, err := st.RollbackImport(ctx, r3.ImportID, cli); err != nil {
		t.Fatal(err)
	}
	want(t, "objective after rollback", query(t, st, `SELECT objective FROM slos`), "0.999")

	// OpenSLO: a calendar week window; the k8s form of the same Sloth SLO
	// names the same service and SLO, so it is unchanged.
	r4, err := st.ApplyBatch(ctx, parseSLOFile(t, "timeslices-slo.yaml", read("openslo/treat-low-traffic-as-equally-important_timeslices-slo.yaml")), opt)
	if err != nil {
		t.Fatal(err)
	}
	counts(t, "OpenSLO", r4, 1, 0, 0, 0)
	want(t, "OpenSLO SLO", query(t, st, `SELECT objective, window_days, calendar FROM slos WHERE name = 'service-availability'`), "0.9995", "7", "week")
	r5, err := st.ApplyBatch(ctx, parseSLOFile(t, "k8s-getting-started.yml", read("sloth/k8s-getting-started.yml")), opt)
	if err != nil {
		t.Fatal(err)
	}
	counts(t, "Sloth k8s form", r5, 0, 0, 1, 0)

	// Changed queries are an update; the Prometheus connector reads the
	// SLOs with queries, the new ones included.
	r6, err := st.ApplyBatch(ctx, parseSLOFile(t, "getting-started.yml", strings.ReplaceAll(sloth, `job="myservice"`, `job="api"`)), opt)
	if err != nil {
		t.Fatal(err)
	}
	if counts(t, "new queries", r6, 0, 1, 0, 0); strings.Join(r6.SLOs[0].Changes, ";") != "queries" {
		t.Errorf("changes %+v", r6.SLOs[0])
	}
	ps, err := st.PrometheusSLOs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range ps {
		if p.Name == "requests-availability" {
			found = strings.Contains(p.TotalQuery, `job="api"`) && strings.Contains(p.BadQuery, `job="api"`) && p.GoodQuery == ""
		}
	}
	if !found {
		t.Errorf("Prometheus SLOs after the new queries: %+v", ps)
	}
}

// TestSLIDaysKeepImportedDefinition: a later SLI CSV for an SLO defined by
// a file fills its days without touching the definition.
func TestSLIDaysKeepImportedDefinition(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	opt := store.ApplyOptions{CreateServices: true, Audit: cli}
	def := "version: prometheus/v1\nservice: api\nslos:\n  - name: avail\n    objective: 99.5\n"
	if _, err := st.ApplyBatch(ctx, parseSLOFile(t, "slo.yaml", def), opt); err != nil {
		t.Fatal(err)
	}
	csv := "service,slo,day,good,total\napi,avail,2026-01-01,990,1000\n"
	r, err := st.ApplyBatch(ctx, parseSLOFile(t, "sli.csv", csv), opt)
	if err != nil {
		t.Fatal(err)
	}
	counts(t, "SLI days", r, 1, 0, 0, 0)
	want(t, "SLO", query(t, st, `SELECT COUNT(*), MIN(objective), MIN(window_days) FROM slos`), "1", "0.995", "30")
}

// checksumOf renders one table's rows, for comparing before and after.
func checksumOf(t *testing.T, st *store.Store, table string) string {
	t.Helper()
	rows, err := st.Writer().Query(`SELECT * FROM ` + table + ` ORDER BY rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%v\n", vals)
	}
	return b.String()
}
