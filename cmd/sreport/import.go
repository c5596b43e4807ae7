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
	"sort"
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
	mapSpec := fs.String("map", "", "column mapping of a generic CSV: field=Header pairs, comma-separated, e.g. 'external_id=Ticket,title=Summary,service=Component,detected_at=Opened' (quote a header holding a comma)")
	kind := fs.String("kind", "", "record kind of --map: incidents, deploys, pages or action_items (default: the one kind the mapped fields fit)")
	mappingFile := fs.String("mapping-file", "", "column mapping of a generic CSV from a file: field=Header lines (kind=…, date_layout=…, source=… too) or the JSON the web UI saves")
	serviceFrom := fs.String("service-from", "", "field that names the service when an export has several: ServiceNow cmdb_ci|business_service|service_offering|assignment_group, Jira affected_services|components|project")
	defaultService := fs.String("service", "", "service of records whose file names none")
	prodBranches := fs.String("prod-branches", "", "comma-separated branches that deploy to production (Jenkins multibranch, GitLab pipelines; default main,master)")
	serviceMap := fs.String("service-map", "", "map names in the file to existing services, saved as aliases for every source: 'auth-svc=auth,checkout-api=checkout'")
	workflow := fs.String("workflow", "", "GitHub Actions: the workflow that deploys (name, path, file or id; default every workflow)")
	create := fs.Bool("create-services", false, "create services the database does not know")
	tier := fs.Int("tier", store.DefaultNewServiceTier, "tier (0-3) of created services")
	dryRun := fs.Bool("dry-run", false, "report what would change and write nothing")
	progress := fs.Bool("progress", false, "print to stderr how many records of each file are written, every 10%")
	skip := fs.Bool("skip-invalid", false, "import the valid rows of a file that has rejected rows")
	maxBytes := fs.String("max-bytes", ingest.ByteSize(ingest.DefaultMaxBytes), "largest text one file may hold once decompressed, e.g. 512MiB, 4GiB (0 = no limit); guards against decompression bombs")
	maxRecords := fs.Int("max-records", defaultMaxRecords, "most records one file may hold (0 = no limit); files of most formats stream in bounded memory, the others (PagerDuty and Opsgenie API JSON, Jira, Argo CD, SLO files) are held, about 450 bytes a record")
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
		ServiceFrom: *serviceFrom, DefaultService: strings.TrimSpace(*defaultService),
		Limits: ingest.Limits{MaxBytes: limit, MaxRecords: *maxRecords}}
	for _, b := range strings.Split(*prodBranches, ",") {
		if b = strings.TrimSpace(b); b != "" {
			popt.ProdBranches = append(popt.ProdBranches, b)
		}
	}
	svcMap, err := parsePairs(*serviceMap)
	if err != nil {
		return fmt.Errorf("import: --service-map: %w", err)
	}
	if n := boolCount(*mapping != "", *mapSpec != "", *mappingFile != ""); n > 1 {
		return errors.New("import: use one of --mapping, --map and --mapping-file")
	}
	if *kind != "" && *mapSpec == "" {
		return errors.New("import: --kind goes with --map")
	}
	switch {
	case *mapSpec != "":
		m, err := ingest.ParseMappingSpec(*kind, *mapSpec)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		popt.Mapping = m
	case *mappingFile != "":
		f, err := os.Open(*mappingFile)
		if err != nil {
			return fmt.Errorf("import: --mapping-file: %w", err)
		}
		m, err := ingest.ReadMappingFile(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("import: --mapping-file %s: %w", *mappingFile, err)
		}
		popt.Mapping = m
	}
	if popt.Mapping != nil && (popt.Format == "auto" || popt.Format == "") {
		popt.Format = "csv"
	}
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
		DryRun: *dryRun, SkipInvalid: *skip, Audit: store.Audit{Actor: "cli"}, ServiceMap: svcMap}
	failed := 0
	for _, f := range files {
		var progressTo io.Writer
		if *progress {
			progressTo = stderr
		}
		if err := importFile(ctx, st, f, popt, aopt, stdout, progressTo); err != nil {
			failed++
			fmt.Fprintf(stderr, "%s: %v\n", f, err)
		}
	}
	// The record days the files dirtied are left to the server's maintainer
	// (or the next migrate): packing them here cost about a third of an
	// import's time again (3.4 s for 200,000 incidents), and reads are exact
	// without it — a dirty day is read from its records.
	if failed > 0 {
		return fmt.Errorf("import: %d of %d files failed", failed, len(files))
	}
	return nil
}

// progressPrinter reports a file's written records each time another
// tenth of them is done (ApplyBatch calls it every few hundred records with
// the batch's size). A streamed file's size in records is known only at its
// end (total 0): the tenth is then of the file's bytes read so far (read),
// or, for stdin, every 100,000 records.
func progressPrinter(w io.Writer, file string, read func() (n, size int64)) func(done, total int) {
	last := 0
	return func(done, total int) {
		if total == 0 {
			n, size := read()
			if size <= 0 {
				if done%100_000 == 0 {
					fmt.Fprintf(w, "%s: written %d records\n", file, done)
				}
				return
			}
			if tenth := int(n * 10 / size); tenth > last {
				last = tenth
				fmt.Fprintf(w, "%s: written %d records (%d%%)\n", file, done, tenth*10)
			}
			return
		}
		if tenth := done * 10 / total; tenth > last {
			last = tenth
			fmt.Fprintf(w, "%s: written %d of %d records (%d%%)\n", file, done, total, tenth*10)
		}
	}
}

// countingReader counts the bytes read through it, for the progress of a
// streamed file.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
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

// importFile streams one file (hashing it on the way) into the database;
// progress, when set, receives how far the import is.
func importFile(ctx context.Context, st *store.Store, path string, popt ingest.Options, aopt store.ApplyOptions, out, progress io.Writer) error {
	cr := &countingReader{}
	var size int64
	name := filepath.Base(path)
	if path == "-" {
		cr.r, name = os.Stdin, "stdin"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
		cr.r = f
	}
	if progress != nil {
		aopt.Progress = progressPrinter(progress, path, func() (int64, int64) { return cr.n, size })
	}
	h := sha256.New()
	tee := io.TeeReader(cr, h)
	aopt.FileName = name
	aopt.SHA256Of = func() string { return hex.EncodeToString(h.Sum(nil)) }
	// The file streams into its transaction (a PagerDuty CSV of any size in
	// bounded memory); a format that needs the whole file is parsed first
	// and applied as a batch.
	var format string
	res, err := st.ApplyStream(ctx, aopt, func(sink imports.Sink) (*imports.Batch, error) {
		b, err := ingest.Stream(tee, name, popt, sink)
		if err != nil {
			return nil, err
		}
		format = b.Format
		// Hash the whole file even if the parser stopped early.
		if _, err := io.Copy(io.Discard, tee); err != nil {
			return nil, err
		}
		return b, nil
	})
	if errors.Is(err, ingest.ErrNeedsMapping) {
		return fmt.Errorf("%w: --map 'field=Header,…' [--kind KIND] or --mapping-file FILE (fields: %s; see docs/importers.md)",
			ingest.ErrNeedsMapping, mappingFieldsHelp())
	}
	var le *ingest.LimitError
	if errors.As(err, &le) {
		switch le.What {
		case ingest.LimitBytes:
			return fmt.Errorf("%w; nothing imported (raise the limit with --max-bytes)", err)
		case ingest.LimitRecords:
			return fmt.Errorf("%w; nothing imported (raise the limit with --max-records)", err)
		}
	}
	var ie *store.ImportError
	if err != nil && !errors.As(err, &ie) {
		return err
	}
	fmt.Fprintf(out, "%s: format %s (%d records)\n", path, format, res.Records)
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
	for _, c := range res.SLOs {
		fmt.Fprintf(out, "  SLO %s/%s: %s", c.Service, c.Name, c.Action)
		if len(c.Changes) > 0 {
			fmt.Fprintf(out, " (%s)", strings.Join(c.Changes, "; "))
		}
		fmt.Fprintln(out)
	}
	for _, u := range res.Unknown {
		if u.NotCreated != "" {
			fmt.Fprintf(out, "  service %q on %d rows (first line %d) cannot be created: %s; map it to a service (--service-map)\n",
				u.Name, u.Rows, firstLine(u), u.NotCreated)
			continue
		}
		fmt.Fprintf(out, "  unknown service %q on %d rows (first line %d)\n", u.Name, u.Rows, firstLine(u))
	}
	for _, e := range res.Errors {
		fmt.Fprintf(out, "  line %d: %s\n", e.Line, e.Reason)
	}
	if n := res.Rejected - len(res.Errors); n > 0 {
		fmt.Fprintf(out, "  … and %d more rejected rows (the first %d are listed)\n", n, len(res.Errors))
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(out, "  warning: %s\n", w)
	}
	if ie != nil {
		return unknownAdvice(ie, res)
	}
	return nil
}

// firstLine is the first line that names an unknown service (0 if none is listed).
func firstLine(u store.UnknownService) int {
	if len(u.Lines) == 0 {
		return 0
	}
	return u.Lines[0]
}

// unknownAdvice says why nothing was written and what to do, the most
// likely step first: services the catalogue lacks are created with
// --create-services (on a first import, every one is missing).
func unknownAdvice(ie *store.ImportError, res store.ImportResult) error {
	rejected := max(ie.Rejected, len(ie.Errors))
	unknownRows, notCreated := 0, 0
	for _, u := range res.Unknown {
		unknownRows += u.Rows
		if u.NotCreated != "" {
			notCreated++
		}
	}
	switch {
	case notCreated > 0 && notCreated == len(res.Unknown) && unknownRows == rejected:
		// --create-services was given: only a mapping helps these.
		return fmt.Errorf("nothing was written: %d service names cannot be created under the naming rule (%d rows); "+
			"map them with --service-map 'name=existing-service,…'", notCreated, unknownRows)
	case len(res.Unknown) > 0 && unknownRows == rejected:
		return fmt.Errorf("nothing was written: %d services are not in the catalogue (%d rows); run again with --create-services to create them, "+
			"or --service-map 'name=existing-service,…' to map them", len(res.Unknown), unknownRows)
	case len(res.Unknown) > 0:
		return fmt.Errorf("nothing was written: %d services are not in the catalogue (%d rows) and %d other rows are rejected; "+
			"run again with --create-services (or --service-map) and fix the other rows or add --skip-invalid", len(res.Unknown), unknownRows, rejected-unknownRows)
	}
	return fmt.Errorf("%d rows cannot be imported; nothing was written (fix them, or use --skip-invalid to import the others)", rejected)
}

// parsePairs reads "a=b,c=d".
func parsePairs(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%q is not name=service", p)
		}
		out[k] = v
	}
	return out, nil
}

func boolCount(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// mappingFieldsHelp lists the fields of each kind, required ones marked *.
func mappingFieldsHelp() string {
	kinds := make([]string, 0, len(ingest.KindFields))
	for k := range ingest.KindFields {
		if k != "sli" && k != "toil" {
			kinds = append(kinds, k)
		}
	}
	sort.Strings(kinds)
	var parts []string
	for _, k := range kinds {
		req := map[string]bool{}
		for _, f := range ingest.RequiredFields[k] {
			req[f] = true
		}
		fs := make([]string, 0, len(ingest.KindFields[k]))
		for _, f := range ingest.KindFields[k] {
			if req[f] {
				f += "*"
			}
			fs = append(fs, f)
		}
		parts = append(parts, k+": "+strings.Join(fs, " "))
	}
	return strings.Join(parts, "; ")
}
