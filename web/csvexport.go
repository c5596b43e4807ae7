package web

import (
	"bufio"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/scorecard"
)

// formulaStarts are the first characters that make a spreadsheet evaluate a cell.
const formulaStarts = "=+-@|%\t\r\n"

// csvSeparators are where a spreadsheet may start a new cell when it
// ignores our quoting: its locale's list separator, one the user picks on
// opening the file, or a line break. Every part between them can become a
// cell of its own.
const csvSeparators = ",;\t|\r\n"

// csvLeads may open a cell in front of its content without ending a
// part's start: spaces, and quotes a spreadsheet may read as the cell's.
const csvLeads = " \"'"

// csvSafe neutralises spreadsheet formula injection in a text cell: a
// formula character (=, +, -, @, |, %, tab, CR, LF) that starts the value
// or a part of it after a separator (leading spaces and quotes skipped)
// gets a quote in front, so no part can start a formula in whichever cells
// a spreadsheet cuts the value into: "semi;=1+1;" → "semi;'=1+1;". Numbers
// are written without it (csvNumber) so spreadsheets still compute.
func csvSafe(s string) string {
	if !strings.ContainsAny(s, formulaStarts) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	start, prev := true, rune(0)
	for _, r := range s {
		if guarded(start, prev, r) {
			b.WriteByte('\'')
		}
		b.WriteRune(r)
		start, prev = nextPartStart(start, r), r
	}
	return b.String()
}

// csvUnsafe undoes csvSafe on import: the quote csvSafe put in front of a
// formula character is not part of the value. It walks the value as csvSafe
// walked the original, so csvUnsafe(csvSafe(s)) == s.
func csvUnsafe(s string) string {
	if !strings.Contains(s, "'") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	start, prev := true, rune(0)
	for i, r := range s {
		if r == '\'' && i+1 < len(s) && guarded(start, prev, rune(s[i+1])) {
			continue // added by csvSafe; the formula character follows
		}
		b.WriteRune(r)
		start, prev = nextPartStart(start, r), r
	}
	return b.String()
}

// guarded says whether csvSafe puts a quote in front of r: a formula
// character at a part's start, except the LF of a CRLF (one line break).
func guarded(start bool, prev, r rune) bool {
	return start && strings.ContainsRune(formulaStarts, r) && !(prev == '\r' && r == '\n')
}

// nextPartStart says whether the rune after r is still at a part's start.
func nextPartStart(start bool, r rune) bool {
	return strings.ContainsRune(csvSeparators, r) || (start && strings.ContainsRune(csvLeads, r))
}

// csvWriter writes CSV with every field quoted, so that a value's commas,
// semicolons, tabs and line breaks stay inside its cell for every reader
// that honours quotes, whatever separator it expects.
type csvWriter struct {
	w *bufio.Writer
}

// csvAttachment starts a CSV download named name (a name of our own,
// never user input) and returns its writer.
func csvAttachment(c echo.Context, name string) *csvWriter {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Response().WriteHeader(http.StatusOK)
	return newCSVWriter(c.Response())
}

// newCSVWriter writes CSV to w (Flush when done).
func newCSVWriter(w io.Writer) *csvWriter { return &csvWriter{w: bufio.NewWriter(w)} }

// Write writes one record.
func (w *csvWriter) Write(rec []string) error {
	for i, f := range rec {
		if i > 0 {
			w.w.WriteByte(',')
		}
		w.w.WriteByte('"')
		w.w.WriteString(strings.ReplaceAll(f, `"`, `""`))
		w.w.WriteByte('"')
	}
	// bufio.Writer keeps its first error, so the last write reports it.
	return w.w.WriteByte('\n')
}

// Flush writes what is buffered and reports the first write error.
func (w *csvWriter) Flush() error { return w.w.Flush() }

// csvNumber writes a value as a plain number ("" for no data), so the
// spreadsheet can compute with it.
func csvNumber(v *float64) string {
	if v == nil {
		return ""
	}
	// Nine decimals drop float noise (10.700000000000001) and keep every
	// digit the page shows.
	return strconv.FormatFloat(math.Round(*v*1e9)/1e9, 'f', -1, 64)
}

// downloadScorecardCSV exports the scorecard with value, sample size,
// target, status, previous value and its sample per KPI, the same numbers
// as the page and the API, for services, tiers, teams and the
// organisation. A service row leaves a team figure (toil) empty: it is on
// the team's row.
func (h *Handler) downloadScorecardCSV(c echo.Context) error {
	st, err := h.store.Settings(c.Request().Context())
	if err != nil {
		return err
	}
	q, err := h.parseScorecardQuery(c, st)
	if err != nil {
		return err
	}
	card, _, err := h.buildCard(c, &q)
	if err != nil {
		return err
	}
	w := csvAttachment(c, "sreport-scorecard-"+q.period.Label+".csv")
	head := []string{"period", "to_date", "kind", "name", "tier", "team"}
	for _, k := range analytics.KPINames {
		head = append(head, k, k+"_n", k+"_target", k+"_status", k+"_previous", k+"_previous_n")
	}
	if err := w.Write(head); err != nil {
		return err
	}
	rows := slices.Concat(card.Services, card.Tiers, card.Teams, []scorecard.Row{card.Org})
	for _, r := range rows {
		tier := ""
		if r.Tier != nil {
			tier = strconv.Itoa(*r.Tier)
		}
		rec := []string{card.Period, strconv.FormatBool(card.ToDate), r.Kind, csvSafe(r.Name), tier, csvSafe(r.Team)}
		for _, k := range analytics.KPINames {
			cell, ok := r.KPIs[k]
			if !ok {
				rec = append(rec, "", "", "", "", "", "")
				continue
			}
			rec = append(rec, csvNumber(cell.Value), csvNumber(&cell.N), csvNumber(cell.Target), cell.Status,
				csvNumber(cell.Previous), csvNumber(&cell.PreviousN))
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	return w.Flush()
}
