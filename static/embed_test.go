package static

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
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

// TestBuildFailsWithoutChartLibrary is a clean clone on which
// scripts/vendor.sh never ran: the package must not compile, and the
// compiler's message must point at the embed of vendor/echarts.min.js
// (static/embed.go, whose comment says to run ./scripts/vendor.sh), so no
// server with blank charts and chartless PDFs can be built. The same copy
// with the file in place compiles, so the failure is the missing file's.
func TestBuildFailsWithoutChartLibrary(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a copy of the package")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module sreportstatic\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The package's own files, css/ and js/: everything but the vendored
	// library (and the tests, which read ../package-lock.json).
	if err := os.CopyFS(filepath.Join(dir, "css"), os.DirFS("css")); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(dir, "js"), os.DirFS("js")); err != nil {
		t.Fatal(err)
	}
	src, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range src {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "vendor"), 0o755); err != nil {
		t.Fatal(err)
	}
	build := func() (string, error) {
		cmd := exec.Command(goBin, "build", "-o", os.DevNull, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	out, err := build()
	if err == nil {
		t.Fatal("the package compiled without vendor/echarts.min.js")
	}
	if !strings.Contains(out, "embed.go") || !strings.Contains(out, "pattern vendor/echarts.min.js: no matching files found") {
		t.Fatalf("the build failed, but its message does not name the missing chart library:\n%s", out)
	}

	js, err := fs.ReadFile(FS, "vendor/echarts.min.js")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "vendor", "echarts.min.js"), js, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := build(); err != nil {
		t.Fatalf("the copy does not compile with the chart library in place: %v\n%s", err, out)
	}
}
