package web

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/views"
)

func riskHref(code string) string { return "/risks/" + url.PathEscape(code) }

// riskValues renders a stored risk into the form's text fields.
func riskValues(r analytics.Risk) views.RiskValues {
	return views.RiskValues{Title: r.Title, Description: r.Description, Category: r.Category,
		Likelihood: r.FieldValue("likelihood"), Impact: r.FieldValue("impact"),
		ResidualLikelihood: r.FieldValue("residual_likelihood"), ResidualImpact: r.FieldValue("residual_impact"),
		Owner: r.Owner, Status: r.Status, Mitigation: r.Mitigation, AcceptanceRationale: r.AcceptanceRationale,
		AcceptedBy: r.AcceptedBy, TargetDate: r.FieldValue("target_date"), NextReviewDate: r.FieldValue("next_review_date")}
}

// parseRiskForm reads the risk form: the risk as understood, the text as
// typed (to re-show it) and the messages of fields that failed to parse or
// validate.
func parseRiskForm(c echo.Context) (analytics.Risk, views.RiskValues, []string, map[string]string, error) {
	form, err := c.FormParams()
	if err != nil {
		return analytics.Risk{}, views.RiskValues{}, nil, nil, badRequest("could not read the form")
	}
	get := func(k string) string { return strings.TrimSpace(form.Get(k)) }
	v := views.RiskValues{Title: get("title"), Description: form.Get("description"), Category: get("category"),
		Likelihood: get("likelihood"), Impact: get("impact"), ResidualLikelihood: get("residual_likelihood"),
		ResidualImpact: get("residual_impact"), Owner: get("owner"), Status: get("status"), Mitigation: form.Get("mitigation"),
		AcceptanceRationale: form.Get("acceptance_rationale"), AcceptedBy: get("accepted_by"), TargetDate: get("target_date"),
		NextReviewDate: get("next_review_date"), Comment: get("comment")}
	var services []string
	for _, s := range form["services"] {
		if s = strings.TrimSpace(s); s != "" {
			services = append(services, s)
		}
	}
	errs := map[string]string{}
	r := analytics.Risk{Title: v.Title, Description: strings.TrimSpace(v.Description), Category: v.Category,
		Owner: v.Owner, Status: v.Status, Mitigation: strings.TrimSpace(v.Mitigation),
		AcceptanceRationale: strings.TrimSpace(v.AcceptanceRationale), AcceptedBy: v.AcceptedBy, Services: services}
	r.Likelihood, _ = strconv.Atoi(v.Likelihood)
	r.Impact, _ = strconv.Atoi(v.Impact)
	r.ResidualLikelihood = optScore(v.ResidualLikelihood, "residual_likelihood", errs)
	r.ResidualImpact = optScore(v.ResidualImpact, "residual_impact", errs)
	r.TargetDate = optDate(v.TargetDate, "target_date", errs)
	r.NextReviewDate = optDate(v.NextReviewDate, "next_review_date", errs)
	for k, msg := range r.Validate() {
		if _, seen := errs[k]; !seen {
			errs[k] = msg
		}
	}
	return r, v, services, errs, nil
}

func optScore(s, field string, errs map[string]string) *int {
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		errs[field] = "Choose 1 to 5, or leave it unassessed."
		return nil
	}
	return &n
}

// parseDay reads a civil date as typed in a form or a spreadsheet.
func parseDay(s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	for _, layout := range []string{time.DateOnly, "2006/01/02", "2006-1-2", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			return &d, nil
		}
	}
	return nil, errors.New("use a date such as 2026-12-31")
}

func optDate(s, field string, errs map[string]string) *time.Time {
	t, err := parseDay(s)
	if err != nil {
		errs[field] = "Use a date such as 2026-12-31."
	}
	return t
}

// riskForm builds the form's view model around values v.
func (h *Handler) riskForm(c echo.Context, title, action, code string, version int, v views.RiskValues, services []string, errs map[string]string) (views.RiskForm, error) {
	ctx := c.Request().Context()
	all, err := h.store.Services(ctx)
	if err != nil {
		return views.RiskForm{}, err
	}
	users, err := h.store.Users(ctx)
	if err != nil {
		return views.RiskForm{}, err
	}
	owners, err := h.store.RiskOwners(ctx)
	if err != nil {
		return views.RiskForm{}, err
	}
	f := views.RiskForm{Layout: h.layout(c, title, views.NavRisks), Action: action, Code: code, Version: version,
		V: v, Errors: errs, CancelHref: "/risks"}
	if code != "" {
		f.CancelHref = riskHref(code)
	}
	labels := make([]string, 0, 2*len(analytics.RiskFields)+2)
	for _, name := range analytics.RiskFields {
		labels = append(labels, name, analytics.RiskFieldTitle(name))
	}
	f.ErrorSummary = views.ErrorList("f", errs, append(labels, "comment", "Comment")...)
	names := make([]string, 0, len(all))
	for _, s := range all {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	for _, n := range names {
		f.Services = append(f.Services, views.Option{Value: n, Text: n, Selected: slices.ContainsFunc(services, func(s string) bool { return strings.EqualFold(s, n) })})
	}
	for _, cat := range analytics.RiskCategories {
		f.Categories = append(f.Categories, views.Option{Value: cat, Text: cat, Selected: cat == v.Category})
	}
	for _, st := range analytics.RiskStatuses {
		f.Statuses = append(f.Statuses, views.Option{Value: st, Text: st, Selected: st == v.Status})
	}
	for _, u := range users {
		if !u.Disabled {
			f.Owners = append(f.Owners, u.Email)
		}
	}
	for _, o := range owners {
		if !slices.Contains(f.Owners, o) {
			f.Owners = append(f.Owners, o)
		}
	}
	return f, nil
}

// renderRiskForm writes the form with status (200, 409 or 422).
func renderRiskForm(c echo.Context, status int, f views.RiskForm) error {
	return render(c, status, views.RiskFormPage(f))
}

// unknownServiceError turns a store.ErrUnknownService into a field message.
func unknownServiceError(err error, errs map[string]string) bool {
	if errors.Is(err, store.ErrUnknownService) {
		errs["services"] = "One of these services no longer exists; pick again."
		return true
	}
	return false
}
