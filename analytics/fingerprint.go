package analytics

import (
	"regexp"
	"strings"
	"unicode"
)

// Fingerprint returns the repeat key of an incident (docs/metrics.md,
// "Repeat incident rate"). The first non-empty of these wins:
//
//  1. Incident.Fingerprint, a user's explicit key, as "fp:<key>";
//  2. ProblemRef, the source's problem record, as "problem:<ref>";
//  3. NormalizeTitle(Title), as "title:<normalised>".
//
// Keys 1 and 2 are lower-cased with whitespace collapsed. The prefix keeps
// a key "database" from matching an incident titled "Database". An
// incident whose title normalises to nothing gets "" and never repeats.
//
// Category and RootCause are deliberately not keys: an ITSM category
// ("Network", "Hardware") is a taxonomy shared by unrelated failures, and a
// root-cause text is often a class of cause ("Capacity"), so either would
// call a certificate expiry a repeat of a connection-pool exhaustion. They
// group incidents in the "top causes" view (report.Causes) instead.
func Fingerprint(inc Incident) string {
	for _, c := range [...]struct{ prefix, v string }{
		{"fp:", inc.Fingerprint},
		{"problem:", inc.ProblemRef},
	} {
		if v := collapseSpace(strings.ToLower(c.v)); v != "" {
			return c.prefix + v
		}
	}
	if t := NormalizeTitle(inc.Title); t != "" {
		return "title:" + t
	}
	return ""
}

// idPattern matches the ids NormalizeTitle removes, as one alternation so a
// title is scanned once (Go's regexp picks the leftmost match, preferring
// earlier alternatives): UUIDs; IPv4 addresses with optional :port or /cidr
// (before clock times, which would take the "7:54" of "10.0.0.7:5432");
// RFC 3339 / ISO dates with optional time and zone; clock times; IPv6
// addresses (three or more colon-separated groups); 0x-prefixed hex and
// runs of 6+ hex characters. The last two are kept unless they contain a
// digit (see hexID), so words such as "facade" or "cafe::bad" survive.
// Digits and punctuation become spaces later anyway; matching whole ids is
// what also removes the letters inside them (hex a–f, the "t" and "z" of a
// timestamp).
var idPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}` +
	`|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5}|/\d{1,2})?\b` +
	`|\d{4}-\d{2}-\d{2}(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?` +
	`|\b\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z\b)?` +
	`|\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b` +
	`|\b(?:0x[0-9a-f]+|[0-9a-f]{6,})\b`)

// NormalizeTitle reduces an incident title to its theme: lower-case; UUIDs,
// IPv4/IPv6 addresses, timestamps (ISO dates with optional time, clock
// times), hex ids (0x…, or 6+ hex characters containing a digit) and
// words of 5+ letters and digits mixing both (pod and host suffixes)
// removed; then every character that is not a letter, digits included,
// becomes a space (so "[FIRING:3] api-gw 5xx" reads "firing api gw xx");
// whitespace collapsed and trimmed.
func NormalizeTitle(title string) string {
	s := strings.ToLower(title)
	if strings.ContainsAny(s, "0123456789") { // every id pattern needs a digit to be removed
		s = idPattern.ReplaceAllStringFunc(s, hexID)
		s = dropMixedIDs(s)
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return ' '
	}, s)
	return collapseSpace(s)
}

// dropMixedIDs blanks every word of five or more letters and digits that
// has both (a pod suffix "x2kq9" or "8a392", an instance "0abc123f", a
// build "b20417"): generated names differ on every incident and would
// keep the same alert from ever matching its earlier self. Shorter words
// ("5xx", "db01", "ipv6") keep their letters.
func dropMixedIDs(s string) string {
	var b strings.Builder
	word := func(w string) {
		letters, digits, n := false, false, 0
		for _, r := range w {
			n++
			switch {
			case unicode.IsDigit(r):
				digits = true
			case unicode.IsLetter(r):
				letters = true
			}
		}
		if n >= 5 && letters && digits {
			b.WriteByte(' ')
			return
		}
		b.WriteString(w)
	}
	start := -1
	for i, r := range s {
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case alnum && start < 0:
			start = i
		case !alnum && start >= 0:
			word(s[start:i])
			start = -1
		}
		if !alnum {
			b.WriteRune(r)
		}
	}
	if start >= 0 {
		word(s[start:])
	}
	return b.String()
}

// hexID blanks a match only if it contains a digit, so ordinary words made
// of a–f letters (and colons) are kept. Every pattern but hex and IPv6
// needs digits to match at all, so this is a no-op check for them.
func hexID(m string) string {
	if strings.ContainsAny(m, "0123456789") {
		return " "
	}
	return m
}

// collapseSpace trims s and replaces every run of white space by one space.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
