package arch

import (
	"bufio"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// pure lists the packages that hold domain rules only: no database, no HTTP,
// no files, no clock. They may import the standard library's computational
// packages, golang.org/x/..., each other, and the few listed in-memory
// modules.
var pure = map[string][]string{
	"sreport/analytics":           nil,
	"sreport/analytics/imports":   nil,
	"sreport/analytics/report":    nil,
	"sreport/analytics/scorecard": {"github.com/hashicorp/golang-lru/v2/simplelru"}, // the in-memory KPI cache
	"sreport/accounts":            nil,
	"sreport/analytics/kpifmt":    nil, // one formatter for web, report and CLI
	"sreport/analytics/program":   nil, // the program inputs' fields and rules
	"sreport/prometheus":          nil, // PromQL built and answers read; the connector does the HTTP
}

// impure are standard-library packages a pure package must not reach: I/O,
// network, process and clock-free rules are the point of being pure.
var impure = []string{
	"database/sql", "net", "net/http", "os", "os/exec", "io/fs", "path/filepath",
	"log", "log/slog", "syscall", "embed",
}

// forbidden lists import edges the house rules forbid outright.
var forbidden = []struct{ from, to, why string }{
	{"sreport/analytics/store", "sreport/analytics/ingest", "the store applies domain batches (analytics/imports), not importer types"},
	{"sreport/views", "sreport/analytics/store", "views render view models built in web; they never touch the store"},
	{"sreport/views", "sreport/web", "arrows point web → views"},
	{"sreport/analytics/report", "github.com/mattn/go-sqlite3", "the report model is pure"},
}

type pkg struct {
	ImportPath   string
	Dir          string
	Imports      []string
	Deps         []string
	GoFiles      []string
	TestGoFiles  []string
	XTestGoFiles []string
	Standard     bool
}

func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "sreport/...")
	cmd.Dir = ".."
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".") && first != "sreport"
}

func TestPurePackagesImportOnlyPureCode(t *testing.T) {
	pkgs := listPackages(t)
	for path, extra := range pure {
		p, ok := pkgs[path]
		if !ok {
			t.Errorf("%s: listed as pure but not found", path)
			continue
		}
		for _, imp := range p.Imports {
			switch {
			case slices.Contains(impure, imp):
				t.Errorf("%s imports %s: pure packages do no I/O", path, imp)
			case isStd(imp), strings.HasPrefix(imp, "golang.org/x/"), slices.Contains(extra, imp):
			case strings.HasPrefix(imp, "sreport/"):
				if _, ok := pure[imp]; !ok {
					t.Errorf("%s imports %s, which is not pure", path, imp)
				}
			default:
				t.Errorf("%s imports %s: pure packages import only the standard library and golang.org/x/...", path, imp)
			}
		}
	}
}

func TestForbiddenImports(t *testing.T) {
	pkgs := listPackages(t)
	for _, f := range forbidden {
		p, ok := pkgs[f.from]
		if !ok {
			t.Errorf("%s: not found", f.from)
			continue
		}
		if slices.Contains(p.Deps, f.to) || slices.Contains(p.Imports, f.to) {
			t.Errorf("%s reaches %s: %s", f.from, f.to, f.why)
		}
	}
}

// TestPureCodeReadsNoClock: a KPI computed "as of" the wall clock cannot be
// reproduced; pure code takes the time it needs as an argument.
func TestPureCodeReadsNoClock(t *testing.T) {
	pkgs := listPackages(t)
	for path := range pure {
		p := pkgs[path]
		for _, name := range p.GoFiles {
			for _, c := range selectors(t, filepath.Join(p.Dir, name), "time", "Now", "Since", "Until") {
				t.Errorf("%s: calls time.%s; pure code takes the time as an argument", c.at, c.name)
			}
		}
	}
}

// TestNoGodFiles: no hand-written Go file over 700 lines.
func TestNoGodFiles(t *testing.T) {
	const limit = 700
	pkgs := listPackages(t)
	for _, p := range pkgs {
		for _, name := range p.GoFiles {
			if strings.HasSuffix(name, "_templ.go") {
				continue
			}
			file := filepath.Join(p.Dir, name)
			n := countLines(t, file)
			if n > limit {
				t.Errorf("%s: %d lines (limit %d): split it by what it holds", file, n, limit)
			}
		}
	}
}

func countLines(t *testing.T, file string) int {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBrowserStepsAreBounded: chromedp waits for a selector until its
// context ends, so a browser test that calls chromedp.Run or chromedp.Do
// itself can hang for the whole test deadline on a page that never shows
// what it waits for. Tests run browser steps through testutil.Do, Run and
// RunResponse, which bound each step by testutil.StepTimeout (30 s).
func TestBrowserStepsAreBounded(t *testing.T) {
	pkgs := listPackages(t)
	for _, p := range pkgs {
		if p.ImportPath == "sreport/testutil" {
			continue
		}
		for _, name := range append(slices.Clone(p.TestGoFiles), p.XTestGoFiles...) {
			file := filepath.Join(p.Dir, name)
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			uses := false
			for _, imp := range f.Imports {
				uses = uses || imp.Path.Value == `"github.com/chromedp/chromedp"`
			}
			if !uses {
				continue
			}
			for _, c := range selectors(t, file, "chromedp", "Run", "Do", "RunResponse") {
				t.Errorf("%s: calls chromedp.%s; use testutil.%s, which bounds the step", c.at, c.name, c.name)
			}
		}
	}
}

// selector is one use of pkg.Name in a file, where it is.
type selector struct {
	at   token.Position
	name string
}

// selectors returns the uses in file of pkg.name for each of names (pkg as
// the file names the import: "time", "chromedp").
func selectors(t *testing.T, file, pkg string, names ...string) []selector {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []selector
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == pkg && slices.Contains(names, sel.Sel.Name) {
				out = append(out, selector{fset.Position(sel.Pos()), sel.Sel.Name})
			}
		}
		return true
	})
	return out
}
