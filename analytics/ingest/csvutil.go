package ingest

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// csvFile streams records with the line number of each record's start.
type csvFile struct {
	r      *csv.Reader
	budget *recordBudget
	header []string
	cols   map[string][]int // normalised header → positions, in order
	errs   int
	last   int // line of the last record returned
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
	r, _ := newBudgetCSVReader(in)
	return r
}

// newBudgetCSVReader is newCSVReader reading through a record budget of
// MaxRecordBytes, which the caller marks at every record's start.
func newBudgetCSVReader(in *bufio.Reader) (*csv.Reader, *recordBudget) {
	head, _ := in.Peek(4096)
	budget := &recordBudget{r: in, max: MaxRecordBytes}
	r := csv.NewReader(budget)
	r.Comma = sniffDelimiter(head)
	r.FieldsPerRecord = -1 // Jira rows can be wider than the header
	r.LazyQuotes = true
	r.ReuseRecord = false
	return r, budget
}

// openCSV reads the header row: at most MaxColumns columns, each name at
// most MaxHeaderCellBytes long.
func openCSV(in *bufio.Reader) (*csvFile, error) {
	r, budget := newBudgetCSVReader(in)
	budget.line = func() int { return 1 }
	h, err := r.Read()
	if err == io.EOF {
		return nil, errors.New("empty file: no header row")
	}
	if err != nil {
		if isLimit(err) {
			return nil, err
		}
		return nil, fmt.Errorf("header: %w", err)
	}
	line, _ := r.FieldPos(0)
	if len(h) > MaxColumns {
		return nil, &LimitError{What: LimitColumns, Limit: MaxColumns, Line: line}
	}
	for _, name := range h {
		if len(name) > MaxHeaderCellBytes {
			return nil, &LimitError{What: LimitHeader, Limit: MaxHeaderCellBytes, Line: line}
		}
	}
	f := &csvFile{r: r, budget: budget, header: h, cols: map[string][]int{}, last: line}
	budget.line = func() int { return f.last + 1 }
	for i, name := range h {
		name = strings.TrimPrefix(name, "\ufeff")
		h[i] = strings.TrimSpace(name)
		k := normHeader(name)
		f.cols[k] = append(f.cols[k], i)
	}
	return f, nil
}

// next returns the next non-blank record and the line it starts on.
// A malformed record, or one with more than MaxColumns cells or a cell
// longer than MaxCellBytes, becomes a reject and reading goes on; a record
// longer than MaxRecordBytes, or any limit the builder hit, ends the file.
func (f *csvFile) next(b *builder) (rec []string, line int, err error) {
	for {
		if b.over != nil {
			return nil, 0, b.over
		}
		f.budget.mark()
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
		f.last, _ = f.r.FieldPos(len(rec) - 1)
		if blank(rec) {
			continue
		}
		if reason := f.oversize(rec); reason != "" {
			b.reject(line, rawRow(clip(rec)), "%s", reason)
			continue
		}
		return rec, line, nil
	}
}

// oversize says why a record is too wide or has too long a cell, or "".
func (f *csvFile) oversize(rec []string) string {
	if len(rec) > MaxColumns {
		return fmt.Sprintf("the row has %d cells; at most %s are read", len(rec), thousands(MaxColumns))
	}
	for i, c := range rec {
		if len(c) > MaxCellBytes {
			col := "column " + strconv.Itoa(i+1)
			if i < len(f.header) && f.header[i] != "" {
				col = strconv.Quote(f.header[i])
			}
			return fmt.Sprintf("the cell in %s is longer than %s (the limit)", col, ByteSize(MaxCellBytes))
		}
	}
	return ""
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

// clip keeps the start of an oversize record, enough for Reject.Raw.
func clip(rec []string) []string {
	var out []string
	n := 0
	for _, c := range rec {
		if n >= 600 {
			break
		}
		if len(c) > 600 {
			c = c[:600]
		}
		out = append(out, c)
		n += len(c) + 1
	}
	return out
}

// rawRow renders a record for Reject.Raw.
func rawRow(rec []string) string {
	// Written by hand as encoding/csv's Writer quotes (a cell with a comma,
	// quote, line break or leading space is quoted, quotes doubled): a
	// csv.Writer per row allocated 4 KiB for every row of every file.
	n := len(rec)
	for _, c := range rec {
		n += len(c) + 2
	}
	var b strings.Builder
	b.Grow(n)
	for i, c := range rec {
		if i > 0 {
			b.WriteByte(',')
		}
		if !csvNeedsQuotes(c) {
			b.WriteString(c)
			continue
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(c, `"`, `""`))
		b.WriteByte('"')
	}
	return strings.TrimRight(b.String(), "\r\n")
}

// csvNeedsQuotes is encoding/csv's fieldNeedsQuotes for the ',' delimiter.
func csvNeedsQuotes(field string) bool {
	if field == "" {
		return false
	}
	if field == `\.` {
		return true
	}
	if strings.ContainsAny(field, `,"`+"\r\n") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(field)
	return unicode.IsSpace(r)
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
