package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// detectSize is how much of a file Detect looks at.
const detectSize = 64 << 10

// openInput undoes the transport encodings of an export: gzip (by magic
// bytes), a UTF-8 or UTF-16 byte order mark, and windows-1252 bytes (any
// byte sequence that is not valid UTF-8 is read as windows-1252, so UTF-8
// files, windows-1252 files and files that mix both all come out as UTF-8).
// The decompressed text is capped at DefaultMaxBytes.
func openInput(r io.Reader) (*bufio.Reader, error) {
	in, _, err := openLimited(r, DefaultMaxBytes)
	return in, err
}

// openLimited is openInput with a cap of max decompressed bytes (0 = none);
// the budget it returns also lets the caller stop every later read.
func openLimited(r io.Reader, max int64) (*bufio.Reader, *textBudget, error) {
	br := bufio.NewReaderSize(r, detectSize)
	var text io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("ingest: gzip: %w", err)
		}
		zr.Multistream(true)
		text = zr
	}
	budget := &textBudget{r: text, max: max}
	br = bufio.NewReaderSize(budget, detectSize)
	var src io.Reader = br
	bom, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(bom, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(bom, []byte{0xFF, 0xFE}), bytes.HasPrefix(bom, []byte{0xFE, 0xFF}):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		src = transform.NewReader(br, dec)
	}
	return bufio.NewReaderSize(&fallback1252{r: src}, detectSize), budget, nil
}

// fallback1252 passes valid UTF-8 through and decodes every byte that is not
// part of a valid UTF-8 sequence as windows-1252.
type fallback1252 struct {
	r   io.Reader
	in  []byte // raw bytes not yet converted (an incomplete UTF-8 tail)
	out []byte // converted bytes not yet returned
	buf []byte
	err error
}

func (f *fallback1252) Read(p []byte) (int, error) {
	for len(f.out) == 0 {
		if f.err != nil {
			if len(f.in) > 0 {
				f.convert(true)
				continue
			}
			return 0, f.err
		}
		if f.buf == nil {
			f.buf = make([]byte, 32<<10)
		}
		n, err := f.r.Read(f.buf)
		f.in = append(f.in, f.buf[:n]...)
		if err != nil {
			f.err = err
		}
		f.convert(f.err != nil)
	}
	n := copy(p, f.out)
	f.out = f.out[n:]
	return n, nil
}

func (f *fallback1252) convert(final bool) {
	in := f.in
	out := f.out[:0]
	i := 0
	for i < len(in) {
		c := in[i]
		if c < utf8.RuneSelf {
			out = append(out, c)
			i++
			continue
		}
		if !final && !utf8.FullRune(in[i:]) {
			break // wait for the rest of the sequence
		}
		r, size := utf8.DecodeRune(in[i:])
		if r == utf8.RuneError && size <= 1 {
			out = utf8.AppendRune(out, charmap.Windows1252.DecodeByte(c))
			i++
			continue
		}
		out = append(out, in[i:i+size]...)
		i += size
	}
	f.out = out
	f.in = append(f.in[:0], in[i:]...)
}
