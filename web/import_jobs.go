package web

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics/imports"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/telemetry"
	"sreport/views"
)

// MaxUploadBytes caps one upload request (all its files).
const MaxUploadBytes = 64 << 20

// MaxUploadRecords is the default of Config.MaxUploadRecords.
const MaxUploadRecords = 500000

// parseLimits are the limits of an uploaded file: the importers' default
// decompressed size and the configured record cap.
func (ih *importHandler) parseLimits() ingest.Limits {
	n := ih.cfg.MaxUploadRecords
	if n <= 0 {
		n = MaxUploadRecords
	}
	return ingest.Limits{MaxRecords: n}
}

// uploadTTL is how long an unconfirmed upload is kept.
const uploadTTL = 6 * time.Hour

// maxUploadsPerUser caps the uploads one user keeps waiting on the server:
// a new one beyond it replaces their oldest idle one.
const maxUploadsPerUser = 10

// importHandler serves the import pages. It keeps uploads waiting for
// confirmation in the upload folder beside the database (one folder per
// random token, the file named by its SHA-256) and their state in memory.
type importHandler struct {
	*Handler
	dir     string // "" when dirErr says why there is none
	dirErr  error
	mu      sync.Mutex
	uploads map[string]*upload
}

// importer builds the import pages' handler; routes calls it once.
func (h *Handler) importer() *importHandler {
	ih := &importHandler{Handler: h, uploads: map[string]*upload{}}
	ih.dir, ih.dirErr = h.openUploadDir()
	switch {
	case ih.dirErr != nil:
		h.log.Error("uploads unavailable: no upload folder", "error", ih.dirErr)
	case h.cfg.Background != nil:
		// The server's context ends at shutdown: uploads do not outlive it.
		dir := ih.dir
		context.AfterFunc(h.cfg.Background, func() { _ = emptyDir(dir) })
	}
	return ih
}

// Upload states.
const (
	upAnalysing = "analysing"
	upMapping   = "mapping" // a generic CSV waits for its column mapping
	upPreview   = "preview"
	upApplying  = "applying"
	upDone      = "done"
)

// uploadOptions are the upload form's choices.
type uploadOptions struct {
	Format, TZ, DateLayout, Workflow string
	ServiceFrom, DefaultService      string
	ProdBranches                     string // as typed: "main, release"
	SeverityMap                      string // as typed: "P1=1, P2=2"
	Jira                             imports.JiraFields
	SkipInvalid, CreateServices      bool
	Tier                             int
	Mapping                          *imports.Mapping
	ServiceChoice                    map[string]string // unknown name → "create" or an existing service
	SourceOnly                       map[string]bool   // mapped names whose alias applies to their source only
}

type uploadFile struct {
	Name, Path, SHA256 string
	Size               int64
}

// filePreview is one file's dry run (or, once applied, its import).
type filePreview struct {
	File    uploadFile
	Format  string
	Sample  views.Table // the first records as they will be stored
	Records int         // records parsed from the file
	Result  store.ImportResult
	Failed  string
}

// upload is one set of uploaded files from upload to applied.
type upload struct {
	Token   string
	UserID  int64
	Actor   string
	Created time.Time
	Files   []uploadFile

	mu       sync.Mutex
	state    string
	phase    string
	done     int64
	total    int64
	opt      uploadOptions
	audit    store.Audit // who confirmed the import, from where
	previews []filePreview
	finished chan struct{} // closed when the running job ends
}

func (u *upload) snapshot() (state, phase string, pct int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.total > 0 {
		pct = int(u.done * 100 / u.total)
	}
	return u.state, u.phase, min(pct, 100)
}

func (u *upload) setProgress(phase string, done, total int64) {
	u.mu.Lock()
	u.phase, u.done, u.total = phase, done, total
	u.mu.Unlock()
}

func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// pending returns the caller's upload for the :token parameter.
func (ih *importHandler) pending(c echo.Context) (*upload, error) {
	ih.mu.Lock()
	u, ok := ih.uploads[c.Param("token")]
	ih.mu.Unlock()
	if !ok || u.UserID != userID(c) {
		return nil, userError{http.StatusNotFound, "This upload is not known any more (uploads are kept for a few hours). Upload the file again."}
	}
	return u, nil
}

func userID(c echo.Context) int64 {
	if u := currentUser(c); u != nil {
		return u.ID
	}
	return 0
}

func actor(c echo.Context) string {
	if u := currentUser(c); u != nil {
		return u.Email
	}
	return "web"
}

// sweep forgets uploads older than uploadTTL and removes their files.
func (ih *importHandler) sweep(now time.Time) {
	ih.mu.Lock()
	defer ih.mu.Unlock()
	for tok, u := range ih.uploads {
		if now.Sub(u.Created) > uploadTTL {
			os.RemoveAll(filepath.Join(ih.dir, tok))
			delete(ih.uploads, tok)
		}
	}
}

// makeRoom keeps a user below maxUploadsPerUser uploads by forgetting
// their oldest idle ones; it reports false when every one is still running.
func (ih *importHandler) makeRoom(userID int64) bool {
	ih.mu.Lock()
	defer ih.mu.Unlock()
	for {
		var mine []*upload
		for _, u := range ih.uploads {
			if u.UserID == userID {
				mine = append(mine, u)
			}
		}
		if len(mine) < maxUploadsPerUser {
			return true
		}
		var oldest *upload
		for _, u := range mine {
			if st, _, _ := u.snapshot(); st == upAnalysing || st == upApplying {
				continue
			}
			if oldest == nil || u.Created.Before(oldest.Created) {
				oldest = u
			}
		}
		if oldest == nil {
			return false
		}
		os.RemoveAll(filepath.Join(ih.dir, oldest.Token))
		delete(ih.uploads, oldest.Token)
	}
}

// start runs job in the background as the upload's only job and waits up to
// wait for it, so small files need no progress page.
func (ih *importHandler) start(u *upload, state string, wait time.Duration, job func(ctx context.Context)) {
	u.mu.Lock()
	if u.finished != nil {
		select {
		case <-u.finished:
		default:
			u.mu.Unlock()
			return // a job is running already
		}
	}
	u.state, u.phase, u.done, u.total = state, "Starting", 0, 0
	done := make(chan struct{})
	u.finished = done
	u.mu.Unlock()
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				ih.log.Error("import job panic", "token", u.Token, "panic", r, "stack", string(debug.Stack()))
				u.mu.Lock()
				u.state = upPreview
				u.previews = []filePreview{{Failed: "The import failed on our side; the error has been logged."}}
				u.mu.Unlock()
			}
		}()
		job(context.Background())
	}()
	select {
	case <-done:
	case <-time.After(wait):
	}
}

// parseOptions turns the upload's options into the parser's.
func (o uploadOptions) parseOptions() (ingest.Options, error) {
	p := ingest.Options{Format: o.Format, DateLayout: o.DateLayout, Workflow: o.Workflow, Mapping: o.Mapping, Jira: o.Jira,
		ServiceFrom: o.ServiceFrom, DefaultService: o.DefaultService}
	for _, b := range strings.Split(o.ProdBranches, ",") {
		if b = strings.TrimSpace(b); b != "" {
			p.ProdBranches = append(p.ProdBranches, b)
		}
	}
	sm, err := ingest.ParseSeverityMap(o.SeverityMap)
	if err != nil {
		return p, err
	}
	p.SeverityMap = sm
	if o.TZ != "" {
		loc, err := time.LoadLocation(o.TZ)
		if err != nil {
			return p, fmt.Errorf("timezone %q: %w", o.TZ, err)
		}
		p.Location = loc
	}
	return p, nil
}

// applyOptions turns the user's choices into the store's.
func (u *upload) applyOptions(f uploadFile, dry bool, progress func(done, total int)) store.ApplyOptions {
	tier := u.opt.Tier
	ao := store.ApplyOptions{UserID: u.UserID, Actor: u.Actor, FileName: f.Name, SHA256: f.SHA256, CreateServices: u.opt.CreateServices,
		Tier: &tier, SkipInvalid: u.opt.SkipInvalid, DryRun: dry, Progress: progress, ServiceMap: map[string]string{}, Audit: u.audit,
		SourceOnly: u.opt.SourceOnly}
	for name, choice := range u.opt.ServiceChoice {
		switch {
		case choice == "create":
			ao.Create = append(ao.Create, name)
		case strings.HasPrefix(choice, "map:"):
			ao.ServiceMap[name] = strings.TrimPrefix(choice, "map:")
		}
	}
	return ao
}

// countingReader reports how far the parser has read, for the progress bar.
type countingReader struct {
	r    io.Reader
	n    int64
	tick func(n int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.tick(c.n)
	return n, err
}

// needsMapping reports whether a file is a generic CSV without a mapping.
func needsMapping(f uploadFile, o uploadOptions) (bool, error) {
	if o.Mapping != nil {
		return false, nil
	}
	if o.Format == "csv" {
		return true, nil
	}
	if o.Format != "" && o.Format != "auto" {
		return false, nil
	}
	fh, err := os.Open(f.Path)
	if err != nil {
		return false, err
	}
	defer fh.Close()
	head := make([]byte, 64<<10)
	n, err := io.ReadFull(fh, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return false, err
	}
	format, err := ingest.Detect(f.Name, head[:n])
	return err == nil && format == "csv", nil
}

// parseFile streams one stored upload through the parser.
func (u *upload) parseFile(f uploadFile, popt ingest.Options, phase string) (*imports.Batch, error) {
	fh, err := os.Open(f.Path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	cr := &countingReader{r: bufio.NewReaderSize(fh, 256<<10), tick: func(n int64) { u.setProgress(phase, n, f.Size) }}
	return ingest.Parse(cr, f.Name, popt)
}

// analyse parses every file and dry-runs it; the preview page shows the result.
func (ih *importHandler) analyse(u *upload) func(ctx context.Context) {
	return func(ctx context.Context) {
		u.mu.Lock()
		opt := u.opt
		u.mu.Unlock()
		for _, f := range u.Files {
			need, err := needsMapping(f, opt)
			if err == nil && need {
				u.mu.Lock()
				u.state = upMapping
				u.mu.Unlock()
				return
			}
		}
		var out []filePreview
		popt, perr := opt.parseOptions()
		popt.Limits = ih.parseLimits()
		for i, f := range u.Files {
			fp := filePreview{File: f}
			if perr != nil {
				fp.Failed = perr.Error()
				out = append(out, fp)
				continue
			}
			b, err := u.parseFile(f, popt, fmt.Sprintf("Reading %s (%d of %d)", f.Name, i+1, len(u.Files)))
			if err != nil {
				fp.Failed = readableParseError(err)
				out = append(out, fp)
				continue
			}
			fp.Format, fp.Records = b.Format, b.Records()
			phase := fmt.Sprintf("Checking %s against the database (%d of %d)", f.Name, i+1, len(u.Files))
			ao := u.applyOptions(f, true, func(done, total int) { u.setProgress(phase, int64(done), int64(total)) })
			ao.SkipInvalid = true // a dry run reports every row either way
			res, err := ih.store.ApplyBatch(ctx, b, ao)
			if err != nil {
				ih.log.Error("import dry run", "file", f.Name, "error", err)
				fp.Failed = "Could not check the file against the database: " + userMessage(err)
			}
			fp.Result = res
			fp.Sample = sampleTable(b, res, 20)
			out = append(out, fp)
		}
		u.mu.Lock()
		u.previews, u.state = out, upPreview
		u.mu.Unlock()
	}
}

// apply writes every file, each in its own transaction.
func (ih *importHandler) apply(u *upload) func(ctx context.Context) {
	return func(ctx context.Context) {
		u.mu.Lock()
		opt := u.opt
		u.mu.Unlock()
		popt, perr := opt.parseOptions()
		popt.Limits = ih.parseLimits()
		var out []filePreview
		for i, f := range u.Files {
			fp := filePreview{File: f}
			if perr != nil {
				fp.Failed = perr.Error()
				ih.cfg.Metrics.ImportFile(telemetry.ImportFailed)
				out = append(out, fp)
				continue
			}
			b, err := u.parseFile(f, popt, fmt.Sprintf("Reading %s (%d of %d)", f.Name, i+1, len(u.Files)))
			if err != nil {
				fp.Failed = readableParseError(err)
				ih.cfg.Metrics.ImportFile(telemetry.ImportFailed)
				out = append(out, fp)
				continue
			}
			fp.Format, fp.Records = b.Format, b.Records()
			phase := fmt.Sprintf("Importing %s (%d of %d)", f.Name, i+1, len(u.Files))
			res, err := ih.store.ApplyBatch(ctx, b, u.applyOptions(f, false, func(done, total int) { u.setProgress(phase, int64(done), int64(total)) }))
			fp.Result = res
			var ie *store.ImportError
			switch {
			case errors.As(err, &ie):
				fp.Failed = "Nothing imported from this file: " + ie.Error()
				ih.cfg.Metrics.ImportFile(telemetry.ImportRejected)
			case err != nil:
				ih.log.Error("import", "file", f.Name, "error", err)
				fp.Failed = "Nothing imported from this file: " + userMessage(err)
				ih.cfg.Metrics.ImportFile(telemetry.ImportFailed)
			default:
				_ = os.Remove(f.Path)
				ih.cfg.Metrics.ImportFile(telemetry.ImportImported)
			}
			out = append(out, fp)
		}
		u.mu.Lock()
		u.previews, u.state = out, upDone
		u.mu.Unlock()
	}
}

// userMessage keeps store internals out of pages: configuration mistakes
// (unknown mapped service, bad tier) and a full database are said as such,
// anything else is generic.
func userMessage(err error) string {
	s := err.Error()
	if strings.HasPrefix(s, "service map:") || strings.HasPrefix(s, "tier ") {
		return s
	}
	if store.IsFull(err) {
		return "the database or its disk is full, so nothing from this file was written; free disk space and import it again."
	}
	return "an unexpected error occurred; it has been logged."
}

// readableParseError strips the package prefix of a parse error and says
// what to do about a file over a limit.
func readableParseError(err error) string {
	s := err.Error()
	if errors.Is(err, ingest.ErrRiskRegister) {
		return "This is a risk register, which is imported on the risk register's own page: /risks/import."
	}
	var le *ingest.LimitError
	if errors.As(err, &le) {
		switch le.What {
		case ingest.LimitRecords:
			return fmt.Sprintf("Nothing imported: the file holds more than %s records, the most one uploaded file may hold. "+
				"Split it, or import it with the command line (sreport import FILE).", le.Amount())
		case ingest.LimitBytes:
			return fmt.Sprintf("Nothing imported: the file holds more than %s of text once decompressed, the most one file may hold. "+
				"Split it, or import it with the command line (sreport import --max-bytes SIZE FILE).", le.Amount())
		}
		return "Nothing imported: " + le.Error() + "."
	}
	s = strings.TrimPrefix(s, "ingest: ")
	return "The file could not be read: " + s
}
