package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
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
	w := csvAttachment(c, "sreport-risks-"+h.cfg.Now().Format("2006-01-02")+".csv")
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
	return w.Flush()
}

// riskColumns maps header names, normalised by ingest.NormHeader, to the
// importer's fields.
var riskColumns = map[string]string{
	"title": "title", "risk": "title", "risk_title": "title", "name": "title", "summary": "title",
	"description": "description", "details": "description", "desc": "description", "risk_description": "description",
	"service": "service", "services": "service", "affected_service": "service", "affected_services": "service",
	"system": "service", "component": "service",
	"likelihood": "likelihood", "probability": "likelihood", "l": "likelihood",
	"impact": "impact", "consequence": "impact", "i": "impact",
	"owner": "owner", "risk_owner": "owner", "assignee": "owner",
	"status": "status", "state": "status",
	"mitigation": "mitigation", "mitigation_plan": "mitigation", "treatment": "mitigation", "action": "mitigation",
	"target_date": "target date", "target": "target date", "due_date": "target date", "due": "target date",
	"category": "category", "type": "category",
	"residual_likelihood": "residual likelihood", "residual_impact": "residual impact",
	"next_review_date": "next review date", "next_review": "next review date", "review_date": "next review date",
	"acceptance_rationale": "acceptance rationale", "rationale": "acceptance rationale",
	"accepted_by": "accepted by",
	// Our export's identity and evidence columns: a code naming a stored
	// risk makes the row an update; incidents listed are linked; a new
	// risk keeps its creation stamp.
	"code": "code", "linked_incidents": "linked incidents", "incidents": "linked incidents",
	"created_at": "created at", "created_by": "created by",
	// Derived or assigned here; another register's "id" is not our code.
	"id": "", "score": "", "rating": "", "updated_at": "", "updated_by": "",
}

// riskRow is one parsed line of an uploaded register.
type riskRow struct {
	line int
	risk analytics.Risk
	// stored is the risk the row's code names (the row updates it); nil
	// for a new risk.
	stored  *analytics.Risk
	changes []analytics.RiskChange
	links   []int64  // listed incidents not yet linked
	filled  []string // acceptance fields taken from the import option, as shown
	note    string   // e.g. why a code was not kept
}

// kind is the row's effect: "new", "update" or "unchanged".
func (r riskRow) kind() string {
	switch {
	case r.stored == nil:
		return "new"
	case len(r.changes) > 0 || len(r.links) > 0:
		return "update"
	}
	return "unchanged"
}

// riskImportResult is what an uploaded register holds.
type riskImportResult struct {
	rows    []riskRow
	errs    []rowError
	unknown []string // service names not in sreport
	// needAcceptance counts accepted rows refused for lack of a rationale
	// or an accepter; the preview then offers the acceptance option.
	needAcceptance int
}

type rowError struct {
	line   int
	reason string
}

// riskImportInput is what parsing an upload compares it with.
type riskImportInput struct {
	known  map[string]string         // lower-case service name → name
	stored map[string]analytics.Risk // the register by code
	// acceptNote and acceptBy are the "accept imported accepted risks with
	// this note" option: when acceptNote is set, an accepted row without a
	// rationale gets acceptNote and one without an accepter gets acceptBy.
	acceptNote, acceptBy string
}

// acceptOption is the option's label, quoted by the row error that sends
// the user to it.
const acceptOption = "Accept imported accepted risks with this note"

// parseRiskCSV reads an uploaded register. Services are matched to known
// ones case-insensitively; unknown names are collected, not errors, so the
// user can choose to create them.
func parseRiskCSV(rd io.Reader, in riskImportInput) (riskImportResult, error) {
	var res riskImportResult
	// The importers' reader: a register saved by a spreadsheet in another
	// locale (';'-separated, UTF-16, windows-1252) reads as on /imports,
	// which sends risk registers here.
	cr, err := ingest.NewCSVReader(rd)
	if err != nil {
		return res, fmt.Errorf("the file is not readable: %w", err)
	}
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
		if f := riskColumns[ingest.NormHeader(h)]; f != "" {
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
	codeLine := map[string]int{}
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
		has := func(f string) bool { _, ok := col[f]; return ok }
		get := func(f string) string {
			if i, ok := col[f]; ok && i < len(rec) {
				return strings.TrimSpace(csvUnsafe(rec[i]))
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue // blank spreadsheet row
		}
		row, problems, needAccept := riskFromRecord(get, has, in, &res.unknown)
		if c := row.risk.Code; c != "" {
			if first, dup := codeLine[c]; dup {
				problems = append(problems, fmt.Sprintf("code %s is also on line %d; a risk may appear once", c, first))
			} else {
				codeLine[c] = line
			}
		}
		if len(problems) > 0 {
			if needAccept {
				res.needAcceptance++
			}
			res.errs = append(res.errs, rowError{line, strings.Join(problems, "; ")})
			continue
		}
		row.line = line
		res.rows = append(res.rows, row)
	}
	return res, nil
}

// parseIncidentList reads a "linked incidents" cell: ids separated by
// spaces, commas or semicolons, each optionally "#12".
func parseIncidentList(s string) ([]int64, error) {
	var ids []int64
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == ';' }) {
		id, err := strconv.ParseInt(strings.TrimPrefix(f, "#"), 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("linked incidents: %q is not an incident id", f)
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// parseCreatedAt reads our export's "created at" (RFC 3339, UTC) or a date.
func parseCreatedAt(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("created at: %q is not a time such as 2026-01-31T09:00:00Z", s)
}

// riskFromRecord builds one row and lists its problems; needAccept says
// one of them is an accepted risk lacking its rationale or accepter. A row
// whose code names a stored risk starts from that risk, so a column the
// file lacks keeps the stored value.
func riskFromRecord(get func(string) string, has func(string) bool, in riskImportInput, unknown *[]string) (riskRow, []string, bool) {
	var row riskRow
	var problems []string
	code := strings.ToUpper(get("code"))
	var r analytics.Risk
	switch cur, ok := in.stored[code]; {
	case ok:
		row.stored = &cur
		r = cur
		r.IncidentIDs = nil
	case code == "":
	case store.IsRiskCode(code):
		r.Code = code
		row.note = "keeps code " + code
	default:
		row.note = fmt.Sprintf("code %q is not a register code (R-001); gets the next free one", get("code"))
	}
	// text sets a field from its column; a stored value differing only in
	// surrounding spaces (which the importer trims) is kept as it is.
	text := func(f string, dst *string) {
		if !has(f) {
			return
		}
		if v := get(f); v != strings.TrimSpace(*dst) {
			*dst = v
		}
	}
	text("title", &r.Title)
	text("description", &r.Description)
	text("owner", &r.Owner)
	text("mitigation", &r.Mitigation)
	text("acceptance rationale", &r.AcceptanceRationale)
	text("accepted by", &r.AcceptedBy)
	var svcs []string
	for _, s := range strings.FieldsFunc(get("service"), func(r rune) bool { return r == ';' || r == ',' }) {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if name, ok := in.known[strings.ToLower(s)]; ok {
			s = name
		} else if !slices.Contains(*unknown, s) {
			*unknown = append(*unknown, s)
		}
		if !slices.Contains(svcs, s) {
			svcs = append(svcs, s)
		}
	}
	r.Services = svcs
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
	if has("residual likelihood") {
		r.ResidualLikelihood = nil
		if n, ok := score("residual likelihood", true); ok {
			r.ResidualLikelihood = &n
		}
	}
	if has("residual impact") {
		r.ResidualImpact = nil
		if n, ok := score("residual impact", true); ok {
			r.ResidualImpact = &n
		}
	}
	// An empty status or category keeps the stored one, or takes the default.
	if v := strings.ToLower(get("status")); v != "" {
		r.Status = v
	} else if r.Status == "" {
		r.Status = analytics.RiskOpen
	}
	if v := get("category"); v != "" {
		r.Category = v
	} else if r.Category == "" {
		r.Category = "other"
	}
	for _, cat := range analytics.RiskCategories {
		if strings.EqualFold(cat, r.Category) {
			r.Category = cat
		}
	}
	var err error
	if has("target date") {
		if r.TargetDate, err = parseDay(get("target date")); err != nil {
			problems = append(problems, "target date: "+err.Error())
		}
	}
	if has("next review date") {
		if r.NextReviewDate, err = parseDay(get("next review date")); err != nil {
			problems = append(problems, "next review date: "+err.Error())
		}
	}
	ids, err := parseIncidentList(get("linked incidents"))
	if err != nil {
		problems = append(problems, err.Error())
	}
	r.IncidentIDs = ids
	for _, id := range ids {
		if row.stored == nil || !slices.Contains(row.stored.IncidentIDs, id) {
			row.links = append(row.links, id)
		}
	}
	// A new risk keeps the creation stamp of the register it comes from;
	// a stored risk's history is this database's.
	if row.stored == nil {
		if v := get("created at"); v != "" {
			if r.CreatedAt, err = parseCreatedAt(v); err != nil {
				problems = append(problems, err.Error())
			}
		}
		r.CreatedBy = get("created by")
	}
	// An accepted risk names who accepted it and why. A file without them
	// is refused unless the user chose, on the preview, to record a note of
	// their own (and an accepter) for such rows; the preview shows them.
	needAccept := false
	if r.Status == analytics.RiskAccepted && (r.AcceptanceRationale == "" || r.AcceptedBy == "") {
		if in.acceptNote == "" {
			needAccept = true
			var missing []string
			if r.AcceptanceRationale == "" {
				missing = append(missing, "an acceptance rationale")
			}
			if r.AcceptedBy == "" {
				missing = append(missing, "who accepted it (accepted by)")
			}
			problems = append(problems, "the risk is accepted but the file gives no "+strings.Join(missing, " and ")+
				": add the “acceptance rationale” and “accepted by” columns, or tick “"+acceptOption+"” below and preview again")
		} else {
			if r.AcceptanceRationale == "" {
				r.AcceptanceRationale = in.acceptNote
				row.filled = append(row.filled, "acceptance rationale: “"+in.acceptNote+"”")
			}
			if r.AcceptedBy == "" {
				r.AcceptedBy = in.acceptBy
				row.filled = append(row.filled, "accepted by: "+in.acceptBy)
			}
		}
	}
	errs := r.Validate()
	for _, f := range []string{"title", "description", "services", "category", "owner", "status", "mitigation", "acceptance_rationale", "accepted_by", "residual_likelihood", "residual_impact"} {
		if msg, ok := errs[f]; ok && !(needAccept && (f == "acceptance_rationale" || f == "accepted_by")) {
			problems = append(problems, msg)
		}
	}
	if row.stored != nil {
		row.changes = analytics.DiffRisks(*row.stored, r)
	}
	row.risk = r
	return row, problems, needAccept
}
