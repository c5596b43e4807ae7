package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"sreport/analytics/store"
	"sreport/views"
)

// maxFingerprint bounds a fingerprint override; themes are short keys.
const maxFingerprint = 200

// saveIncident stores an editor's corrections of an incident as overrides
// (the imported values stay); invalid input re-renders the page with
// messages beside the fields (422).
func (h *Handler) saveIncident(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c)
	if err != nil {
		return err
	}
	d, err := h.loadIncident(ctx, id)
	if err != nil {
		return err
	}
	loc := d.loc
	form := views.IncidentForm{
		StartedAt:           c.FormValue("started_at"),
		MitigatedAt:         c.FormValue("mitigated_at"),
		NotDeployRelated:    c.FormValue("not_deploy_related") != "",
		Fingerprint:         strings.TrimSpace(c.FormValue("fingerprint")),
		PostmortemURL:       strings.TrimSpace(c.FormValue("postmortem_url")),
		PostmortemPublished: c.FormValue("postmortem_published_at"),
		PostmortemDue:       c.FormValue("postmortem_due_at"),
		Errors:              map[string]string{},
	}
	sev, cust, dep := c.FormValue("severity"), c.FormValue("customer_impacting"), c.FormValue("caused_by_deploy_id")
	fillFormOptions(&form, d, sev, cust, dep)

	var o store.IncidentOverride
	timeField := func(name, value string) {
		t, err := parseLocal(value, loc)
		if err != nil {
			form.Errors[name] = "Enter a date and time (" + loc.String() + "), e.g. 2026-10-03T14:05."
		}
		switch name {
		case "started_at":
			o.StartedAt = t
		case "mitigated_at":
			o.MitigatedAt = t
		case "postmortem_published_at":
			o.PostmortemPublishedAt = t
		case "postmortem_due_at":
			o.PostmortemDueAt = t
		}
	}
	timeField("started_at", form.StartedAt)
	timeField("mitigated_at", form.MitigatedAt)
	timeField("postmortem_published_at", form.PostmortemPublished)
	timeField("postmortem_due_at", form.PostmortemDue)
	if o.StartedAt != nil && o.StartedAt.After(d.in.DetectedAt) {
		form.Errors["started_at"] = "Impact cannot start after detection (" + fmtTime(d.in.DetectedAt, loc) + ")."
	}
	start := d.imported.StartedAt
	if o.StartedAt != nil {
		start = o.StartedAt
	}
	if o.MitigatedAt != nil {
		switch {
		case start != nil && o.MitigatedAt.Before(*start):
			form.Errors["mitigated_at"] = "Mitigation cannot come before the impact started."
		case d.in.ResolvedAt != nil && o.MitigatedAt.After(*d.in.ResolvedAt):
			form.Errors["mitigated_at"] = "Mitigation cannot come after resolution (" + fmtTime(*d.in.ResolvedAt, loc) + ")."
		}
	}
	if o.PostmortemPublishedAt != nil && o.PostmortemPublishedAt.After(h.cfg.Now()) {
		form.Errors["postmortem_published_at"] = "The publication date cannot be in the future."
	}
	switch sev {
	case "":
	case "1", "2", "3", "4":
		n, _ := strconv.Atoi(sev)
		o.Severity = &n
	default:
		form.Errors["severity"] = "Choose Sev1 to Sev4, or the imported value."
	}
	switch cust {
	case "":
	case "yes", "no":
		b := cust == "yes"
		o.CustomerImpacting = &b
	default:
		form.Errors["customer_impacting"] = "Choose yes, no, or the imported value."
	}
	if dep != "" {
		n, err := strconv.ParseInt(dep, 10, 64)
		allowed := err == nil && ((d.ov.CausedByDeployID != nil && *d.ov.CausedByDeployID == n) || containsDeploy(d, n))
		if !allowed {
			form.Errors["caused_by_deploy_id"] = "Choose one of this service's deploys from the 7 days before detection."
		} else {
			o.CausedByDeployID = &n
		}
	}
	o.NotDeployRelated = form.NotDeployRelated
	if o.NotDeployRelated && o.CausedByDeployID != nil {
		form.Errors["caused_by_deploy_id"] = "An incident marked not deploy-related cannot name a deploy as its cause."
	}
	if form.Fingerprint != "" {
		if len(form.Fingerprint) > maxFingerprint {
			form.Errors["fingerprint"] = "Keep the fingerprint under " + strconv.Itoa(maxFingerprint) + " characters."
		}
		o.Fingerprint = &form.Fingerprint
	}
	if form.PostmortemURL != "" {
		if safeExternal(form.PostmortemURL) == "" {
			form.Errors["postmortem_url"] = "Enter an http:// or https:// link."
		}
		o.PostmortemURL = &form.PostmortemURL
	}
	if len(form.Errors) > 0 {
		v, err := h.incidentView(c, id, &form, nil)
		if err != nil {
			return err
		}
		return render(c, http.StatusUnprocessableEntity, views.IncidentPage(v))
	}
	err = h.store.UpdateIncidentOverride(ctx, id, h.Audit(c), func(cur *store.IncidentOverride) error {
		// The inferred-link decision is made with its own buttons, not this form.
		o.InferredLinkRejected = cur.InferredLinkRejected
		*cur = o
		return nil
	})
	if err != nil {
		return notFoundOr(err, "incident")
	}
	return c.Redirect(http.StatusSeeOther, idHref("/incidents/", id)+"?done=saved")
}

func containsDeploy(d incidentData, id int64) bool {
	for _, dp := range d.deploys {
		if dp.ID == id {
			return true
		}
	}
	return false
}

// linkIncidentDeploy confirms, removes or restores the inferred deploy
// link: confirm makes it an explicit caused-by link, remove records that
// the inference is wrong, restore undoes either.
func (h *Handler) linkIncidentDeploy(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c)
	if err != nil {
		return err
	}
	d, err := h.loadIncident(ctx, id)
	if err != nil {
		return err
	}
	if d.inferred == nil {
		return badRequest("No deploy is inferred for this incident.")
	}
	dep := d.inferred.ID
	action := c.FormValue("action")
	err = h.store.UpdateIncidentOverride(ctx, id, h.Audit(c), func(o *store.IncidentOverride) error {
		switch action {
		case "confirm":
			o.CausedByDeployID, o.InferredLinkRejected, o.NotDeployRelated = &dep, false, false
		case "remove":
			if o.CausedByDeployID != nil && *o.CausedByDeployID == dep {
				o.CausedByDeployID = nil
			}
			o.InferredLinkRejected = true
		case "restore":
			o.InferredLinkRejected = false
		default:
			return errUnknownAction
		}
		return nil
	})
	if errors.Is(err, errUnknownAction) {
		return badRequest("Choose confirm, remove or restore.")
	}
	if err != nil {
		return notFoundOr(err, "incident")
	}
	return c.Redirect(http.StatusSeeOther, idHref("/incidents/", id)+"?done=saved")
}

var errUnknownAction = errors.New("unknown action")
