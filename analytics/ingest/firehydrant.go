package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"sreport/analytics"
)

// FireHydrant API: GET /v1/incidents → {"data":[IncidentEntity…],
// "pagination":…}; GET /v1/incidents/{id} → one IncidentEntity.

type fhNamed struct {
	ID   jstr `json:"id"`
	Name jstr `json:"name"`
}

type fhMilestone struct {
	Type       jstr  `json:"type"`
	Slug       jstr  `json:"slug"`
	OccurredAt jtime `json:"occurred_at"`
}

type fhIncident struct {
	ID                jstr          `json:"id"`
	Name              jstr          `json:"name"`
	Number            jstr          `json:"number"`
	CreatedAt         jtime         `json:"created_at"`
	StartedAt         jtime         `json:"started_at"`
	DiscardedAt       jtime         `json:"discarded_at"`
	CurrentMilestone  jstr          `json:"current_milestone"`
	Severity          jstr          `json:"severity"`
	Priority          jstr          `json:"priority"`
	Active            *bool         `json:"active"`
	IncidentURL       jstr          `json:"incident_url"`
	CustomersImpacted jint          `json:"customers_impacted"`
	IncidentType      *fhNamed      `json:"incident_type"`
	Services          []fhNamed     `json:"services"`
	Milestones        []fhMilestone `json:"milestones"`
	LifecyclePhases   []struct {
		Milestones []fhMilestone `json:"milestones"`
	} `json:"lifecycle_phases"`
	Impacts []struct {
		Type   jstr     `json:"type"`
		Impact *fhNamed `json:"impact"`
	} `json:"impacts"`
	RoleAssignments []struct {
		Status       jstr     `json:"status"`
		IncidentRole *fhNamed `json:"incident_role"`
		User         *struct {
			ID    jstr `json:"id"`
			Name  jstr `json:"name"`
			Email jstr `json:"email"`
		} `json:"user"`
	} `json:"role_assignments"`
}

// responders are the incident's role holders (role_assignments: the
// Commander and the account's other roles), active or handed over
// (status inactive): both took part in the response.
func (x fhIncident) responders() []analytics.Responder {
	var out []analytics.Responder
	for _, a := range x.RoleAssignments {
		if a.User == nil {
			continue
		}
		r := analytics.Responder{Role: analytics.RoleIncident,
			Name: firstNonEmpty(a.User.Name.String(), a.User.ID.String()), Email: a.User.Email.String()}
		if a.IncidentRole != nil {
			r.Label = a.IncidentRole.Name.String()
		}
		out = append(out, r)
	}
	return analytics.NormalizeResponders(out)
}

// fhStatus maps a FireHydrant milestone (the incident's current_milestone)
// to our status. The defaults are started, detected, acknowledged,
// investigating, identified, mitigated, resolved, retrospective/postmortem
// started and completed, closed.
func fhStatus(m string) (string, bool) {
	switch normHeader(m) {
	case "started", "detected":
		return analytics.StatusOpen, true
	case "acknowledged", "investigating", "identified":
		return analytics.StatusAcknowledged, true
	case "mitigated":
		return analytics.StatusMitigated, true
	case "resolved", "closed", "postmortem_started", "postmortem_completed", "retrospective_started", "retrospective_completed":
		return analytics.StatusResolved, true
	}
	return "", false
}

// fireHydrant reads FireHydrant API incidents.
func (p *parser) fireHydrant(in *bufio.Reader) error {
	s := newJSONStream(in)
	return s.topLevel([]string{"data"}, func(_ string, raw json.RawMessage, line, index int) error {
		p.fhIncident(raw, line, index)
		return nil
	}, func(raw json.RawMessage) error {
		p.fhIncident(raw, 1, 0)
		return nil
	})
}

func (p *parser) fhIncident(raw json.RawMessage, line, index int) {
	where := fmt.Sprintf("data[%d]", index)
	var x fhIncident
	if err := json.Unmarshal(raw, &x); err != nil {
		p.b.reject(line, snippet(raw), "%s: %v", where, err)
		return
	}
	id := x.ID.String()
	if err := timeErr(namedTime{"created_at", x.CreatedAt}, namedTime{"started_at", x.StartedAt}); err != nil {
		p.b.reject(line, snippet(raw), "%s: incident %s: %v", where, id, err)
		return
	}
	if x.DiscardedAt.T != nil {
		p.b.skipped("archived incidents (discarded_at set)", id)
		return
	}
	// Milestones come as a flat list (milestones, deprecated) or per
	// lifecycle phase; the first time of each type wins.
	ms := map[string]*time.Time{}
	note := func(m fhMilestone) error {
		kind := normHeader(firstNonEmpty(m.Type.String(), m.Slug.String()))
		if m.OccurredAt.Err != nil {
			return fmt.Errorf("milestone %s: %w", kind, m.OccurredAt.Err)
		}
		if kind != "" && ms[kind] == nil && m.OccurredAt.T != nil {
			ms[kind] = m.OccurredAt.T
		}
		return nil
	}
	for _, m := range x.Milestones {
		if err := note(m); err != nil {
			p.b.reject(line, snippet(raw), "%s: incident %s: %v", where, id, err)
			return
		}
	}
	for _, ph := range x.LifecyclePhases {
		for _, m := range ph.Milestones {
			if err := note(m); err != nil {
				p.b.reject(line, snippet(raw), "%s: incident %s: %v", where, id, err)
				return
			}
		}
	}
	out := analytics.Incident{
		ExternalID:        id,
		Title:             x.Name.String(),
		SeverityRaw:       firstNonEmpty(x.Severity.String(), x.Priority.String()),
		URL:               x.IncidentURL.String(),
		CustomerImpacting: x.CustomersImpacted.V > 0,
		StartedAt:         x.StartedAt.T,
		AcknowledgedAt:    ms["acknowledged"],
		MitigatedAt:       ms["mitigated"],
		ResolvedAt:        ms["resolved"],
	}
	if out.StartedAt == nil {
		out.StartedAt = ms["started"]
	}
	if x.IncidentType != nil {
		out.Category = x.IncidentType.Name.String()
	}
	switch {
	case ms["detected"] != nil:
		out.DetectedAt = *ms["detected"]
	case x.CreatedAt.T != nil:
		out.DetectedAt = *x.CreatedAt.T
	}
	for _, sv := range x.Services {
		if sv.Name.String() != "" {
			out.Service = sv.Name.String()
			break
		}
	}
	for _, im := range x.Impacts {
		if out.Service == "" && strings.EqualFold(im.Type.String(), "service") && im.Impact != nil {
			out.Service = im.Impact.Name.String()
		}
	}
	cur := x.CurrentMilestone.String()
	status, ok := fhStatus(cur)
	if !ok && cur != "" {
		p.b.warn("FireHydrant milestone %q is not a default one; status taken from the incident's milestones", cur)
	}
	if status == analytics.StatusResolved && out.ResolvedAt == nil {
		out.ResolvedAt = ms["closed"]
	}
	out.Status = status
	out.Responders = x.responders()
	p.addVendorIncident(line, raw, where, out)
}
