package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/views"
)

// maxItemText bounds an action item's title and owner.
const maxItemText = 300

// readItemForm reads and validates an action item form; errors are keyed by
// field. created is when the item was (or, for a new one, is being)
// created in the app; zero for an imported item, whose row's creation
// says when the import ran, not when the item was raised.
func readItemForm(c echo.Context, loc *time.Location, now, created time.Time) (views.ActionItemForm, store.ActionItemInput) {
	f := views.ActionItemForm{Title: strings.TrimSpace(c.FormValue("title")), Owner: strings.TrimSpace(c.FormValue("owner")),
		Due: c.FormValue("due_at"), URL: strings.TrimSpace(c.FormValue("url")), Next: localPath(c.FormValue("next")),
		TZ: zoneNote(loc, now), Errors: map[string]string{}}
	in := store.ActionItemInput{Title: f.Title, Owner: f.Owner, URL: f.URL}
	switch {
	case f.Title == "":
		f.Errors["title"] = "Enter what has to be done."
	case len(f.Title) > maxItemText:
		f.Errors["title"] = "Keep the title under 300 characters."
	}
	if len(f.Owner) > maxItemText {
		f.Errors["owner"] = "Keep the owner under 300 characters."
	}
	due, err := parseLocal(f.Due, loc)
	if err != nil {
		f.Errors["due_at"] = timeFieldError(err, loc)
	}
	if msg := checkItemDue(due, created, loc); msg != "" {
		f.Errors["due_at"] = msg
	}
	in.DueAt = due
	if f.URL != "" && safeExternal(f.URL) == "" {
		f.Errors["url"] = "Enter an http:// or https:// link."
	}
	return f, in
}

// checkItemDue says what is wrong with a due date: before 2000 (a typo:
// "1999" for "2029"), or before the day the item was created in the app,
// since nothing can be due before it was asked for. Creation counts from
// the start of its day in the reporting timezone, so "due today" is fine.
func checkItemDue(due *time.Time, created time.Time, loc *time.Location) string {
	if due == nil {
		return ""
	}
	if due.Before(minRecordTime) {
		return "Enter a due date in 2000 or later."
	}
	if created.IsZero() {
		return ""
	}
	l := created.In(loc)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	if due.Before(day) {
		return "The item cannot be due before it was created (" + day.Format("2006-01-02") + ")."
	}
	return ""
}

// localPath returns p when it is a path on this site, so a "next"
// parameter can never send the user elsewhere.
func localPath(p string) string {
	// Browsers drop tabs and newlines from URLs, so "/\t/evil.com" becomes
	// "//evil.com": refuse every control character and space, then require a
	// path with no scheme or host.
	if strings.ContainsFunc(p, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil ||
		!strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return ""
	}
	return p
}

// createActionItem adds an action item to an incident.
func (h *Handler) createActionItem(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c)
	if err != nil {
		return err
	}
	st, err := h.store.Settings(ctx)
	if err != nil {
		return err
	}
	now := h.cfg.Now()
	form, in := readItemForm(c, st.Location(), now, now)
	if len(form.Errors) > 0 {
		v, err := h.incidentView(c, id, nil, &form)
		if err != nil {
			return err
		}
		return render(c, http.StatusUnprocessableEntity, views.IncidentPage(v))
	}
	if _, err := h.store.CreateActionItem(ctx, id, in, h.Audit(c)); err != nil {
		return notFoundOr(err, "incident")
	}
	return c.Redirect(http.StatusSeeOther, idHref("/incidents/", id)+"?done=item")
}

// editActionItem shows the form editing one action item.
func (h *Handler) editActionItem(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c)
	if err != nil {
		return err
	}
	st, err := h.store.Settings(ctx)
	if err != nil {
		return err
	}
	a, err := h.store.ActionItemByID(ctx, id)
	if err != nil {
		return notFoundOr(err, "action item")
	}
	loc := st.Location()
	form := views.ActionItemForm{Title: a.Title, Owner: a.Owner, Due: localValue(a.DueAt, loc), URL: a.URL,
		Next: localPath(c.QueryParam("next")), TZ: zoneNote(loc, h.cfg.Now())}
	form.Was = &views.ActionItemWas{Title: form.Title, Owner: form.Owner, Due: form.Due, URL: form.URL}
	return ok(c, views.ActionItemEditPage(h.itemEditView(c, a, loc, form)))
}

func (h *Handler) itemEditView(c echo.Context, a analytics.ActionItem, loc *time.Location, form views.ActionItemForm) views.ActionItemEdit {
	form.Action = idHref("/action-items/", a.ID)
	facts := []views.Fact{
		{Label: "Service", Value: a.Service, Href: serviceHref(a.Service)},
		{Label: "Source", Value: a.Source + " " + a.ExternalID},
		{Label: "State", Value: itemState(a, h.cfg.Now())},
		{Label: "Closed", Value: fmtTimePtr(a.ClosedAt, loc)},
	}
	if a.IncidentID != nil {
		facts = append(facts, views.Fact{Label: "Incident", Value: "#" + itoa64(*a.IncidentID), Href: idHref("/incidents/", *a.IncidentID)})
	}
	return views.ActionItemEdit{Layout: h.layout(c, "Action item: "+a.Title, views.NavActionItems), Facts: facts,
		Form: form, Imported: a.Source != store.SourceApp}
}

// saveActionItem stores an edit of an action item's title, owner, due date
// and link. Only the fields the user changed from the values the form was
// loaded with are saved, so an imported item keeps following its source in
// the others.
func (h *Handler) saveActionItem(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c)
	if err != nil {
		return err
	}
	st, err := h.store.Settings(ctx)
	if err != nil {
		return err
	}
	a, err := h.store.ActionItemByID(ctx, id)
	if err != nil {
		return notFoundOr(err, "action item")
	}
	loc := st.Location()
	var created time.Time
	if a.Source == store.SourceApp {
		if created, err = h.store.ActionItemCreatedAt(ctx, id); err != nil {
			return err
		}
	}
	form, in := readItemForm(c, loc, h.cfg.Now(), created)
	was, wasIn := itemWas(c, a, loc)
	form.Was = &was
	if in.DueAt != nil && wasIn.DueAt != nil && in.DueAt.Equal(*wasIn.DueAt) && form.Errors["due_at"] != "" && !in.DueAt.Before(minRecordTime) {
		// A due date the user did not change never blocks an edit of the
		// other fields, even one an older version let through.
		delete(form.Errors, "due_at")
	}
	if len(form.Errors) > 0 {
		return render(c, http.StatusUnprocessableEntity, views.ActionItemEditPage(h.itemEditView(c, a, loc, form)))
	}
	if err := h.store.UpdateActionItem(ctx, id, wasIn, in, h.Audit(c)); err != nil {
		return notFoundOr(err, "action item")
	}
	return c.Redirect(http.StatusSeeOther, itemReturn(form.Next, a))
}

// itemWas reads the values the edit form was loaded with; a form without
// them (or with a due date that does not parse) compares with the item's
// current effective values instead.
func itemWas(c echo.Context, a analytics.ActionItem, loc *time.Location) (views.ActionItemWas, store.ActionItemInput) {
	cur := views.ActionItemWas{Title: a.Title, Owner: a.Owner, Due: localValue(a.DueAt, loc), URL: a.URL}
	// The due date as the form shows it (to the minute), so an imported
	// due time with seconds does not count as changed.
	curDue, _ := parseLocal(cur.Due, loc)
	curIn := store.ActionItemInput{Title: a.Title, Owner: a.Owner, DueAt: curDue, URL: a.URL}
	if c.FormValue("was") == "" {
		return cur, curIn
	}
	w := views.ActionItemWas{Title: strings.TrimSpace(c.FormValue("was_title")), Owner: strings.TrimSpace(c.FormValue("was_owner")),
		Due: c.FormValue("was_due_at"), URL: strings.TrimSpace(c.FormValue("was_url"))}
	due, err := parseLocal(w.Due, loc)
	if err != nil {
		return cur, curIn
	}
	return w, store.ActionItemInput{Title: w.Title, Owner: w.Owner, DueAt: due, URL: w.URL}
}

// itemReturn is where to go after changing an item: the page it was
// changed from, else its incident, else the action-items list.
func itemReturn(next string, a analytics.ActionItem) string {
	if next != "" {
		return next
	}
	if a.IncidentID != nil {
		return idHref("/incidents/", *a.IncidentID)
	}
	return "/action-items"
}

// closeActionItem marks an action item closed now.
func (h *Handler) closeActionItem(c echo.Context) error {
	return h.changeItemState(c, true)
}

// reopenActionItem marks a closed action item open again.
func (h *Handler) reopenActionItem(c echo.Context) error {
	return h.changeItemState(c, false)
}

func (h *Handler) changeItemState(c echo.Context, closeIt bool) error {
	ctx := c.Request().Context()
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a, err := h.store.ActionItemByID(ctx, id)
	if err != nil {
		return notFoundOr(err, "action item")
	}
	if closeIt {
		err = h.store.CloseActionItem(ctx, id, h.cfg.Now(), h.Audit(c))
	} else {
		err = h.store.ReopenActionItem(ctx, id, h.Audit(c))
	}
	if err != nil {
		return err
	}
	next := localPath(c.QueryParam("next"))
	if next == "" {
		next = localPath(c.FormValue("next"))
	}
	return c.Redirect(http.StatusSeeOther, itemReturn(next, a))
}
