package static

import (
	"encoding/json"
	"io/fs"
	"os"
	"strings"
	"testing"
)

// TestEChartsMatchesLock catches a stale static/vendor: a checkout whose
// package-lock.json moved to another echarts while the copied file stayed
// (scripts/vendor.sh was not run again). go-echarts emits options for the
// pinned version, so a different library can draw wrong or nothing.
func TestEChartsMatchesLock(t *testing.T) {
	raw, err := os.ReadFile("../package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(raw, &lock); err != nil {
		t.Fatalf("package-lock.json: %v", err)
	}
	want := lock.Packages["node_modules/echarts"].Version
	if want == "" {
		t.Fatal("package-lock.json pins no echarts")
	}
	js, err := fs.ReadFile(FS, "vendor/echarts.min.js")
	if err != nil {
		t.Fatal(err)
	}
	// The bundle exports its version as echarts.version, minified to
	// `<exports>.version="X.Y.Z"`.
	if !strings.Contains(string(js), `.version="`+want+`"`) {
		t.Fatalf("static/vendor/echarts.min.js is not echarts %s (package-lock.json): run ./scripts/vendor.sh", want)
	}
}
