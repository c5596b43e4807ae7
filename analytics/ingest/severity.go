package ingest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"sreport/analytics"
)

// severityWords maps normalised words to a severity, used by every format
// after Options.SeverityMap. See docs/importers.md.
var severityWords = map[string]int{
	// Jira priorities
	"highest": 1, "high": 2, "medium": 3, "low": 4, "lowest": 4,
	// ServiceNow display values without the number, Opsgenie/generic words
	"critical": 1, "blocker": 1, "major": 2, "moderate": 3, "minor": 4, "planning": 4, "trivial": 4, "info": 4, "informational": 4,
}

var (
	reP       = regexp.MustCompile(`^p([0-9])$`)                         // P1..P5
	reSev     = regexp.MustCompile(`^(?:sev|severity|s)[\s_-]*([0-9])$`) // sev1, Sev-1, SEV 1, S1
	reNumDash = regexp.MustCompile(`^([0-9])\s*[-–:.)]\s*\S.*$`)         // "1 - Critical"
)

func clampSev(n int) int {
	switch {
	case n <= 0:
		return analytics.SevUnknown
	case n >= 4:
		return analytics.Sev4
	}
	return n
}

// severity maps a raw severity/priority value. Options.SeverityMap wins
// (case-insensitive keys); then P1..P5, sevN, "N - Label", a bare digit and
// the words in severityWords. Unmapped values give SevUnknown (0).
func (p *parser) severity(raw string) int {
	v := strings.TrimSpace(raw)
	if v == "" {
		return analytics.SevUnknown
	}
	for k, s := range p.opt.SeverityMap {
		if strings.EqualFold(strings.TrimSpace(k), v) {
			if s < 0 || s > 4 {
				return analytics.SevUnknown
			}
			return s
		}
	}
	l := strings.ToLower(v)
	if m := reP.FindStringSubmatch(l); m != nil {
		n, _ := strconv.Atoi(m[1])
		return clampSev(n)
	}
	if m := reSev.FindStringSubmatch(l); m != nil {
		n, _ := strconv.Atoi(m[1])
		return clampSev(n)
	}
	if m := reNumDash.FindStringSubmatch(l); m != nil {
		n, _ := strconv.Atoi(m[1])
		return clampSev(n)
	}
	if len(l) == 1 && l[0] >= '1' && l[0] <= '9' {
		return clampSev(int(l[0] - '0'))
	}
	if s, ok := severityWords[l]; ok {
		return s
	}
	return analytics.SevUnknown
}

// hasSeverityOverride reports whether the user mapped this raw value.
func (p *parser) hasSeverityOverride(raw string) bool {
	for k := range p.opt.SeverityMap {
		if strings.EqualFold(strings.TrimSpace(k), strings.TrimSpace(raw)) {
			return true
		}
	}
	return false
}

// urgencySeverity is PagerDuty's fallback when an incident has no priority:
// high → sev2, low → sev3.
func (p *parser) urgencySeverity(urgency string) int {
	if p.hasSeverityOverride(urgency) {
		return p.severity(urgency)
	}
	switch strings.ToLower(strings.TrimSpace(urgency)) {
	case "high":
		return analytics.Sev2
	case "low":
		return analytics.Sev3
	}
	return analytics.SevUnknown
}

func (p *parser) noteUnmappedSeverity(raw string, sev int) {
	if sev == analytics.SevUnknown && strings.TrimSpace(raw) != "" {
		p.b.warn("severity %q is not mapped; stored as unknown (add it to the severity map)", raw)
	}
}

// ParseSeverityMap reads a severity map as typed on the command line or the
// upload form: "P1=1, P2=2, Highest=1" (raw value = severity 0–4; 0 =
// unknown). Keys are matched case-insensitively; "" gives nil.
func ParseSeverityMap(s string) (map[string]int, error) {
	var out map[string]int
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return nil, fmt.Errorf("severity map: %q is not RAW=SEVERITY (e.g. P1=1)", part)
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 4 {
			return nil, fmt.Errorf("severity map: %q: the severity must be 0 to 4", part)
		}
		if out == nil {
			out = map[string]int{}
		}
		out[k] = n
	}
	return out, nil
}
