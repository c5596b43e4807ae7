package ingest

import (
	"encoding/csv"
	"strings"
	"testing"
)

// TestRawRowWritesAsCSVWriter: rawRow (a reject's raw text) quotes exactly
// as encoding/csv's Writer, which it replaced for speed.
func TestRawRowWritesAsCSVWriter(t *testing.T) {
	rows := [][]string{
		{"a", "b", "c"},
		{"", "", ""},
		{"with,comma", `with "quote"`, "line\nbreak", "cr\rhere", " leading space", "\tleading tab", `\.`, "trailing "},
		{"ünïcödé", "\u00a0nbsp first", "x\r\n"},
		{},
		{""},
	}
	for _, rec := range rows {
		var b strings.Builder
		w := csv.NewWriter(&b)
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		want := strings.TrimRight(b.String(), "\r\n")
		if got := rawRow(rec); got != want {
			t.Errorf("rawRow(%q) = %q, want %q", rec, got, want)
		}
	}
}
