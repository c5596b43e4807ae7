package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics/store"
	"sreport/connectors"
	"sreport/views"
)

// listConnectors shows every connector with its last run and next run.
func (h *Handler) listConnectors(c echo.Context) error {
	ctx := c.Request().Context()
	cs, err := h.store.Connectors(ctx)
	if err != nil {
		return err
	}
	loc, err := h.connectorLocation(c)
	if err != nil {
		return err
	}
	v := views.ConnectorList{Layout: h.layout(c, "Connectors", views.NavAdmin), SchedulerOff: h.cfg.Connectors == nil}
	switch c.QueryParam("done") {
	case "removed":
		v.Layout.Flash = "Connector removed; its records and imports stay."
	case "sync":
		v.Layout.Flash = "Sync requested."
	}
	for _, cn := range cs {
		id := strconv.FormatInt(cn.ID, 10)
		r := views.ConnectorRow{ID: id, Name: cn.Name, Href: "/admin/connectors/" + id, Kind: kindTitle(cn.Kind), Status: cn.Status,
			Message: cn.StatusMessage, Progress: int(cn.Progress * 100), Backfilling: cn.CaughtUpAt == nil, LastRun: "—", Took: "—",
			NextRun: "—", Enabled: cn.Enabled, SyncAction: "/admin/connectors/" + id + "/sync"}
		runs, err := h.store.ConnectorRuns(ctx, cn.ID, 1)
		if err != nil {
			return err
		}
		if len(runs) == 1 {
			run := runs[0]
			r.LastRun = fmtTime(run.StartedAt, loc) + ", " + run.Status
			r.Took = runTook(run)
			r.Inserted, r.Updated, r.Unchanged, r.Rejected = run.Inserted, run.Updated, run.Unchanged, run.Rejected
			if run.ImportID != 0 && run.Rejected > 0 {
				r.ErrorsHref = "/imports/" + strconv.FormatInt(run.ImportID, 10) + "/errors.csv"
			}
		}
		if cn.Enabled && cn.NextRunAt != nil && cn.Status != store.ConnectorStopped {
			r.NextRun = fmtTime(*cn.NextRunAt, loc)
		}
		v.Rows = append(v.Rows, r)
	}
	return ok(c, views.ConnectorListPage(v))
}

func kindTitle(kind string) string {
	if k, ok := connectors.Kind(kind); ok {
		return k.Title
	}
	return kind
}

func runTook(r store.ConnectorRun) string {
	if r.FinishedAt == nil {
		return "running"
	}
	// Run times are stored to the second.
	if d := r.FinishedAt.Sub(r.StartedAt); d >= time.Second {
		return d.Round(time.Second).String()
	}
	return "<1s"
}

func connectorParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound("connector")
	}
	return id, nil
}

// showConnector shows one connector: its settings (never the credential),
// state, back-fill progress and runs, each linked to its import.
func (h *Handler) showConnector(c echo.Context) error {
	v, err := h.connectorView(c, "")
	if err != nil {
		return err
	}
	switch c.QueryParam("done") {
	case "added":
		v.Layout.Flash = "Connector added; its first run back-fills from the start date."
	case "sync":
		v.Layout.Flash = "Sync requested."
	case "reset":
		v.Layout.Flash = "The next run reads everything from the start date again."
	case "credential":
		v.Layout.Flash = "Credential replaced."
	case "saved":
		v.Layout.Flash = "Saved."
	}
	return ok(c, views.ConnectorDetailPage(v))
}

func (h *Handler) connectorView(c echo.Context, credErr string) (views.ConnectorDetail, error) {
	ctx := c.Request().Context()
	id, err := connectorParam(c)
	if err != nil {
		return views.ConnectorDetail{}, err
	}
	cn, err := h.store.ConnectorByID(ctx, id)
	if err != nil {
		return views.ConnectorDetail{}, unwrapNotFound(err)
	}
	loc, err := h.connectorLocation(c)
	if err != nil {
		return views.ConnectorDetail{}, err
	}
	runs, err := h.store.ConnectorRuns(ctx, id, 50)
	if err != nil {
		return views.ConnectorDetail{}, err
	}
	sid := strconv.FormatInt(id, 10)
	base := "/admin/connectors/" + sid
	v := views.ConnectorDetail{Layout: h.layout(c, "Connector "+cn.Name, views.NavAdmin), ID: sid, Name: cn.Name, Status: cn.Status,
		Message: cn.StatusMessage, Progress: int(cn.Progress * 100), Backfilling: cn.CaughtUpAt == nil, Enabled: cn.Enabled,
		SchedulerOff: h.cfg.Connectors == nil, SyncAction: base + "/sync", ResetAction: base + "/sync", CredentialAction: base + "/credential",
		EnableAction: base + "/enabled", DeleteAction: base + "/delete", CredentialError: credErr}
	next := "—"
	if cn.Enabled && cn.NextRunAt != nil && cn.Status != store.ConnectorStopped {
		next = fmtTime(*cn.NextRunAt, loc)
	}
	v.Facts = []views.Fact{
		{Label: "Kind", Value: kindTitle(cn.Kind)},
		{Label: "Base URL", Value: cn.BaseURL},
		{Label: "Reads", Value: settingsText(cn.Kind, cn.Settings)},
		{Label: "Back-fill from", Value: cn.Since.Format("2006-01-02")},
		{Label: "Every", Value: cn.Every.String()},
		{Label: "Creates services", Value: yesNo(cn.CreateServices)},
		{Label: "Caught up", Value: fmtTimePtr(cn.CaughtUpAt, loc)},
		{Label: "Next run", Value: next},
		{Label: "Credential", Value: "stored encrypted"},
	}
	if cn.Credential == "" {
		v.Facts[len(v.Facts)-1].Value = "none: requests go without authentication"
	}
	if cn.LeaseUntil != nil && cn.LeaseUntil.After(h.cfg.Now()) {
		v.Facts = append(v.Facts, views.Fact{Label: "Running in", Value: cn.LeaseOwner, Note: "until " + fmtTime(*cn.LeaseUntil, loc) + " unless it commits a page"})
	}
	admin := isAdmin(c)
	for _, r := range runs {
		row := views.ConnectorRunRow{ID: strconv.FormatInt(r.ID, 10), Started: fmtTime(r.StartedAt, loc), Took: runTook(r), By: r.Actor,
			Status: r.Status, Error: r.Error, Warnings: r.Warnings, Pages: r.Pages, Fetched: r.Fetched, Inserted: r.Inserted,
			Updated: r.Updated, Unchanged: r.Unchanged, Rejected: r.Rejected, Requests: r.Requests, Retries: r.Retries}
		if r.ImportID != 0 {
			imp := "/imports/" + strconv.FormatInt(r.ImportID, 10)
			row.ImportHref = imp
			if r.Rejected > 0 {
				row.ErrorsHref = imp + "/errors.csv"
			}
			if admin && r.Status != store.RunRunning {
				if im, err := h.store.ImportByID(ctx, r.ImportID); err == nil && im.Status == "done" {
					row.RollbackAction = imp + "/rollback"
				}
			}
		}
		v.Runs = append(v.Runs, row)
	}
	return v, nil
}

// settingsText summarises a connector's filters for its page.
func settingsText(kind string, raw []byte) string {
	if kind == connectors.Prometheus {
		return "daily good and total counts of every SLO whose definition has Prometheus queries"
	}
	s, err := connectors.ParseSettings(raw)
	if err != nil {
		return "unreadable settings"
	}
	var parts []string
	add := func(label string, vs ...string) {
		var kept []string
		for _, v := range vs {
			if v != "" {
				kept = append(kept, v)
			}
		}
		if len(kept) > 0 {
			parts = append(parts, label+" "+strings.Join(kept, ", "))
		}
	}
	add("records", s.Records...)
	add("services", s.ServiceIDs...)
	add("teams", s.TeamIDs...)
	add("query", s.Query)
	add("repositories", s.Repos...)
	add("environment", s.Environment)
	add("workflow", s.Workflow)
	add("projects", s.Projects...)
	add("ref", s.Ref)
	add("selector", s.Selector)
	add("JQL", s.JQL)
	add("Jira API", s.JiraAPI)
	add("jobs", s.Jobs...)
	add("lookback", s.Lookback)
	if len(parts) == 0 {
		return "everything the credential can read"
	}
	return strings.Join(parts, "; ")
}

// connectorLocation is the reporting time zone the pages show times in.
func (h *Handler) connectorLocation(c echo.Context) (*time.Location, error) {
	st, err := h.store.Settings(c.Request().Context())
	if err != nil {
		return nil, err
	}
	return st.Location(), nil
}
