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
// control characters or spaces at either end, and it is neither "." nor
// ".." (a browser resolves them as path steps). It may hold any other
// character — "ops;core", "team,api", "a b", "zahlungsdienst-ü", "50%" —
// except "/": an escaped slash (%2F) in a path is refused or decoded by
// common reverse proxies (Apache without AllowEncodedSlashes, nginx
// proxy_pass with a URI), so a link to such a service would break behind
// them. Source names with a slash ("payments/api") are mapped to a service
// with an alias instead; aliases are never part of a path.
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
// `a service name cannot contain "/"`.
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
	case strings.ContainsRune(name, '/'):
		return bad(`a service name cannot contain "/" (map a source's "a/b" to a service with an alias)`)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return bad("a service name cannot contain control characters (%U)", r)
		}
	}
	return nil
}
