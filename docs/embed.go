// Package docs embeds the KPI definitions so the app can show, next to a
// number, the exact rule that produced it.
package docs

import (
	_ "embed"
	"strings"
)

//go:embed metrics.md
var metrics string

// Definition returns the section of docs/metrics.md that defines a KPI (the
// "### …" section whose heading names `key`), or "" when there is none.
func Definition(key string) string {
	lines := strings.Split(metrics, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "### ") || !strings.Contains(l, "`"+key+"`") {
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

// PlainDefinition is Definition as plain text for a web page: the heading
// line dropped and Markdown's emphasis, code and rule markers removed.
func PlainDefinition(key string) string {
	d := Definition(key)
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
