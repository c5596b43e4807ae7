package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/imports"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
)

// The DevLake-compatible endpoints take the bodies of DevLake's webhook
// plugin (POST /plugins/webhook/connections/:id/deployments, …/issues,
// …/issue/:key/close) for the service in the path, so a CI step written for
// DevLake works by changing its URL and token. Records are stored under the
// source "devlake", keyed per service.

// devLakeService is the path's service name.
func devLakeService(c echo.Context) (string, error) {
	s := strings.TrimSpace(c.Param("service"))
	if s == "" {
		return "", badRequest("the path names no service")
	}
	return s, nil
}

// devLakeInput is the path's service and the request body.
func devLakeInput(c echo.Context) (string, []byte, error) {
	service, err := devLakeService(c)
	if err != nil {
		return "", nil, err
	}
	body, err := readBody(c)
	return service, body, err
}

// apiDevLakeDeployment records one DevLake deployment.
func (h *Handler) apiDevLakeDeployment(c echo.Context) error {
	service, body, err := devLakeInput(c)
	if err != nil {
		return err
	}
	b, errs := ingest.DevLakeDeployment(service, body, h.cfg.Now())
	if len(errs) > 0 {
		return rejectWrite(c, errs)
	}
	return h.applyWrite(c, b, body)
}

// apiDevLakeIssue records one DevLake issue of type INCIDENT as an
// incident; other types are answered and ignored, as DevLake stores them as
// issues only.
func (h *Handler) apiDevLakeIssue(c echo.Context) error {
	service, body, err := devLakeInput(c)
	if err != nil {
		return err
	}
	b, errs, ignored := ingest.DevLakeIssue(service, body, ingest.Options{})
	if len(errs) > 0 {
		return rejectWrite(c, errs)
	}
	if ignored != "" {
		return c.JSON(http.StatusOK, writeResult{Warnings: []string{}, Ignored: ignored})
	}
	return h.applyWrite(c, b, body)
}

// apiDevLakeCloseIssue sets an incident posted through …/issues to
// resolved, as DevLake sets the issue's status to DONE. DevLake records no
// time for it; sreport needs one for MTTR, so the incident is resolved at
// the time of the request unless it already has a resolve time.
func (h *Handler) apiDevLakeCloseIssue(c echo.Context) error {
	service, err := devLakeService(c)
	if err != nil {
		return err
	}
	key := strings.TrimSpace(c.Param("key"))
	ctx := c.Request().Context()
	in, err := h.store.ImportedIncidentByRef(ctx, ingest.DevLakeSource, ingest.DevLakeExternalID(service, key))
	if errors.Is(err, store.ErrNotFound) {
		return userError{http.StatusNotFound, "issue " + key + " of service " + service + " not found (post it to …/issues first)"}
	}
	if err != nil {
		return err
	}
	in.Status = analytics.StatusResolved
	if in.ResolvedAt == nil {
		now := h.cfg.Now().UTC()
		in.ResolvedAt = &now
	}
	// The stored record goes through the import path again with its own
	// service name, so the change is recorded, audited and can be rolled
	// back like any other.
	b := &imports.Batch{Format: "devlake-issue-close", Source: ingest.DevLakeSource, Incidents: []analytics.Incident{in},
		Lines: map[string]int{imports.IncidentKey(in.ExternalID): 1}}
	return h.applyWrite(c, b, []byte(c.Request().URL.Path))
}
