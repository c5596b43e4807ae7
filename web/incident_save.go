package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics/store"
	"sreport/views"
)

// maxFingerprint bounds a fingerprint override; themes are short keys.
const maxFingerprint = 200

// saveIncident stores an editor's corrections of an incident as overrides
// (the imported values stay); invalid input re-renders the page with
// messages beside the fields (422). The form carries the version of the
// override it was loaded with: when someone else saved since, nothing is
// stored and the page shows their change beside the user's input (409).
func (h *Handler) saveIncident(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(c.FormValue("version"))
	if err != nil || version < 0 {
		return badRequest("The form lacks its version; reload the incident and edit again.")
	}
	d, err := h.loadIncident(ctx, id)
	if err != nil {
		return err
	}
	loc := d.loc
	form := views.IncidentForm{
		StartedAt:           c.FormValue("started_at"),
		DetectedAt:          c.FormValue("detected_at"),
		AcknowledgedAt:      c.FormValue("acknowledged_at"),
		MitigatedAt:         c.FormValue("mitigated_at"),
		ResolvedAt:          c.FormValue("resolved_at"),
		NotDeployRelated:    c.FormValue("not_deploy_related") != "",
		Fingerprint:         strings.TrimSpace(c.FormValue("fingerprint")),
		PostmortemURL:       strings.TrimSpace(c.FormValue("postmortem_url")),
		PostmortemPublished: c.FormValue("postmortem_published_at"),
		PostmortemDue:       c.FormValue("postmortem_due_at"),
		Version:             version,
		Errors:              map[string]string{},
	}
	sev, cust, dep := c.FormValue("severity"), c.FormValue("customer_impacting"), c.FormValue("caused_by_deploy_id")
	fillFormOptions(&form, d, sev, cust, dep)

	var o store.IncidentOverride
	timeField := func(name, value string) {
		t, err := parseLocal(value, loc)
		if err != nil {
			form.Errors[name] = timeFieldError(err, loc)
		}
		switch name {
		case "started_at":
			o.StartedAt = t
		case "detected_at":
			o.DetectedAt = t
		case "acknowledged_at":
			o.AcknowledgedAt = t
		case "mitigated_at":
			o.MitigatedAt = t
		case "resolved_at":
			o.ResolvedAt = t
		case "postmortem_published_at":
			o.PostmortemPublishedAt = t
		case "postmortem_due_at":
			o.PostmortemDueAt = t
		}
	}
	timeField("started_at", form.StartedAt)
	timeField("detected_at", form.DetectedAt)
	timeField("acknowledged_at", form.AcknowledgedAt)
	timeField("mitigated_at", form.MitigatedAt)
	timeField("resolved_at", form.ResolvedAt)
	timeField("postmortem_published_at", form.PostmortemPublished)
	timeField("postmortem_due_at", form.PostmortemDue)
	checkIncidentDates(o, d, h.cfg.Now(), form.Errors)
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
	// The inferred-link decision is made with its own buttons, not this
	// form; a change of it since the form was loaded is a conflict too.
	o.InferredLinkRejected = d.ov.InferredLinkRejected
	err = h.store.SaveIncidentOverride(ctx, id, version, o, h.Audit(c))
	var ce *store.IncidentOverrideConflictError
	if errors.As(err, &ce) {
		form.Conflict = h.incidentConflict(ctx, ce.Current, o, d)
		// Saving again from this page replaces their values deliberately.
		form.Version = ce.Current.Version
		v, err := h.incidentView(c, id, &form, nil)
		if err != nil {
			return err
		}
		return render(c, http.StatusConflict, views.IncidentPage(v))
	}
	if err != nil {
		return notFoundOr(err, "incident")
	}
	return c.Redirect(http.StatusSeeOther, idHref("/incidents/", id)+"?done=saved")
}

// checkIncidentDates puts a message beside each overridden time that
// contradicts the incident's other times (effective values: the override
// where there is one, else the imported value). Imported times the user
// did not override are not checked against each other: a bad source must
// not block an edit; but an imported time contradicting an overridden one
// is, since the override is what the user is changing now.
func checkIncidentDates(o store.IncidentOverride, d incidentData, now time.Time, errs map[string]string) {
	loc, imp := d.loc, d.imported
	pick := func(ov, imported *time.Time) *time.Time {
		if ov != nil {
			return ov
		}
		return imported
	}
	det := d.imported.DetectedAt
	if o.DetectedAt != nil {
		det = *o.DetectedAt
	}
	start := pick(o.StartedAt, imp.StartedAt)
	ack := pick(o.AcknowledgedAt, imp.AcknowledgedAt)
	mitig := pick(o.MitigatedAt, imp.MitigatedAt)
	resolved := pick(o.ResolvedAt, imp.ResolvedAt)
	set := func(field, msg string) {
		if errs[field] == "" {
			errs[field] = msg
		}
	}
	if o.DetectedAt != nil {
		switch {
		case o.DetectedAt.After(now):
			set("detected_at", "Detection cannot be in the future.")
		case o.DetectedAt.Before(minRecordTime):
			set("detected_at", "Enter a detection time after 2000-01-01.")
		case o.StartedAt == nil && start != nil && o.DetectedAt.Before(*start):
			set("detected_at", "Detection cannot come before the impact started ("+fmtTime(*start, loc)+").")
		}
	}
	if o.StartedAt != nil && o.StartedAt.After(det) {
		set("started_at", "Impact cannot start after detection ("+fmtTime(det, loc)+").")
	}
	if a := o.AcknowledgedAt; a != nil {
		switch {
		case a.Before(det):
			set("acknowledged_at", "Acknowledgement cannot come before detection ("+fmtTime(det, loc)+").")
		case resolved != nil && a.After(*resolved):
			set("acknowledged_at", "Acknowledgement cannot come after resolution ("+fmtTime(*resolved, loc)+").")
		}
	}
	if m := o.MitigatedAt; m != nil {
		switch {
		case m.Before(det):
			set("mitigated_at", "Mitigation cannot come before detection ("+fmtTime(det, loc)+").")
		case start != nil && m.Before(*start):
			set("mitigated_at", "Mitigation cannot come before the impact started.")
		case resolved != nil && m.After(*resolved):
			set("mitigated_at", "Mitigation cannot come after resolution ("+fmtTime(*resolved, loc)+").")
		}
	}
	if r := o.ResolvedAt; r != nil {
		switch {
		case r.After(now):
			set("resolved_at", "Resolution cannot be in the future.")
		case r.Before(det):
			set("resolved_at", "Resolution cannot come before detection ("+fmtTime(det, loc)+").")
		case o.AcknowledgedAt == nil && ack != nil && r.Before(*ack):
			set("resolved_at", "Resolution cannot come before the acknowledgement ("+fmtTime(*ack, loc)+").")
		case o.MitigatedAt == nil && mitig != nil && r.Before(*mitig):
			set("resolved_at", "Resolution cannot come before mitigation ("+fmtTime(*mitig, loc)+").")
		}
	}
	if o.DetectedAt != nil && o.ResolvedAt == nil && resolved != nil && resolved.Before(det) {
		set("detected_at", "Detection cannot come after resolution ("+fmtTime(*resolved, loc)+"); correct the resolved time too.")
	}
	if p := o.PostmortemPublishedAt; p != nil {
		switch {
		case p.After(now):
			set("postmortem_published_at", "The publication date cannot be in the future.")
		case resolved != nil && p.Before(*resolved):
			set("postmortem_published_at", "A postmortem cannot be published before the incident was resolved ("+fmtTime(*resolved, loc)+").")
		case resolved == nil && p.Before(det):
			set("postmortem_published_at", "A postmortem cannot be published before the incident was detected ("+fmtTime(det, loc)+").")
		}
	}
	if due := o.PostmortemDueAt; due != nil {
		switch {
		case resolved != nil && due.Before(*resolved):
			set("postmortem_due_at", "The postmortem cannot be due before the incident was resolved ("+fmtTime(*resolved, loc)+").")
		case resolved == nil && due.Before(det):
			set("postmortem_due_at", "The postmortem cannot be due before the incident was detected ("+fmtTime(det, loc)+").")
		}
	}
}

// minRecordTime is the earliest time a corrected record time may have: no
// incident this app reports on predates it, so an earlier one is a typo.
var minRecordTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// incidentConflict lists where the override someone else saved (theirs)
// and the user's input (yours) differ.
func (h *Handler) incidentConflict(ctx context.Context, theirs, yours store.IncidentOverride, d incidentData) *views.IncidentConflict {
	ic := &views.IncidentConflict{By: "someone", At: fmtTime(theirs.UpdatedAt, d.loc)}
	if theirs.UpdatedBy != 0 {
		if u, err := h.store.UserByID(ctx, theirs.UpdatedBy); err == nil {
			ic.By = u.Email
		}
	}
	t, y := overrideValues(theirs, d.loc), overrideValues(yours, d.loc)
	for i := range t {
		if t[i].value != y[i].value {
			ic.Rows = append(ic.Rows, views.IncidentConflictRow{Field: t[i].field, Theirs: t[i].value, Yours: y[i].value})
		}
	}
	return ic
}

type overrideValue struct{ field, value string }

// overrideValues shows each field of an override as the conflict table
// does; a field without an override reads "imported value".
func overrideValues(o store.IncidentOverride, loc *time.Location) []overrideValue {
	const none = "imported value"
	tm := func(p *time.Time) string {
		if p == nil {
			return none
		}
		return fmtTime(*p, loc)
	}
	str := func(p *string) string {
		if p == nil {
			return none
		}
		return *p
	}
	sev, cust, dep := none, none, none
	if o.Severity != nil {
		sev = sevLabel(*o.Severity)
	}
	if o.CustomerImpacting != nil {
		cust = yesNo(*o.CustomerImpacting)
	}
	if o.CausedByDeployID != nil {
		dep = "#" + itoa64(*o.CausedByDeployID)
	}
	return []overrideValue{
		{"Impact started", tm(o.StartedAt)},
		{"Detected at", tm(o.DetectedAt)},
		{"Acknowledged at", tm(o.AcknowledgedAt)},
		{"Mitigated at", tm(o.MitigatedAt)},
		{"Resolved at", tm(o.ResolvedAt)},
		{"Severity", sev},
		{"Customer impacting", cust},
		{"Not deploy-related", yesNo(o.NotDeployRelated)},
		{"Caused by deploy", dep},
		{"Inferred link removed", yesNo(o.InferredLinkRejected)},
		{"Fingerprint", str(o.Fingerprint)},
		{"Postmortem URL", str(o.PostmortemURL)},
		{"Postmortem published", tm(o.PostmortemPublishedAt)},
		{"Postmortem due", tm(o.PostmortemDueAt)},
	}
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
