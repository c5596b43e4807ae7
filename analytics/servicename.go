package analytics

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The naming rule of services, one for every way a service comes to be —
// the catalogue form, an import that creates services, and any API — so a
// name that one of them accepts works everywhere: in links
// (/services/{name}, the name one escaped path segment), filters, CSV and
// the command line.
//
// A name is 1 to MaxServiceNameChars characters of valid UTF-8 without
// control characters or spaces at either end. It may hold any other
// character — "ops;core", "team,api", "a b", "zahlungsdienst-ü", "50%" —
// and "/" between parts, as CI systems name jobs and projects
// ("team-a/api", a Jenkins folder's job): no part may be empty, "." or
// ".." (a browser or proxy resolves those as path steps). Links escape the
// slash (/services/team-a%2Fapi); behind a reverse proxy it must reach the
// server as sent (docs/reliability.md, "Service names").
const MaxServiceNameChars = 100

// ErrServiceName marks a name that breaks the naming rule; the error's text
// says which part.
var ErrServiceName = errors.New("not a valid service name")

// serviceNameError is a CheckServiceName failure.
type serviceNameError struct{ reason string }

func (e serviceNameError) Error() string        { return e.reason }
func (e serviceNameError) Is(target error) bool { return target == ErrServiceName }

// CheckServiceName returns nil when name may be a service's name, or an
// error (matching ErrServiceName) whose text says why not, such as
// `a service name cannot be ".."`.
func CheckServiceName(name string) error {
	bad := func(format string, args ...any) error { return serviceNameError{fmt.Sprintf(format, args...)} }
	switch {
	case name == "":
		return bad("a service needs a name")
	case !utf8.ValidString(name):
		return bad("a service name must be valid UTF-8 text")
	case utf8.RuneCountInString(name) > MaxServiceNameChars:
		return bad("a service name has at most %d characters", MaxServiceNameChars)
	case strings.TrimSpace(name) != name:
		return bad("a service name cannot start or end with a space")
	case name == "." || name == "..":
		return bad("a service name cannot be %q", name)
	}
	if strings.ContainsRune(name, '/') {
		for _, part := range strings.Split(name, "/") {
			switch strings.TrimSpace(part) {
			case "":
				return bad(`a service name cannot start or end with "/" or have an empty part between two`)
			case ".", "..":
				return bad(`a service name cannot have "." or ".." as a part between "/"`)
			}
		}
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return bad("a service name cannot contain control characters (%U)", r)
		}
	}
	return nil
}
