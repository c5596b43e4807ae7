package ingest

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// csvFile streams records with the line number of each record's start.
type csvFile struct {
	r      *csv.Reader
	header []string
	cols   map[string][]int // normalised header → positions, in order
	errs   int
}

// sniffDelimiter picks ',', ';', '\t' or '|' from the first line (outside quotes).
func sniffDelimiter(head []byte) rune {
	counts := map[rune]int{}
	inQ := false
	for _, c := range string(head) {
		if c == '"' {
			inQ = !inQ
			continue
		}
		if inQ {
			continue
		}
		if c == '\n' {
			break
		}
		switch c {
		case ',', ';', '\t', '|':
			counts[c]++
		}
	}
	best, n := ',', counts[',']
	for _, c := range []rune{';', '\t', '|'} {
		if counts[c] > n {
			best, n = c, counts[c]
		}
	}
	return best
}

func newCSVReader(in *bufio.Reader) *csv.Reader {
	head, _ := in.Peek(4096)
	r := csv.NewReader(in)
	r.Comma = sniffDelimiter(head)
	r.FieldsPerRecord = -1 // Jira rows can be wider than the header
	r.LazyQuotes = true
	r.ReuseRecord = false
	return r
}

// openCSV reads the header row.
func openCSV(in *bufio.Reader) (*csvFile, error) {
	r := newCSVReader(in)
	h, err := r.Read()
	if err == io.EOF {
		return nil, errors.New("empty file: no header row")
	}
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	f := &csvFile{r: r, header: h, cols: map[string][]int{}}
	for i, name := range h {
		name = strings.TrimPrefix(name, "\ufeff")
		h[i] = strings.TrimSpace(name)
		k := normHeader(name)
		f.cols[k] = append(f.cols[k], i)
	}
	return f, nil
}

// next returns the next non-blank record and the line it starts on.
// A malformed record becomes a reject and reading goes on.
func (f *csvFile) next(b *builder) (rec []string, line int, err error) {
	for {
		rec, err = f.r.Read()
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				f.errs++
				b.reject(pe.StartLine, "", "malformed CSV record: %v", pe.Err)
				if f.errs > 1000 {
					return nil, 0, fmt.Errorf("too many malformed CSV records: %w", err)
				}
				continue
			}
			return nil, 0, err
		}
		line, _ = f.r.FieldPos(0)
		if blank(rec) {
			continue
		}
		return rec, line, nil
	}
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// normHeader lowercases and folds every run of non-letters/digits into "_":
// "Incident ID" → "incident_id", "Custom field (Impact start)" → "custom_field_impact_start".
func normHeader(s string) string {
	var b strings.Builder
	us := false
	for _, r := range strings.ToLower(strings.TrimSpace(strings.TrimPrefix(s, "\ufeff"))) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			us = false
		} else if !us && b.Len() > 0 {
			b.WriteByte('_')
			us = true
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}

// col returns the position of the first alias present in the header, -1 if none.
func (f *csvFile) col(aliases ...string) int {
	for _, a := range aliases {
		if is, ok := f.cols[normHeader(a)]; ok {
			return is[0]
		}
	}
	return -1
}

// colsOf returns every position of a repeated header (Jira's Labels, Comment…).
func (f *csvFile) colsOf(name string) []int { return f.cols[normHeader(name)] }

// cell returns the trimmed cell at i ("" when i < 0 or the row is short).
func cell(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// rawRow renders a record for Reject.Raw.
func rawRow(rec []string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(rec)
	w.Flush()
	return strings.TrimRight(b.String(), "\r\n")
}

// Headers returns the header and the first rows of a CSV file (gzip,
// BOM and windows-1252 handled), for the column-mapping UI.
func Headers(r io.Reader) (header []string, rows [][]string, err error) {
	in, err := openInput(r)
	if err != nil {
		return nil, nil, err
	}
	f, err := openCSV(in)
	if err != nil {
		return nil, nil, err
	}
	b := newBuilder("csv", "csv")
	for len(rows) < 20 {
		rec, _, err := f.next(b)
		if err == io.EOF {
			break
		}
		if err != nil {
			return f.header, rows, err
		}
		rows = append(rows, rec)
	}
	return f.header, rows, nil
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1", "t", "x":
		return true, true
	case "false", "no", "n", "0", "f", "":
		return false, true
	}
	return false, false
}
