package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"sreport/analytics/imports"
)

// DefaultRecordSource is the source of write-API records that name none.
const DefaultRecordSource = "api"

// RecordKinds are the kinds the write API accepts, each reading the fields
// of the generic CSV mapping (KindFields) plus "source".
var RecordKinds = []string{"deploys", "incidents", "pages"}

// ItemError is one problem with one record of a write request: its index in
// the request (0-based), the field at fault ("" when the record as a whole
// is) and the reason, worded as a file import's reject reason.
type ItemError struct {
	Index  int    `json:"index"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// ParseRecords reads write-API records: JSON objects whose fields are the
// generic CSV mapping's fields for the kind (KindFields) and "source". Every
// record goes through the same checks and normalisation as a row of a
// generic CSV import (the genIncident / genDeploy / genPage rules), so a
// record the API accepts is the record a file import would store. Timestamps
// without an offset are UTC.
//
// All records of one request must share one source (default "api"), because
// they are applied as one batch. The batch's Lines map each record to its
// index + 1. ParseRecords returns every problem found; a caller applies the
// batch only when there is none.
func ParseRecords(kind string, items []json.RawMessage, opt Options) (*imports.Batch, []ItemError) {
	fields, ok := KindFields[kind]
	if !ok || kind == "sli" || kind == "toil" || kind == "action_items" {
		return nil, []ItemError{{Index: 0, Reason: fmt.Sprintf("unknown record kind %q", kind)}}
	}
	known := map[string]int{}
	for i, f := range fields {
		known[f] = i
	}
	var errs []ItemError
	source := ""
	type item struct {
		rec []string
		src string
	}
	parsed := make([]item, len(items))
	for i, raw := range items {
		obj, err := recordObject(raw)
		if err != nil {
			errs = append(errs, ItemError{Index: i, Reason: err.Error()})
			continue
		}
		rec := make([]string, len(fields))
		src := DefaultRecordSource
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		bad := false
		for _, k := range keys {
			v, err := scalar(obj[k])
			if err != nil {
				errs = append(errs, ItemError{Index: i, Field: k, Reason: k + ": " + err.Error()})
				bad = true
				continue
			}
			if k == "source" {
				if v != "" {
					src = v
				}
				continue
			}
			j, ok := known[k]
			if !ok {
				errs = append(errs, ItemError{Index: i, Field: k, Reason: fmt.Sprintf("unknown field %q (fields: source, %s)", k, strings.Join(fields, ", "))})
				bad = true
				continue
			}
			rec[j] = v
		}
		if source == "" {
			source = src
		} else if src != source {
			errs = append(errs, ItemError{Index: i, Field: "source", Reason: fmt.Sprintf("source %q differs from the request's first record (%q): send one source per request", src, source)})
			bad = true
		}
		if !bad {
			parsed[i] = item{rec: rec, src: src}
		}
	}
	if source == "" {
		source = DefaultRecordSource
	}
	b := newBuilder("api-"+kind, source)
	b.KeepStored = false
	p := &parser{opt: opt, b: b}
	cols := make(map[string]int, len(fields))
	for i, f := range fields {
		cols[f] = i
	}
	tf := &timeField{loc: time.UTC}
	for i, it := range parsed {
		if it.rec == nil {
			continue
		}
		tf.err = nil
		r := row{rec: it.rec, cols: cols}
		line := i + 1
		var err error
		switch kind {
		case "incidents":
			err = p.genIncident(r, line, tf)
		case "deploys":
			err = p.genDeploy(r, line, tf)
		case "pages":
			err = p.genPage(r, line, tf)
		}
		if err != nil {
			e := ItemError{Index: i, Reason: err.Error()}
			var fe *FieldError
			if errors.As(err, &fe) {
				e.Field = fe.Field
			}
			errs = append(errs, e)
		}
	}
	b.finish()
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Index < errs[j].Index })
	return b.Batch, errs
}

// recordObject decodes one record as a JSON object, keeping each value raw.
func recordObject(raw json.RawMessage) (map[string]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, errors.New("a record must be a JSON object")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("a record must be a JSON object: %v", err)
	}
	return obj, nil
}

// scalar turns a JSON string, number, boolean or null into the text a CSV
// cell would hold.
func scalar(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && (raw[0] == '{' || raw[0] == '[') {
		return "", errors.New("must be a string, number or boolean")
	}
	var s jstr
	if err := s.UnmarshalJSON(raw); err != nil {
		return "", err
	}
	return s.String(), nil
}
