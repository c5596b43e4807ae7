// Package static holds sreport's CSS, JavaScript and vendored chart library,
// embedded into the binary so the app works offline and from any directory.
package static

import "embed"

// FS holds css/, js/ and vendor/ (vendor/ is filled by scripts/vendor.sh).
//
//go:embed css js vendor
var FS embed.FS
