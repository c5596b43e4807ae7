package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/views"
)

// maxRiskUpload caps an uploaded register; registers are a few hundred rows.
const maxRiskUpload = 2 << 20

// showRiskImport shows the register upload form.
func (h *Handler) showRiskImport(c echo.Context) error {
	return ok(c, views.RiskImportPage(views.RiskImport{Layout: h.layout(c, "Import risks", views.NavRisks)}))
}

// previewRiskImport reads an uploaded register and shows what would be
// imported, with each row's errors; nothing is written.
func (h *Handler) previewRiskImport(c echo.Context) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return render(c, http.StatusUnprocessableEntity, views.RiskImportPage(views.RiskImport{
			Layout: h.layout(c, "Import risks", views.NavRisks), Errors: []string{"Choose a CSV file to upload."}}))
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRiskUpload+1))
	if err != nil {
		return err
	}
	if len(data) > maxRiskUpload {
		return render(c, http.StatusRequestEntityTooLarge, views.RiskImportPage(views.RiskImport{
			Layout: h.layout(c, "Import risks", views.NavRisks), Errors: []string{"The file is larger than 2 MiB."}}))
	}
	v, _, err := h.riskImportPreview(c, filepath.Base(fh.Filename), string(data), false, store.DefaultNewServiceTier)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if !v.Ready {
		status = http.StatusUnprocessableEntity
	}
	return render(c, status, views.RiskImportPage(v))
}

// confirmRiskImport imports the previewed register: every row or none.
func (h *Handler) confirmRiskImport(c echo.Context) error {
	payload := c.FormValue("payload")
	if payload == "" || len(payload) > maxRiskUpload {
		return badRequest("the preview has expired; upload the file again")
	}
	create := c.FormValue("create_services") != ""
	tier, err := strconv.Atoi(c.FormValue("tier"))
	if err != nil || tier < 0 || tier > 3 {
		tier = store.DefaultNewServiceTier
	}
	v, res, err := h.riskImportPreview(c, filepath.Base(c.FormValue("file_name")), payload, create, tier)
	if err != nil {
		return err
	}
	if v.Ready && len(res.unknown) > 0 && !create {
		v.Ready = false
		v.Errors = append(v.Errors, "Some services are unknown: tick “Create them” or fix the names in the file.")
	}
	if !v.Ready {
		return render(c, http.StatusUnprocessableEntity, views.RiskImportPage(v))
	}
	rows := make([]analytics.Risk, len(res.rows))
	for i, r := range res.rows {
		rows[i] = r.risk
	}
	createTier := -1
	if create {
		createTier = tier
	}
	a := h.Audit(c)
	if _, err := h.store.ImportRisks(c.Request().Context(), rows, createTier, a); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/risks?sort=-updated")
}

// riskImportPreview parses payload and builds the preview page.
func (h *Handler) riskImportPreview(c echo.Context, name, payload string, create bool, tier int) (views.RiskImport, riskImportResult, error) {
	ctx := c.Request().Context()
	v := views.RiskImport{Layout: h.layout(c, "Import risks", views.NavRisks), FileName: name, Payload: payload, CreateServices: create}
	services, err := h.store.Services(ctx)
	if err != nil {
		return v, riskImportResult{}, err
	}
	known := make(map[string]string, len(services))
	for _, s := range services {
		known[strings.ToLower(s.Name)] = s.Name
	}
	res, err := parseRiskCSV(bytes.NewReader([]byte(payload)), known, name)
	if err != nil {
		v.Payload = ""
		v.Errors = []string{err.Error()}
		return v, res, nil
	}
	for _, r := range res.rows {
		v.Rows = append(v.Rows, views.RiskImportRow{Line: r.line, Title: r.risk.Title, Services: strings.Join(r.risk.Services, ", "),
			Likelihood: r.risk.Likelihood, Impact: r.risk.Impact, Rating: r.risk.Rating(), Owner: r.risk.Owner,
			Status: r.risk.Status, Target: r.risk.FieldValue("target_date")})
	}
	for _, e := range res.errs {
		v.RowErrors = append(v.RowErrors, views.RejectRow{Line: e.line, Reason: e.reason})
	}
	v.Unknown = res.unknown
	for t := 0; t <= 3; t++ {
		v.Tiers = append(v.Tiers, views.Option{Value: strconv.Itoa(t), Text: fmt.Sprintf("Tier %d", t), Selected: t == tier})
	}
	v.Ready = len(res.errs) == 0 && len(res.rows) > 0
	if len(res.rows) == 0 && len(res.errs) == 0 {
		v.Errors = append(v.Errors, "The file has a header but no risks.")
	}
	return v, res, nil
}

// limitRiskUploads caps the register upload and confirm bodies before any
// middleware (the CSRF check parses the form) reads them.
func limitRiskUploads(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method != http.MethodPost || (req.URL.Path != "/risks/import" && req.URL.Path != "/risks/import/confirm") {
			return next(c)
		}
		// Form encoding of the confirm step's payload can triple its size.
		const limit = 4*maxRiskUpload + 64<<10
		if req.ContentLength > limit {
			return userError{http.StatusRequestEntityTooLarge, "The register file is larger than 2 MiB."}
		}
		req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
		return next(c)
	}
}
