package web

import (
	"errors"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics/imports"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/views"
)

var mappingKinds = []string{"incidents", "deploys", "pages", "action_items", "sli", "toil"}

// showMapping shows a generic CSV's header and first rows with a column
// choice for every field of the chosen kind.
func (ih *importHandler) showMapping(c echo.Context) error {
	u, err := ih.pending(c)
	if err != nil {
		return err
	}
	m := imports.Mapping{Kind: c.QueryParam("kind")}
	u.mu.Lock()
	if u.opt.Mapping != nil {
		m = *u.opt.Mapping
	}
	u.mu.Unlock()
	if name := c.QueryParam("saved"); name != "" {
		saved, err := ih.store.Mapping(c.Request().Context(), name)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil {
			m = saved
			m.Name = ""
		}
	}
	if k := c.QueryParam("kind"); k != "" && k != m.Kind {
		m = imports.Mapping{Kind: k}
	}
	v, err := ih.mappingView(c, u, m, "", nil)
	if err != nil {
		return err
	}
	return ok(c, views.ImportMappingPage(v))
}

func (ih *importHandler) mappingView(c echo.Context, u *upload, m imports.Mapping, saveAs string, errs []string) (views.ImportMapping, error) {
	if _, ok := ingest.KindFields[m.Kind]; !ok {
		m.Kind = "incidents"
	}
	f := u.Files[0]
	fh, err := os.Open(f.Path)
	if err != nil {
		return views.ImportMapping{}, err
	}
	defer fh.Close()
	// Headers reads at most ingest.MaxColumns columns, so the page stays
	// a few megabytes whatever the file; sample cells are shortened too.
	header, rows, err := ingest.Headers(fh)
	if err != nil && len(header) == 0 {
		errs = append(errs, "The file could not be read as CSV: "+strings.TrimPrefix(err.Error(), "ingest: "))
	}
	for _, r := range rows {
		for i, cell := range r {
			r[i] = shorten(cell, maxSampleChars)
		}
	}
	saved, err := ih.store.Mappings(c.Request().Context())
	if err != nil {
		return views.ImportMapping{}, err
	}
	base := "/imports/pending/" + u.Token + "/mapping"
	v := views.ImportMapping{Layout: ih.layout(c, "Map the columns", views.NavImports), Action: base, KindAction: base,
		File: f.Name, Header: header, Rows: rows, DateLayout: m.DateLayout, Source: m.Source, SaveAs: saveAs, Errors: errs}
	for _, k := range mappingKinds {
		v.Kinds = append(v.Kinds, views.Option{Value: k, Text: strings.ReplaceAll(k, "_", " "), Selected: k == m.Kind})
	}
	v.Saved = append(v.Saved, views.Option{Value: "", Text: "—"})
	for _, s := range saved {
		v.Saved = append(v.Saved, views.Option{Value: s.Name, Text: s.Name + " (" + s.Kind + ")"})
	}
	required := map[string]bool{}
	for _, r := range ingest.RequiredFields[m.Kind] {
		required[r] = true
	}
	for _, field := range ingest.KindFields[m.Kind] {
		chosen, known := m.Columns[field]
		if !known && m.Columns == nil {
			chosen = guessColumn(field, header)
		}
		mf := views.MappingField{Name: field, Required: required[field]}
		mf.Options = append(mf.Options, views.Option{Value: "", Text: "— not in the file —", Selected: chosen == ""})
		for _, h := range header {
			mf.Options = append(mf.Options, views.Option{Value: h, Text: h, Selected: h == chosen})
		}
		v.Fields = append(v.Fields, mf)
	}
	return v, nil
}

// maxSampleChars is how much of a cell the mapping page shows.
const maxSampleChars = 120

// shorten cuts s to n characters, marking the cut with "…".
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// guessColumn preselects the header that names the field (ignoring case
// and punctuation), so a well-named sheet needs no clicks.
func guessColumn(field string, header []string) string {
	norm := func(s string) string {
		var b strings.Builder
		for _, r := range strings.ToLower(s) {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	f := norm(field)
	for _, h := range header {
		if norm(h) == f {
			return h
		}
	}
	return ""
}

// saveMapping takes the mapping form: validates the mapping, saves it when
// named, and starts the preview with it.
func (ih *importHandler) saveMapping(c echo.Context) error {
	u, err := ih.pending(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return badRequest("The form could not be read.")
	}
	m := imports.Mapping{Kind: form.Get("kind"), Columns: map[string]string{}, DateLayout: strings.TrimSpace(form.Get("date_layout")),
		Source: strings.TrimSpace(form.Get("source"))}
	for k, vs := range form {
		if field, ok := strings.CutPrefix(k, "col_"); ok && len(vs) > 0 && vs[0] != "" {
			m.Columns[field] = vs[0]
		}
	}
	saveAs := strings.TrimSpace(form.Get("save_as"))
	m.Name = saveAs
	if m.Name == "" {
		m.Name = "upload"
	}
	if err := ingest.ValidateMapping(&m); err != nil {
		v, verr := ih.mappingView(c, u, m, saveAs, []string{strings.TrimPrefix(err.Error(), "mapping \""+m.Name+"\": ")})
		if verr != nil {
			return verr
		}
		return render(c, http.StatusUnprocessableEntity, views.ImportMappingPage(v))
	}
	if saveAs != "" {
		// The upload's severity map and Jira columns are saved with it.
		u.mu.Lock()
		sm, err := ingest.ParseSeverityMap(u.opt.SeverityMap)
		m.Jira = u.opt.Jira
		u.mu.Unlock()
		if err != nil {
			return badRequest(err.Error())
		}
		m.SeverityMap = sm
		if err := ih.store.SaveMapping(c.Request().Context(), m, ih.Audit(c)); err != nil {
			return err
		}
	}
	u.mu.Lock()
	u.opt.Mapping = &m
	u.mu.Unlock()
	ih.start(u, upAnalysing, 3*time.Second, ih.analyse(u))
	return c.Redirect(http.StatusSeeOther, "/imports/pending/"+u.Token)
}
