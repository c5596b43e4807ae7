package ingest

import (
	"encoding/csv"
	"io"
)

// The spreadsheet reading of the importers, for other CSV uploads (the risk
// register): one reader and one header normaliser for every file a user
// brings, so a file the import page reads is read the same everywhere.

// DecodeText returns r's content as UTF-8 text, as every importer reads it:
// gzip, a UTF-8 or UTF-16 byte order mark and windows-1252 bytes are undone.
func DecodeText(r io.Reader) (io.Reader, error) {
	return openInput(r)
}

// NewCSVReader reads r as the importers read CSV: the text decoded as by
// DecodeText, the delimiter (',', ';', tab or '|') sniffed from the first
// line, quotes read leniently, and rows of any width.
func NewCSVReader(r io.Reader) (*csv.Reader, error) {
	in, err := openInput(r)
	if err != nil {
		return nil, err
	}
	return newCSVReader(in), nil
}

// NormHeader folds a header cell the way the importers match columns:
// lower case, and every run of characters that are not letters or digits
// one "_" ("Risk Title " → "risk_title", "Custom field (Impact start)" →
// "custom_field_impact_start").
func NormHeader(s string) string { return normHeader(s) }
