// Package prometheus holds the PromQL side of reading SLI days from a
// Prometheus server for the SLOs whose definitions (OpenSLO, Sloth) carry
// PromQL queries: the queries whose value at the end of a UTC day is that
// day's good or total event count, and reading the answers back into SLI
// days. The Prometheus connector (package connectors) makes the requests.
package prometheus

import (
	"errors"
	"regexp"
	"strings"
)

// selector is a bare metric selector: name{labels} with no function.
var selector = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*\s*(\{[^{}]*\})?$`)

// ErrQueryShape is returned by DailyQuery for a query it cannot turn into a
// daily count.
var ErrQueryShape = errors.New("prometheus: the query is neither a counter selector nor uses {{.window}}")

// DailyQuery turns an SLO's event query into PromQL whose value, evaluated
// at the end of a UTC day, is that day's event count:
//
//   - Sloth style, with the {{.window}} placeholder: the window becomes 1d.
//     A query of rates (rate(…), no increase(…)) gives events per second,
//     so it is multiplied by 86400 (PromQL's increase is rate × range).
//   - A bare counter selector (OpenSLO ratioMetric with counter: true):
//     increase(selector[1d]).
//
// Either way the result is summed to one number. Anything else is
// ErrQueryShape: evaluating an arbitrary expression at midnight does not
// give a day's count.
func DailyQuery(q string) (string, error) {
	q = strings.TrimSpace(q)
	switch {
	case strings.Contains(q, "{{.window}}") || strings.Contains(q, "{{ .window }}"):
		q = strings.NewReplacer("{{.window}}", "1d", "{{ .window }}", "1d").Replace(q)
		if strings.Contains(q, "rate(") && !strings.Contains(q, "increase(") {
			return "sum(" + q + ") * 86400", nil
		}
		return "sum(" + q + ")", nil
	case selector.MatchString(q):
		return "sum(increase(" + q + "[1d]))", nil
	}
	return "", ErrQueryShape
}
