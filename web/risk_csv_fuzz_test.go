package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"sreport/analytics"
)

// FuzzRiskCSV feeds the risk register import with mutated registers
// (seeded from the fixture, testdata/real when present, and the inputs kept
// in testdata/fuzz/FuzzRiskCSV): it never panics, every row it would import
// passes the register's own validation, and every refused row says which
// line it is.
func FuzzRiskCSV(f *testing.F) {
	for _, dir := range []string{"../testdata/fixtures", "../testdata/real"} {
		paths, _ := filepath.Glob(filepath.Join(dir, "*risk*.csv"))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte("code;title;service;likelihood;impact;owner;status;accepted by;linked incidents\nR-001;t;Checkout;2;3;o;accepted;vp;#1, 2\n"))
	f.Add([]byte("\xff\xfet\x00i\x00t\x00l\x00e\x00\n\x00"))
	stored := analytics.Risk{ID: 1, Code: "R-001", Title: "stored", Services: []string{"checkout"}, Category: "capacity",
		Likelihood: 2, Impact: 2, Owner: "o", Status: analytics.RiskOpen, IncidentIDs: []int64{1}}
	f.Fuzz(func(t *testing.T, data []byte) {
		text, _, err := decodeRiskUpload(data)
		if err != nil {
			return
		}
		if !utf8.ValidString(text) {
			t.Fatalf("decoded text is not UTF-8: %q", text)
		}
		for _, note := range []string{"", "accepted at the board review"} {
			in := riskImportInput{known: map[string]string{"checkout": "checkout"}, stored: map[string]analytics.Risk{"R-001": stored},
				acceptNote: note, acceptBy: "cto"}
			res, err := parseRiskCSV(strings.NewReader(text), in)
			if err != nil {
				continue
			}
			codes := map[string]bool{}
			for _, r := range res.rows {
				if errs := r.risk.Validate(); len(errs) > 0 {
					t.Errorf("line %d would import an invalid risk: %v", r.line, errs)
				}
				if c := r.risk.Code; c != "" {
					if codes[c] {
						t.Errorf("code %s imported twice", c)
					}
					codes[c] = true
				}
			}
			for _, e := range res.errs {
				if e.line < 1 || e.reason == "" {
					t.Errorf("row error without a line or reason: %+v", e)
				}
			}
		}
	})
}
