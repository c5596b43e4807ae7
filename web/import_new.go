package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics/imports"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/views"
)

var errTooLarge = userError{http.StatusRequestEntityTooLarge,
	fmt.Sprintf("The upload is larger than %d MiB. Split the file, compress it (.gz is accepted), or import it with the command line: sreport import FILE", MaxUploadBytes>>20)}

// limitUploads caps the upload request's body before any middleware (the
// CSRF check reads the form) touches it: a declared oversize body gets a
// clear 413 at once, an undeclared (chunked) one is cut off at the cap and
// gets the same 413 whichever reader hit it.
func (ih *importHandler) limitUploads(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method != http.MethodPost || req.URL.Path != "/imports" {
			return next(c)
		}
		if err := capBody(c, MaxUploadBytes, errTooLarge); err != nil {
			return err
		}
		return next(c)
	}
}

// newImport shows the upload form.
func (ih *importHandler) newImport(c echo.Context) error {
	v, err := ih.importForm(c, uploadOptions{Format: "auto", Tier: store.DefaultNewServiceTier}, "", nil)
	if err != nil {
		return err
	}
	return ok(c, views.ImportFormPage(v))
}

func (ih *importHandler) importForm(c echo.Context, o uploadOptions, mapping string, errs map[string]string) (views.ImportForm, error) {
	ctx := c.Request().Context()
	maps, err := ih.store.Mappings(ctx)
	if err != nil {
		return views.ImportForm{}, err
	}
	v := views.ImportForm{Layout: ih.layout(c, "Import data", views.NavImports), Timezone: o.TZ, DateLayout: o.DateLayout,
		Workflow: o.Workflow, SeverityMap: o.SeverityMap, JiraService: o.Jira.Service, JiraSeverity: o.Jira.Severity,
		JiraImpactStart: o.Jira.ImpactStart, JiraMitigated: o.Jira.MitigatedAt,
		SkipInvalid: o.SkipInvalid, CreateServices: o.CreateServices, MaxMiB: MaxUploadBytes >> 20, Errors: errs,
		Tiers: tierOptions(o.Tier), DefaultService: o.DefaultService, ProdBranches: o.ProdBranches}
	for _, sf := range serviceFromChoices {
		v.ServiceFrom = append(v.ServiceFrom, views.Option{Value: sf.Value, Text: sf.Text, Selected: sf.Value == o.ServiceFrom})
	}
	v.Formats = append(v.Formats, views.Option{Value: "auto", Text: "Detect from the content", Selected: o.Format == "auto" || o.Format == ""})
	for _, f := range ingest.Formats() {
		v.Formats = append(v.Formats, views.Option{Value: f.ID, Text: f.ID + " — " + f.Description, Selected: o.Format == f.ID})
	}
	v.Mappings = append(v.Mappings, views.Option{Value: "", Text: "None (map the columns after upload)"})
	for _, m := range maps {
		v.Mappings = append(v.Mappings, views.Option{Value: m.Name, Text: m.Name + " (" + m.Kind + ")", Selected: m.Name == mapping})
	}
	return v, nil
}

func tierOptions(sel int) []views.Option {
	out := make([]views.Option, 4)
	for t := range 4 {
		out[t] = views.Option{Value: strconv.Itoa(t), Text: "Tier " + strconv.Itoa(t), Selected: t == sel}
	}
	return out
}

// uploadImport stores the uploaded files, starts the dry run and sends the
// browser to the upload's page (preview, mapping or progress).
func (ih *importHandler) uploadImport(c echo.Context) error {
	ctx := c.Request().Context()
	ih.sweep(ih.cfg.Now())
	form, err := c.MultipartForm()
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge
		}
		return badRequest("The upload could not be read; choose the files again.")
	}
	val := func(k string) string {
		if vs := form.Value[k]; len(vs) > 0 {
			return strings.TrimSpace(vs[0])
		}
		return ""
	}
	o := uploadOptions{Format: val("format"), TZ: val("tz"), DateLayout: val("date_layout"), Workflow: val("workflow"),
		SeverityMap: val("severity_map"), Jira: imports.JiraFields{Service: val("jira_service"), Severity: val("jira_severity"),
			ImpactStart: val("jira_impact_start"), MitigatedAt: val("jira_mitigated")},
		SkipInvalid: val("skip_invalid") != "", CreateServices: val("create_services") != "", Tier: store.DefaultNewServiceTier,
		ServiceFrom: val("service_from"), DefaultService: val("default_service"), ProdBranches: val("prod_branches")}
	errs := map[string]string{}
	if _, err := ingest.ParseSeverityMap(o.SeverityMap); err != nil {
		errs["severity_map"] = "Write RAW=SEVERITY pairs separated by commas, e.g. P1=1, P2=2, Highest=1; severities are 0 to 4."
	}
	if t, err := strconv.Atoi(val("tier")); err == nil && t >= 0 && t <= 3 {
		o.Tier = t
	} else if val("tier") != "" {
		errs["tier"] = "Choose a tier from 0 to 3."
	}
	if o.Format == "" {
		o.Format = "auto"
	}
	if _, err := parseFormatChoice(o.Format); err != nil {
		errs["format"] = "Unknown format."
	}
	if !validServiceFrom(o.ServiceFrom) {
		errs["service_from"] = "Choose one of the listed fields."
	}
	if o.TZ != "" {
		if _, err := time.LoadLocation(o.TZ); err != nil {
			errs["tz"] = "Unknown timezone; use an IANA name such as Europe/Berlin."
		}
	}
	mapping := val("mapping")
	if mapping != "" {
		m, err := ih.store.Mapping(ctx, mapping)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			errs["format"] = "The saved mapping " + strconv.Quote(mapping) + " does not exist any more."
		} else {
			o.Mapping = &m
		}
	}
	files := form.File["file"]
	if len(files) == 0 {
		errs["file"] = "Choose at least one file."
	}
	if len(errs) > 0 {
		v, err := ih.importForm(c, o, mapping, errs)
		if err != nil {
			return err
		}
		return render(c, http.StatusUnprocessableEntity, views.ImportFormPage(v))
	}
	if !ih.makeRoom(userID(c)) {
		return userError{http.StatusTooManyRequests, fmt.Sprintf("You have %d uploads being checked or imported; wait for one to finish, then upload again.", maxUploadsPerUser)}
	}
	if ih.dir == "" {
		return fmt.Errorf("store upload: %w", ih.dirErr)
	}
	u := &upload{Token: newToken(), UserID: userID(c), Actor: actor(c), Created: ih.cfg.Now(), opt: o}
	dir := filepath.Join(ih.dir, u.Token)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("upload dir: %w", err)
	}
	for _, fh := range files {
		f, err := saveUpload(fh, dir)
		if err != nil {
			os.RemoveAll(dir)
			return err
		}
		if !hasFile(u.Files, f.SHA256) {
			u.Files = append(u.Files, f)
		}
	}
	ih.mu.Lock()
	ih.uploads[u.Token] = u
	ih.mu.Unlock()
	ih.start(u, upAnalysing, 3*time.Second, ih.analyse(u))
	return c.Redirect(http.StatusSeeOther, "/imports/pending/"+u.Token)
}

// parseFormatChoice checks the format select's value.
func parseFormatChoice(f string) (string, error) {
	if f == "auto" {
		return f, nil
	}
	for _, x := range ingest.Formats() {
		if x.ID == f {
			return f, nil
		}
	}
	return "", errors.New("unknown format")
}

// saveUpload copies one uploaded file into dir, named by its SHA-256, and
// keeps its original name for display.
func saveUpload(fh *multipart.FileHeader, dir string) (uploadFile, error) {
	src, err := fh.Open()
	if err != nil {
		return uploadFile{}, fmt.Errorf("open upload: %w", err)
	}
	defer src.Close()
	tmp, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return uploadFile{}, fmt.Errorf("store upload: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), src)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return uploadFile{}, fmt.Errorf("store upload: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	// Named by content: the same file chosen twice is stored once.
	path := filepath.Join(dir, sum+".upload")
	if err := os.Rename(tmp.Name(), path); err != nil {
		return uploadFile{}, fmt.Errorf("store upload: %w", err)
	}
	name := filepath.Base(strings.ReplaceAll(fh.Filename, `\`, "/"))
	return uploadFile{Name: name, Path: path, SHA256: sum, Size: n}, nil
}

func hasFile(fs []uploadFile, sum string) bool {
	for _, f := range fs {
		if f.SHA256 == sum {
			return true
		}
	}
	return false
}

// serviceFromChoices are the service fields the importers can be told to
// read (ingest.Options.ServiceFrom), per format.
var serviceFromChoices = []views.Option{
	{Value: "", Text: "The format's own order (docs/importers.md)"},
	{Value: "cmdb_ci", Text: "ServiceNow: configuration item (cmdb_ci)"},
	{Value: "business_service", Text: "ServiceNow: business service"},
	{Value: "service_offering", Text: "ServiceNow: service offering"},
	{Value: "assignment_group", Text: "ServiceNow: assignment group"},
	{Value: "affected_services", Text: "Jira: Affected services"},
	{Value: "components", Text: "Jira: Components"},
	{Value: "project", Text: "Jira: project"},
}

func validServiceFrom(v string) bool {
	for _, c := range serviceFromChoices {
		if c.Value == v {
			return true
		}
	}
	return false
}
