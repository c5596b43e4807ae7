package analytics

import (
	"regexp"
	"strings"
	"unicode"
)

// Fingerprint returns the repeat-theme key of an incident (docs/metrics.md,
// "Repeat incident rate"). The first non-empty of these wins:
//
//  1. Incident.Fingerprint, a user's explicit key, as "fp:<key>";
//  2. ProblemRef, as "problem:<ref>";
//  3. RootCause, as "cause:<text>";
//  4. Category, as "category:<text>";
//  5. NormalizeTitle(Title), as "title:<normalised>".
//
// Keys 1–4 are lower-cased with whitespace collapsed. The prefix keeps a
// category "database" from matching an incident titled "Database". An
// incident whose title normalises to nothing gets "" and never repeats.
func Fingerprint(inc Incident) string {
	for _, c := range [...]struct{ prefix, v string }{
		{"fp:", inc.Fingerprint},
		{"problem:", inc.ProblemRef},
		{"cause:", inc.RootCause},
		{"category:", inc.Category},
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

// The patterns NormalizeTitle removes. Digits and punctuation go in the end
// anyway; these patterns exist to also remove the letters inside ids (hex
// digits a–f, the "t" and "z" of an RFC 3339 timestamp).
var (
	reUUID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	// ISO-8601 / RFC 3339 dates with optional time and zone, then bare clock times.
	reTimestamp = regexp.MustCompile(`\d{4}-\d{2}-\d{2}(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?|\b\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z\b)?`)
	reIPv4      = regexp.MustCompile(`\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5}|/\d{1,2})?\b`)
	// IPv6: at least three colon-separated hex groups (empty ones for "::");
	// kept unless it contains a digit (see hexID).
	reIPv6 = regexp.MustCompile(`\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b`)
	// Hex ids: 0x-prefixed, or a run of 6+ hex digits containing a digit
	// (checked in hexID) so words like "deadbeef" or "facade" survive.
	reHex    = regexp.MustCompile(`\b(?:0x[0-9a-f]+|[0-9a-f]{6,})\b`)
	reDigits = regexp.MustCompile(`\d+`)
)

// NormalizeTitle reduces an incident title to its theme: lower-case; UUIDs,
// timestamps (ISO dates with optional time, clock times), IPv4/IPv6
// addresses, hex ids (0x…, or 6+ hex characters containing a digit) and then
// all remaining digits removed; every character that is not a letter
// becomes a space (so "[FIRING:3] api-gw 5xx" and "api gw xx" match);
// whitespace collapsed and trimmed.
func NormalizeTitle(title string) string {
	s := strings.ToLower(title)
	s = reUUID.ReplaceAllString(s, " ")
	s = reIPv4.ReplaceAllString(s, " ") // before clock times, which would eat "7:54" of an ip:port
	s = reTimestamp.ReplaceAllString(s, " ")
	s = reIPv6.ReplaceAllStringFunc(s, hexID) // "cafe::bad" has no digit and is kept
	s = reHex.ReplaceAllStringFunc(s, hexID)
	s = reDigits.ReplaceAllString(s, " ")
	s = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return ' '
	}, s)
	return collapseSpace(s)
}

// hexID blanks a hex-looking token (or IPv6 address) only if it contains a
// digit or a 0x prefix, so ordinary words made of a–f letters are kept.
func hexID(m string) string {
	if strings.HasPrefix(m, "0x") || strings.ContainsAny(m, "0123456789") {
		return " "
	}
	return m
}

// collapseSpace trims s and replaces every run of white space by one space.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
