package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"sreport/analytics/imports"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
)

func init() {
	register(command{name: "import", summary: "import export files (PagerDuty, ServiceNow, Jira, GitHub, GitLab, CSV…)", run: runImport})
}

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", "Imports export files, one transaction per file: sreport import [flags] FILE... [flags] ('-' reads stdin; .gz accepted;\nflags may come before or after the files, '--' ends them).", stderr)
	db := dbFlag(fs)
	format := fs.String("format", "auto", "format id (see docs/importers.md) or auto")
	tz := fs.String("tz", "", "IANA timezone of timestamps without an offset (default UTC)")
	layout := fs.String("date-layout", "", "date layout of timestamps without an offset: Go layout, dd-MM-yyyy HH:mm:ss, or a name such as dd/mm/yyyy")
	mapping := fs.String("mapping", "", "saved column mapping for generic CSV files (saved from the web upload)")
	workflow := fs.String("workflow", "", "GitHub Actions: the workflow that deploys (name, path, file or id; default every workflow)")
	create := fs.Bool("create-services", false, "create services the database does not know")
	tier := fs.Int("tier", store.DefaultNewServiceTier, "tier (0-3) of created services")
	dryRun := fs.Bool("dry-run", false, "report what would change and write nothing")
	progress := fs.Bool("progress", false, "print to stderr how many records of each file are written, every 10%")
	skip := fs.Bool("skip-invalid", false, "import the valid rows of a file that has rejected rows")
	maxBytes := fs.String("max-bytes", ingest.ByteSize(ingest.DefaultMaxBytes), "largest text one file may hold once decompressed, e.g. 512MiB, 4GiB (0 = no limit); guards against decompression bombs")
	maxRecords := fs.Int("max-records", defaultMaxRecords, "most records one file may hold (0 = no limit); the parsed file is held in memory, about 450 bytes a record")
	sevMap := fs.String("severity-map", "", "raw severity/priority value = severity 0-4, comma-separated, e.g. 'P1=1,P2=2,Highest=1' (wins over the built-in mapping)")
	var jira imports.JiraFields
	fs.StringVar(&jira.Service, "jira-service", "", "Jira: header of the column holding the service, e.g. 'Custom field (Service)' (default: guessed; '-' = none)")
	fs.StringVar(&jira.Severity, "jira-severity", "", "Jira: header of the severity column (default: guessed; '-' = none)")
	fs.StringVar(&jira.ImpactStart, "jira-impact-start", "", "Jira: header of the impact start column (default: guessed; '-' = none)")
	fs.StringVar(&jira.MitigatedAt, "jira-mitigated", "", "Jira: header of the mitigated-at column (default: guessed; '-' = none)")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fs.Usage()
		return errors.New("import: no files given")
	}
	if *tier < 0 || *tier > 3 {
		return fmt.Errorf("import: --tier must be 0..3")
	}
	sm, err := ingest.ParseSeverityMap(*sevMap)
	if err != nil {
		return fmt.Errorf("import: --%w", err)
	}
	limit, err := parseSize(*maxBytes)
	if err != nil {
		return fmt.Errorf("import: --max-bytes: %w", err)
	}
	if limit == 0 {
		limit = -1 // no limit
	}
	if *maxRecords < 0 {
		return errors.New("import: --max-records must be 0 (no limit) or more")
	}
	popt := ingest.Options{Format: *format, DateLayout: *layout, Workflow: *workflow, SeverityMap: sm, Jira: jira,
		Limits: ingest.Limits{MaxBytes: limit, MaxRecords: *maxRecords}}
	if *tz != "" {
		loc, err := time.LoadLocation(*tz)
		if err != nil {
			return fmt.Errorf("import: --tz %q: %w", *tz, err)
		}
		popt.Location = loc
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if *mapping != "" {
		m, err := st.Mapping(ctx, *mapping)
		if err != nil {
			return fmt.Errorf("import: --mapping: %w", err)
		}
		popt.Mapping = &m
		if popt.Format == "auto" || popt.Format == "" {
			popt.Format = "csv"
		}
	}
	aopt := store.ApplyOptions{Actor: "cli:" + envOr("USER", "unknown"), CreateServices: *create, Tier: tier,
		DryRun: *dryRun, SkipInvalid: *skip, Audit: store.Audit{Actor: "cli"}}
	failed := 0
	for _, f := range files {
		if *progress {
			aopt.Progress = progressPrinter(stderr, f)
		}
		if err := importFile(ctx, st, f, popt, aopt, stdout); err != nil {
			failed++
			fmt.Fprintf(stderr, "%s: %v\n", f, err)
		}
	}
	if failed > 0 {
		return fmt.Errorf("import: %d of %d files failed", failed, len(files))
	}
	return nil
}

// progressPrinter reports a file's written records each time another
// tenth of them is done (ApplyBatch calls it every few hundred records).
func progressPrinter(w io.Writer, file string) func(done, total int) {
	last := 0
	return func(done, total int) {
		if total == 0 {
			return
		}
		if tenth := done * 10 / total; tenth > last {
			last = tenth
			fmt.Fprintf(w, "%s: written %d of %d records (%d%%)\n", file, done, total, tenth*10)
		}
	}
}

// defaultMaxRecords is the CLI's default cap of records per file: twice the
// largest import we know of, and under a gigabyte of memory.
const defaultMaxRecords = 2000000

// parseSize reads a byte size: a number of bytes, or one with a KiB, MiB or
// GiB suffix ("512MiB", "4GiB"; KB, MB, GB and K, M, G mean the same).
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10},
		{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is not a size such as 1073741824, 512MiB or 4GiB", s)
	}
	return n * mult, nil
}

// parseInterspersed parses flags that may come before, between or after
// the file names (Go's flag package stops at the first non-flag, which made
// "import FILE --dry-run" write for real) and returns the file names. A lone
// "-" is a file (stdin); after "--" everything is a file.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return files, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(files, rest...), nil
		}
		files, args = append(files, rest[0]), rest[1:]
	}
}

// importFile parses one file (hashing it on the way) and applies it.
func importFile(ctx context.Context, st *store.Store, path string, popt ingest.Options, aopt store.ApplyOptions, out io.Writer) error {
	var r io.Reader
	name := filepath.Base(path)
	if path == "-" {
		r, name = os.Stdin, "stdin"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	h := sha256.New()
	tee := io.TeeReader(r, h)
	b, err := ingest.Parse(tee, name, popt)
	if err != nil {
		var le *ingest.LimitError
		if errors.As(err, &le) {
			switch le.What {
			case ingest.LimitBytes:
				return fmt.Errorf("%w; nothing imported (raise the limit with --max-bytes)", err)
			case ingest.LimitRecords:
				return fmt.Errorf("%w; nothing imported (raise the limit with --max-records)", err)
			}
		}
		return err
	}
	if _, err := io.Copy(io.Discard, tee); err != nil { // hash the whole file even if the parser stopped early
		return err
	}
	aopt.FileName, aopt.SHA256 = name, hex.EncodeToString(h.Sum(nil))
	fmt.Fprintf(out, "%s: format %s (%d records)\n", path, b.Format, b.Records())
	res, err := st.ApplyBatch(ctx, b, aopt)
	var ie *store.ImportError
	if err != nil && !errors.As(err, &ie) {
		return err
	}
	verb := ""
	switch {
	case ie != nil:
		verb = " — nothing written"
	case aopt.DryRun:
		verb = " (dry run, nothing written)"
	default:
		verb = fmt.Sprintf(" (import #%d, %s)", res.ImportID, res.Took.Round(time.Millisecond))
	}
	fmt.Fprintf(out, "  inserted %d, updated %d, unchanged %d, rejected %d%s\n", res.Inserted, res.Updated, res.Unchanged, res.Rejected, verb)
	if res.Linked > 0 {
		fmt.Fprintf(out, "  linked %d records of earlier imports\n", res.Linked)
	}
	if res.Removed > 0 {
		fmt.Fprintf(out, "  removed %d stand-in pages of earlier imports\n", res.Removed)
	}
	if len(res.Created) > 0 {
		fmt.Fprintf(out, "  created services: %v\n", res.Created)
	}
	for _, u := range res.Unknown {
		if u.NotCreated != "" {
			fmt.Fprintf(out, "  service %q on %d rows (first line %d) cannot be created: %s; map it to a service in the web app (an alias)\n",
				u.Name, len(u.Lines), u.Lines[0], u.NotCreated)
			continue
		}
		fmt.Fprintf(out, "  unknown service %q on %d rows (first line %d); use --create-services or map it in the web app\n", u.Name, len(u.Lines), u.Lines[0])
	}
	for _, e := range res.Errors {
		fmt.Fprintf(out, "  line %d: %s\n", e.Line, e.Reason)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(out, "  warning: %s\n", w)
	}
	if ie != nil {
		return fmt.Errorf("%d rows cannot be imported; nothing was written (fix them, or use --skip-invalid / --create-services)", len(ie.Errors))
	}
	return nil
}
