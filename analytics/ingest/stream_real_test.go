package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sreport/analytics"
	"sreport/analytics/imports"
)

// collectSink keeps what Stream hands it, the last occurrence of a key
// winning as store.ApplyStream's does.
type collectSink struct {
	began bool
	recs  map[string]any
}

func (s *collectSink) Begin(imports.Header) error { s.began = true; return nil }
func (s *collectSink) put(k string, v any) error {
	if !s.began {
		return errors.New("record before Begin")
	}
	s.recs[k] = v
	return nil
}
func (s *collectSink) Incident(_ int, x analytics.Incident) error {
	return s.put(imports.IncidentKey(x.ExternalID), x)
}
func (s *collectSink) Deploy(_ int, x analytics.Deploy) error {
	return s.put(imports.DeployKey(x.ExternalID), x)
}
func (s *collectSink) Page(_ int, x analytics.Page) error {
	return s.put(imports.PageKey(x.ExternalID), x)
}
func (s *collectSink) SLIDay(_ int, x analytics.SLIDay) error { return s.put(imports.SLIKey(x), x) }
func (s *collectSink) Toil(_ int, x analytics.ToilWeek) error { return s.put(imports.ToilKey(x), x) }
func (s *collectSink) ActionItem(_ int, x analytics.ActionItem) error {
	return s.put(imports.ActionItemKey(x.ExternalID), x)
}

// batchRecords keys a parsed batch's records as collectSink does.
func batchRecords(b *imports.Batch) map[string]any {
	m := map[string]any{}
	for _, x := range b.Incidents {
		m[imports.IncidentKey(x.ExternalID)] = x
	}
	for _, x := range b.Deploys {
		m[imports.DeployKey(x.ExternalID)] = x
	}
	for _, x := range b.Pages {
		m[imports.PageKey(x.ExternalID)] = x
	}
	for _, x := range b.SLIDays {
		m[imports.SLIKey(x)] = x
	}
	for _, x := range b.Toil {
		m[imports.ToilKey(x)] = x
	}
	for _, x := range b.ActionItems {
		m[imports.ActionItemKey(x.ExternalID)] = x
	}
	return m
}

// TestStreamMatchesParseOnRealSamples reads every real sample the way the
// CLI and the web upload do (Stream into a sink) and the way the tests above
// do (Parse): both must give the same records. The Argo CD YAML importer
// once indexed the batch's deploy slice, which a stream leaves empty, and
// panicked on every real application file at the command line.
func TestStreamMatchesParseOnRealSamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(realDir, "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	streamed := 0
	for _, f := range files {
		rel, _ := filepath.Rel(realDir, f)
		rel = filepath.ToSlash(rel)
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			opt, ok := realSampleOptions[rel]
			if !ok {
				opt = Options{DefaultService: "default-svc"}
			}
			if strings.HasPrefix(rel, "servicenow/") && opt.DefaultService == "" {
				opt.DefaultService = "default-svc"
			}
			pb, perr := Parse(bytes.NewReader(data), filepath.Base(rel), opt)
			sink := &collectSink{recs: map[string]any{}}
			sb, serr := Stream(bytes.NewReader(data), filepath.Base(rel), opt, sink)
			if (perr == nil) != (serr == nil) {
				t.Fatalf("Parse: %v; Stream: %v", perr, serr)
			}
			if perr != nil {
				return
			}
			got := sink.recs
			if !sink.began {
				got = batchRecords(sb) // a batch-only format
			} else {
				streamed++
			}
			want := batchRecords(pb)
			if len(want) == 0 {
				return // SLO definitions, or rejected and superseded rows only
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			if !bytes.Equal(gj, wj) {
				t.Errorf("Stream gave %d records, Parse %d; they differ:\n stream %.400s\n parse  %.400s", len(got), len(want), gj, wj)
			}
			if len(sb.Rejects) != len(pb.Rejects) {
				t.Errorf("rejects: stream %d, parse %d", len(sb.Rejects), len(pb.Rejects))
			}
		})
	}
	if streamed == 0 {
		t.Error("no sample was streamed")
	}
}
