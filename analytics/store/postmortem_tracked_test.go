package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"sreport/analytics/imports"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/testutil"
)

// TestPostmortemTrackedRoundTrip checks that an import from a file with a
// postmortem column stores that its source tracks postmortems, that the
// flag reaches the KPI engine's incidents, and that re-importing the file
// changes nothing.
func TestPostmortemTrackedRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	text := "Ref,Svc,Opened,Closed,Sev,Published\n" +
		"PM-1,checkout,2026-10-01 10:00,2026-10-01 11:00,P1,\n" +
		"PM-2,checkout,2026-10-02 10:00,2026-10-02 11:00,P1,2026-10-05 09:00\n"
	m := &imports.Mapping{Name: "pm", Kind: "incidents", DateLayout: "yyyy-MM-dd HH:mm", Source: "wiki-export",
		Columns: map[string]string{"external_id": "Ref", "service": "Svc", "detected_at": "Opened", "resolved_at": "Closed",
			"severity": "Sev", "postmortem_published_at": "Published"}}
	load := func() store.ImportResult {
		t.Helper()
		b, err := ingest.Parse(strings.NewReader(text), "pm.csv", ingest.Options{Format: "csv", Mapping: m})
		if err != nil {
			t.Fatal(err)
		}
		res, err := st.ApplyBatch(ctx, b, store.ApplyOptions{CreateServices: true, FileName: "pm.csv"})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	counts(t, "first import", load(), 2, 0, 0, 0)
	incs, err := st.IncidentsInRange(ctx, nil, store.TimeRange{From: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil || len(incs) != 2 {
		t.Fatalf("incidents %v: %v", len(incs), err)
	}
	for _, in := range incs {
		if !in.PostmortemTracked {
			t.Errorf("%s: not tracked", in.ExternalID)
		}
		imported, err := st.ImportedIncident(ctx, in.ID)
		if err != nil || !imported.PostmortemTracked {
			t.Errorf("%s: imported value not tracked (%v)", in.ExternalID, err)
		}
	}
	counts(t, "re-import", load(), 0, 0, 2, 0)
}
