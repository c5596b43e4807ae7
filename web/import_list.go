package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics/store"
	"sreport/views"
)

// listImports shows the import history.
func (ih *importHandler) listImports(c echo.Context) error {
	ctx := c.Request().Context()
	imps, err := ih.store.Imports(ctx, 200)
	if err != nil {
		return err
	}
	loc, err := ih.reportingLocation(c)
	if err != nil {
		return err
	}
	v := views.ImportList{Layout: ih.layout(c, "Imports", views.NavImports)}
	if c.QueryParam("rolled_back") != "" {
		v.Layout.Flash = "Import " + c.QueryParam("rolled_back") + " was rolled back."
	}
	admin := isAdmin(c)
	for _, im := range imps {
		id := strconv.FormatInt(im.ID, 10)
		r := views.ImportRow{ID: id, Href: "/imports/" + id, Started: fmtTime(im.StartedAt, loc), User: im.User, File: im.FileName,
			Format: im.Format, Status: strings.ReplaceAll(im.Status, "_", " "), SHA256: im.SHA256, Inserted: im.Inserted,
			Updated: im.Updated, Unchanged: im.Unchanged, Rejected: im.Rejected}
		if len(im.Errors) > 0 {
			r.ErrorsHref = "/imports/" + id + "/errors.csv"
		}
		if admin && im.Status == "done" {
			r.RollbackAction = "/imports/" + id + "/rollback"
		}
		v.Rows = append(v.Rows, r)
	}
	return ok(c, views.ImportListPage(v))
}

func isAdmin(c echo.Context) bool {
	u := currentUser(c)
	return u != nil && store.RoleRank(u.Role) >= store.RoleRank(RoleAdmin)
}

// reportingLocation is the zone the settings report times in.
func (h *Handler) reportingLocation(c echo.Context) (*time.Location, error) {
	st, err := h.store.Settings(c.Request().Context())
	if err != nil {
		return nil, err
	}
	return st.Location(), nil
}

func importParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound("import")
	}
	return id, nil
}

// showImport shows one recorded import with its rejected rows.
func (ih *importHandler) showImport(c echo.Context) error {
	id, err := importParam(c)
	if err != nil {
		return err
	}
	im, err := ih.store.ImportByID(c.Request().Context(), id)
	if err != nil {
		return unwrapNotFound(err)
	}
	loc, err := ih.reportingLocation(c)
	if err != nil {
		return err
	}
	sid := strconv.FormatInt(im.ID, 10)
	v := views.ImportDetail{Layout: ih.layout(c, "Import "+sid+": "+im.FileName, views.NavImports), Warnings: im.Warnings,
		ErrorsHref: "/imports/" + sid + "/errors.csv"}
	if c.QueryParam("rolled_back") != "" {
		v.Layout.Flash = "The import was rolled back."
	}
	v.Facts = []views.Fact{
		{Label: "Status", Value: strings.ReplaceAll(im.Status, "_", " ")},
		{Label: "Format", Value: im.Format},
		{Label: "File", Value: im.FileName},
		{Label: "SHA-256", Value: im.SHA256},
		{Label: "By", Value: im.User},
		{Label: "Started", Value: fmtTime(im.StartedAt, loc)},
		{Label: "Finished", Value: fmtTimePtr(im.FinishedAt, loc)},
		{Label: "Inserted", Value: strconv.Itoa(im.Inserted)},
		{Label: "Updated", Value: strconv.Itoa(im.Updated)},
		{Label: "Unchanged", Value: strconv.Itoa(im.Unchanged)},
		{Label: "Rejected", Value: strconv.Itoa(im.Rejected)},
	}
	if im.RolledBackAt != nil {
		v.Facts = append(v.Facts, views.Fact{Label: "Rolled back", Value: fmtTime(*im.RolledBackAt, loc)})
	}
	for _, e := range im.Errors {
		v.Rejects = append(v.Rejects, views.RejectRow{Line: e.Line, Reason: e.Reason})
	}
	if isAdmin(c) && im.Status == "done" {
		v.RollbackAction = "/imports/" + sid + "/rollback"
	}
	return ok(c, views.ImportDetailPage(v))
}

// downloadImportErrors exports an import's rejected rows as CSV, each text
// cell guarded against formula injection (the reasons quote file content).
func (ih *importHandler) downloadImportErrors(c echo.Context) error {
	id, err := importParam(c)
	if err != nil {
		return err
	}
	im, err := ih.store.ImportByID(c.Request().Context(), id)
	if err != nil {
		return unwrapNotFound(err)
	}
	w := csvAttachment(c, fmt.Sprintf("sreport-import-%d-errors.csv", im.ID))
	if err := w.Write([]string{"import", "file", "line", "reason"}); err != nil {
		return err
	}
	for _, e := range im.Errors {
		if err := w.Write([]string{strconv.FormatInt(im.ID, 10), csvSafe(im.FileName), strconv.Itoa(e.Line), csvSafe(e.Reason)}); err != nil {
			return err
		}
	}
	return w.Flush()
}

// rollbackImport undoes one import (admins only).
func (ih *importHandler) rollbackImport(c echo.Context) error {
	id, err := importParam(c)
	if err != nil {
		return err
	}
	_, err = ih.store.RollbackImport(c.Request().Context(), id, ih.Audit(c))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound("import")
	case errors.Is(err, store.ErrRollbackConflict):
		return userError{http.StatusConflict, strings.TrimSuffix(err.Error(), ": "+store.ErrRollbackConflict.Error())}
	case errors.Is(err, store.ErrRollbackUserData):
		return userError{http.StatusConflict, strings.TrimSuffix(err.Error(), ": "+store.ErrRollbackUserData.Error())}
	case errors.Is(err, store.ErrNotRollbackable):
		return userError{http.StatusConflict, strings.TrimSuffix(err.Error(), ": "+store.ErrNotRollbackable.Error())}
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/imports/"+strconv.FormatInt(id, 10)+"?rolled_back=1")
}
