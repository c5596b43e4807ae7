// Package migrations holds the goose SQL migrations, embedded so the binary
// needs no files on disk.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
