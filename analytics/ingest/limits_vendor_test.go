package ingest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"sreport/testutil"
)

// The incident-tool and CI/CD formats read through the same bounded
// readers as the first importers: their JSON arrays element by element,
// a record given alone as one record, their CSVs row by row, and Argo CD
// YAML one document at a time.

// vendorJSONFormats are the JSON formats of vendor.go's readers, each with
// the envelope key its records sit under.
var vendorJSONFormats = map[string]string{
	"incidentio-api": "incidents", "firehydrant-api": "data", "rootly-api": "data", "statuspage-api": "incidents",
	"grafana-oncall-api": "results", "datadog-incidents": "data", "azure-devops-builds": "value",
	"azure-devops-releases": "value", "circleci-api": "items", "bitbucket-pipelines": "values", "bitbucket-deployments": "values",
}

// TestGzipBombVendorJSON: 8 MiB of gzip expanding to 8 GiB inside one
// record, in a bare array, in the format's envelope and as one record
// alone, stops at MaxRecordBytes with the heap bounded, in every format.
func TestGzipBombVendorJSON(t *testing.T) {
	block := bytes.Repeat([]byte("A"), 1<<20)
	for format, key := range vendorJSONFormats {
		for shape, head := range map[string]string{
			"array":    `[{"id":"x1","name":"`,
			"envelope": `{"` + key + `":[{"id":"x1","name":"`,
			"alone":    `{"id":"x1","created_at":"2026-07-01T10:00:00Z","name":"`,
		} {
			data := testutil.GzipBomb([]byte(head), block, 8<<10)
			peak, err := testutil.HeapPeak(func() error {
				_, err := Parse(bytes.NewReader(data), "bomb.json.gz", Options{Format: format})
				return err
			})
			if le := limitOf(t, err); le.What != LimitRecord {
				t.Errorf("%s %s: %+v", format, shape, le)
			}
			if peak > boundedHeap {
				t.Errorf("%s %s: heap grew by %d MiB", format, shape, peak>>20)
			}
		}
	}
}

// TestRecordCapVendorJSON: the record cap of a web upload stops a file of
// many valid incidents or builds.
func TestRecordCapVendorJSON(t *testing.T) {
	var block bytes.Buffer
	for i := 0; block.Len() < 1<<20; i++ {
		fmt.Fprintf(&block, `{"id":"inc-%d","name":"Disk full","created_at":"2026-07-01T10:00:00Z","severity":{"name":"Major"},"status":{"category":"closed"}},`, i)
	}
	data := testutil.GzipBomb([]byte(`{"incidents":[`), block.Bytes(), 1<<10)
	const maxRecords = 50000
	_, err := Parse(bytes.NewReader(data), "incidents.json.gz", Options{Format: "incidentio-api", DefaultService: "api", Limits: Limits{MaxRecords: maxRecords}})
	if le := limitOf(t, err); le.What != LimitRecords || le.Limit != maxRecords {
		t.Errorf("%+v", le)
	}
}

// TestVendorCSVLimits: the incident.io and Opsgenie CSVs reject a row with
// an oversize cell and stop at a record over MaxRecordBytes.
func TestVendorCSVLimits(t *testing.T) {
	heads := map[string]string{
		"incidentio-csv":      "ID,Reference,Name,Status,Status category,Severity,Incident type,Affected services,Created at,Reported at\n",
		"opsgenie-alerts-csv": "id,tinyId,alias,message,status,acknowledged,isSeen,snoozed,createdAt,updatedAt,count,owner,teams,priority,tags,source,entity\n",
	}
	for format, head := range heads {
		cells := strings.Count(head, ",") + 1
		row := make([]string, cells)
		for i := range row {
			row[i] = "x"
		}
		row[3] = strings.Repeat("A", MaxCellBytes+1)
		b, err := Parse(strings.NewReader(head+strings.Join(row, ",")+"\n"), "x.csv", Options{Format: format})
		if err != nil || len(b.Rejects) != 1 || !strings.Contains(b.Rejects[0].Reason, "longer than 1 MiB") {
			t.Errorf("%s: oversize cell: %v %+v", format, err, b)
		}
		data := testutil.GzipBomb([]byte(head+"x,"), bytes.Repeat([]byte("A"), 1<<20), 4<<10)
		_, err = Parse(bytes.NewReader(data), "bomb.csv.gz", Options{Format: format})
		if le := limitOf(t, err); le.What != LimitRecord || le.Line != 2 {
			t.Errorf("%s: one long line: %+v", format, le)
		}
	}
}

// TestYAMLDocumentCap: a List growing past MaxYAMLDocumentBytes (4 GiB of
// Applications behind 4 MiB of gzip) is refused before the decoder holds
// more than one document's worth; documents under the cap still import.
func TestYAMLDocumentCap(t *testing.T) {
	app := "- kind: Application\n  metadata: {name: api}\n  status:\n    history:\n    - {id: 1, revision: abc, deployedAt: \"2026-07-01T10:00:00Z\"}\n"
	block := []byte(strings.Repeat(app, (1<<20)/len(app)))
	data := testutil.GzipBomb([]byte("apiVersion: v1\nkind: List\nitems:\n"), block, 4<<10)
	peak, err := testutil.HeapPeak(func() error {
		_, err := Parse(bytes.NewReader(data), "apps.yaml.gz", Options{Format: "argocd-yaml"})
		return err
	})
	if le := limitOf(t, err); le.What != LimitYAMLDocument || !strings.Contains(err.Error(), "kubectl get applications -o json") {
		t.Errorf("%v", err)
	}
	// Parsed YAML takes 12 to 28 times its text: the cap, not the file,
	// bounds it.
	if limit := uint64(40 * MaxYAMLDocumentBytes); peak > limit {
		t.Errorf("heap grew by %d MiB", peak>>20)
	}
	t.Logf("%v; heap +%d MiB", err, peak>>20)

	// The byte cap, which the YAML decoder reports as text only, is still
	// a *LimitError.
	_, err = Parse(bytes.NewReader(data), "apps.yaml.gz", Options{Format: "argocd-yaml", Limits: Limits{MaxBytes: 1 << 20}})
	if le := limitOf(t, err); le.What != LimitBytes {
		t.Errorf("byte cap: %+v", le)
	}

	// Several documents under the cap each.
	var docs strings.Builder
	for i := range 3 {
		fmt.Fprintf(&docs, "---\nkind: Application\nmetadata: {name: app%d}\nstatus:\n  history:\n  - {id: 1, revision: abc, deployedAt: \"2026-07-01T10:00:00Z\"}\n", i)
	}
	b, err := Parse(strings.NewReader(docs.String()), "apps.yaml", Options{Format: "argocd-yaml"})
	if err != nil || len(b.Deploys) != 3 {
		t.Errorf("three documents: %v, %d deploys", err, len(b.Deploys))
	}
}

// TestYAMLAliasBomb: a few lines of anchors that expand to gigabytes (the
// "billion laughs") end the parse at MaxRecordBytes of JSON.
func TestYAMLAliasBomb(t *testing.T) {
	var y strings.Builder
	y.WriteString("kind: Application\nmetadata: {name: api}\nl0: &l0 [\"" + strings.Repeat("lol", 10) + "\"]\n")
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&y, "l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	y.WriteString("status:\n  history:\n  - {id: 1, revision: abc, deployedAt: \"2026-07-01T10:00:00Z\"}\n  bomb: *l12\n")
	peak, err := testutil.HeapPeak(func() error {
		_, err := Parse(strings.NewReader(y.String()), "bomb.yaml", Options{Format: "argocd-yaml"})
		return err
	})
	if le := limitOf(t, err); le.What != LimitRecord {
		t.Errorf("%+v", le)
	}
	if peak > boundedHeap {
		t.Errorf("heap grew by %d MiB", peak>>20)
	}
	t.Logf("%d bytes of YAML: %v; heap +%d MiB", y.Len(), err, peak>>20)
}

// TestSLOYAMLCaps: OpenSLO keeps every document until the end (an SLO may
// name an SLI further down), so its documents together are capped; Sloth
// reads one document at a time, and each SLO counts against the record cap.
func TestSLOYAMLCaps(t *testing.T) {
	sli := "---\napiVersion: openslo/v1\nkind: SLI\nmetadata: {name: latency}\nspec: {ratioMetric: {}}\n"
	data := testutil.GzipBomb(nil, []byte(strings.Repeat(sli, (1<<20)/len(sli))), 1<<10)
	peak, err := testutil.HeapPeak(func() error {
		_, err := Parse(bytes.NewReader(data), "slos.yaml.gz", Options{Format: "openslo"})
		return err
	})
	if le := limitOf(t, err); le.What != LimitYAMLDocument {
		t.Errorf("openslo: %+v", le)
	}
	if limit := uint64(40 * MaxYAMLDocumentBytes); peak > limit {
		t.Errorf("openslo: heap grew by %d MiB", peak>>20)
	}
	var sloth strings.Builder
	for i := range 20 {
		fmt.Fprintf(&sloth, "---\nversion: prometheus/v1\nservice: api\nslos:\n- name: slo%d\n  objective: 99.9\n", i)
	}
	if _, err := Parse(strings.NewReader(sloth.String()), "sloth.yaml", Options{Format: "sloth", Limits: Limits{MaxRecords: 10}}); limitOf(t, err).What != LimitRecords {
		t.Errorf("sloth: %v", err)
	}
	b, err := Parse(strings.NewReader(sloth.String()), "sloth.yaml", Options{Format: "sloth"})
	if err != nil || len(b.SLOs) != 20 {
		t.Errorf("sloth under the caps: %v", err)
	}
}
