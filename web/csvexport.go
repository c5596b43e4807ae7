package web

import (
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/scorecard"
)

// formulaStarts are the first characters that make a spreadsheet evaluate a cell.
const formulaStarts = "=+-@|%\t\r\n"

// csvSafe neutralises spreadsheet formula injection: a text cell that a
// spreadsheet would evaluate (=, +, -, @, |, %, tab, CR, LF) gets a leading quote.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune(formulaStarts, rune(s[0])) {
		return "'" + s
	}
	return s
}

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

// downloadScorecardCSV exports the scorecard with value, target, status and
// previous value per KPI, the same numbers as the page and the API.
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
	c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="sreport-scorecard-%s.csv"`, q.period.Label))
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	head := []string{"period", "kind", "name", "tier", "team"}
	for _, k := range analytics.KPINames {
		head = append(head, k, k+"_target", k+"_status", k+"_previous")
	}
	if err := w.Write(head); err != nil {
		return err
	}
	rows := append(append(append([]scorecard.Row{}, card.Services...), card.Tiers...), card.Org)
	for _, r := range rows {
		tier := ""
		if r.Tier != nil {
			tier = strconv.Itoa(*r.Tier)
		}
		rec := []string{card.Period, r.Kind, csvSafe(r.Name), tier, csvSafe(r.Team)}
		for _, k := range analytics.KPINames {
			cell := r.KPIs[k]
			rec = append(rec, csvNumber(cell.Value), csvNumber(cell.Target), cell.Status, csvNumber(cell.Previous))
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}
