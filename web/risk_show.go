package web

import (
	"errors"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/views"
)

// loadRisk reads the :code risk, answering 404 for an unknown code.
func (h *Handler) loadRisk(c echo.Context) (analytics.Risk, error) {
	r, err := h.store.RiskByCode(c.Request().Context(), c.Param("code"))
	if errors.Is(err, store.ErrNotFound) {
		return r, notFound("risk " + c.Param("code"))
	}
	return r, err
}

// showRisk shows one risk: its fields, services, evidence and history.
func (h *Handler) showRisk(c echo.Context) error {
	r, err := h.loadRisk(c)
	if err != nil {
		return err
	}
	v, err := h.riskDetail(c, r)
	if err != nil {
		return err
	}
	return ok(c, views.RiskPage(v))
}

// riskDetail builds the risk page's view model; the status form starts
// from the stored values.
func (h *Handler) riskDetail(c echo.Context, r analytics.Risk) (views.RiskDetail, error) {
	ctx := c.Request().Context()
	st, err := h.store.Settings(ctx)
	if err != nil {
		return views.RiskDetail{}, err
	}
	events, err := h.store.RiskEvents(ctx, r.ID)
	if err != nil {
		return views.RiskDetail{}, err
	}
	loc := st.Location()
	now := h.cfg.Now()
	v := views.RiskDetail{Layout: h.layout(c, r.Code+" · "+r.Title, views.NavRisks), Code: r.Code, Title: r.Title,
		Rating: r.Rating(), Score: r.Score(), Status: r.Status, ReviewOverdue: r.ReviewOverdueIn(now, loc), PastTarget: r.PastTargetIn(now, loc),
		CanEdit: canEdit(c), EditHref: riskHref(r.Code) + "/edit", Version: r.Version}
	residual := "not assessed"
	if r.ResidualLikelihood != nil && r.ResidualImpact != nil {
		s := *r.ResidualLikelihood * *r.ResidualImpact
		residual = strconv.Itoa(*r.ResidualLikelihood) + " × " + strconv.Itoa(*r.ResidualImpact) + " = " + strconv.Itoa(s) + " (" + analytics.RiskRating(s) + ")"
	}
	dash := func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	}
	v.Facts = []views.Fact{
		{Label: "Description", Value: dash(r.Description)},
		{Label: "Category", Value: r.Category, Href: "/risks?category=" + url.QueryEscape(r.Category)},
		{Label: "Likelihood × impact", Value: strconv.Itoa(r.Likelihood) + " × " + strconv.Itoa(r.Impact) + " = " + strconv.Itoa(r.Score()),
			Note: "rating " + r.Rating()},
		{Label: "Residual after mitigation", Value: residual},
		{Label: "Owner", Value: r.Owner, Href: "/risks?owner=" + url.QueryEscape(r.Owner)},
		{Label: "Status", Value: r.Status},
		{Label: "Mitigation plan", Value: dash(r.Mitigation)},
		{Label: "Target date", Value: fmtDay(r.TargetDate)},
		{Label: "Next review", Value: fmtDay(r.NextReviewDate)},
	}
	if r.Status == analytics.RiskAccepted || r.AcceptedBy != "" {
		v.Facts = append(v.Facts, views.Fact{Label: "Accepted by", Value: dash(r.AcceptedBy)},
			views.Fact{Label: "Acceptance rationale", Value: dash(r.AcceptanceRationale)})
	}
	if r.ClosedAt != nil {
		v.Facts = append(v.Facts, views.Fact{Label: "Closed", Value: fmtTime(*r.ClosedAt, loc)})
	}
	v.Facts = append(v.Facts,
		views.Fact{Label: "Created", Value: fmtTime(r.CreatedAt, loc), Note: "by " + dash(r.CreatedBy)},
		views.Fact{Label: "Last updated", Value: fmtTime(r.UpdatedAt, loc), Note: "by " + dash(r.UpdatedBy) + ", version " + strconv.Itoa(r.Version)})
	for _, s := range r.Services {
		v.Services = append(v.Services, views.Link{Text: s, Href: serviceHref(s)})
	}
	for _, id := range r.IncidentIDs {
		row := views.RiskIncident{ID: itoa64(id), Href: idHref("/incidents/", id),
			UnlinkHref: riskHref(r.Code) + "/incidents/" + itoa64(id) + "/unlink"}
		in, err := h.store.IncidentByID(ctx, id)
		switch {
		case err == nil:
			row.Title, row.Detected, row.Severity, row.Service = in.Title, fmtTime(in.DetectedAt, loc), sevLabel(in.Severity), in.Service
		case errors.Is(err, store.ErrNotFound):
			row.Title = "(incident no longer exists)"
		default:
			return v, err
		}
		v.Incidents = append(v.Incidents, row)
	}
	for _, e := range events {
		row := views.RiskEventRow{At: fmtTime(e.At, loc), Actor: e.Actor, Old: e.Old, New: e.New, Comment: e.Comment}
		if e.Field != "" {
			row.Field = analytics.RiskFieldLabel(e.Field)
		}
		v.Events = append(v.Events, row)
	}
	v.StatusForm = views.RiskStatusForm{Action: riskHref(r.Code) + "/status", Rationale: r.AcceptanceRationale,
		AcceptedBy: r.AcceptedBy, Statuses: statusOptions(r.Status)}
	if v.Initiatives, err = h.riskInitiatives(c, r.Code); err != nil {
		return v, err
	}
	return v, nil
}

func statusOptions(cur string) []views.Option {
	var out []views.Option
	for _, s := range analytics.RiskStatuses {
		out = append(out, views.Option{Value: s, Text: s, Selected: s == cur})
	}
	return out
}

// renderRiskPage re-shows a risk's page after a refused action, with status.
func (h *Handler) renderRiskPage(c echo.Context, status int, r analytics.Risk, change func(*views.RiskDetail)) error {
	v, err := h.riskDetail(c, r)
	if err != nil {
		return err
	}
	change(&v)
	return render(c, status, views.RiskPage(v))
}
