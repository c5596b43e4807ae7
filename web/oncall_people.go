package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics/store"
	"sreport/views"
)

// listOnCallPeople shows the people who take pages and a form to add one,
// or, with ?edit=ID, to edit one.
func (h *Handler) listOnCallPeople(c echo.Context) error {
	f := views.PersonForm{Action: "/oncall/people", Heading: "Add a person", Submit: "Add person"}
	if e := c.QueryParam("edit"); e != "" {
		id, err := strconv.ParseInt(e, 10, 64)
		if err != nil {
			return notFound("person")
		}
		p, err := h.store.OnCallPersonByID(c.Request().Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			return notFound("person")
		}
		if err != nil {
			return err
		}
		f = editPersonForm(p)
	}
	return h.renderPeople(c, http.StatusOK, f)
}

func editPersonForm(p store.OnCallPerson) views.PersonForm {
	path := "/oncall/people/" + strconv.FormatInt(p.ID, 10)
	return views.PersonForm{Action: path, DeleteAction: path + "/delete", Heading: "Edit " + p.Name, Submit: "Save",
		Name: p.Name, Email: p.Email, Aliases: strings.Join(p.Aliases, "\n")}
}

func (h *Handler) renderPeople(c echo.Context, status int, f views.PersonForm) error {
	people, err := h.store.OnCallPeople(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, status, views.OnCallPeoplePage(h.peopleView(c, people, f)))
}

// peopleView is the people page's view model: the list, form f and the
// flash of the action just done.
func (h *Handler) peopleView(c echo.Context, people []store.OnCallPerson, f views.PersonForm) views.OnCallPeopleView {
	v := views.OnCallPeopleView{Layout: h.layout(c, "On-call people", views.NavOnCall), Form: f,
		People: views.Table{TestID: "people", Empty: "No people recorded: every responder counts under the name its source gives.",
			Columns: cols("Name", "E-mail", "Aliases")}}
	switch c.QueryParam("done") {
	case "":
	case "deleted":
		v.Layout.Flash = "Deleted. Their pages count under the names their sources give."
	case "imported":
		v.Layout.Flash = "Imported: " + c.QueryParam("n") + ". On-call health counts these names as one person from now on."
	default:
		v.Layout.Flash = "Saved. On-call health counts these names as one person from now on."
	}
	for _, p := range people {
		v.People.Rows = append(v.People.Rows, []views.Cell{
			{Text: p.Name, Href: "/oncall/people?edit=" + strconv.FormatInt(p.ID, 10)},
			{Text: p.Email}, {Text: strings.Join(p.Aliases, ", ")},
		})
	}
	return v
}

// splitAliases reads aliases separated by newlines or commas.
func splitAliases(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' })
}

// saveOnCallPerson creates a person (POST /oncall/people) or updates one
// (POST /oncall/people/:id).
func (h *Handler) saveOnCallPerson(c echo.Context) error {
	p := store.OnCallPerson{Name: strings.TrimSpace(c.FormValue("name")), Email: strings.TrimSpace(c.FormValue("email")),
		Aliases: splitAliases(c.FormValue("aliases"))}
	f := views.PersonForm{Action: "/oncall/people", Heading: "Add a person", Submit: "Add person",
		Name: c.FormValue("name"), Email: c.FormValue("email"), Aliases: c.FormValue("aliases"), Errors: map[string]string{}}
	if idp := c.Param("id"); idp != "" {
		id, err := strconv.ParseInt(idp, 10, 64)
		if err != nil {
			return notFound("person")
		}
		p.ID = id
		ef := editPersonForm(p)
		f.Action, f.DeleteAction, f.Heading, f.Submit = ef.Action, ef.DeleteAction, "Edit person", ef.Submit
	}
	if p.Name == "" {
		f.Errors["name"] = "Enter the person's name."
	}
	if p.Email != "" && !strings.Contains(p.Email, "@") {
		f.Errors["email"] = "Enter an e-mail address, or leave it empty."
	}
	if len(f.Errors) > 0 {
		return h.renderPeople(c, http.StatusUnprocessableEntity, f)
	}
	_, err := h.store.SaveOnCallPerson(c.Request().Context(), h.Audit(c), p)
	switch {
	case errors.Is(err, store.ErrPersonTaken):
		f.Problem = "One of these names, the e-mail or an alias already belongs to another person: a responder must mean one person."
		return h.renderPeople(c, http.StatusUnprocessableEntity, f)
	case errors.Is(err, store.ErrNotFound):
		return notFound("person")
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/oncall/people?done=saved")
}

// deleteOnCallPerson removes a person and their aliases.
func (h *Handler) deleteOnCallPerson(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return notFound("person")
	}
	if err := h.store.DeleteOnCallPerson(c.Request().Context(), h.Audit(c), id); errors.Is(err, store.ErrNotFound) {
		return notFound("person")
	} else if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/oncall/people?done=deleted")
}
