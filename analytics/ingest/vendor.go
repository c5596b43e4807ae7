package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"
	"time"

	"sreport/analytics"
)

// Shared pieces of the incident-management and CI/CD importers added for
// incident.io, FireHydrant, Rootly, Statuspage, Grafana OnCall, Datadog,
// Opsgenie CSV, Azure DevOps, CircleCI, Bitbucket and Argo CD YAML: reading
// a value that is either an array or one object, and the checks every
// incident and deploy of those formats passes before it is added.

// eachOrOne decodes the value the decoder is positioned at (its first token
// not yet read): every element of an array, or the value itself when it is
// one object, goes to fn. null gives nothing. A single object is rebuilt
// from its members (key order is not kept, values are unchanged).
func (s *jsonStream) eachOrOne(fn elementFunc) error {
	line := s.elemLine()
	t, err := s.dec.Token()
	if err != nil {
		return err
	}
	d, ok := t.(json.Delim)
	switch {
	case t == nil:
		return nil
	case ok && d == '[':
		return s.elements(fn)
	case ok && d == '{':
		members := map[string]json.RawMessage{}
		for s.dec.More() {
			kt, err := s.dec.Token()
			if err != nil {
				return err
			}
			key, _ := kt.(string)
			var raw json.RawMessage
			if err := s.dec.Decode(&raw); err != nil {
				if isLimit(err) {
					return err // it says where
				}
				return fmt.Errorf("%s: %w", key, err)
			}
			members[key] = raw
		}
		if _, err := s.dec.Token(); err != nil { // '}'
			return err
		}
		whole, err := json.Marshal(members)
		if err != nil {
			return err
		}
		return fn(whole, line, 0)
	}
	return fmt.Errorf("expected an array or an object, got %v", t)
}

// elements decodes the elements of an array whose '[' was just read, and
// its closing ']'.
func (s *jsonStream) elements(fn elementFunc) error {
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
	_, err := s.dec.Token() // ']'
	return err
}

// topLevel walks a document whose records sit in an array under one of
// keys (or in an array or object value of one of them, or in a top-level
// array). When the document is a single record (none of the keys), the
// whole object goes to single, which may be nil.
func (s *jsonStream) topLevel(keys []string, fn func(key string, raw json.RawMessage, line, index int) error, single func(raw json.RawMessage) error) error {
	t, err := s.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty file")
		}
		return fmt.Errorf("not JSON: %w", err)
	}
	d, ok := t.(json.Delim)
	if !ok {
		return fmt.Errorf("not a JSON object or array")
	}
	if d == '[' {
		return s.elements(func(raw json.RawMessage, line, index int) error { return fn("", raw, line, index) })
	}
	if d != '{' {
		return fmt.Errorf("not a JSON object or array")
	}
	isKey := map[string]bool{}
	for _, k := range keys {
		isKey[k] = true
	}
	found := false
	others := map[string]json.RawMessage{}
	for s.dec.More() {
		kt, err := s.dec.Token()
		if err != nil {
			return err
		}
		key, _ := kt.(string)
		if isKey[key] {
			found = true
			if err := s.eachOrOne(func(raw json.RawMessage, line, index int) error { return fn(key, raw, line, index) }); err != nil {
				if isLimit(err) {
					return err
				}
				return fmt.Errorf("%s: %w", key, err)
			}
			continue
		}
		var raw json.RawMessage
		if err := s.dec.Decode(&raw); err != nil {
			return err
		}
		others[key] = raw
	}
	if _, err := s.dec.Token(); err != nil { // '}'
		return err
	}
	if !found && single != nil && len(others) > 0 {
		whole, err := json.Marshal(others)
		if err != nil {
			return err
		}
		return single(whole)
	}
	return nil
}

// addVendorIncident finishes an incident one of the vendor formats built:
// the default service when the file names none, the severity from its raw
// value, the status from the times when the source gave none; an incident
// without id, service or detection time is a reject.
func (p *parser) addVendorIncident(line int, raw json.RawMessage, where string, in analytics.Incident) {
	if in.ExternalID == "" {
		p.b.reject(line, snippet(raw), "%s: no id", where)
		return
	}
	if in.Service == "" {
		in.Service = strings.TrimSpace(p.opt.DefaultService)
	}
	if in.Service == "" {
		p.b.reject(line, snippet(raw), "%s: incident %s names no service; set a default service for this file or map the field", where, in.ExternalID)
		return
	}
	if in.DetectedAt.IsZero() {
		p.b.reject(line, snippet(raw), "%s: incident %s has no creation time", where, in.ExternalID)
		return
	}
	if in.Severity == analytics.SevUnknown && in.SeverityRaw != "" {
		in.Severity = p.severity(in.SeverityRaw)
		p.noteUnmappedSeverity(in.SeverityRaw, in.Severity)
	}
	if in.Status == "" {
		in.Status = statusFromTimes(in)
	}
	p.b.addIncident(line, in)
}

// statusFromTimes is an incident's status when the source says nothing
// usable: the latest lifecycle time it has.
func statusFromTimes(in analytics.Incident) string {
	switch {
	case in.ResolvedAt != nil:
		return analytics.StatusResolved
	case in.MitigatedAt != nil:
		return analytics.StatusMitigated
	case in.AcknowledgedAt != nil:
		return analytics.StatusAcknowledged
	}
	return analytics.StatusOpen
}

// addVendorDeploy finishes a deploy one of the CI/CD formats built: the
// default service when the file names none; a deploy without id, service
// or finish time is a reject.
func (p *parser) addVendorDeploy(line int, raw json.RawMessage, where string, d analytics.Deploy) {
	if d.ExternalID == "" {
		p.b.reject(line, snippet(raw), "%s: no id", where)
		return
	}
	if d.Service == "" {
		d.Service = strings.TrimSpace(p.opt.DefaultService)
	}
	if d.Service == "" {
		p.b.reject(line, snippet(raw), "%s: %s names no service (repository or project); set a default service for this file", where, d.ExternalID)
		return
	}
	if d.FinishedAt.IsZero() {
		p.b.reject(line, snippet(raw), "%s: %s has no finish time", where, d.ExternalID)
		return
	}
	if d.StartedAt != nil && d.StartedAt.After(d.FinishedAt) {
		// Seen in real CircleCI data (stopped 45 s before created): the
		// clocks disagree, so the duration is unknown, not negative.
		p.b.warn("deploys that finished before they started (the source's clocks disagree): start time left empty")
		d.StartedAt = nil
	}
	p.b.addDeploy(line, d)
}

// deployBranch reports whether a build of branch (a name or
// refs/heads/name) deploys: the repository's default branch def, or when
// the file does not say which that is, one of the production branches
// (Options.ProdBranches, default main and master) — the rule GitHub Actions
// runs use too.
func (p *parser) deployBranch(branch, def string) bool {
	return onBranch(branch, def, p.prodBranches())
}

// onBranch: branch is def, or (def unknown) one of prod (nil = main, master).
func onBranch(branch, def string, prod []string) bool {
	branch = strings.TrimPrefix(strings.TrimSpace(branch), "refs/heads/")
	def = strings.TrimPrefix(strings.TrimSpace(def), "refs/heads/")
	if branch == "" {
		return false
	}
	if def != "" {
		return branch == def
	}
	if prod == nil {
		prod = []string{"main", "master"}
	}
	for _, b := range prod {
		if branch == b {
			return true
		}
	}
	return false
}

// normEnv lowercases an environment name and folds the usual spellings of
// production into "production", the name every KPI counts by default.
func normEnv(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "prod", "prd", "production", "live":
		return "production"
	}
	return s
}

// urlSegment returns the n-th (0-based) segment of a URL's path, "" when
// the URL has fewer.
func urlSegment(u string, n int) string {
	pu, err := url.Parse(strings.TrimSpace(u))
	if err != nil {
		return ""
	}
	segs := strings.Split(strings.Trim(pu.Path, "/"), "/")
	if n < len(segs) {
		return segs[n]
	}
	return ""
}

// lastSegment returns the last part of a slash-separated name
// ("gh/org/repo" → "repo").
func lastSegment(s string) string {
	s = strings.Trim(strings.TrimSpace(s), "/")
	if s == "" {
		return ""
	}
	return path.Base(s)
}

// realTime drops the zero dates some APIs write for "never"
// ("0001-01-01T00:00:00", epoch 0).
func realTime(t *time.Time) *time.Time {
	if t == nil || t.Year() < 1971 {
		return nil
	}
	return t
}

// firstTime is the first time that is set.
func firstTime(ts ...*time.Time) *time.Time {
	for _, t := range ts {
		if t != nil {
			return t
		}
	}
	return nil
}
