package store_test

import (
	"go/build"
	"strings"
	"testing"
)

// TestStoreDoesNotImportIngest keeps the arrows one way: the store applies
// domain batches (analytics/imports) and never depends on the importers,
// directly or through another package of ours.
func TestStoreDoesNotImportIngest(t *testing.T) {
	seen := map[string]bool{}
	var walk func(path, via string)
	walk = func(path, via string) {
		if seen[path] {
			return
		}
		seen[path] = true
		if path == "sreport/analytics/ingest" {
			t.Errorf("analytics/store depends on analytics/ingest (%s)", via)
			return
		}
		p, err := build.Import(path, ".", 0)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "sreport/") {
				walk(imp, via+" → "+imp)
			}
		}
	}
	walk("sreport/analytics/store", "sreport/analytics/store")
	if !seen["sreport/analytics/imports"] {
		t.Error("analytics/store no longer uses analytics/imports: update this test")
	}
}
