package web

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/views"
)

// candidateWindow is how far before detection the caused-by deploy picker looks.
const candidateWindow = 7 * 24 * time.Hour

// showIncident shows one incident: facts, imported and edited values side
// by side, the edit form for editors, the inferred deploy link, the
// timeline, linked deploys and pages, and action items.
func (h *Handler) showIncident(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	v, err := h.incidentView(c, id, nil, nil)
	if err != nil {
		return err
	}
	switch c.QueryParam("done") {
	case "saved":
		v.Layout.Flash = "Saved."
	case "item":
		v.Layout.Flash = "Action item saved."
	}
	return ok(c, views.IncidentPage(v))
}

// canEdit reports whether the signed-in user may edit records.
func canEdit(c echo.Context) bool {
	u := currentUser(c)
	return u != nil && store.RoleRank(u.Role) >= store.RoleRank(RoleEditor)
}

// incidentData is everything the incident page is built from.
type incidentData struct {
	st       analytics.Settings
	loc      *time.Location
	in       analytics.Incident // effective
	imported analytics.Incident
	ov       store.IncidentOverride
	deploys  []analytics.Deploy // candidates: the service's deploys in the window before detection
	inferred *analytics.Deploy  // what rule (b) links to, ignoring the user's link decisions
	link     engineLink         // the engine's own decision, where it counts
}

func (h *Handler) loadIncident(ctx context.Context, id int64) (incidentData, error) {
	var d incidentData
	var err error
	if d.st, err = h.store.Settings(ctx); err != nil {
		return d, err
	}
	d.loc = d.st.Location()
	if d.in, err = h.store.IncidentByID(ctx, id); err != nil {
		return d, notFoundOr(err, "incident")
	}
	if d.imported, err = h.store.ImportedIncident(ctx, id); err != nil {
		return d, err
	}
	if d.ov, err = h.store.IncidentOverride(ctx, id); err != nil {
		return d, err
	}
	from := d.in.DetectedAt.Add(-max(candidateWindow, d.st.DeployLinkWindow))
	if d.deploys, err = h.store.DeployCandidates(ctx, d.in.ServiceID, from, d.in.DetectedAt.Add(time.Second)); err != nil {
		return d, err
	}
	// The engine's decision, and the link rule (b) would make without the
	// user's decisions, so a removed or confirmed link can still be shown
	// and changed.
	if d.link, d.inferred, err = h.deployLinks(ctx, d.in); err != nil {
		return d, err
	}
	return d, nil
}

// incidentView builds the page; form and newItem carry a rejected
// submission (nil = fill from the stored values).
func (h *Handler) incidentView(c echo.Context, id int64, form *views.IncidentForm, newItem *views.ActionItemForm) (views.IncidentView, error) {
	ctx := c.Request().Context()
	d, err := h.loadIncident(ctx, id)
	if err != nil {
		return views.IncidentView{}, err
	}
	pages, err := h.store.PagesForIncident(ctx, id)
	if err != nil {
		return views.IncidentView{}, err
	}
	items, err := h.store.ActionItemsForIncident(ctx, id)
	if err != nil {
		return views.IncidentView{}, err
	}
	in, loc := d.in, d.loc
	edit := canEdit(c)
	v := views.IncidentView{
		Layout:   h.layout(c, "#"+itoa64(in.ID)+" "+in.Title, views.NavIncidents),
		Facts:    append(incidentFacts(in), postmortemFact(in, d.st, h.cfg.Now())),
		CanEdit:  edit,
		Compare:  compareRows(d),
		Timeline: timelineTable(in, loc),
		Deploys:  incidentDeploysTable(d),
		Link:     linkVerdict(d.link, in, d),
	}
	if canSeePeople(c, d.st) {
		v.Facts = append(v.Facts, responderFacts(in.Responders)...)
	}
	if form != nil {
		v.Form = *form
	} else {
		v.Form = formFromOverride(d)
	}
	v.Form.Action = idHref("/incidents/", id)
	v.Form.TZ = zoneNote(loc, h.cfg.Now())
	imp := d.imported
	v.Form.ImportedStarted, v.Form.ImportedDetected = localValueOr(imp.StartedAt, loc), localValue(&imp.DetectedAt, loc)
	v.Form.ImportedAcked, v.Form.ImportedMitigated = localValueOr(imp.AcknowledgedAt, loc), localValueOr(imp.MitigatedAt, loc)
	v.Form.ImportedResolved = localValueOr(imp.ResolvedAt, loc)
	v.Form.FingerprintHint = analytics.Fingerprint(d.withoutFingerprint())
	if due := computedPostmortemDue(in, d.st); due != nil {
		v.Form.PostmortemDueHint = fmtTime(*due, loc)
	}
	if d.inferred != nil {
		v.Inferred = &views.InferredLink{
			Deploy:    views.Link{Text: deployLabel(*d.inferred, loc), Href: idHref("/deploys/", d.inferred.ID)},
			State:     "inferred",
			Action:    idHref("/incidents/", id) + "/deploy-link",
			CanChange: edit,
		}
		switch {
		case d.ov.CausedByDeployID != nil && *d.ov.CausedByDeployID == d.inferred.ID:
			v.Inferred.State = "confirmed"
		case d.ov.InferredLinkRejected:
			v.Inferred.State = "removed"
		case in.CausedByDeployID != nil || in.NotDeployRelated:
			// An explicit link to another deploy, or "not deploy related",
			// overrides the inference; the form shows it.
			v.Inferred = nil
		}
	}
	v.Pages = views.Table{TestID: "incident-pages", Empty: "No pages linked to this incident.",
		Columns: []views.Column{{Label: "Triggered"}, {Label: "Service"}, {Label: "Title"}, {Label: "Urgency"}, {Label: "Time to ack", Numeric: true}, {Label: "Incident"}, {Label: "Actionable"}}}
	for _, p := range pages {
		v.Pages.Rows = append(v.Pages.Rows, pageRow(p, loc))
	}
	now := h.cfg.Now()
	for _, a := range items {
		v.Items = append(v.Items, actionItemRow(a, loc, now, edit, "/incidents/"+itoa64(id)))
	}
	if newItem != nil {
		v.NewItem = *newItem
	}
	v.NewItem.Action = idHref("/incidents/", id) + "/action-items"
	v.NewItem.TZ = zoneNote(loc, h.cfg.Now())
	return v, nil
}

// withoutFingerprint is the effective incident minus the user's fingerprint,
// to show what the derived fingerprint would be.
func (d incidentData) withoutFingerprint() analytics.Incident {
	in := d.in
	in.Fingerprint = ""
	return in
}

func incidentFacts(in analytics.Incident) []views.Fact {
	facts := []views.Fact{
		{Label: "Service", Value: in.Service, Href: serviceHref(in.Service)},
		{Label: "Severity", Value: sevLabel(in.Severity), Note: sourceNote(in.SeverityRaw)},
		{Label: "Status", Value: in.Status},
		{Label: "Customer impacting", Value: yesNo(in.CustomerImpacting)},
		{Label: "Source", Value: in.Source + " " + in.ExternalID, Href: safeExternal(in.URL)},
		{Label: "Fingerprint", Value: analytics.Fingerprint(in)},
	}
	for _, f := range []struct{ label, val string }{{"Root cause", in.RootCause}, {"Category", in.Category},
		{"Problem reference", in.ProblemRef}, {"Change reference", in.CausedByRef}} {
		if f.val != "" {
			facts = append(facts, views.Fact{Label: f.label, Value: f.val})
		}
	}
	if in.CausedByDeployID != nil {
		facts = append(facts, views.Fact{Label: "Caused by deploy", Value: "#" + itoa64(*in.CausedByDeployID), Href: idHref("/deploys/", *in.CausedByDeployID)})
	}
	if in.PostmortemURL != "" {
		facts = append(facts, views.Fact{Label: "Postmortem", Value: in.PostmortemURL, Href: safeExternal(in.PostmortemURL)})
	}
	return facts
}

func sourceNote(raw string) string {
	if raw == "" {
		return ""
	}
	return "source: " + raw
}

// compareRows shows each editable field as imported, as edited, and as used.
func compareRows(d incidentData) []views.CompareRow {
	loc, imp, eff, ov := d.loc, d.imported, d.in, d.ov
	t := func(p *time.Time) string { return fmtTimePtr(p, loc) }
	dep := func(p *int64) string {
		if p == nil {
			return "—"
		}
		return "#" + itoa64(*p)
	}
	str := func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	}
	row := func(field, imported, override, effective string, set bool) views.CompareRow {
		return views.CompareRow{Field: field, Imported: imported, Override: override, Effective: effective, Overridden: set}
	}
	var rows []views.CompareRow
	rows = append(rows,
		row("Impact started", t(imp.StartedAt), t(ov.StartedAt), t(eff.StartedAt), ov.StartedAt != nil),
		row("Detected at", t(&imp.DetectedAt), t(ov.DetectedAt), t(&eff.DetectedAt), ov.DetectedAt != nil),
		row("Acknowledged at", t(imp.AcknowledgedAt), t(ov.AcknowledgedAt), t(eff.AcknowledgedAt), ov.AcknowledgedAt != nil),
		row("Mitigated at", t(imp.MitigatedAt), t(ov.MitigatedAt), t(eff.MitigatedAt), ov.MitigatedAt != nil),
		row("Resolved at", t(imp.ResolvedAt), t(ov.ResolvedAt), t(eff.ResolvedAt), ov.ResolvedAt != nil))
	sevImp := sevLabel(imp.Severity)
	if imp.SeverityRaw != "" {
		sevImp += " (" + imp.SeverityRaw + ")"
	}
	sevOv := ""
	if ov.Severity != nil {
		sevOv = sevLabel(*ov.Severity)
	}
	rows = append(rows, row("Severity", sevImp, sevOv, sevLabel(eff.Severity), ov.Severity != nil))
	custOv := ""
	if ov.CustomerImpacting != nil {
		custOv = yesNo(*ov.CustomerImpacting)
	}
	rows = append(rows,
		row("Customer impacting", yesNo(imp.CustomerImpacting), custOv, yesNo(eff.CustomerImpacting), ov.CustomerImpacting != nil),
		row("Not deploy-related", "no", yesNo(ov.NotDeployRelated), yesNo(eff.NotDeployRelated), ov.NotDeployRelated),
		row("Caused by deploy", dep(imp.CausedByDeployID), dep(ov.CausedByDeployID), dep(eff.CausedByDeployID), ov.CausedByDeployID != nil),
		row("Inferred link removed", "no", yesNo(ov.InferredLinkRejected), yesNo(eff.InferredLinkRejected), ov.InferredLinkRejected))
	fpOv := ""
	if ov.Fingerprint != nil {
		fpOv = *ov.Fingerprint
	}
	rows = append(rows, row("Fingerprint", analytics.Fingerprint(d.withoutFingerprint()), fpOv, analytics.Fingerprint(eff), ov.Fingerprint != nil))
	urlOv := ""
	if ov.PostmortemURL != nil {
		urlOv = *ov.PostmortemURL
	}
	due := "—"
	if p := computedPostmortemDue(eff, d.st); eff.PostmortemDueAt == nil && p != nil {
		due = fmtTime(*p, loc) + " (computed)"
	} else if eff.PostmortemDueAt != nil {
		due = t(eff.PostmortemDueAt)
	}
	rows = append(rows,
		row("Postmortem URL", str(imp.PostmortemURL), urlOv, str(eff.PostmortemURL), ov.PostmortemURL != nil),
		row("Postmortem published", t(imp.PostmortemPublishedAt), t(ov.PostmortemPublishedAt), t(eff.PostmortemPublishedAt), ov.PostmortemPublishedAt != nil),
		row("Postmortem due", t(imp.PostmortemDueAt), t(ov.PostmortemDueAt), due, ov.PostmortemDueAt != nil))
	return rows
}

// computedPostmortemDue is the deadline docs/metrics.md gives a sev1 or
// sev2 incident without a set due date: the end of the N-th business day
// after resolution in the reporting timezone. nil when none applies.
func computedPostmortemDue(in analytics.Incident, st analytics.Settings) *time.Time {
	in.PostmortemDueAt = nil
	t, ok := analytics.PostmortemDeadline(in, st, st.Location())
	if !ok {
		return nil
	}
	return &t
}

// postmortemFact says where the postmortem stands now, by the rule of the
// postmortem KPI, so the page never calls late what the KPI calls unknown.
func postmortemFact(in analytics.Incident, st analytics.Settings, now time.Time) views.Fact {
	loc := st.Location()
	state, deadline := analytics.PostmortemStatus(in, st, loc, now)
	due := fmtTime(deadline, loc)
	f := views.Fact{Label: "Postmortem status", TestID: "postmortem-status"}
	switch state {
	case analytics.PostmortemNotRequired:
		f.Value = "not required (Sev1 and Sev2 only)"
	case analytics.PostmortemOpen:
		f.Value = "due after resolution"
	case analytics.PostmortemOnTime:
		f.Value = "published on time (due " + due + ")"
	case analytics.PostmortemLate:
		f.Value = "published late (due " + due + ")"
	case analytics.PostmortemMissing:
		f.Value = "missing, late since " + due
	case analytics.PostmortemPending:
		f.Value = "due " + due
	case analytics.PostmortemUndated:
		f.Value, f.Note = "linked without a publication date", "unknown: the on-time rate leaves it out until the date is entered"
	default:
		f.Value, f.Note = "no postmortem data", "unknown, not late: enter a due date or the publication to count it"
	}
	return f
}

// formFromOverride fills the edit form with the stored overrides.
func formFromOverride(d incidentData) views.IncidentForm {
	ov, loc := d.ov, d.loc
	f := views.IncidentForm{
		StartedAt:           localValue(ov.StartedAt, loc),
		DetectedAt:          localValue(ov.DetectedAt, loc),
		AcknowledgedAt:      localValue(ov.AcknowledgedAt, loc),
		MitigatedAt:         localValue(ov.MitigatedAt, loc),
		ResolvedAt:          localValue(ov.ResolvedAt, loc),
		NotDeployRelated:    ov.NotDeployRelated,
		PostmortemPublished: localValue(ov.PostmortemPublishedAt, loc),
		PostmortemDue:       localValue(ov.PostmortemDueAt, loc),
		Version:             ov.Version,
	}
	if ov.Fingerprint != nil {
		f.Fingerprint = *ov.Fingerprint
	}
	if ov.PostmortemURL != nil {
		f.PostmortemURL = *ov.PostmortemURL
	}
	sev, cust, dep := "", "", ""
	if ov.Severity != nil {
		sev = strconv.Itoa(*ov.Severity)
	}
	if ov.CustomerImpacting != nil {
		cust = map[bool]string{true: "yes", false: "no"}[*ov.CustomerImpacting]
	}
	if ov.CausedByDeployID != nil {
		dep = itoa64(*ov.CausedByDeployID)
	}
	fillFormOptions(&f, d, sev, cust, dep)
	return f
}

// fillFormOptions builds the form's selects with the given choices selected.
func fillFormOptions(f *views.IncidentForm, d incidentData, sev, cust, dep string) {
	f.Severity = options(sev, "", "Imported: "+sevLabel(d.imported.Severity)+rawSuffix(d.imported.SeverityRaw),
		"1", "Sev1", "2", "Sev2", "3", "Sev3", "4", "Sev4")
	f.CustomerImpacting = options(cust, "", "Imported: "+yesNo(d.imported.CustomerImpacting), "yes", "yes", "no", "no")
	pairs := []string{"", "Imported: " + importedDeploy(d.imported)}
	seen := false
	for _, dp := range d.deploys {
		label := deployLabel(dp, d.loc)
		if d.inferred != nil && dp.ID == d.inferred.ID {
			label += " — inferred"
		}
		pairs = append(pairs, itoa64(dp.ID), label)
		seen = seen || itoa64(dp.ID) == dep
	}
	if dep != "" && !seen {
		pairs = append(pairs, dep, "#"+dep)
	}
	f.CausedBy = options(dep, pairs...)
}

func rawSuffix(raw string) string {
	if raw == "" {
		return ""
	}
	return " (" + raw + ")"
}

func importedDeploy(in analytics.Incident) string {
	if in.CausedByDeployID == nil {
		return "none"
	}
	return "#" + itoa64(*in.CausedByDeployID)
}

// deployLabel names a deploy in pickers and links.
func deployLabel(d analytics.Deploy, loc *time.Location) string {
	s := "#" + itoa64(d.ID) + " " + fmtTime(d.FinishedAt, loc)
	if d.Version != "" {
		s += " " + d.Version
	}
	var tags []string
	if d.Environment != "" {
		tags = append(tags, d.Environment)
	}
	if d.Status != analytics.DeploySuccess {
		tags = append(tags, d.Status)
	}
	if d.IsRollback {
		tags = append(tags, "rollback")
	}
	if d.IsHotfix {
		tags = append(tags, "hotfix")
	}
	if len(tags) > 0 {
		s += " (" + strings.Join(tags, ", ") + ")"
	}
	return s
}

// timelineTable lists the lifecycle with the time between consecutive
// events; a missing event stays in the list so the gap is visible.
func timelineTable(in analytics.Incident, loc *time.Location) views.Table {
	t := views.Table{TestID: "timeline", Columns: []views.Column{{Label: "Event"}, {Label: "When"},
		{Label: "Since previous event", Numeric: true}, {Label: "Since detection", Numeric: true}}}
	var prev *time.Time
	for _, ev := range incidentTimeline(in) {
		since, step := "", ""
		if ev.at != nil {
			since = fmtDuration(ev.at.Sub(in.DetectedAt))
			if prev != nil {
				step = fmtDuration(ev.at.Sub(*prev))
			}
			prev = ev.at
		}
		t.Rows = append(t.Rows, []views.Cell{{Text: ev.name}, {Text: fmtTimePtr(ev.at, loc)},
			{Text: step, Class: "num"}, {Text: since, Class: "num"}})
	}
	return t
}

type timelineEvent struct {
	name string
	at   *time.Time
}

// incidentTimeline lists the lifecycle events in the order they should happen.
func incidentTimeline(in analytics.Incident) []timelineEvent {
	det := in.DetectedAt
	return []timelineEvent{
		{"Impact started", in.StartedAt},
		{"Detected", &det},
		{"Acknowledged", in.AcknowledgedAt},
		{"Mitigated", in.MitigatedAt},
		{"Resolved", in.ResolvedAt},
		{"Postmortem published", in.PostmortemPublishedAt},
	}
}

// incidentDeploysTable lists the service's deploys before detection and
// how each relates to the incident.
func incidentDeploysTable(d incidentData) views.Table {
	t := views.Table{TestID: "incident-deploys", Empty: "No deploys of this service in the 7 days before detection.",
		Columns: []views.Column{{Label: "Deploy"}, {Label: "Finished"}, {Label: "Environment"}, {Label: "Status"}, {Label: "Link"}}}
	listed := false
	l := d.link.link
	for _, dp := range d.deploys {
		link := ""
		switch {
		case d.in.CausedByDeployID != nil && *d.in.CausedByDeployID == dp.ID:
			link = "caused this incident"
			listed = true
		case l.Rule == analytics.LinkInferred && l.DeployID == dp.ID:
			link = "inferred"
		case d.inferred != nil && d.inferred.ID == dp.ID && d.in.InferredLinkRejected:
			link = "inferred, removed"
		case l.Nearest != nil && l.Nearest.ID == dp.ID && l.NoInference == analytics.NoInferenceCausesNamed:
			link = "not inferred: this service's incidents name their causes"
		}
		if link != "" && l.FailedChange && l.DeployID == dp.ID {
			link += "; failed change"
		}
		t.Rows = append(t.Rows, []views.Cell{{Text: "#" + itoa64(dp.ID) + " " + dp.Version, Href: idHref("/deploys/", dp.ID)},
			{Text: fmtTime(dp.FinishedAt, d.loc)}, {Text: dp.Environment}, {Text: dp.Status}, {Text: link}})
	}
	if d.in.CausedByDeployID != nil && !listed {
		t.Rows = append([][]views.Cell{{{Text: "#" + itoa64(*d.in.CausedByDeployID), Href: idHref("/deploys/", *d.in.CausedByDeployID)},
			{Text: "—"}, {Text: ""}, {Text: ""}, {Text: "caused this incident"}}}, t.Rows...)
	}
	return t
}

// actionItemRow is one action item with the controls the user may use.
func actionItemRow(a analytics.ActionItem, loc *time.Location, now time.Time, edit bool, back string) views.ActionItemRow {
	r := views.ActionItemRow{ID: itoa64(a.ID), Title: a.Title, Href: safeExternal(a.URL), Service: a.Service,
		ServiceHref: serviceHref(a.Service), Owner: a.Owner, Due: fmtTimePtr(a.DueAt, loc), ClosedAt: fmtTimePtr(a.ClosedAt, loc),
		Source: a.Source, State: itemState(a, now)}
	if a.IncidentID != nil {
		r.Incident, r.IncidentHref = "#"+itoa64(*a.IncidentID), idHref("/incidents/", *a.IncidentID)
	}
	if edit {
		base, next := idHref("/action-items/", a.ID), "?next="+url.QueryEscape(back)
		r.EditHref = base + "/edit" + next
		if a.ClosedAt == nil {
			r.CloseAction = base + "/close" + next
		} else {
			r.ReopenAction = base + "/reopen" + next
		}
	}
	return r
}

// itemState is open, overdue, closed or "closed late".
func itemState(a analytics.ActionItem, now time.Time) string {
	switch {
	case a.ClosedAt != nil && a.DueAt != nil && a.ClosedAt.After(*a.DueAt):
		return "closed late"
	case a.ClosedAt != nil:
		return "closed"
	case a.DueAt != nil && now.After(*a.DueAt):
		return "overdue"
	}
	return "open"
}
