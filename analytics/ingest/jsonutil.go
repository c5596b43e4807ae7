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

// elemLine is the line where the next value starts (skipping whitespace
// and a comma), and starts a new record there: the value is one element,
// which may be MaxRecordBytes long.
func (s *jsonStream) elemLine() int {
	line := s.valueLine()
	s.budget.mark()
	return line
}

// valueLine is elemLine without starting a new record: the members of one
// object (a record given alone, an envelope's other keys) count together
// against MaxRecordBytes.
func (s *jsonStream) valueLine() int {
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
	return s.walk(shape{arrays: arrays}, fn, others)
}

// shape is how the APIs wrap the records of one kind: a bare array, an
// envelope whose keys hold arrays ({"incidents":[…]}) or one record
// ({"incident":{…}}), or the record alone (GET of one object).
type shape struct {
	arrays  map[string]bool // envelope keys holding arrays of records
	singles map[string]bool // envelope keys holding one record
	// selfKey: a top-level object with this key and none of the envelope
	// keys is one record itself ("" = never).
	selfKey string
}

// walk reads the document in one of sh's shapes: every record goes to
// fn(key, raw, line, index) (key "" for a bare array or the record alone);
// the envelope's other keys are decoded into others (may be nil).
func (s *jsonStream) walk(sh shape, fn func(key string, raw json.RawMessage, line, index int) error, others map[string]json.RawMessage) error {
	top := s.elemLine()
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
	// The keys are kept while it is open whether the object is an envelope
	// or a record; a record is re-assembled from them at the end.
	var self map[string]json.RawMessage
	if sh.selfKey != "" {
		self = map[string]json.RawMessage{}
	}
	envelope := false
	for s.dec.More() {
		kt, err := s.dec.Token()
		if err != nil {
			return err
		}
		key, _ := kt.(string)
		if sh.arrays[key] {
			envelope = true
			if err := s.each(func(raw json.RawMessage, line, index int) error { return fn(key, raw, line, index) }); err != nil {
				if isLimit(err) {
					return err
				}
				return fmt.Errorf("%s: %w", key, err)
			}
			continue
		}
		line := s.valueLine()
		var raw json.RawMessage
		if err := s.dec.Decode(&raw); err != nil {
			return err
		}
		if sh.singles[key] && isObject(raw) {
			envelope = true
			if err := fn(key, raw, line, 0); err != nil {
				return err
			}
			continue
		}
		if others != nil {
			others[key] = raw
		}
		if self != nil {
			self[key] = raw
		}
	}
	if _, err := s.dec.Token(); err != nil { // '}'
		return err
	}
	if self != nil && !envelope {
		if _, ok := self[sh.selfKey]; ok {
			raw, err := json.Marshal(self)
			if err != nil {
				return err
			}
			return fn("", raw, top, 0)
		}
	}
	return nil
}

// isObject reports whether raw is a JSON object.
func isObject(raw json.RawMessage) bool {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c == '{'
	}
	return false
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
