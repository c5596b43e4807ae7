// Package arch holds no code: its test enforces the house's layering rules
// (which package may import which, pure packages stay pure, no god files),
// so a change that breaks them fails `go test ./...` instead of a review.
package arch
