package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"sreport/analytics/imports"
	"sreport/testutil"
)

func limitOf(t *testing.T, err error) *LimitError {
	t.Helper()
	var le *LimitError
	if !errors.As(err, &le) {
		t.Fatalf("want a *LimitError, got %v", err)
	}
	return le
}

var incidentMapping = &imports.Mapping{Name: "m", Kind: "incidents",
	Columns: map[string]string{"external_id": "id", "service": "service", "title": "title", "detected_at": "detected"}}

// boundedHeap is what the parse of any bomb below may add to the heap:
// the limits keep it to one record (16 MiB, held a few times over by the
// CSV reader and the strings cut from it) or the records a web upload may
// hold, far from the gigabytes the files expand to.
const boundedHeap = 256 << 20

func TestGzipBombOneLine(t *testing.T) {
	// 8 MiB of gzip expanding to 8 GiB of one line: stopped once the line
	// passes MaxRecordBytes, with the default limits.
	for format, head := range map[string]string{
		"csv":            "id,service,title,detected\n1,api,",
		"servicenow-csv": "number,opened_at,short_description,cmdb_ci\nINC1,2026-07-01 01:29:33,",
		"jira-csv":       "Summary,Issue key,Created\n",
	} {
		data := testutil.GzipBomb([]byte(head), bytes.Repeat([]byte("A"), 1<<20), 8<<10)
		if len(data) > 12<<20 {
			t.Fatalf("bomb is %d bytes", len(data))
		}
		peak, err := testutil.HeapPeak(func() error {
			_, err := Parse(bytes.NewReader(data), "bomb.csv.gz", Options{Format: format, Mapping: incidentMapping})
			return err
		})
		le := limitOf(t, err)
		if le.What != LimitRecord || le.Line != 2 {
			t.Errorf("%s: %+v", format, le)
		}
		if peak > boundedHeap {
			t.Errorf("%s: heap grew by %d MiB", format, peak>>20)
		}
		t.Logf("%s: %v; heap +%d MiB", format, err, peak>>20)
	}
}

func TestGzipBombUnclosedQuote(t *testing.T) {
	// An open quote makes the rest of the file one cell, over many lines.
	data := testutil.GzipBomb([]byte("id,service,title,detected\n1,api,\"x"), bytes.Repeat([]byte("AAAAAAA\n"), 128<<10), 4<<10)
	peak, err := testutil.HeapPeak(func() error {
		_, err := Parse(bytes.NewReader(data), "bomb.csv.gz", Options{Format: "csv", Mapping: incidentMapping})
		return err
	})
	if le := limitOf(t, err); le.What != LimitRecord {
		t.Errorf("%+v", le)
	}
	if peak > boundedHeap {
		t.Errorf("heap grew by %d MiB", peak>>20)
	}
}

func TestGzipBombJSONElement(t *testing.T) {
	data := testutil.GzipBomb([]byte(`{"incidents":[{"id":"P1","incident_number":1,"title":"`), bytes.Repeat([]byte("A"), 1<<20), 8<<10)
	peak, err := testutil.HeapPeak(func() error {
		_, err := Parse(bytes.NewReader(data), "bomb.json.gz", Options{})
		return err
	})
	if le := limitOf(t, err); le.What != LimitRecord || le.Line != 1 {
		t.Errorf("%+v", le)
	}
	if peak > boundedHeap {
		t.Errorf("heap grew by %d MiB", peak>>20)
	}
	t.Logf("%v; heap +%d MiB", err, peak>>20)
}

func TestGzipBombManyRows(t *testing.T) {
	// 4 GiB of valid rows: the web's record cap stops the parse.
	var block bytes.Buffer
	for i := 0; block.Len() < 1<<20; i++ {
		fmt.Fprintf(&block, "X-%d,api,Disk full,2026-07-01T10:00:00Z\n", i)
	}
	data := testutil.GzipBomb([]byte("id,service,title,detected\n"), block.Bytes(), 4<<10)
	const maxRecords = 100000
	peak, err := testutil.HeapPeak(func() error {
		_, err := Parse(bytes.NewReader(data), "rows.csv.gz", Options{Format: "csv", Mapping: incidentMapping, Limits: Limits{MaxRecords: maxRecords}})
		return err
	})
	if le := limitOf(t, err); le.What != LimitRecords || le.Limit != maxRecords {
		t.Errorf("%+v", le)
	}
	if peak > boundedHeap {
		t.Errorf("heap grew by %d MiB", peak>>20)
	}
	t.Logf("%v; heap +%d MiB", err, peak>>20)

	// The same in JSON elements.
	var jblock bytes.Buffer
	for i := 0; jblock.Len() < 1<<20; i++ {
		fmt.Fprintf(&jblock, `{"id":%d,"sha":"abc","task":"deploy","environment":"production","repository_url":"https://api.github.com/repos/example/api",`+
			`"created_at":"2026-07-01T10:00:00Z","statuses":[{"state":"success","created_at":"2026-07-01T10:05:00Z"}]},`, i)
	}
	jdata := testutil.GzipBomb([]byte(`[`), jblock.Bytes(), 4<<10)
	peak, err = testutil.HeapPeak(func() error {
		_, err := Parse(bytes.NewReader(jdata), "github.json.gz", Options{Format: "github-deployments", Limits: Limits{MaxRecords: maxRecords}})
		return err
	})
	if le := limitOf(t, err); le.What != LimitRecords {
		t.Errorf("json: %+v", le)
	}
	if peak > boundedHeap {
		t.Errorf("json: heap grew by %d MiB", peak>>20)
	}
}

func TestGzipBombRejectedRows(t *testing.T) {
	// Rows that are all wrong stop at MaxRejects, record cap or not.
	block := bytes.Repeat([]byte("x,api,t,not a date\n"), 64<<10)
	data := testutil.GzipBomb([]byte("id,service,title,detected\n"), block, 4<<10)
	peak, err := testutil.HeapPeak(func() error {
		_, err := Parse(bytes.NewReader(data), "bad.csv.gz", Options{Format: "csv", Mapping: incidentMapping})
		return err
	})
	if le := limitOf(t, err); le.What != LimitRejects {
		t.Errorf("%+v", le)
	}
	if peak > boundedHeap {
		t.Errorf("heap grew by %d MiB", peak>>20)
	}
}

func TestDecompressedByteCap(t *testing.T) {
	// Rows of empty cells produce nothing, so only the byte cap stops them.
	data := testutil.GzipBomb([]byte("id,service,title,detected\n"), bytes.Repeat([]byte(",,,\n"), 256<<10), 1<<10)
	_, err := Parse(bytes.NewReader(data), "blank.csv.gz", Options{Format: "csv", Mapping: incidentMapping, Limits: Limits{MaxBytes: 32 << 20}})
	if le := limitOf(t, err); le.What != LimitBytes || le.Limit != 32<<20 || !strings.Contains(err.Error(), "more than 32 MiB of text once decompressed") {
		t.Errorf("%+v: %v", le, err)
	}
	// A negative cap is none: the whole file is read, and holds nothing.
	small := testutil.GzipBomb([]byte("id,service,title,detected\n"), bytes.Repeat([]byte(",,,\n"), 1<<10), 1<<10)
	if _, err := Parse(bytes.NewReader(small), "blank.csv.gz", Options{Format: "csv", Mapping: incidentMapping, Limits: Limits{MaxBytes: -1}}); !errors.Is(err, ErrNothingRecognised) {
		t.Errorf("no cap: %v", err)
	}
	if _, err := Parse(bytes.NewReader(small), "blank.csv.gz", Options{Format: "csv", Mapping: incidentMapping, Limits: Limits{MaxBytes: 1 << 20}}); !isLimit(err) {
		t.Errorf("4 MiB under a 1 MiB cap: %v", err)
	}
	// Exactly at the cap is fine.
	text := "id,service,title,detected\nA,api,t,2026-07-01T10:00:00Z\n"
	if _, err := Parse(strings.NewReader(text), "x.csv", Options{Format: "csv", Mapping: incidentMapping, Limits: Limits{MaxBytes: int64(len(text))}}); err != nil {
		t.Errorf("at the cap: %v", err)
	}
	if _, err := Parse(strings.NewReader(text), "x.csv", Options{Format: "csv", Mapping: incidentMapping, Limits: Limits{MaxBytes: int64(len(text) - 1)}}); !isLimit(err) {
		t.Errorf("one byte over: %v", err)
	}
}

func TestColumnAndCellCaps(t *testing.T) {
	// A million columns: refused at the header, by Parse and by Headers
	// (the mapping page).
	wide := strings.Repeat("c,", 1000000) + "c\n1\n"
	_, err := Parse(strings.NewReader(wide), "wide.csv", Options{Format: "csv", Mapping: incidentMapping})
	if le := limitOf(t, err); le.What != LimitColumns || !strings.Contains(err.Error(), "more than 1,000 columns") {
		t.Errorf("%+v %v", le, err)
	}
	if h, _, err := Headers(strings.NewReader(wide)); len(h) != 0 || !isLimit(err) {
		t.Errorf("Headers: %d columns, %v", len(h), err)
	}
	long := "id,service,title," + strings.Repeat("x", MaxHeaderCellBytes+1) + "\n"
	if _, _, err := Headers(strings.NewReader(long)); !isLimit(err) {
		t.Errorf("long column name: %v", err)
	}
	// A row with too many cells or one too long a cell is rejected alone.
	text := "id,service,title,detected\n" +
		"A,api,ok,2026-07-01T10:00:00Z\n" +
		"B,api," + strings.Repeat("t", MaxCellBytes+1) + ",2026-07-01T10:00:00Z\n" +
		"C,api,ok,2026-07-01T10:00:00Z" + strings.Repeat(",", MaxColumns) + "\n" +
		"D,api,ok,2026-07-01T10:00:00Z\n"
	b, err := Parse(strings.NewReader(text), "x.csv", Options{Format: "csv", Mapping: incidentMapping})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Incidents) != 2 || len(b.Rejects) != 2 {
		t.Fatalf("%+v %+v", countsOf(b), b.Rejects)
	}
	if r := b.Rejects[0]; r.Line != 3 || r.Reason != `the cell in "title" is longer than 1 MiB (the limit)` || len(r.Raw) > 510 {
		t.Errorf("%d %q %d", r.Line, r.Reason, len(r.Raw))
	}
	if r := b.Rejects[1]; r.Line != 4 || r.Reason != "the row has 1004 cells; at most 1,000 are read" {
		t.Errorf("%d %q", r.Line, r.Reason)
	}
}

func TestFieldLengthLimits(t *testing.T) {
	// A title under the cell cap but over the title limit is one rejected
	// row with the field named; the others import.
	text := "id,service,title,detected\n" +
		"A,api,ok,2026-07-01T10:00:00Z\n" +
		"B,api," + strings.Repeat("é", imports.MaxTitleChars+1) + ",2026-07-01T10:00:00Z\n" +
		"C,api," + strings.Repeat("é", imports.MaxTitleChars) + ",2026-07-01T10:00:00Z\n" +
		strings.Repeat("D", imports.MaxRefChars+1) + ",api,t,2026-07-01T10:00:00Z\n"
	b, err := Parse(strings.NewReader(text), "x.csv", Options{Format: "csv", Mapping: incidentMapping})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Incidents) != 2 || len(b.Rejects) != 2 {
		t.Fatalf("%+v %+v", countsOf(b), b.Rejects)
	}
	if r := b.Rejects[0]; r.Line != 3 || r.Reason != "incident B: title longer than 1,000 characters (1,001)" {
		t.Errorf("%+v", r)
	}
	if r := b.Rejects[1]; r.Line != 5 || !strings.HasSuffix(r.Reason, "…: external id longer than 200 characters (201)") {
		t.Errorf("%+v", r)
	}
	if _, ok := b.Lines[imports.IncidentKey("B")]; ok {
		t.Error("refused record keeps its line")
	}
	imports.Validate(b) // a second run changes nothing
	if len(b.Incidents) != 2 || len(b.Rejects) != 2 {
		t.Errorf("second Validate: %+v", countsOf(b))
	}
}

func TestLimitErrorText(t *testing.T) {
	for _, tc := range []struct {
		e    LimitError
		want string
	}{
		{LimitError{What: LimitBytes, Limit: DefaultMaxBytes}, "the file holds more than 1 GiB of text once decompressed (the limit)"},
		{LimitError{What: LimitRecord, Limit: MaxRecordBytes, Line: 7}, "line 7: one record is larger than 16 MiB (the limit)"},
		{LimitError{What: LimitRecords, Limit: 500000}, "the file holds more than 500,000 records (the limit of one file)"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
	if ByteSize(1536) != "1536 bytes" || ByteSize(3<<20) != "3 MiB" {
		t.Error(ByteSize(1536), ByteSize(3<<20))
	}
}

// TestLimitsLeaveFixturesAlone: every real export reads as before.
func TestLimitsLeaveFixturesAlone(t *testing.T) {
	for _, tc := range fixtureTable {
		b, err := Parse(bytes.NewReader(readFixture(t, tc.file)), tc.file, Options{Limits: Limits{MaxRecords: 1000}})
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		if got := countsOf(b); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.file, got, tc.want)
		}
	}
	var r io.Reader = bytes.NewReader(readFixture(t, "pagerduty_insights_incidents.csv"))
	if _, err := Parse(r, "pd.csv", Options{Limits: Limits{MaxRecords: 100}}); !isLimit(err) {
		t.Errorf("774 incidents under a cap of 100: %v", err)
	}
}
