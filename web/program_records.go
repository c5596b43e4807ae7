package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics/program"
	"sreport/analytics/store"
	"sreport/views"
)

// The program inputs' pages: one set of handlers for every input, driven
// by its field definitions (analytics/program). Everyone reads the records;
// editors and admins add, edit, delete and import (routes.go).

// programInput returns the input named by the :input parameter.
func programInput(c echo.Context) (program.Input, error) {
	in, ok := program.ByKey(c.Param("input"))
	if !ok {
		return in, notFound("program input")
	}
	return in, nil
}

func programHref(in program.Input) string { return "/program/" + in.Key }

// mayEdit reports whether the signed-in user may change program records.
func mayEdit(c echo.Context) bool {
	u := currentUser(c)
	return u != nil && store.RoleRank(u.Role) >= store.RoleRank(RoleEditor)
}

// programNames loads the catalogue's service and team names for Normalise.
func (h *Handler) programNames(ctx context.Context) (program.Names, error) {
	n := program.Names{Services: map[string]string{}, Teams: map[string]string{}}
	services, err := h.store.Services(ctx)
	if err != nil {
		return n, err
	}
	for _, s := range services {
		n.Services[strings.ToLower(s.Name)] = s.Name
	}
	teams, err := h.store.Teams(ctx)
	if err != nil {
		return n, err
	}
	for _, t := range teams {
		n.Teams[strings.ToLower(t.Name)] = t.Name
	}
	return n, nil
}

// listProgramRecords shows an input's records.
func (h *Handler) listProgramRecords(c echo.Context) error {
	in, err := programInput(c)
	if err != nil {
		return err
	}
	recs, err := h.store.ProgramRecords(c.Request().Context(), in)
	if err != nil {
		return err
	}
	v := views.ProgramListView{Layout: h.layout(c, in.Title, views.NavProgram), About: in.About,
		ExportHref: programHref(in) + "/export"}
	edit := mayEdit(c)
	if edit {
		v.NewHref, v.ImportHref = programHref(in)+"/new", programHref(in)+"/import"
	}
	switch c.QueryParam("done") {
	case "saved":
		v.Layout.Flash = "Saved."
	case "deleted":
		v.Layout.Flash = "Deleted."
	case "imported":
		v.Layout.Flash = "Imported: " + c.QueryParam("n") + "."
	}
	t := views.Table{TestID: "program-records", Empty: "No " + in.Singular + "s recorded yet."}
	for _, f := range in.Fields {
		t.Columns = append(t.Columns, views.Column{Label: f.Label, Numeric: f.Numeric()})
	}
	for _, r := range recs {
		row := make([]views.Cell, len(in.Fields))
		for i, f := range in.Fields {
			row[i] = views.Cell{Text: r.Values[f.Key]}
			if f.Numeric() {
				row[i].Class = "num"
			}
			if f.Kind == program.URL && r.Values[f.Key] != "" {
				row[i].Href = r.Values[f.Key]
			}
		}
		if edit {
			row[0].Href = programHref(in) + "/" + strconv.FormatInt(r.ID, 10) + "/edit"
		}
		t.Rows = append(t.Rows, row)
	}
	v.Table = t
	return ok(c, views.ProgramListPage(v))
}

// programForm builds the form of in with values and messages.
func (h *Handler) programForm(c echo.Context, in program.Input, id int64, vals map[string]string, errs map[string]string) views.ProgramFormView {
	title := "Add a " + in.Singular
	v := views.ProgramFormView{Action: programHref(in), Submit: "Add", BackHref: programHref(in)}
	if id != 0 {
		title = "Edit " + in.Singular
		v.Action = programHref(in) + "/" + strconv.FormatInt(id, 10)
		v.DeleteAction, v.Submit = v.Action+"/delete", "Save"
	}
	v.Layout = h.layout(c, title, views.NavProgram)
	for _, f := range in.Fields {
		pf := views.ProgramField{Key: f.Key, Label: f.Label, Value: vals[f.Key], Help: f.Help, Error: errs[f.Key], Required: f.Required}
		switch f.Kind {
		case program.URL:
			pf.Type = "url"
		case program.Date:
			pf.Type = "date"
		case program.Month:
			pf.Type, pf.Help = "month", strings.TrimSpace(pf.Help+" YYYY-MM.")
		case program.Number, program.Integer:
			pf.Type = "number"
		case program.Choice:
			pf.Type = "select"
			for _, o := range f.Choices {
				pf.Options = append(pf.Options, views.Option{Value: o, Text: strings.ReplaceAll(o, "_", " "), Selected: o == vals[f.Key]})
			}
		default:
			pf.Type = "text"
		}
		v.Fields = append(v.Fields, pf)
	}
	return v
}

// newProgramRecord shows the empty form.
func (h *Handler) newProgramRecord(c echo.Context) error {
	in, err := programInput(c)
	if err != nil {
		return err
	}
	return ok(c, views.ProgramFormPage(h.programForm(c, in, 0, nil, nil)))
}

// recordID reads the :id parameter.
func recordID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound("record")
	}
	return id, nil
}

// editProgramRecord shows a record's form.
func (h *Handler) editProgramRecord(c echo.Context) error {
	in, err := programInput(c)
	if err != nil {
		return err
	}
	id, err := recordID(c)
	if err != nil {
		return err
	}
	r, err := h.store.ProgramRecord(c.Request().Context(), in, id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("record")
	}
	if err != nil {
		return err
	}
	return ok(c, views.ProgramFormPage(h.programForm(c, in, id, r.Values, nil)))
}

// saveProgramRecord creates (POST /program/:input) or updates (POST
// /program/:input/:id) a record; invalid input re-renders the form (422).
func (h *Handler) saveProgramRecord(c echo.Context) error {
	in, err := programInput(c)
	if err != nil {
		return err
	}
	var id int64
	if c.Param("id") != "" {
		if id, err = recordID(c); err != nil {
			return err
		}
	}
	ctx := c.Request().Context()
	names, err := h.programNames(ctx)
	if err != nil {
		return err
	}
	raw := map[string]string{}
	for _, f := range in.Fields {
		raw[f.Key] = c.FormValue(f.Key)
	}
	vals, errs := in.Normalise(raw, names)
	if len(errs) > 0 {
		v := h.programForm(c, in, id, raw, errs)
		v.Problem = "Check the fields marked below."
		return render(c, http.StatusUnprocessableEntity, views.ProgramFormPage(v))
	}
	_, err = h.store.SaveProgramRecord(ctx, h.Audit(c), in, id, vals)
	switch {
	case errors.Is(err, store.ErrProgramDuplicate):
		v := h.programForm(c, in, id, raw, nil)
		v.Problem = "Another " + in.Singular + " has the same " + naturalLabels(in) + ": edit that one instead."
		return render(c, http.StatusUnprocessableEntity, views.ProgramFormPage(v))
	case errors.Is(err, store.ErrNotFound):
		return notFound("record")
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, programHref(in)+"?done=saved")
}

// naturalLabels names the natural key's fields: "service, date and kind".
func naturalLabels(in program.Input) string {
	var ls []string
	for _, k := range in.Natural {
		f, _ := in.Field(k)
		ls = append(ls, strings.ToLower(f.Label))
	}
	if len(ls) < 2 {
		return strings.Join(ls, "")
	}
	return strings.Join(ls[:len(ls)-1], ", ") + " and " + ls[len(ls)-1]
}

// deleteProgramRecord deletes a record.
func (h *Handler) deleteProgramRecord(c echo.Context) error {
	in, err := programInput(c)
	if err != nil {
		return err
	}
	id, err := recordID(c)
	if err != nil {
		return err
	}
	if err := h.store.DeleteProgramRecord(c.Request().Context(), h.Audit(c), in, id); errors.Is(err, store.ErrNotFound) {
		return notFound("record")
	} else if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, programHref(in)+"?done=deleted")
}
