package analytics

import "errors"

// ErrNotFound says a named thing — a service, a team, a stored row — does
// not exist. It lives here rather than in the store so that packages that
// never touch the database (the scorecard, the reports) can report an
// unknown scope with the same sentinel callers already test for;
// store.ErrNotFound is this value.
var ErrNotFound = errors.New("not found")
