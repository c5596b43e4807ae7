// Package docs embeds the KPI definitions so the app can show, next to a
// number, the exact rule that produced it.
package docs

import (
	_ "embed"
	"strings"
	"unicode"
)

//go:embed metrics.md
var metrics string

// Definition returns the section of docs/metrics.md that defines a KPI (the
// "### …" section whose heading names `key`), or "" when there is none.
func Definition(key string) string {
	return section(func(heading string) bool { return strings.Contains(heading, "`"+key+"`") })
}

// Section returns the "### …" section of docs/metrics.md whose heading has
// the anchor a (see Anchor), or "" when there is none.
func Section(a string) string {
	return section(func(heading string) bool { return Anchor(heading) == a })
}

// PlainDefinition is Definition as plain text for a web page.
func PlainDefinition(key string) string { return plain(Definition(key)) }

// PlainSection is Section as plain text for a web page.
func PlainSection(a string) string { return plain(Section(a)) }

// Anchor returns the anchor GitHub gives a Markdown heading line: its text
// lower-cased, each space a hyphen, and every character other than letters,
// digits, hyphens and underscores dropped, so "### MTTD — `mttd_minutes`"
// is "mttd--mttd_minutes" and links as metrics.md#mttd--mttd_minutes.
func Anchor(heading string) string {
	heading = strings.TrimSpace(strings.TrimLeft(heading, "#"))
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// section returns the first "### " section, heading included, whose heading
// line satisfies match; it runs to the next heading of any level.
func section(match func(heading string) bool) string {
	lines := strings.Split(metrics, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "### ") || !match(l) {
			continue
		}
		var out []string
		for _, b := range lines[i:] {
			if len(out) > 0 && strings.HasPrefix(b, "#") {
				break
			}
			out = append(out, b)
		}
		return strings.TrimSpace(strings.Join(out, "\n"))
	}
	return ""
}

// plain turns a section into plain text: the heading line dropped and
// Markdown's emphasis, code and rule markers removed.
func plain(d string) string {
	if i := strings.IndexByte(d, '\n'); i >= 0 && strings.HasPrefix(d, "### ") {
		d = d[i+1:]
	}
	var out []string
	for _, l := range strings.Split(d, "\n") {
		if strings.TrimSpace(l) == "---" {
			continue
		}
		l = strings.NewReplacer("**", "", "`", "", "\\|", "|").Replace(l)
		if strings.HasPrefix(l, "* ") {
			l = "• " + l[2:]
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
