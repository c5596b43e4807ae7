package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/views"
)

// The roadmap import follows the risk register's: the upload only
// previews, carrying the file's text and the state of every initiative it
// names to the confirm step in hidden fields; the confirm step parses the
// text again and applies it whole, unless an initiative it names changed
// in between, when it shows a fresh preview instead (409).

// showRoadmapImport shows the upload form.
func (h *Handler) showRoadmapImport(c echo.Context) error {
	return ok(c, views.RoadmapImportPage(views.RoadmapImport{Layout: h.layout(c, "Import roadmap", views.NavRoadmap)}))
}

// previewRoadmapImport reads an uploaded roadmap and shows what importing
// it would add, update and leave unchanged, and the rows it refuses;
// nothing is written.
func (h *Handler) previewRoadmapImport(c echo.Context) error {
	v := views.RoadmapImport{Layout: h.layout(c, "Import roadmap", views.NavRoadmap)}
	refuse := func(status int, msg string) error {
		v.Errors = []string{msg}
		return render(c, status, views.RoadmapImportPage(v))
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return refuse(http.StatusUnprocessableEntity, "Choose a CSV file to upload.")
	}
	v.FileName = filepath.Base(fh.Filename)
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRoadmapUpload+1))
	if err != nil {
		return err
	}
	if len(data) > maxRoadmapUpload {
		return refuse(http.StatusRequestEntityTooLarge, "The file is larger than 1 MiB.")
	}
	// The preview carries the text in a form field, so it must be UTF-8
	// whatever the file's encoding was.
	text, err := ingest.DecodeText(bytes.NewReader(data))
	if err != nil {
		return refuse(http.StatusUnprocessableEntity, "The file is not readable: "+err.Error())
	}
	b, err := io.ReadAll(io.LimitReader(text, maxRoadmapUpload+1))
	if err != nil {
		return refuse(http.StatusUnprocessableEntity, "The file is not readable: "+err.Error())
	}
	if len(b) > maxRoadmapUpload {
		return refuse(http.StatusRequestEntityTooLarge, "The file's text is larger than 1 MiB.")
	}
	v, _, err = h.roadmapImportPreview(c, v.FileName, string(b))
	if err != nil {
		return err
	}
	return render(c, roadmapPreviewStatus(v), views.RoadmapImportPage(v))
}

// confirmRoadmapImport applies a previewed roadmap: every row or none.
func (h *Handler) confirmRoadmapImport(c echo.Context) error {
	payload := c.FormValue("payload")
	if payload == "" || len(payload) > maxRoadmapUpload {
		return badRequest("the preview has expired; upload the file again")
	}
	name := filepath.Base(c.FormValue("file_name"))
	v, apply, err := h.roadmapImportPreview(c, name, payload)
	if err != nil {
		return err
	}
	if !v.Ready {
		return render(c, http.StatusUnprocessableEntity, views.RoadmapImportPage(v))
	}
	// The state each initiative had when the shown preview was built; a
	// code the form does not list counts as one that was free.
	expect := map[string]string{}
	for _, f := range strings.Fields(c.FormValue("expect")) {
		code, fp, _ := strings.Cut(f, ":")
		expect[code] = fp
	}
	res, err := h.store.ImportInitiatives(c.Request().Context(), store.InitiativeImport{Rows: apply, Source: name, Expect: expect}, h.Audit(c))
	var ce *store.InitiativeConflictError
	if errors.As(err, &ce) {
		v, _, err := h.roadmapImportPreview(c, name, payload)
		if err != nil {
			return err
		}
		what := "was deleted"
		if ce.Current != nil {
			what = "changed (by " + ce.Current.UpdatedBy + ")"
		}
		// As the risk import does: no applying from this page; the user
		// reads the fresh preview and uploads the file again.
		v.Ready, v.Payload = false, ""
		v.Errors = append(v.Errors, fmt.Sprintf("%s %s since the preview; nothing was imported. "+
			"The preview below compares the file with the roadmap as it is now: check it and upload the file again.", ce.Code, what))
		return render(c, http.StatusConflict, views.RoadmapImportPage(v))
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/roadmap?imported="+strconv.Itoa(len(res.Created)+len(res.Updated))+
		"&unchanged="+strconv.Itoa(len(v.Rows)-len(apply)+len(res.Unchanged)))
}

// roadmapPreviewStatus is 422 when the preview refuses the file, else 200
// (also when every row is unchanged: the upload itself was fine).
func roadmapPreviewStatus(v views.RoadmapImport) int {
	if len(v.Errors) > 0 || len(v.RowErrors) > 0 {
		return http.StatusUnprocessableEntity
	}
	return http.StatusOK
}

// roadmapImportPreview parses payload against the roadmap as stored now
// and builds the preview page with the initiatives to write (the new and
// updated ones); nothing is written.
func (h *Handler) roadmapImportPreview(c echo.Context, name, payload string) (views.RoadmapImport, []analytics.Initiative, error) {
	v := views.RoadmapImport{Layout: h.layout(c, "Import roadmap", views.NavRoadmap), FileName: name}
	known, err := h.roadmapKnown(c)
	if err != nil {
		return v, nil, err
	}
	stored, err := h.store.Initiatives(c.Request().Context())
	if err != nil {
		return v, nil, err
	}
	byCode := make(map[string]analytics.Initiative, len(stored))
	for _, in := range stored {
		byCode[in.Code] = in
	}
	rows, rejects, err := parseRoadmapCSV(strings.NewReader(payload), known)
	if err != nil {
		v.Errors = []string{err.Error()}
		return v, nil, nil
	}
	v.RowErrors = rejects
	var (
		expect []string
		apply  []analytics.Initiative
	)
	for _, r := range rows {
		row := views.RoadmapImportRow{Line: r.line, Code: r.in.Code, Title: r.in.Title}
		cur, ok := byCode[r.in.Code]
		switch {
		case r.in.Code != "" && ok:
			row.Changes = initiativeChanges(cur, r.in)
			row.Kind = "update"
			if len(row.Changes) == 0 {
				row.Kind = "unchanged"
			}
			expect = append(expect, cur.Code+":"+cur.Fingerprint())
		default:
			row.Kind = "new"
			if r.in.Code != "" {
				expect = append(expect, r.in.Code+":")
			}
		}
		switch row.Kind {
		case "new":
			v.New++
		case "update":
			v.Updated++
		default:
			v.Unchanged++
		}
		if row.Kind != "unchanged" {
			apply = append(apply, r.in)
		}
		v.Rows = append(v.Rows, row)
	}
	sort.Strings(expect)
	v.Expect = strings.Join(expect, " ")
	if len(rows)+len(rejects) == 0 {
		v.Errors = append(v.Errors, "The file has a header but no initiatives.")
	}
	if len(v.Errors) == 0 {
		v.Payload = payload
	}
	v.Ready = len(v.Errors) == 0 && len(rejects) == 0 && v.New+v.Updated > 0
	return v, apply, nil
}

// initiativeChanges lists the fields an import changes, labelled as the
// form labels them, the target written with its unit.
func initiativeChanges(cur, in analytics.Initiative) []views.FieldChangeRow {
	var out []views.FieldChangeRow
	for _, ch := range analytics.DiffInitiatives(cur, in) {
		old, nw := ch.Old, ch.New
		if ch.Field == "target" {
			old, nw = targetInput(cur), targetInput(in)
		}
		out = append(out, views.FieldChangeRow{Field: strings.ReplaceAll(ch.Field, "_", " "), Old: shortValue(old), New: shortValue(nw)})
	}
	return out
}
