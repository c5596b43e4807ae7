package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/views"
)

// newInitiative shows an empty initiative form; ?risk= preselects the
// risk it mitigates (the risk page's link).
func (h *Handler) newInitiative(c echo.Context) error {
	q := analytics.QuarterOf(h.cfg.Now(), h.location(c)).Next().Label
	v := views.InitiativeValues{StartQuarter: q, EndQuarter: q, Status: analytics.InitiativePlanned,
		KPI: analytics.KPIMTTRMinutes, TargetKind: analytics.TargetChange}
	var risks []string
	if r := c.QueryParam("risk"); r != "" {
		risks = []string{r}
	}
	f, err := h.initiativeForm(c, "New initiative", "/roadmap", "", v, nil, risks, nil)
	if err != nil {
		return err
	}
	return ok(c, views.InitiativeFormPage(f))
}

// createInitiative stores a new initiative and shows the roadmap; invalid
// input re-renders the form with the messages (422).
func (h *Handler) createInitiative(c echo.Context) error {
	in, v, errs, err := parseInitiativeForm(c)
	if err != nil {
		return err
	}
	if len(errs) == 0 {
		_, err := h.store.CreateInitiative(c.Request().Context(), in, h.Audit(c))
		if err == nil {
			return c.Redirect(http.StatusSeeOther, "/roadmap")
		}
		if !initiativeStoreError(err, errs) {
			return err
		}
	}
	f, err := h.initiativeForm(c, "New initiative", "/roadmap", "", v, in.Services, in.Risks, errs)
	if err != nil {
		return err
	}
	return render(c, http.StatusUnprocessableEntity, views.InitiativeFormPage(f))
}

// editInitiative shows the form filled with the stored initiative.
func (h *Handler) editInitiative(c echo.Context) error {
	in, err := h.store.InitiativeByCode(c.Request().Context(), c.Param("code"))
	if err != nil {
		return unwrapNotFound(err)
	}
	f, err := h.initiativeForm(c, "Edit "+in.Code, "/roadmap/"+in.Code, in.Code, initiativeValues(in), in.Services, in.Risks, nil)
	if err != nil {
		return err
	}
	return ok(c, views.InitiativeFormPage(f))
}

// saveInitiative saves an edit; the audit row records the changed fields.
func (h *Handler) saveInitiative(c echo.Context) error {
	ctx := c.Request().Context()
	cur, err := h.store.InitiativeByCode(ctx, c.Param("code"))
	if err != nil {
		return unwrapNotFound(err)
	}
	in, v, errs, err := parseInitiativeForm(c)
	if err != nil {
		return err
	}
	if len(errs) == 0 {
		_, _, err := h.store.UpdateInitiative(ctx, cur.Code, in, h.Audit(c))
		if err == nil {
			return c.Redirect(http.StatusSeeOther, "/roadmap")
		}
		if !initiativeStoreError(err, errs) {
			return err
		}
	}
	f, err := h.initiativeForm(c, "Edit "+cur.Code, "/roadmap/"+cur.Code, cur.Code, v, in.Services, in.Risks, errs)
	if err != nil {
		return err
	}
	return render(c, http.StatusUnprocessableEntity, views.InitiativeFormPage(f))
}

// deleteInitiative removes an initiative (audited with all its fields).
func (h *Handler) deleteInitiative(c echo.Context) error {
	if err := h.store.DeleteInitiative(c.Request().Context(), c.Param("code"), h.Audit(c)); err != nil {
		return unwrapNotFound(err)
	}
	return c.Redirect(http.StatusSeeOther, "/roadmap")
}

// initiativeStoreError turns the store's refusals of a valid-looking form
// (a service or risk gone meanwhile, a check the form missed) into field
// messages; false for any other error.
func initiativeStoreError(err error, errs map[string]string) bool {
	var ie *store.InvalidInitiativeError
	switch {
	case errors.Is(err, store.ErrUnknownService):
		errs["services"] = "A chosen service no longer exists; pick again."
	case errors.Is(err, store.ErrUnknownRisk):
		errs["risks"] = "A chosen risk no longer exists; pick again."
	case errors.As(err, &ie):
		for k, m := range ie.Fields {
			errs[k] = m
		}
	default:
		return false
	}
	return true
}

// initiativeValues renders a stored initiative into the form's fields.
func initiativeValues(in analytics.Initiative) views.InitiativeValues {
	return views.InitiativeValues{Title: in.Title, Description: in.Description, Owner: in.Owner,
		StartQuarter: in.StartQuarter, EndQuarter: in.EndQuarter, Status: in.Status, KPI: in.KPI,
		TargetKind: in.TargetKind, Target: targetInput(in)}
}

// parseInitiativeForm reads the form: the initiative as understood, the
// text as typed and the messages of fields that do not parse or validate.
func parseInitiativeForm(c echo.Context) (analytics.Initiative, views.InitiativeValues, map[string]string, error) {
	form, err := c.FormParams()
	if err != nil {
		return analytics.Initiative{}, views.InitiativeValues{}, nil, badRequest("could not read the form")
	}
	get := func(k string) string { return strings.TrimSpace(form.Get(k)) }
	v := views.InitiativeValues{Title: get("title"), Description: form.Get("description"), Owner: get("owner"),
		StartQuarter: get("start_quarter"), EndQuarter: get("end_quarter"), Status: get("status"), KPI: get("kpi"),
		TargetKind: get("target_kind"), Target: get("target")}
	in, errs := readInitiative(v, form["services"], form["risks"])
	return in, v, errs, nil
}

// readInitiative builds an initiative from its fields as text (the form's
// or a CSV row's) and validates it.
func readInitiative(v views.InitiativeValues, services, risks []string) (analytics.Initiative, map[string]string) {
	errs := map[string]string{}
	in := analytics.Initiative{Title: v.Title, Description: strings.TrimSpace(v.Description), Owner: v.Owner,
		Status: strings.ReplaceAll(strings.ToLower(v.Status), " ", "_"), KPI: v.KPI, TargetKind: strings.ToLower(v.TargetKind)}
	for field, q := range map[string]struct {
		dst  *string
		text string
	}{"start_quarter": {&in.StartQuarter, v.StartQuarter}, "end_quarter": {&in.EndQuarter, v.EndQuarter}} {
		n, err := analytics.NormQuarter(q.text)
		if err != nil {
			errs[field] = "Write the quarter as 2026-Q3."
		}
		*q.dst = n
	}
	t, msg := parseTargetInput(in.KPI, v.Target)
	if msg != "" {
		errs["target"] = msg
	}
	in.Target = t
	for _, s := range services {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(in.Services, s) {
			in.Services = append(in.Services, s)
		}
	}
	for _, r := range risks {
		if r = strings.ToUpper(strings.TrimSpace(r)); r != "" && !slices.Contains(in.Risks, r) {
			in.Risks = append(in.Risks, r)
		}
	}
	for k, m := range in.Validate() {
		if _, seen := errs[k]; !seen {
			errs[k] = m
		}
	}
	return in, errs
}

// initiativeForm builds the form's view with its choices.
func (h *Handler) initiativeForm(c echo.Context, title, action, code string, v views.InitiativeValues, services, risks []string, errs map[string]string) (views.InitiativeForm, error) {
	ctx := c.Request().Context()
	f := views.InitiativeForm{Layout: h.layout(c, title, views.NavRoadmap), Action: action, Code: code, V: v, Errors: errs,
		CancelHref: "/roadmap"}
	if code != "" {
		f.DeleteHref = "/roadmap/" + code + "/delete"
	}
	for _, s := range analytics.InitiativeStatuses {
		f.Statuses = append(f.Statuses, views.Option{Value: s, Text: analytics.InitiativeStatusLabel(s), Selected: s == v.Status})
	}
	for _, d := range analytics.KPIDefs() {
		f.KPIs = append(f.KPIs, views.Option{Value: d.Key, Text: d.Label, Selected: d.Key == v.KPI})
	}
	f.Kinds = []views.Option{
		{Value: analytics.TargetChange, Text: "Change by (signed)", Selected: v.TargetKind == analytics.TargetChange},
		{Value: analytics.TargetValue, Text: "Reach the value", Selected: v.TargetKind == analytics.TargetValue},
	}
	svcs, err := h.store.Services(ctx)
	if err != nil {
		return f, err
	}
	for _, s := range svcs {
		f.Services = append(f.Services, views.Option{Value: s.Name, Text: s.Name,
			Selected: slices.ContainsFunc(services, func(x string) bool { return strings.EqualFold(x, s.Name) })})
	}
	register, err := h.store.Risks(ctx, store.RiskFilter{Sort: "code"})
	if err != nil {
		return f, err
	}
	for _, r := range register {
		f.Risks = append(f.Risks, views.Option{Value: r.Code, Text: r.Code + " " + r.Title,
			Selected: slices.ContainsFunc(risks, func(x string) bool { return strings.EqualFold(x, r.Code) })})
	}
	return f, nil
}
