package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"sreport/analytics/imports"
)

// The generic CSV's column mapping as typed on the command line
// (--map service=Component,title=Summary) or kept in a file
// (--mapping-file), so any tool's CSV imports without the web UI.

// mappingSettings are the keys of a mapping spec that are not fields.
var mappingSettings = map[string]bool{"kind": true, "date_layout": true, "source": true, "name": true}

// ParseMappingSpec reads "field=Header,field=Header…" into a Mapping of
// kind. Pairs are comma-separated; a header holding a comma is quoted:
// service="Affected service, primary". The keys
// kind, date_layout and source may appear too; kind "" is inferred from
// the fields when only one kind has them all (InferKind). The mapping is
// checked with ValidateMapping.
func ParseMappingSpec(kind, spec string) (*imports.Mapping, error) {
	var pairs []string
	var cur strings.Builder
	inQ := false
	for _, c := range spec {
		switch {
		case c == '"':
			inQ = !inQ
			cur.WriteRune(c)
		case c == ',' && !inQ:
			pairs = append(pairs, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(c)
		}
	}
	if inQ {
		return nil, errors.New("--map: a quote is not closed")
	}
	pairs = append(pairs, cur.String())
	return mappingFromPairs(kind, pairs, "--map")
}

// ReadMappingFile reads a mapping file: either JSON as the web UI saves a
// mapping ({"kind":"incidents","columns":{"service":"Component"},
// "date_layout":"dd/mm/yyyy","source":"statuspage"}), or lines of
// field=Header (kind=…, date_layout=…, source=… too; # starts a comment).
func ReadMappingFile(r io.Reader) (*imports.Mapping, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("mapping file: %w", err)
	}
	text := strings.TrimSpace(strings.TrimPrefix(string(data), "\ufeff"))
	if strings.HasPrefix(text, "{") {
		var f struct {
			Name        string            `json:"name"`
			Kind        string            `json:"kind"`
			Columns     map[string]string `json:"columns"`
			DateLayout  string            `json:"date_layout"`
			Source      string            `json:"source"`
			SeverityMap map[string]int    `json:"severity_map"`
		}
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("mapping file: %w", err)
		}
		m := &imports.Mapping{Name: f.Name, Kind: f.Kind, Columns: f.Columns, DateLayout: f.DateLayout, Source: f.Source, SeverityMap: f.SeverityMap}
		if m.Kind == "" {
			if m.Kind, err = InferKind(m.Columns); err != nil {
				return nil, fmt.Errorf("mapping file: %w", err)
			}
		}
		if m.Name == "" {
			m.Name = "mapping file"
		}
		if err := ValidateMapping(m); err != nil {
			return nil, err
		}
		return m, nil
	}
	var pairs []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		pairs = append(pairs, line)
	}
	return mappingFromPairs("", pairs, "mapping file")
}

func mappingFromPairs(kind string, pairs []string, what string) (*imports.Mapping, error) {
	m := &imports.Mapping{Name: what, Kind: strings.TrimSpace(kind), Columns: map[string]string{}}
	for _, p := range pairs {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		v = strings.Trim(v, `"`)
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%s: %q is not field=Header (e.g. service=Component)", what, p)
		}
		switch k {
		case "kind":
			if m.Kind != "" && m.Kind != v {
				return nil, fmt.Errorf("%s: kind %q and %q", what, m.Kind, v)
			}
			m.Kind = v
		case "date_layout":
			m.DateLayout = v
		case "source":
			m.Source = v
		case "name":
			m.Name = v
		default:
			if _, dup := m.Columns[k]; dup {
				return nil, fmt.Errorf("%s: field %q mapped twice", what, k)
			}
			m.Columns[k] = v
		}
	}
	if len(m.Columns) == 0 {
		return nil, fmt.Errorf("%s: no field=Header pair", what)
	}
	if m.Kind == "" {
		var err error
		if m.Kind, err = InferKind(m.Columns); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := ValidateMapping(m); err != nil {
		return nil, err
	}
	return m, nil
}

// InferKind returns the one record kind whose fields include every mapped
// field and whose required fields are all mapped; it is an error when no
// kind or several fit (then the kind must be named).
func InferKind(cols map[string]string) (string, error) {
	var fits []string
	for kind, fields := range KindFields {
		if kind == "sli" || kind == "toil" {
			continue // their own formats
		}
		known := map[string]bool{}
		for _, f := range fields {
			known[f] = true
		}
		ok := true
		for f := range cols {
			if !known[f] && !mappingSettings[f] {
				ok = false
				break
			}
		}
		for _, f := range RequiredFields[kind] {
			if cols[f] == "" {
				ok = false
			}
		}
		if ok {
			fits = append(fits, kind)
		}
	}
	sort.Strings(fits)
	switch len(fits) {
	case 1:
		return fits[0], nil
	case 0:
		return "", errors.New("no record kind has all these fields with its required ones mapped; name the kind (incidents, deploys, pages, action_items)")
	}
	return "", fmt.Errorf("the fields fit %s; name the kind", strings.Join(fits, " and "))
}
