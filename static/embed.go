// Package static holds sreport's CSS, JavaScript and vendored chart library,
// embedded into the binary so the app works offline and from any directory.
package static

import "embed"

// FS holds css/, js/ and vendor/echarts.min.js, the chart library every
// chart and PDF report draws with.
//
// vendor/echarts.min.js is not committed: scripts/vendor.sh copies it from
// npm (version pinned in package-lock.json). It is named exactly, not as a
// directory, so that a build without it fails here ("pattern
// vendor/echarts.min.js: no matching files found" means: run
// ./scripts/vendor.sh) instead of producing a server whose charts are blank.
//
//go:embed css js vendor/echarts.min.js
var FS embed.FS
