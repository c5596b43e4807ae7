package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics/reporting"
	"sreport/analytics/scorecard"
	"sreport/chromium"
	"sreport/views"
)

// reportRequest is a report named by a URL: the report, and the paper of
// its PDF ("a4", the default, or "letter").
type reportRequest struct {
	reporting.Request
	Paper string
}

// parseReportRequest reads the period from the path (with an optional
// .pdf or .html suffix) and the scope from ?team= and ?tier=.
func parseReportRequest(c echo.Context) (reportRequest, string, error) {
	label, ext := c.Param("period"), ""
	for _, e := range []string{".pdf", ".html"} {
		if strings.HasSuffix(label, e) {
			label, ext = strings.TrimSuffix(label, e), e
		}
	}
	r := reportRequest{Request: reporting.Request{Period: label, Team: c.QueryParam("team")}, Paper: c.QueryParam("paper")}
	if t := c.QueryParam("tier"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 || n > 3 {
			return r, ext, badRequest("tier must be 0, 1, 2 or 3")
		}
		r.Tier = &n
	}
	if r.Paper != "" && r.Paper != "a4" && r.Paper != "letter" {
		return r, ext, badRequest("paper must be a4 or letter")
	}
	return r, ext, nil
}

// query is the request's scope as URL parameters.
func (r reportRequest) query() url.Values {
	v := url.Values{}
	if r.Team != "" {
		v.Set("team", r.Team)
	}
	if r.Tier != nil {
		v.Set("tier", strconv.Itoa(*r.Tier))
	}
	return v
}

// href links to the report in format ("", ".pdf" or ".html").
func (r reportRequest) href(label, ext string) string {
	u := "/reports/" + label + ext
	if q := r.query().Encode(); q != "" {
		u += "?" + q
	}
	return u
}

// showReport renders the printable report, or downloads it as PDF or HTML.
func (h *Handler) showReport(c echo.Context) error {
	req, ext, err := parseReportRequest(c)
	if err != nil {
		return err
	}
	// The request's context reaches every query and every engine run, so
	// a reader who leaves stops the work. The web page may show a report
	// from before the latest change to the data, labelled, while it is
	// recomputed; a download leaves the app without the label, so it waits.
	ctx := c.Request().Context()
	if ext == "" {
		ctx = acceptStale(c)
	}
	env, err := h.env(ctx)
	if err != nil {
		return err
	}
	now := h.cfg.Now()
	if ext == ".pdf" {
		return h.downloadReportPDF(c, env, req, now)
	}
	rep, err := h.report(ctx, env, req.Request, now)
	if err != nil {
		return reportError(c, err)
	}
	if ext == ".html" {
		b, err := ReportHTML(ctx, rep, now, h.cfg.Version)
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+reportFileName(req, ".html")+`"`)
		return c.HTMLBlob(http.StatusOK, b)
	}
	var form *views.CommentaryForm
	if canEdit(c) {
		form = commentaryForm(c, req, rep.Period.Label, rep.Commentary())
	}
	return h.renderReport(c, rep, req, form, http.StatusOK)
}

// renderReport renders the web report with its toolbar and, for an
// editor, the commentary form.
func (h *Handler) renderReport(c echo.Context, rep *reporting.Report, req reportRequest, form *views.CommentaryForm, status int) error {
	v := reportView(c.Request().Context(), rep, h.cfg.Now(), h.cfg.Version, h.charts)
	v.Commentary.Form = form
	v.Toolbar = true
	v.Stale = staleNotice(c)
	v.BackHref = "/reports"
	if q := req.query().Encode(); q != "" {
		v.BackHref += "?" + q
	}
	v.HTMLHref = req.href(v.PeriodLabel, ".html")
	if _, ok := chromium.Path(); ok {
		v.PDFHref = req.href(v.PeriodLabel, ".pdf")
	} else {
		v.PDFNote = pdfMissingNote
	}
	return render(c, status, views.ReportPage(v))
}

// report assembles the report req names once per data version and hour
// (the knowledge cut-off): concurrent viewers of one report share one
// computation (scorecard.Do). now only decides whether the period has
// begun, which a report computed at an earlier now already showed.
func (h *Handler) report(ctx context.Context, env scorecard.Env, req reporting.Request, now time.Time) (*reporting.Report, error) {
	tier := ""
	if req.Tier != nil {
		tier = strconv.Itoa(*req.Tier)
	}
	key := strings.Join([]string{"report", req.Period, req.Team, tier, env.Settings.Location().String(), env.Settings.AsOf.Format(time.RFC3339)}, "|")
	return scorecard.Do(ctx, h.cache, h.store, key, func(ctx context.Context) (*reporting.Report, error) {
		// Like the PDF path: a few computed at a time, and a clear "try
		// again" beyond. Only a computation takes a slot: a cached report,
		// or a viewer waiting for another's computation of the same one,
		// costs next to nothing. A background recomputation (a stale
		// report on screen meanwhile) has nobody to tell: it waits its turn.
		if scorecard.InBackground(ctx) {
			select {
			case h.reportSlots <- struct{}{}:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		} else {
			select {
			case h.reportSlots <- struct{}{}:
			default:
				return nil, errReportsBusy
			}
		}
		defer func() { <-h.reportSlots }()
		return reporting.Assemble(ctx, h.store, env, req, now)
	})
}

// errReportsBusy answers a report that would be computed while every
// report slot is taken.
var errReportsBusy = userError{http.StatusTooManyRequests, "Other reports are being prepared right now; try again in a few seconds."}

// reportError turns a bad or future period or an unknown team into a user
// error, and tells a client refused for lack of a slot when to come back.
func reportError(c echo.Context, err error) error {
	var pe reporting.PeriodError
	var ns reporting.NotStartedError
	switch {
	case errors.Is(err, errReportsBusy):
		c.Response().Header().Set("Retry-After", "5")
		return err
	case errors.As(err, &pe):
		return badRequest(pe.Error())
	case errors.As(err, &ns):
		return userError{http.StatusNotFound, ns.Error()}
	}
	return unwrapNotFound(err)
}

// reportFileName is the download's name: sreport-2026-Q3[-team-payments][-tier-0].pdf.
func reportFileName(req reportRequest, ext string) string {
	name := "sreport-" + req.Period
	if req.Team != "" {
		name += "-team-" + safeName(req.Team)
	}
	if req.Tier != nil {
		name += "-tier-" + strconv.Itoa(*req.Tier)
	}
	return name + ext
}

// safeName keeps letters, digits, dashes and underscores for a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, s)
}
