package store_test

import (
	"context"
	"testing"
	"time"

	"sreport/testutil"
)

func TestReportMonths(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	ms, err := st.ReportMonths(ctx, time.UTC)
	if err != nil || len(ms) != 0 {
		t.Fatalf("empty database: %v, %v", ms, err)
	}
	db := st.Writer()
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	mustExec(`INSERT INTO services (id, name, tier) VALUES (1, 'api', 0)`)
	mustExec(`INSERT INTO incidents (source, external_id, service_id, title, severity, status, detected_at)
		VALUES ('t', '1', 1, 'x', 1, 'resolved', '2026-09-30T22:30:00Z')`)
	mustExec(`INSERT INTO deploys (source, external_id, service_id, environment, finished_at, status)
		VALUES ('t', '1', 1, 'prod', '2026-07-01T10:00:00Z', 'success')`)
	mustExec(`INSERT INTO pages (source, external_id, service_id, title, triggered_at)
		VALUES ('t', '1', 1, 'p', '2026-07-20T10:00:00Z')`)

	got := func(loc *time.Location) []string {
		ms, err := st.ReportMonths(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.Label)
		}
		return out
	}
	if g := got(time.UTC); len(g) != 2 || g[0] != "2026-09" || g[1] != "2026-07" {
		t.Errorf("UTC months = %v, want [2026-09 2026-07]", g)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata")
	}
	// 22:30 UTC on 30 September is 00:30 on 1 October in Berlin.
	if g := got(berlin); len(g) != 2 || g[0] != "2026-10" {
		t.Errorf("Berlin months = %v, want [2026-10 2026-07]", g)
	}
}
