package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"sreport/static"
)

// Role names, weakest first.
const (
	RoleViewer = "viewer"
	RoleEditor = "editor"
	RoleAdmin  = "admin"
	// RolePublic marks routes served without signing in.
	RolePublic = "public"
)

// Route is one registered route and the role it requires; the route × role
// test walks this table so a route without a rule cannot slip in.
type Route struct {
	Method string
	Path   string
	Role   string
}

// routes registers every route, grouped by area, each with its role rule.
func (h *Handler) routes(e *echo.Echo) {
	// authorize (web/auth.go) enforces each route's role from this table.
	add := func(method, path string, fn echo.HandlerFunc, role string) {
		mustKnowRole(method, path, role)
		h.table = append(h.table, Route{Method: method, Path: path, Role: role})
		e.Add(method, path, fn)
	}

	// Operations
	add(http.MethodGet, "/healthz", h.healthz, RolePublic)
	add(http.MethodGet, "/readyz", h.readyz, RolePublic)
	add(http.MethodGet, "/static/*", echo.StaticDirectoryHandler(static.FS, true), RolePublic)

	// Sign-in and the user's own account
	add(http.MethodGet, "/login", h.showLogin, RolePublic)
	add(http.MethodPost, "/login", h.submitLogin, RolePublic)
	add(http.MethodPost, "/logout", h.logout, RolePublic)
	add(http.MethodGet, "/account", h.showAccount, RoleViewer)
	add(http.MethodPost, "/account/password", h.changePassword, RoleViewer)
	add(http.MethodPost, "/account/tokens", h.createToken, RoleViewer)
	add(http.MethodPost, "/account/tokens/:id/revoke", h.revokeToken, RoleViewer)

	// Administration
	add(http.MethodGet, "/admin/users", h.listUsers, RoleAdmin)
	add(http.MethodPost, "/admin/users", h.createUser, RoleAdmin)
	add(http.MethodPost, "/admin/users/:id", h.updateUser, RoleAdmin)
	add(http.MethodPost, "/admin/users/:id/password", h.resetUserPassword, RoleAdmin)
	add(http.MethodGet, "/admin/audit", h.listAudit, RoleAdmin)
	add(http.MethodPost, "/admin/demo", h.loadDemo, RoleAdmin) // first run: only into an empty database
	add(http.MethodGet, "/admin/webhooks", h.listWebhooks, RoleAdmin)
	add(http.MethodPost, "/admin/webhooks", h.createWebhook, RoleAdmin)
	add(http.MethodGet, "/admin/webhooks/:id", h.showWebhook, RoleAdmin)
	add(http.MethodPost, "/admin/webhooks/:id/rotate", h.rotateWebhook, RoleAdmin)
	add(http.MethodPost, "/admin/webhooks/:id/delete", h.deleteWebhook, RoleAdmin)
	add(http.MethodGet, "/admin/delivery", h.showDelivery, RoleAdmin)
	add(http.MethodPost, "/admin/delivery/smtp", h.saveSMTP, RoleAdmin)
	add(http.MethodPost, "/admin/delivery/schedules", h.createSchedule, RoleAdmin)
	add(http.MethodPost, "/admin/delivery/schedules/:id/delete", h.deleteSchedule, RoleAdmin)
	add(http.MethodPost, "/admin/delivery/schedules/:id/test", h.testSchedule, RoleAdmin)

	// API connectors (credentials are admins' business).
	add(http.MethodGet, "/admin/connectors", h.listConnectors, RoleAdmin)
	add(http.MethodGet, "/admin/connectors/new", h.newConnector, RoleAdmin)
	add(http.MethodPost, "/admin/connectors", h.createConnector, RoleAdmin)
	add(http.MethodGet, "/admin/connectors/:id", h.showConnector, RoleAdmin)
	add(http.MethodPost, "/admin/connectors/:id/sync", h.syncConnector, RoleAdmin)
	add(http.MethodPost, "/admin/connectors/:id/credential", h.replaceConnectorCredential, RoleAdmin)
	add(http.MethodPost, "/admin/connectors/:id/enabled", h.setConnectorEnabled, RoleAdmin)
	add(http.MethodPost, "/admin/connectors/:id/delete", h.deleteConnector, RoleAdmin)

	// Scorecards and KPIs
	add(http.MethodGet, "/", h.showScorecard, RoleViewer)
	add(http.MethodGet, "/scorecards", h.showScorecard, RoleViewer)
	add(http.MethodGet, "/scorecards.csv", h.downloadScorecardCSV, RoleViewer)
	add(http.MethodPost, "/scorecards/columns", h.saveScorecardColumns, RoleViewer) // a preference, not data
	add(http.MethodGet, "/explain", h.showExplain, RoleViewer)
	add(http.MethodGet, "/trends", h.showTrends, RoleViewer)
	add(http.MethodGet, "/api/v1/kpis", h.apiKPIs, RoleViewer)
	add(http.MethodGet, "/api/v1/scorecard", h.apiScorecard, RoleViewer)
	add(http.MethodGet, "/api/v1/openapi.json", h.apiOpenAPI, RoleViewer)

	// On-call health: team figures for viewers (per-person figures only for
	// editors and admins unless a setting allows viewers), people and
	// aliases edited by editors.
	add(http.MethodGet, "/oncall", h.showOnCall, RoleViewer)
	add(http.MethodGet, "/api/v1/oncall", h.apiOnCall, RoleViewer)
	add(http.MethodGet, "/oncall/people", h.listOnCallPeople, RoleEditor)
	add(http.MethodGet, "/oncall/people.csv", h.exportOnCallPeopleCSV, RoleEditor)
	add(http.MethodPost, "/oncall/people/import", h.importOnCallPeopleCSV, RoleEditor)
	add(http.MethodPost, "/oncall/people", h.saveOnCallPerson, RoleEditor)
	add(http.MethodPost, "/oncall/people/:id", h.saveOnCallPerson, RoleEditor)
	add(http.MethodPost, "/oncall/people/:id/delete", h.deleteOnCallPerson, RoleEditor)

	// Reliability program inputs (analytics/program): everyone reads and
	// exports, editors and admins add, edit, delete and import. Static
	// segments (export, new, import) match before :id.
	add(http.MethodGet, "/program", h.showProgram, RoleViewer)
	add(http.MethodGet, "/program/:input", h.listProgramRecords, RoleViewer)
	add(http.MethodGet, "/program/:input/export", h.exportProgramCSV, RoleViewer)
	add(http.MethodGet, "/program/:input/new", h.newProgramRecord, RoleEditor)
	add(http.MethodPost, "/program/:input", h.saveProgramRecord, RoleEditor)
	add(http.MethodGet, "/program/:input/import", h.showProgramImport, RoleEditor)
	add(http.MethodPost, "/program/:input/import", h.importProgramCSV, RoleEditor)
	add(http.MethodGet, "/program/:input/:id/edit", h.editProgramRecord, RoleEditor)
	add(http.MethodPost, "/program/:input/:id", h.saveProgramRecord, RoleEditor)
	add(http.MethodPost, "/program/:input/:id/delete", h.deleteProgramRecord, RoleEditor)

	// Live ingestion: the write API and its DevLake-compatible endpoints
	// (editors; an API token also needs the write scope, see authorize),
	// and webhook receivers, which authenticate each delivery by its
	// signature instead of a user.
	add(http.MethodPost, "/api/v1/deployments", h.apiDeployments, RoleEditor)
	add(http.MethodPost, "/api/v1/incidents", h.apiIncidents, RoleEditor)
	add(http.MethodPost, "/api/v1/pages", h.apiPages, RoleEditor)
	add(http.MethodPost, "/api/v1/devlake/:service/deployments", h.apiDevLakeDeployment, RoleEditor)
	add(http.MethodPost, "/api/v1/devlake/:service/issues", h.apiDevLakeIssue, RoleEditor)
	add(http.MethodPost, "/api/v1/devlake/:service/issue/:key/close", h.apiDevLakeCloseIssue, RoleEditor)
	add(http.MethodPost, "/webhooks/:source/:key", h.receiveWebhook, RolePublic)

	// Executive reports: /reports/2026-Q3, .pdf and .html downloads (one
	// route: echo cannot match a suffix after a parameter).
	add(http.MethodGet, "/reports", h.listReports, RoleViewer)
	add(http.MethodGet, "/reports/:period", h.showReport, RoleViewer)
	add(http.MethodPost, "/reports/:period/commentary", h.saveCommentary, RoleEditor)

	// Catalogue and records
	add(http.MethodGet, "/services", h.listServices, RoleViewer)
	add(http.MethodGet, "/services/:name", h.showService, RoleViewer)
	// SLO reports: calendar months and quarters beside the rolling window.
	add(http.MethodGet, "/slos", h.listSLOs, RoleViewer)
	add(http.MethodGet, "/slos/:id", h.showSLO, RoleViewer)
	add(http.MethodGet, "/incidents", h.listIncidents, RoleViewer)
	add(http.MethodGet, "/incidents/:id", h.showIncident, RoleViewer)
	add(http.MethodGet, "/action-items", h.listActionItems, RoleViewer)
	add(http.MethodGet, "/deploys", h.listDeploys, RoleViewer)
	add(http.MethodGet, "/deploys/:id", h.showDeploy, RoleViewer)
	add(http.MethodGet, "/pages", h.listPages, RoleViewer)
	add(http.MethodGet, "/pages/:id", h.showPage, RoleViewer)
	add(http.MethodGet, "/noise", h.showNoise, RoleViewer) // alert noise analysis, drilling into /pages

	// Incident follow-through: editors correct incidents (kept as overrides)
	// and manage action items.
	add(http.MethodPost, "/incidents/:id", h.saveIncident, RoleEditor)
	add(http.MethodPost, "/incidents/:id/deploy-link", h.linkIncidentDeploy, RoleEditor)
	add(http.MethodPost, "/incidents/:id/action-items", h.createActionItem, RoleEditor)
	add(http.MethodGet, "/action-items/:id/edit", h.editActionItem, RoleEditor)
	add(http.MethodPost, "/action-items/:id", h.saveActionItem, RoleEditor)
	add(http.MethodPost, "/action-items/:id/close", h.closeActionItem, RoleEditor)
	add(http.MethodPost, "/action-items/:id/reopen", h.reopenActionItem, RoleEditor)

	// Settings: KPI settings, targets, DORA bands and the service catalogue.
	add(http.MethodGet, "/settings", h.showSettings, RoleAdmin)
	add(http.MethodPost, "/settings", h.saveSettings, RoleAdmin)
	add(http.MethodPost, "/settings/targets", h.saveTargets, RoleAdmin)
	add(http.MethodPost, "/settings/dora", h.saveDoraBands, RoleAdmin)
	add(http.MethodGet, "/settings/services", h.listCatalogue, RoleAdmin)
	add(http.MethodPost, "/settings/services", h.createService, RoleAdmin)
	add(http.MethodPost, "/settings/services/:id", h.updateService, RoleAdmin)
	add(http.MethodPost, "/settings/services/:id/merge", h.mergeService, RoleAdmin)
	add(http.MethodPost, "/settings/aliases", h.saveAlias, RoleAdmin)
	add(http.MethodPost, "/settings/aliases/delete", h.deleteAlias, RoleAdmin)

	// Risk register: everyone reads, editors change (static paths before :code).
	e.Pre(limitRiskUploads)
	add(http.MethodGet, "/risks", h.listRisks, RoleViewer)
	add(http.MethodGet, "/risks.csv", h.downloadRiskCSV, RoleViewer)
	add(http.MethodGet, "/risks/new", h.newRisk, RoleEditor)
	add(http.MethodPost, "/risks", h.createRisk, RoleEditor)
	add(http.MethodGet, "/risks/import", h.showRiskImport, RoleEditor)
	add(http.MethodPost, "/risks/import", h.previewRiskImport, RoleEditor)
	add(http.MethodPost, "/risks/import/confirm", h.confirmRiskImport, RoleEditor)
	add(http.MethodGet, "/risks/:code", h.showRisk, RoleViewer)
	add(http.MethodGet, "/risks/:code/edit", h.editRisk, RoleEditor)
	add(http.MethodPost, "/risks/:code", h.saveRisk, RoleEditor)
	add(http.MethodPost, "/risks/:code/status", h.changeRiskStatus, RoleEditor)
	add(http.MethodPost, "/risks/:code/comments", h.addRiskComment, RoleEditor)
	add(http.MethodPost, "/risks/:code/incidents", h.linkRiskIncident, RoleEditor)
	add(http.MethodPost, "/risks/:code/incidents/:id/unlink", h.unlinkRiskIncident, RoleEditor)

	// Reliability roadmap: everyone reads, editors change (static paths before :code).
	e.Pre(limitRoadmapUploads)
	add(http.MethodGet, "/roadmap", h.listRoadmap, RoleViewer)
	add(http.MethodGet, "/roadmap.csv", h.downloadRoadmapCSV, RoleViewer)
	add(http.MethodGet, "/roadmap/new", h.newInitiative, RoleEditor)
	add(http.MethodPost, "/roadmap", h.createInitiative, RoleEditor)
	add(http.MethodGet, "/roadmap/import", h.showRoadmapImport, RoleEditor)
	add(http.MethodPost, "/roadmap/import", h.previewRoadmapImport, RoleEditor)
	add(http.MethodPost, "/roadmap/import/confirm", h.confirmRoadmapImport, RoleEditor)
	add(http.MethodGet, "/roadmap/:code/edit", h.editInitiative, RoleEditor)
	add(http.MethodPost, "/roadmap/:code", h.saveInitiative, RoleEditor)
	add(http.MethodPost, "/roadmap/:code/delete", h.deleteInitiative, RoleEditor)

	// Imports: editors upload and confirm, admins roll back. The upload's
	// size cap runs before routing so no middleware reads an oversize body.
	imp := h.importer()
	e.Pre(imp.limitUploads)
	add(http.MethodGet, "/imports", imp.listImports, RoleEditor)
	add(http.MethodGet, "/imports/new", imp.newImport, RoleEditor)
	add(http.MethodPost, "/imports", imp.uploadImport, RoleEditor)
	add(http.MethodGet, "/imports/progress/:token", imp.importProgress, RoleEditor)
	add(http.MethodGet, "/imports/pending/:token", imp.showPending, RoleEditor)
	add(http.MethodGet, "/imports/pending/:token/mapping", imp.showMapping, RoleEditor)
	add(http.MethodPost, "/imports/pending/:token/mapping", imp.saveMapping, RoleEditor)
	add(http.MethodPost, "/imports/pending/:token/confirm", imp.confirmImport, RoleEditor)
	add(http.MethodGet, "/imports/:id", imp.showImport, RoleEditor)
	add(http.MethodGet, "/imports/:id/errors.csv", imp.downloadImportErrors, RoleEditor)
	add(http.MethodPost, "/imports/:id/rollback", imp.rollbackImport, RoleAdmin)
}

// Routes returns the route table with each route's role rule.
func (h *Handler) Routes() []Route { return h.table }
