package ingest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// lineReader counts newlines as the decoder consumes bytes, so an element's
// byte offset (json.Decoder.InputOffset) can be turned into a line number.
// Offsets must be asked for in increasing order; only the newlines inside the
// decoder's read-ahead window are kept.
type lineReader struct {
	r       io.Reader
	pos     int64   // bytes read so far
	pending []int64 // offsets of newlines not yet counted
	counted int     // newlines before the last asked offset
}

func (l *lineReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '\n' {
			l.pending = append(l.pending, l.pos+int64(i))
		}
	}
	l.pos += int64(n)
	return n, err
}

// lineAt returns the 1-based line of byte offset off.
func (l *lineReader) lineAt(off int64) int {
	i := 0
	for i < len(l.pending) && l.pending[i] < off {
		i++
	}
	l.counted += i
	l.pending = l.pending[i:]
	return l.counted + 1
}

// jsonStream walks a JSON document one array element at a time. Each
// element (and each other value of the top-level object) may be at most
// MaxRecordBytes long: the decoder holds a whole value in memory.
type jsonStream struct {
	lr     *lineReader
	dec    *json.Decoder
	budget *recordBudget
	line   int // where the value being decoded starts
}

func newJSONStream(in *bufio.Reader) *jsonStream {
	budget := &recordBudget{r: in, max: MaxRecordBytes}
	lr := &lineReader{r: budget}
	dec := json.NewDecoder(lr)
	dec.UseNumber()
	s := &jsonStream{lr: lr, dec: dec, budget: budget, line: 1}
	budget.line = func() int { return s.line }
	return s
}

// elemLine is the line where the next value starts (skipping whitespace and a comma).
func (s *jsonStream) elemLine() int {
	off := s.dec.InputOffset()
	// InputOffset points just after the previous token; the next value starts
	// after optional whitespace/comma, which Buffered() shows us.
	buf, _ := io.ReadAll(io.LimitReader(s.dec.Buffered(), 4096))
	for _, c := range buf {
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ':' {
			off++
			continue
		}
		break
	}
	s.line = s.lr.lineAt(off)
	s.budget.mark()
	return s.line
}

// elementFunc handles one element of an array; line is where it starts.
type elementFunc func(raw json.RawMessage, line, index int) error

// each decodes the elements of the array the decoder is positioned at
// (the '[' not yet read).
func (s *jsonStream) each(fn elementFunc) error {
	t, err := s.dec.Token()
	if err != nil {
		return err
	}
	if t == nil { // null
		return nil
	}
	if d, ok := t.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("expected an array, got %v", t)
	}
	for i := 0; s.dec.More(); i++ {
		line := s.elemLine()
		var raw json.RawMessage
		if err := s.dec.Decode(&raw); err != nil {
			if isLimit(err) {
				return err // it says where
			}
			return fmt.Errorf("element %d (line %d): %w", i, line, err)
		}
		if err := fn(raw, line, i); err != nil {
			return err
		}
	}
	_, err = s.dec.Token() // ']'
	return err
}

// object walks the top-level object: for each key in arrays, every element
// goes to fn(key, …); other keys are decoded into others (may be nil).
// When the document is itself an array, every element goes to fn("", …).
func (s *jsonStream) object(arrays map[string]bool, fn func(key string, raw json.RawMessage, line, index int) error, others map[string]json.RawMessage) error {
	t, err := s.dec.Token()
	if err == io.EOF {
		return errors.New("empty file")
	}
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	d, ok := t.(json.Delim)
	if !ok {
		return fmt.Errorf("not a JSON object or array")
	}
	if d == '[' {
		for i := 0; s.dec.More(); i++ {
			line := s.elemLine()
			var raw json.RawMessage
			if err := s.dec.Decode(&raw); err != nil {
				if isLimit(err) {
					return err
				}
				return fmt.Errorf("element %d (line %d): %w", i, line, err)
			}
			if err := fn("", raw, line, i); err != nil {
				return err
			}
		}
		_, err := s.dec.Token()
		return err
	}
	if d != '{' {
		return fmt.Errorf("not a JSON object or array")
	}
	for s.dec.More() {
		kt, err := s.dec.Token()
		if err != nil {
			return err
		}
		key, _ := kt.(string)
		if arrays[key] {
			if err := s.each(func(raw json.RawMessage, line, index int) error { return fn(key, raw, line, index) }); err != nil {
				if isLimit(err) {
					return err
				}
				return fmt.Errorf("%s: %w", key, err)
			}
			continue
		}
		s.budget.mark()
		var raw json.RawMessage
		if err := s.dec.Decode(&raw); err != nil {
			return err
		}
		if others != nil {
			others[key] = raw
		}
	}
	_, err = s.dec.Token() // '}'
	return err
}

// Flexible JSON scalars.

// jstr accepts a string, number, bool or null.
type jstr string

func (s *jstr) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = jstr(v)
		return nil
	}
	*s = jstr(strings.TrimSpace(string(b)))
	return nil
}

func (s jstr) String() string { return strings.TrimSpace(string(s)) }

// jtime is a timestamp in any of the API formats: RFC 3339 (with or without
// fraction), epoch milliseconds, or null.
type jtime struct {
	T   *time.Time
	Raw string
	Err error
}

func (t *jtime) UnmarshalJSON(b []byte) error {
	var s jstr
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	t.Raw = s.String()
	if t.Raw == "" {
		return nil
	}
	v, err := parseTime(t.Raw, "", time.UTC)
	if err != nil {
		t.Err = err
		return nil
	}
	t.T = &v
	return nil
}

// jint is an integer given as number or string.
type jint struct {
	V   int64
	Set bool
}

func (n *jint) UnmarshalJSON(b []byte) error {
	var s jstr
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	if s.String() == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s.String(), 64)
	if err != nil {
		return fmt.Errorf("not a number: %q", s)
	}
	n.V, n.Set = int64(f), true
	return nil
}

// namedTime pairs a field name with its parsed value, for timeErr.
type namedTime struct {
	name string
	t    jtime
}

// timeErr returns the first parse error among the fields, in order.
func timeErr(fields ...namedTime) error {
	for _, f := range fields {
		if f.t.Err != nil {
			return fmt.Errorf("%s: %w", f.name, f.t.Err)
		}
	}
	return nil
}

func snippet(raw []byte) string {
	s := strings.Join(strings.Fields(string(raw)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
