package web

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
)

func TestCSVSafeValues(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"checkout", "checkout"},
		{"Checkout 5xx spike", "Checkout 5xx spike"},
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-2", "'-2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"%x", "'%x"},
		{"|cmd", "'|cmd"},
		{"\t=1", "'\t'=1"},
		{"semi;=1+1;", "semi;'=1+1;"},
		{"a,+b", "a,'+b"},
		{"a\t@b", "a\t'@b"},
		{"x|-2", "x|'-2"},
		{"a;|=x", "a;'|'=x"}, // '|' is both: a formula start and a separator
		{"line\n=cmd", "line\n'=cmd"},
		{"line\r\n-cmd", "line\r\n'-cmd"}, // CRLF is one line break
		{"\r\n=x", "'\r\n'=x"},
		{"a;\r'\n", "a;'\r''\n"},
		{"'\n", "''\n"},
		{"a; =b", "a; '=b"},   // leading spaces do not hide a formula
		{`a;"=b"`, `a;"'=b"`}, // nor does a quote a spreadsheet reads as the cell's
		{"'=b", "''=b"},       // a quote of its own survives csvUnsafe
		{"checkout; payments", "checkout; payments"},
		{"1+1=2, a-b", "1+1=2, a-b"}, // formula characters inside a part are text
		{"Réplica;=x", "Réplica;'=x"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			if got := csvSafe(tc.in); got != tc.want {
				t.Errorf("csvSafe(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if got := csvUnsafe(tc.want); got != tc.in {
				t.Errorf("csvUnsafe(%q) = %q, want %q", tc.want, got, tc.in)
			}
		})
	}
}

// TestCSVSafeNoFormulaPart: whatever separator a spreadsheet splits a
// guarded value on, no part starts a formula.
func TestCSVSafeNoFormulaPart(t *testing.T) {
	for _, in := range []string{"semi;=1+1;", "a,=b;+c\t-d|@e", "x\n=y", `q;"=1";' =2`, "=a,=b,=c"} {
		out := csvSafe(in)
		for _, sep := range csvSeparators {
			for _, part := range strings.Split(out, string(sep)) {
				// A spreadsheet may skip spaces and a double quote; a
				// leading ' makes the rest text.
				p := strings.TrimLeft(part, ` "`)
				if p != "" && strings.ContainsRune(formulaStarts, rune(p[0])) && !strings.ContainsRune(csvSeparators, rune(p[0])) {
					t.Errorf("csvSafe(%q) = %q: split on %q, part %q starts a formula", in, out, sep, part)
				}
			}
		}
	}
}

func TestCSVWriter(t *testing.T) {
	recs := [][]string{
		{"code", "title", "services", "likelihood"},
		{"R-001", csvSafe("semi;=1+1;"), csvSafe("checkout; payments"), "3"},
		{"R-002", `say "hi", then` + "\nleave", "", "-1"},
	}
	var buf bytes.Buffer
	w := newCSVWriter(&buf)
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := `"code","title","services","likelihood"` + "\n" +
		`"R-001","semi;'=1+1;","checkout; payments","3"` + "\n" +
		`"R-002","say ""hi"", then` + "\n" + `leave","","-1"` + "\n"
	if buf.String() != want {
		t.Fatalf("wrote\n%s\nwant\n%s", buf.String(), want)
	}
	// Every field is quoted, and a CSV reader gets the records back.
	got, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(got, recs, slices.Equal) {
		t.Fatalf("read back %q, want %q", got, recs)
	}
}
