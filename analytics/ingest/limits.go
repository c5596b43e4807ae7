package ingest

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Limits bound what one file can make an importer read and hold, so that a
// small compressed file cannot expand into gigabytes of memory (a
// decompression bomb) and a single absurd line cannot either. Every limit
// that a file goes over ends its parse with a *LimitError; nothing of the
// file is imported.
//
// The size of one record, one cell and the number of columns are fixed
// (MaxRecordBytes, MaxCellBytes, MaxHeaderCellBytes, MaxColumns,
// MaxRejects); a file's total size and its number of records depend on who
// imports it, so they are set per parse.
type Limits struct {
	// MaxBytes caps the text of one file after gzip is undone (what the
	// parser reads, not what was uploaded). 0 means DefaultMaxBytes; a
	// negative value means no limit.
	MaxBytes int64
	// MaxRecords caps the records (incidents, deploys, pages, SLI days,
	// toil weeks, action items), rejected rows and skipped items one file
	// may produce. 0 means no limit (the command line); the web upload
	// sets one, because it keeps the parsed file in the server's memory.
	MaxRecords int
}

// DefaultMaxBytes is the text one file may hold once decompressed: 16 times
// the web upload's 64 MiB cap, enough for every real export we have seen
// and small enough that the parsed records fit in a server's memory.
const DefaultMaxBytes int64 = 1 << 30

const (
	// MaxRecordBytes caps one CSV record (all its lines when a quoted cell
	// spans lines) and one element of a JSON array.
	MaxRecordBytes = 16 << 20
	// MaxYAMLDocumentBytes caps one YAML document (an Argo CD List is
	// one; an OpenSLO file's documents together, as they are all kept): the decoder holds the whole parsed document, 12 times its text
	// for the real Applications sample and up to 28 times for dense
	// documents of small nodes (measured), so 16 MiB of text is 200 to
	// 460 MiB of memory; about 1,000 Applications of the sample's size.
	MaxYAMLDocumentBytes = 16 << 20
	// MaxCellBytes caps one CSV cell; a row with a longer one is rejected.
	MaxCellBytes = 1 << 20
	// MaxHeaderCellBytes caps one column name of a CSV header.
	MaxHeaderCellBytes = 256
	// MaxColumns caps a CSV file's columns: the header's, and any row's
	// (a longer row is rejected).
	MaxColumns = 1000
	// MaxRejects is how many rejected rows a file may have before reading
	// stops: past it the file is wrong as a whole, and listing every row
	// would only use memory.
	MaxRejects = 50000
)

// LimitError says which limit a file went over. Line is where, when known.
type LimitError struct {
	What  string // one of the Limit* constants
	Limit int64
	Line  int
}

// What a LimitError is about.
const (
	LimitBytes   = "bytes"
	LimitRecord  = "record"
	LimitColumns = "columns"
	LimitHeader  = "header cell"
	LimitRecords = "records"
	LimitRejects = "rejects"
	// LimitYAMLDocument: one YAML document over MaxYAMLDocumentBytes.
	LimitYAMLDocument = "YAML document"
)

func (e *LimitError) Error() string {
	at := ""
	if e.Line > 0 {
		at = "line " + strconv.Itoa(e.Line) + ": "
	}
	switch e.What {
	case LimitBytes:
		return fmt.Sprintf("the file holds more than %s of text once decompressed (the limit)", ByteSize(e.Limit))
	case LimitRecord:
		return fmt.Sprintf("%sone record is larger than %s (the limit)", at, ByteSize(e.Limit))
	case LimitColumns:
		return fmt.Sprintf("%sthe header has more than %s columns (the limit)", at, thousands(e.Limit))
	case LimitHeader:
		return fmt.Sprintf("%sa column name in the header is longer than %d bytes (the limit)", at, e.Limit)
	case LimitRecords:
		return fmt.Sprintf("the file holds more than %s records (the limit of one file)", thousands(e.Limit))
	case LimitYAMLDocument:
		return fmt.Sprintf("one YAML document (an OpenSLO file: all its documents) is larger than %s, the limit, as YAML is parsed a whole document at a time; "+
			"split it into several documents, or export Argo CD Applications as JSON (kubectl get applications -o json), which is read one at a time", ByteSize(e.Limit))
	case LimitRejects:
		return fmt.Sprintf("more than %s rows were rejected, so reading stopped; fix the file (the first rejected rows show what is wrong)", thousands(e.Limit))
	}
	return at + "over a limit: " + e.What
}

// Amount is the limit as the messages state it: "1 GiB" for sizes,
// "500,000" for counts.
func (e *LimitError) Amount() string {
	switch e.What {
	case LimitBytes, LimitRecord, LimitYAMLDocument:
		return ByteSize(e.Limit)
	case LimitHeader:
		return strconv.FormatInt(e.Limit, 10) + " bytes"
	}
	return thousands(e.Limit)
}

// ByteSize formats a byte count the way limits are stated: "1 GiB", "64 MiB", "256 bytes".
func ByteSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + " GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// thousands writes n with thousands separators: 1000000 → "1,000,000".
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// maxBytes is the effective byte cap of l (0 = none).
func (l Limits) maxBytes() int64 {
	switch {
	case l.MaxBytes == 0:
		return DefaultMaxBytes
	case l.MaxBytes < 0:
		return 0
	}
	return l.MaxBytes
}

// textBudget sits right under the decoders: it counts the decompressed
// bytes and fails the read that goes past the cap. It is also how the
// builder stops a parse that produced too much: after stop, every read
// fails, so whichever decoder is running returns the error at its next read.
type textBudget struct {
	r    io.Reader
	n    int64
	max  int64 // 0 = no cap
	stop error
}

func (t *textBudget) Read(p []byte) (int, error) {
	if t.stop != nil {
		return 0, t.stop
	}
	if t.max > 0 {
		left := t.max - t.n + 1 // one byte past the cap tells "more" from "exactly"
		if int64(len(p)) > left {
			p = p[:left]
		}
	}
	n, err := t.r.Read(p)
	t.n += int64(n)
	if t.max > 0 && t.n > t.max {
		t.stop = &LimitError{What: LimitBytes, Limit: t.max}
		return n - int(t.n-t.max), t.stop
	}
	return n, err
}

// fail makes every later read return err.
func (t *textBudget) fail(err error) {
	if t.stop == nil {
		t.stop = err
	}
}

// recordBudget caps the bytes read for one record: the reader above it
// marks where each record starts, and a read that takes the current record
// past max fails. Reads are at most readChunk bytes, so what the reader
// above buffers beyond the record it is working on stays small.
type recordBudget struct {
	r     io.Reader
	n     int64 // bytes read
	start int64 // n when the current record started
	max   int64
	line  func() int // the current record's first line, for the error
	err   error
}

// readChunk bounds one read from a recordBudget (and so the read-ahead the
// decoders above keep).
const readChunk = 64 << 10

func (b *recordBudget) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) > readChunk {
		p = p[:readChunk]
	}
	if b.n-b.start > b.max+readChunk {
		// The record (plus at most one chunk read ahead) is over the cap.
		line := 0
		if b.line != nil {
			line = b.line()
		}
		b.err = &LimitError{What: LimitRecord, Limit: b.max, Line: line}
		return 0, b.err
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}

// mark says a new record starts here.
func (b *recordBudget) mark() { b.start = b.n }

// isLimit reports whether err is (or wraps) a LimitError.
func isLimit(err error) bool {
	var le *LimitError
	return errors.As(err, &le)
}
