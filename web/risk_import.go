package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/ingest"
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
	// The preview carries the file to the confirm step in a form field, so
	// it holds the text as UTF-8: a UTF-16 or windows-1252 file would not
	// survive the page's encoding.
	text, status, err := decodeRiskUpload(data)
	if err != nil {
		return render(c, status, views.RiskImportPage(views.RiskImport{
			Layout: h.layout(c, "Import risks", views.NavRisks), Errors: []string{err.Error()}}))
	}
	v, _, err := h.riskImportPreview(c, filepath.Base(fh.Filename), text, riskImportChoices{tier: store.DefaultNewServiceTier})
	if err != nil {
		return err
	}
	return render(c, previewStatus(v), views.RiskImportPage(v))
}

// decodeRiskUpload returns an uploaded register's text as UTF-8 (see
// ingest.DecodeText), or the status and message that refuse it.
func decodeRiskUpload(data []byte) (string, int, error) {
	text, err := ingest.DecodeText(bytes.NewReader(data))
	if err != nil {
		return "", http.StatusUnprocessableEntity, fmt.Errorf("the file is not readable: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(text, maxRiskUpload+1))
	if err != nil {
		return "", http.StatusUnprocessableEntity, fmt.Errorf("the file is not readable: %w", err)
	}
	if len(b) > maxRiskUpload { // a compressed file
		return "", http.StatusRequestEntityTooLarge, errors.New("the file's text is larger than 2 MiB")
	}
	return string(b), 0, nil
}

// previewStatus is 422 when the preview has errors, else 200 (also when
// there is nothing to import: the upload itself was fine).
func previewStatus(v views.RiskImport) int {
	if len(v.Errors) > 0 || len(v.RowErrors) > 0 || v.AcceptErrors != "" {
		return http.StatusUnprocessableEntity
	}
	return http.StatusOK
}

// riskImportChoices are the options the preview offers.
type riskImportChoices struct {
	create bool
	tier   int
	// accept is the "accept imported accepted risks with this note"
	// option with its note and accepter.
	accept         bool
	note, by       string
	previewed      string // the note and accepter the shown preview used
	versions       map[string]int
	acceptProblems string
}

// acceptKey identifies the note and accepter a preview filled in.
func (o riskImportChoices) acceptKey() string {
	if !o.accept {
		return ""
	}
	return o.note + "\x1f" + o.by
}

// readRiskImportChoices reads the preview form's options.
func (h *Handler) readRiskImportChoices(c echo.Context) riskImportChoices {
	o := riskImportChoices{create: c.FormValue("create_services") != "", accept: c.FormValue("accept_imported") != "",
		note: strings.TrimSpace(c.FormValue("accept_note")), by: strings.TrimSpace(c.FormValue("accept_by")),
		previewed: c.FormValue("previewed_accept"), versions: map[string]int{}}
	tier, err := strconv.Atoi(c.FormValue("tier"))
	if err != nil || tier < 0 || tier > 3 {
		tier = store.DefaultNewServiceTier
	}
	o.tier = tier
	if o.accept && o.note == "" {
		o.acceptProblems = "Write the note to record as the acceptance rationale."
	}
	if o.accept && o.by == "" {
		o.acceptProblems = strings.TrimSpace(o.acceptProblems + " Name who accepts these risks.")
	}
	for _, f := range strings.Fields(c.FormValue("versions")) {
		code, ver, ok := strings.Cut(f, ":")
		if n, err := strconv.Atoi(ver); ok && err == nil {
			o.versions[code] = n
		}
	}
	return o
}

// confirmRiskImport previews again with the options chosen (action
// "preview") or applies the previewed register: every row or none.
func (h *Handler) confirmRiskImport(c echo.Context) error {
	payload := c.FormValue("payload")
	if payload == "" || len(payload) > maxRiskUpload {
		return badRequest("the preview has expired; upload the file again")
	}
	o := h.readRiskImportChoices(c)
	name := filepath.Base(c.FormValue("file_name"))
	v, res, err := h.riskImportPreview(c, name, payload, o)
	if err != nil {
		return err
	}
	if c.FormValue("action") == "preview" {
		return render(c, previewStatus(v), views.RiskImportPage(v))
	}
	if v.Ready && len(res.unknown) > 0 && !o.create {
		v.Ready = false
		v.Errors = append(v.Errors, "Some services are unknown: tick “Create them” or fix the names in the file.")
	}
	// Values filled in by the acceptance option are imported only as the
	// preview showed them.
	filled := slices.ContainsFunc(res.rows, func(r riskRow) bool { return len(r.filled) > 0 })
	if v.Ready && filled && o.previewed != o.acceptKey() {
		v.Ready = false
		v.Errors = append(v.Errors, "Check the acceptance values filled in below, then import.")
	}
	if !v.Ready {
		return render(c, http.StatusUnprocessableEntity, views.RiskImportPage(v))
	}
	rows := make([]analytics.Risk, 0, len(res.rows))
	for _, r := range res.rows {
		if r.kind() == "unchanged" {
			continue
		}
		risk := r.risk
		if r.stored != nil || risk.Code != "" {
			// The version the preview diffed against; a code that was free
			// then but is taken now has none, so it conflicts.
			risk.Version = o.versions[risk.Code]
		}
		rows = append(rows, risk)
	}
	createTier := -1
	if o.create {
		createTier = o.tier
	}
	_, err = h.store.ImportRisks(c.Request().Context(), store.RiskImport{Rows: rows, CreateTier: createTier, Source: name}, h.Audit(c))
	var ce *store.RiskConflictError
	if errors.As(err, &ce) {
		o.versions = nil
		v, _, err := h.riskImportPreview(c, name, payload, o)
		if err != nil {
			return err
		}
		v.Ready = false
		v.Errors = append(v.Errors, fmt.Sprintf("%s changed since the preview (now version %d, by %s); nothing was imported. "+
			"The preview below compares the file with the register as it is now: check it and upload again.", ce.Current.Code, ce.Current.Version, ce.Current.UpdatedBy))
		return render(c, http.StatusConflict, views.RiskImportPage(v))
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/risks?sort=-updated")
}

// riskImportPreview parses payload against the register and builds the
// preview page; nothing is written.
func (h *Handler) riskImportPreview(c echo.Context, name, payload string, o riskImportChoices) (views.RiskImport, riskImportResult, error) {
	ctx := c.Request().Context()
	if o.by == "" {
		o.by = h.Audit(c).Actor
	}
	v := views.RiskImport{Layout: h.layout(c, "Import risks", views.NavRisks), FileName: name, Payload: payload,
		CreateServices: o.create, Accept: o.accept, AcceptNote: o.note, AcceptBy: o.by, AcceptErrors: o.acceptProblems}
	services, err := h.store.Services(ctx)
	if err != nil {
		return v, riskImportResult{}, err
	}
	in := riskImportInput{known: make(map[string]string, len(services)), stored: map[string]analytics.Risk{}}
	for _, s := range services {
		in.known[strings.ToLower(s.Name)] = s.Name
	}
	register, err := h.store.Risks(ctx, store.RiskFilter{})
	if err != nil {
		return v, riskImportResult{}, err
	}
	for _, r := range register {
		in.stored[r.Code] = r
	}
	if o.accept && o.acceptProblems == "" {
		in.acceptNote, in.acceptBy = o.note, o.by
	}
	res, err := parseRiskCSV(bytes.NewReader([]byte(payload)), in)
	if err != nil {
		v.Payload = ""
		v.Errors = []string{err.Error()}
		return v, res, nil
	}
	if err := h.checkRiskIncidents(ctx, &res); err != nil {
		return v, res, err
	}
	var versions []string
	for _, r := range res.rows {
		row := views.RiskImportRow{Line: r.line, Title: r.risk.Title, Services: strings.Join(r.risk.Services, ", "),
			Likelihood: r.risk.Likelihood, Impact: r.risk.Impact, Rating: r.risk.Rating(), Owner: r.risk.Owner,
			Status: r.risk.Status, Target: r.risk.FieldValue("target_date"), Kind: r.kind(), Effect: rowEffect(r), Filled: r.filled}
		switch row.Kind {
		case "new":
			v.New++
		case "update":
			v.Updated++
		default:
			v.Unchanged++
		}
		if r.stored != nil {
			versions = append(versions, r.stored.Code+":"+strconv.Itoa(r.stored.Version))
		}
		if len(r.filled) > 0 {
			v.Previewed = o.acceptKey()
		}
		v.Rows = append(v.Rows, row)
	}
	v.Versions = strings.Join(versions, " ")
	for _, e := range res.errs {
		v.RowErrors = append(v.RowErrors, views.RejectRow{Line: e.line, Reason: e.reason})
	}
	v.Unknown = res.unknown
	v.AcceptOffered = res.needAcceptance > 0 || o.accept
	for t := 0; t <= 3; t++ {
		v.Tiers = append(v.Tiers, views.Option{Value: strconv.Itoa(t), Text: fmt.Sprintf("Tier %d", t), Selected: t == o.tier})
	}
	v.Ready = len(res.errs) == 0 && v.New+v.Updated > 0 && o.acceptProblems == ""
	if len(res.rows) == 0 && len(res.errs) == 0 {
		v.Errors = append(v.Errors, "The file has a header but no risks.")
	}
	return v, res, nil
}

// checkRiskIncidents turns rows linking incidents this database does not
// hold into row errors: an export's ids belong to its own database.
func (h *Handler) checkRiskIncidents(ctx context.Context, res *riskImportResult) error {
	var ids []int64
	for _, r := range res.rows {
		ids = append(ids, r.links...)
	}
	if len(ids) == 0 {
		return nil
	}
	known, err := h.store.KnownIncidentIDs(ctx, ids)
	if err != nil {
		return err
	}
	kept := res.rows[:0]
	for _, r := range res.rows {
		var missing []string
		for _, id := range r.links {
			if !known[id] {
				missing = append(missing, "#"+strconv.FormatInt(id, 10))
			}
		}
		if len(missing) == 0 {
			kept = append(kept, r)
			continue
		}
		res.errs = append(res.errs, rowError{r.line, "linked incidents: no incident " + strings.Join(missing, ", ") +
			" in this database; remove the ids from the “linked incidents” cell or import those incidents first"})
	}
	res.rows = kept
	slices.SortStableFunc(res.errs, func(a, b rowError) int { return a.line - b.line })
	return nil
}

// rowEffect says what importing a row does: "new", "new R-050 (keeps code
// R-050)", "update R-003: impact 3 → 4; link incident #12" or "unchanged R-004".
func rowEffect(r riskRow) string {
	var parts []string
	for _, ch := range r.changes {
		parts = append(parts, analytics.RiskFieldLabel(ch.Field)+" "+shortValue(ch.Old)+" → "+shortValue(ch.New))
	}
	for _, id := range r.links {
		parts = append(parts, "link incident #"+strconv.FormatInt(id, 10))
	}
	var out string
	switch r.kind() {
	case "new":
		out = "new"
		if r.note != "" {
			out += " (" + r.note + ")"
		}
	case "update":
		out = "update " + r.stored.Code + ": " + strings.Join(parts, "; ")
	default:
		out = "unchanged " + r.stored.Code
	}
	return out
}

// shortValue quotes a field value for the preview, long text shortened.
func shortValue(s string) string {
	if s == "" {
		return "(empty)"
	}
	if rs := []rune(s); len(rs) > 60 {
		s = string(rs[:59]) + "…"
	}
	return s
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
		if err := capBody(c, limit, userError{http.StatusRequestEntityTooLarge, "The register file is larger than 2 MiB."}); err != nil {
			return err
		}
		return next(c)
	}
}
