package web

import (
	"strings"
	"unicode"
)

// serviceSuffixes are the words tools add to a service's name
// (checkout-api, auth-svc, payments-service) that the catalogue often
// leaves off.
var serviceSuffixes = []string{"api", "svc", "service", "srv", "app", "web", "prod", "production", "backend", "frontend"}

// nameKey folds a service name for comparison: lower case, letters and
// digits only, and the words of serviceSuffixes dropped from the end.
func nameKey(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for len(words) > 1 {
		last := words[len(words)-1]
		drop := false
		for _, suf := range serviceSuffixes {
			if last == suf {
				drop = true
				break
			}
		}
		if !drop {
			break
		}
		words = words[:len(words)-1]
	}
	return strings.Join(words, "")
}

// nearService returns the catalogue service whose name is close to name
// (the same once case, punctuation and suffixes such as -api or -svc are
// set aside, or one edit apart), for the preview's suggestion; "" when
// none is, or when several are equally close.
func nearService(name string, services []string) string {
	key := nameKey(name)
	if key == "" {
		return ""
	}
	best, bestDist, ties := "", 3, 0
	for _, s := range services {
		k := nameKey(s)
		if k == "" {
			continue
		}
		d := editDistance(key, k)
		if d > 1 || d >= len(key) || d >= len(k) {
			continue
		}
		switch {
		case d < bestDist:
			best, bestDist, ties = s, d, 0
		case d == bestDist:
			ties++
		}
	}
	if ties > 0 {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
