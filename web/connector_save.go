package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/connectors"
	"sreport/views"
)

// connectorFields are the add form's inputs kept on a failed submit (the
// credential never is).
var connectorFields = []string{"kind", "name", "base_url", "since", "every", "tier", "records", "service_ids", "team_ids", "query",
	"repos", "environment", "workflow", "projects", "ref", "selector", "jql", "jira_api", "jira_service", "jira_severity",
	"jira_impact_start", "jira_mitigated", "jira_link", "jobs", "severity_map", "lookback"}

// newConnector shows the add form.
func (h *Handler) newConnector(c echo.Context) error {
	vals := map[string]string{"kind": connectors.PagerDuty, "every": connectors.DefaultEvery.String(),
		"since": h.cfg.Now().UTC().AddDate(0, 0, -90).Format("2006-01-02"), "tier": strconv.Itoa(store.DefaultNewServiceTier)}
	return ok(c, views.ConnectorFormPage(h.connectorForm(c, vals, nil, false, false)))
}

func (h *Handler) connectorForm(c echo.Context, vals, errs map[string]string, eu, create bool) views.ConnectorForm {
	f := views.ConnectorForm{Layout: h.layout(c, "Add a connector", views.NavAdmin), Values: vals, Errors: errs, EU: eu, Create: create}
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	for _, k := range connectors.Kinds() {
		f.Kinds = append(f.Kinds, views.Option{Value: k.Kind, Text: k.Title, Selected: k.Kind == vals["kind"]})
		f.Help = append(f.Help, views.ConnectorKindHelp{Kind: k.Kind, Title: k.Title, BaseURL: k.BaseURL, EUBaseURL: k.EUBaseURL,
			Credential: k.Credential, Records: strings.Join(k.Records, ", ")})
	}
	for t := 0; t <= 3; t++ {
		s := strconv.Itoa(t)
		f.Tiers = append(f.Tiers, views.Option{Value: s, Text: "Tier " + s, Selected: s == vals["tier"]})
	}
	return f
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// createConnector validates the form and stores the connector with its
// credential encrypted; the first run is due at once.
func (h *Handler) createConnector(c echo.Context) error {
	vals := map[string]string{}
	for _, k := range connectorFields {
		vals[k] = strings.TrimSpace(c.FormValue(k))
	}
	eu, create := c.FormValue("eu") == "1", c.FormValue("create_services") == "1"
	errs := map[string]string{}
	s := connectors.Settings{Records: splitList(vals["records"]), ServiceIDs: splitList(vals["service_ids"]), TeamIDs: splitList(vals["team_ids"]),
		Query: vals["query"], Repos: splitList(vals["repos"]), Environment: vals["environment"], Workflow: vals["workflow"],
		Projects: splitList(vals["projects"]), Ref: vals["ref"], Selector: vals["selector"], JQL: vals["jql"], JiraAPI: vals["jira_api"],
		Jobs: splitList(vals["jobs"]), Lookback: vals["lookback"]}
	s.JiraFields.Service, s.JiraFields.Severity = vals["jira_service"], vals["jira_severity"]
	s.JiraFields.ImpactStart, s.JiraFields.MitigatedAt, s.JiraFields.ActionItemLink = vals["jira_impact_start"], vals["jira_mitigated"], vals["jira_link"]
	sm, err := ingest.ParseSeverityMap(vals["severity_map"])
	if err != nil {
		errs["severity_map"] = err.Error()
	}
	s.SeverityMap = sm
	base := vals["base_url"]
	info, known := connectors.Kind(vals["kind"])
	if !known {
		errs["kind"] = "Choose a kind."
	} else if eu {
		if info.EUBaseURL == "" {
			errs["base_url"] = info.Title + " has no EU region; give the base URL."
		} else if base != "" {
			errs["base_url"] = "Give either a base URL or the EU region."
		}
		base = info.EUBaseURL
	}
	since, err := time.Parse("2006-01-02", vals["since"])
	if err != nil {
		errs["since"] = "Give the day to back-fill from."
	}
	every, err := time.ParseDuration(vals["every"])
	if err != nil || every < time.Minute {
		errs["every"] = "Give a duration of at least 1m, such as 15m or 1h."
	}
	tier, err := strconv.Atoi(vals["tier"])
	if err != nil || tier < 0 || tier > 3 {
		errs["tier"] = "Choose a tier."
	}
	cred := c.FormValue("credential")
	if strings.TrimSpace(cred) == "" && !info.NoCredential {
		errs["credential"] = "Paste the credential: " + info.Credential + "."
	}
	if len(errs) == 0 && h.cfg.Secrets == nil && strings.TrimSpace(cred) != "" {
		errs["credential"] = "This server has no secret key to encrypt credentials with (SREPORT_SECRET_KEY or --secret-key-file)."
	}
	if len(errs) == 0 {
		sp := connectors.Spec{Name: vals["name"], Kind: vals["kind"], BaseURL: base, Settings: s, Since: since, Every: every, CreateServices: create}
		if create {
			sp.Tier = &tier
		}
		id, err := connectors.Add(c.Request().Context(), h.store, h.cfg.Secrets, sp, cred, h.Audit(c))
		switch {
		case errors.Is(err, store.ErrConnectorExists):
			errs["name"] = "A connector with this name exists."
		case errors.Is(err, connectors.ErrInvalid):
			msg := strings.TrimPrefix(err.Error(), connectors.ErrInvalid.Error()+": ")
			switch {
			case strings.Contains(msg, "name"):
				errs["name"] = msg
			case strings.Contains(msg, "credential"):
				errs["credential"] = msg
			case strings.Contains(msg, "base URL"), strings.Contains(msg, "base-url"):
				errs["base_url"] = msg
			default:
				errs["records"] = msg
			}
		case err != nil:
			return err
		default:
			h.wakeConnectors()
			return c.Redirect(http.StatusSeeOther, "/admin/connectors/"+strconv.FormatInt(id, 10)+"?done=added")
		}
	}
	return render(c, http.StatusUnprocessableEntity, views.ConnectorFormPage(h.connectorForm(c, vals, errs, eu, create)))
}

func (h *Handler) wakeConnectors() {
	if h.cfg.Connectors != nil {
		h.cfg.Connectors.Wake()
	}
}

// syncConnector makes a connector due now ("sync now"), or with reset=1
// reads everything from its start date again, and wakes the scheduler.
func (h *Handler) syncConnector(c echo.Context) error {
	id, err := connectorParam(c)
	if err != nil {
		return err
	}
	reset := c.FormValue("reset") == "1"
	if err := h.store.RequestConnectorRun(c.Request().Context(), id, reset, h.Audit(c)); err != nil {
		return unwrapNotFound(err)
	}
	h.wakeConnectors()
	done := "sync"
	if reset {
		done = "reset"
	}
	return c.Redirect(http.StatusSeeOther, "/admin/connectors/"+strconv.FormatInt(id, 10)+"?done="+done)
}

// replaceConnectorCredential seals a new credential; a connector stopped by
// a refused credential runs again.
func (h *Handler) replaceConnectorCredential(c echo.Context) error {
	id, err := connectorParam(c)
	if err != nil {
		return err
	}
	msg := ""
	switch {
	case h.cfg.Secrets == nil:
		msg = "This server has no secret key to encrypt credentials with."
	default:
		err = connectors.SetCredential(c.Request().Context(), h.store, h.cfg.Secrets, id, c.FormValue("credential"), h.Audit(c))
		switch {
		case errors.Is(err, store.ErrNotFound):
			return notFound("connector")
		case errors.Is(err, connectors.ErrInvalid):
			msg = strings.TrimPrefix(err.Error(), connectors.ErrInvalid.Error()+": ")
		case err != nil:
			return err
		}
	}
	if msg != "" {
		v, err := h.connectorView(c, msg)
		if err != nil {
			return err
		}
		return render(c, http.StatusUnprocessableEntity, views.ConnectorDetailPage(v))
	}
	h.wakeConnectors()
	return c.Redirect(http.StatusSeeOther, "/admin/connectors/"+strconv.FormatInt(id, 10)+"?done=credential")
}

// setConnectorEnabled pauses or resumes a connector's schedule.
func (h *Handler) setConnectorEnabled(c echo.Context) error {
	id, err := connectorParam(c)
	if err != nil {
		return err
	}
	enabled := c.FormValue("enabled") == "1"
	err = h.store.UpdateConnector(c.Request().Context(), id, func(cn *store.Connector) error {
		cn.Enabled = enabled
		return nil
	}, h.Audit(c))
	if err != nil {
		return unwrapNotFound(err)
	}
	h.wakeConnectors()
	return c.Redirect(http.StatusSeeOther, "/admin/connectors/"+strconv.FormatInt(id, 10)+"?done=saved")
}

// deleteConnector removes a connector and its run history.
func (h *Handler) deleteConnector(c echo.Context) error {
	id, err := connectorParam(c)
	if err != nil {
		return err
	}
	if err := h.store.DeleteConnector(c.Request().Context(), id, h.Audit(c)); err != nil {
		return unwrapNotFound(err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/connectors?done=removed")
}
