package web

import (
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics/store"
	"sreport/views"
)

const auditPageSize = 100

// listAudit shows the audit log, newest first, filtered by entity, user
// and date range (UTC days, both ends included).
func (h *Handler) listAudit(c echo.Context) error {
	ctx := c.Request().Context()
	f := store.AuditFilter{Entity: c.QueryParam("entity"), Actor: c.QueryParam("user"), Limit: auditPageSize + 1}
	if v := c.QueryParam("from"); v != "" {
		t, err := time.Parse(store.DayLayout, v)
		if err != nil {
			return badRequest("from must be a date like 2026-10-01")
		}
		f.From = t
	}
	if v := c.QueryParam("to"); v != "" {
		t, err := time.Parse(store.DayLayout, v)
		if err != nil {
			return badRequest("to must be a date like 2026-10-31")
		}
		f.To = t.AddDate(0, 0, 1)
	}
	if v := c.QueryParam("before"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return badRequest("That page link is not valid any more; start from the first page.")
		}
		f.Before = id
	}
	entries, err := h.store.AuditEntries(ctx, f)
	if err != nil {
		return err
	}
	entities, err := h.store.AuditEntities(ctx)
	if err != nil {
		return err
	}
	opts := []views.Option{{Value: "", Text: "All entities", Selected: f.Entity == ""}}
	for _, e := range entities {
		opts = append(opts, views.Option{Value: e, Text: e, Selected: e == f.Entity})
	}
	v := views.AuditView{Layout: h.layout(c, "Audit log", views.NavAdmin), Filters: []views.Filter{
		{Name: "entity", Label: "Entity", Options: opts},
		{Name: "user", Label: "User", Value: f.Actor, Placeholder: "email"},
		{Name: "from", Label: "From", Value: c.QueryParam("from"), Placeholder: "YYYY-MM-DD"},
		{Name: "to", Label: "To", Value: c.QueryParam("to"), Placeholder: "YYYY-MM-DD"},
	}}
	more := len(entries) > auditPageSize
	if more {
		entries = entries[:auditPageSize]
	}
	for _, e := range entries {
		v.Rows = append(v.Rows, views.AuditRow{ID: strconv.FormatInt(e.ID, 10), At: e.At.UTC().Format("2006-01-02 15:04:05"),
			Actor: e.Actor, Action: auditActionLabel(e.Action, e.Entity), Entity: auditEntityLabel(e.Entity, e.EntityID),
			Client: e.ClientAddr, Before: e.Before, After: e.After, Changes: auditChanges(e.Before, e.After)})
	}
	v.Pager.Shown = len(v.Rows)
	if c.QueryParam("before") != "" {
		v.Pager.FirstHref = auditLink(c, "")
	}
	if more {
		v.Pager.NextHref = auditLink(c, strconv.FormatInt(entries[len(entries)-1].ID, 10))
	}
	return ok(c, views.AuditPage(v))
}

func auditLink(c echo.Context, before string) string {
	q := url.Values{}
	for _, k := range []string{"entity", "user", "from", "to"} {
		if v := c.QueryParam(k); v != "" {
			q.Set(k, v)
		}
	}
	if before != "" {
		q.Set("before", before)
	}
	if len(q) == 0 {
		return "/admin/audit"
	}
	return "/admin/audit?" + q.Encode()
}
