package ingest

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"sreport/analytics/imports"
)

// TestRecordsRejectLikeCSV: a write-API record and the same values in a
// generic CSV row are refused with the same reason, and accepted as the
// same record.
func TestRecordsRejectLikeCSV(t *testing.T) {
	m := &imports.Mapping{Name: "m", Kind: "deploys", Columns: map[string]string{"external_id": "id", "service": "service",
		"status": "status", "finished_at": "finished", "is_rollback": "rollback"}}
	csv := "id,service,status,finished,rollback\n" +
		"a,checkout,exploded,2026-10-01T10:00:00Z,no\n" +
		"b,checkout,success,yesterday,no\n" +
		"c,,success,2026-10-01T10:00:00Z,no\n" +
		"d,checkout,success,2026-10-01T10:00:00Z,maybe\n" +
		"e,checkout,succeeded,2026-10-01 12:00:00,yes\n"
	fb, err := Parse(strings.NewReader(csv), "x.csv", Options{Format: "csv", Mapping: m})
	if err != nil {
		t.Fatal(err)
	}
	items := []json.RawMessage{
		json.RawMessage(`{"external_id":"a","service":"checkout","status":"exploded","finished_at":"2026-10-01T10:00:00Z"}`),
		json.RawMessage(`{"external_id":"b","service":"checkout","status":"success","finished_at":"yesterday"}`),
		json.RawMessage(`{"external_id":"c","service":"","status":"success","finished_at":"2026-10-01T10:00:00Z"}`),
		json.RawMessage(`{"external_id":"d","service":"checkout","status":"success","finished_at":"2026-10-01T10:00:00Z","is_rollback":"maybe"}`),
		json.RawMessage(`{"external_id":"e","service":"checkout","status":"succeeded","finished_at":"2026-10-01 12:00:00","is_rollback":true}`),
	}
	ab, errs := ParseRecords("deploys", items, Options{})
	if len(errs) != len(fb.Rejects) || len(fb.Rejects) != 4 {
		t.Fatalf("api errors %v, csv rejects %v", errs, fb.Rejects)
	}
	wantField := []string{"status", "finished_at", "service", "is_rollback"}
	for i, e := range errs {
		if e.Reason != fb.Rejects[i].Reason || e.Index != i || e.Field != wantField[i] {
			t.Errorf("record %d: api %+v, csv %q", i, e, fb.Rejects[i].Reason)
		}
	}
	if len(ab.Deploys) != 1 || len(fb.Deploys) != 1 {
		t.Fatalf("accepted: api %d, csv %d", len(ab.Deploys), len(fb.Deploys))
	}
	a, f := ab.Deploys[0], fb.Deploys[0]
	a.Source, f.Source = "", ""
	if a.ExternalID != f.ExternalID || a.Status != f.Status || !a.FinishedAt.Equal(f.FinishedAt) || a.IsRollback != f.IsRollback || a.Environment != f.Environment {
		t.Fatalf("api %+v\ncsv %+v", a, f)
	}
	if ab.Source != DefaultRecordSource || ab.Format != "api-deploys" || ab.Line(imports.DeployKey("e")) != 5 {
		t.Fatalf("batch: %s %s line %d", ab.Source, ab.Format, ab.Line(imports.DeployKey("e")))
	}
}

// TestPerfRegressionField: the generic CSV column and the write API's
// field read yes/no alike, an empty cell or a missing field is "not
// known" (nil), and anything else is refused with the field named.
func TestPerfRegressionField(t *testing.T) {
	m := &imports.Mapping{Name: "m", Kind: "deploys", Columns: map[string]string{"external_id": "id", "service": "service",
		"status": "status", "finished_at": "finished", "perf_regression": "perf_regression"}}
	csv := "id,service,status,finished,perf_regression\n" +
		"a,checkout,success,2026-10-01T10:00:00Z,yes\n" +
		"b,checkout,success,2026-10-01T11:00:00Z,false\n" +
		"c,checkout,success,2026-10-01T12:00:00Z,\n" +
		"d,checkout,success,2026-10-01T13:00:00Z,slower\n"
	fb, err := Parse(strings.NewReader(csv), "x.csv", Options{Format: "csv", Mapping: m})
	if err != nil {
		t.Fatal(err)
	}
	items := []json.RawMessage{
		json.RawMessage(`{"external_id":"a","service":"checkout","status":"success","finished_at":"2026-10-01T10:00:00Z","perf_regression":true}`),
		json.RawMessage(`{"external_id":"b","service":"checkout","status":"success","finished_at":"2026-10-01T11:00:00Z","perf_regression":false}`),
		json.RawMessage(`{"external_id":"c","service":"checkout","status":"success","finished_at":"2026-10-01T12:00:00Z"}`),
		json.RawMessage(`{"external_id":"d","service":"checkout","status":"success","finished_at":"2026-10-01T13:00:00Z","perf_regression":"slower"}`),
	}
	ab, errs := ParseRecords("deploys", items, Options{})
	if len(fb.Rejects) != 1 || len(errs) != 1 || errs[0].Field != "perf_regression" || errs[0].Reason != fb.Rejects[0].Reason {
		t.Fatalf("api errors %v, csv rejects %v", errs, fb.Rejects)
	}
	want := map[string]string{"a": "true", "b": "false", "c": "unknown"}
	for name, b := range map[string]*imports.Batch{"csv": fb, "api": ab} {
		if len(b.Deploys) != 3 {
			t.Fatalf("%s: %d deploys", name, len(b.Deploys))
		}
		for _, d := range b.Deploys {
			got := "unknown"
			if d.PerfRegression != nil {
				got = strconv.FormatBool(*d.PerfRegression)
			}
			if got != want[d.ExternalID] {
				t.Errorf("%s %s: perf_regression %s, want %s", name, d.ExternalID, got, want[d.ExternalID])
			}
		}
	}
}
