package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
)

// riskCSVHeader is the export's header; the importer reads every column
// back, so an export re-imports into the same register.
var riskCSVHeader = []string{"code", "title", "description", "service", "category", "likelihood", "impact", "score", "rating",
	"residual likelihood", "residual impact", "owner", "status", "mitigation", "acceptance rationale", "accepted by",
	"target date", "next review date", "linked incidents", "created at", "created by", "updated at", "updated by"}

// downloadRiskCSV exports the register (with the page's filters) as CSV,
// every text cell neutralised against formula injection.
func (h *Handler) downloadRiskCSV(c echo.Context) error {
	q, err := h.parseRiskQuery(c)
	if err != nil {
		return err
	}
	if q.filter.Sort == "" {
		q.filter.Sort = "code"
	}
	risks, err := h.store.Risks(c.Request().Context(), q.filter)
	if err != nil {
		return err
	}
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	hd.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="sreport-risks-%s.csv"`, h.cfg.Now().Format("2006-01-02")))
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	if err := w.Write(riskCSVHeader); err != nil {
		return err
	}
	for _, r := range risks {
		ids := make([]string, len(r.IncidentIDs))
		for i, id := range r.IncidentIDs {
			ids[i] = strconv.FormatInt(id, 10)
		}
		rec := []string{r.Code, csvSafe(r.Title), csvSafe(r.Description), csvSafe(strings.Join(r.Services, "; ")), r.Category,
			strconv.Itoa(r.Likelihood), strconv.Itoa(r.Impact), strconv.Itoa(r.Score()), r.Rating(),
			r.FieldValue("residual_likelihood"), r.FieldValue("residual_impact"), csvSafe(r.Owner), r.Status,
			csvSafe(r.Mitigation), csvSafe(r.AcceptanceRationale), csvSafe(r.AcceptedBy),
			r.FieldValue("target_date"), r.FieldValue("next_review_date"), strings.Join(ids, " "),
			r.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), csvSafe(r.CreatedBy), r.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z"), csvSafe(r.UpdatedBy)}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// riskColumns maps normalised header names to the importer's fields.
var riskColumns = map[string]string{
	"title": "title", "risk": "title", "risk title": "title", "name": "title", "summary": "title",
	"description": "description", "details": "description", "desc": "description", "risk description": "description",
	"service": "service", "services": "service", "affected service": "service", "affected services": "service",
	"system": "service", "component": "service",
	"likelihood": "likelihood", "probability": "likelihood", "l": "likelihood",
	"impact": "impact", "consequence": "impact", "i": "impact",
	"owner": "owner", "risk owner": "owner", "assignee": "owner",
	"status": "status", "state": "status",
	"mitigation": "mitigation", "mitigation plan": "mitigation", "treatment": "mitigation", "action": "mitigation",
	"target date": "target date", "target": "target date", "due date": "target date", "due": "target date",
	"category": "category", "type": "category",
	"residual likelihood": "residual likelihood", "residual impact": "residual impact",
	"next review date": "next review date", "next review": "next review date", "review date": "next review date",
	"acceptance rationale": "acceptance rationale", "rationale": "acceptance rationale",
	"accepted by": "accepted by",
	// Columns of our own export that are derived or assigned on import.
	"code": "", "id": "", "score": "", "rating": "", "linked incidents": "", "created at": "", "created by": "",
	"updated at": "", "updated by": "",
}

// normHeader folds a header cell: case, BOM, underscores, repeated spaces.
func normHeader(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	s = strings.NewReplacer("_", " ", "-", " ").Replace(strings.ToLower(strings.TrimSpace(s)))
	return strings.Join(strings.Fields(s), " ")
}

// csvUnsafe undoes csvSafe: a quote in front of a formula character was
// added by an export and is not part of the value.
func csvUnsafe(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

// riskRow is one parsed line of an uploaded register.
type riskRow struct {
	line int
	risk analytics.Risk
}

// riskImportResult is what an uploaded register holds.
type riskImportResult struct {
	rows    []riskRow
	errs    []rowError
	unknown []string // service names not in sreport
}

type rowError struct {
	line   int
	reason string
}

// parseRiskCSV reads an uploaded register. Services are matched to known
// ones case-insensitively; unknown names are collected, not errors, so the
// user can choose to create them. known maps lower-case name → name.
func parseRiskCSV(rd io.Reader, known map[string]string, fileName string) (riskImportResult, error) {
	var res riskImportResult
	cr := csv.NewReader(rd)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return res, errors.New("the file is empty")
	}
	if err != nil {
		return res, fmt.Errorf("the file is not readable CSV: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		// Unknown columns are ignored: registers carry extra notes.
		if f := riskColumns[normHeader(h)]; f != "" {
			if _, dup := col[f]; !dup {
				col[f] = i
			}
		}
	}
	for _, need := range []string{"title", "service", "likelihood", "impact"} {
		if _, ok := col[need]; !ok {
			return res, fmt.Errorf("the header has no %q column (found: %s)", need, strings.Join(head, ", "))
		}
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			res.errs = append(res.errs, rowError{line, "not readable CSV: " + err.Error()})
			if len(res.errs) > 200 {
				break
			}
			continue
		}
		get := func(f string) string {
			if i, ok := col[f]; ok && i < len(rec) {
				return strings.TrimSpace(csvUnsafe(rec[i]))
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue // blank spreadsheet row
		}
		r, problems := riskFromRecord(get, known, &res.unknown, fileName)
		if len(problems) > 0 {
			res.errs = append(res.errs, rowError{line, strings.Join(problems, "; ")})
			continue
		}
		res.rows = append(res.rows, riskRow{line: line, risk: r})
	}
	return res, nil
}

// riskFromRecord builds one risk from a row and lists its problems.
func riskFromRecord(get func(string) string, known map[string]string, unknown *[]string, fileName string) (analytics.Risk, []string) {
	r := analytics.Risk{Title: get("title"), Description: get("description"), Owner: get("owner"),
		Mitigation: get("mitigation"), AcceptanceRationale: get("acceptance rationale"), AcceptedBy: get("accepted by")}
	var problems []string
	for _, s := range strings.FieldsFunc(get("service"), func(r rune) bool { return r == ';' || r == ',' }) {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if name, ok := known[strings.ToLower(s)]; ok {
			s = name
		} else if !slices.Contains(*unknown, s) {
			*unknown = append(*unknown, s)
		}
		if !slices.Contains(r.Services, s) {
			r.Services = append(r.Services, s)
		}
	}
	score := func(f string, optional bool) (int, bool) {
		v := get(f)
		if v == "" && optional {
			return 0, false
		}
		n, err := strconv.Atoi(strings.TrimSuffix(v, ".0"))
		if err != nil || n < 1 || n > 5 {
			problems = append(problems, fmt.Sprintf("%s must be 1 to 5 (got %q)", f, v))
			return 0, false
		}
		return n, true
	}
	r.Likelihood, _ = score("likelihood", false)
	r.Impact, _ = score("impact", false)
	if n, ok := score("residual likelihood", true); ok {
		r.ResidualLikelihood = &n
	}
	if n, ok := score("residual impact", true); ok {
		r.ResidualImpact = &n
	}
	r.Status = strings.ToLower(get("status"))
	if r.Status == "" {
		r.Status = analytics.RiskOpen
	}
	r.Category = get("category")
	if r.Category == "" {
		r.Category = "other"
	}
	for _, cat := range analytics.RiskCategories {
		if strings.EqualFold(cat, r.Category) {
			r.Category = cat
		}
	}
	var err error
	if r.TargetDate, err = parseDay(get("target date")); err != nil {
		problems = append(problems, "target date: "+err.Error())
	}
	if r.NextReviewDate, err = parseDay(get("next review date")); err != nil {
		problems = append(problems, "next review date: "+err.Error())
	}
	// Spreadsheets record accepted risks without our rationale columns;
	// keep the rule (an accepted risk names who accepted it and why) by
	// recording where the acceptance came from.
	if r.Status == analytics.RiskAccepted {
		if r.AcceptedBy == "" {
			r.AcceptedBy = r.Owner
		}
		if r.AcceptanceRationale == "" {
			r.AcceptanceRationale = "Accepted in the imported register " + fileName + " (no rationale recorded there)."
		}
	}
	errs := r.Validate()
	for _, f := range append([]string{"title", "services", "category", "owner", "status"}, "acceptance_rationale", "accepted_by", "residual_likelihood", "residual_impact") {
		if msg, ok := errs[f]; ok {
			problems = append(problems, msg)
		}
	}
	return r, problems
}
