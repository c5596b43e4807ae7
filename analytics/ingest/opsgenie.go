package ingest

import (
	"bufio"
	"encoding/json"
	"strings"
	"time"

	"sreport/analytics"
)

type ogItem struct {
	ID        jstr            `json:"id"`
	TinyID    jstr            `json:"tinyId"`
	Message   jstr            `json:"message"`
	Status    jstr            `json:"status"`
	CreatedAt jtime           `json:"createdAt"`
	UpdatedAt jtime           `json:"updatedAt"`
	Priority  jstr            `json:"priority"`
	Tags      []jstr          `json:"tags"`
	Details   map[string]jstr `json:"details"`
	Entity    jstr            `json:"entity"`
	Source    jstr            `json:"source"`
	// alerts
	Acknowledged *bool `json:"acknowledged"`
	Owner        jstr  `json:"owner"`
	Alias        jstr  `json:"alias"`
	Report       *struct {
		AckTime        jint `json:"ackTime"`
		CloseTime      jint `json:"closeTime"`
		AcknowledgedBy jstr `json:"acknowledgedBy"`
		ClosedBy       jstr `json:"closedBy"`
	} `json:"report"`
	// incidents
	ImpactStartDate  *jtime `json:"impactStartDate"`
	ImpactEndDate    *jtime `json:"impactEndDate"`
	ImpactedServices []jstr `json:"impactedServices"`
	OwnerTeam        *jstr  `json:"ownerTeam"`
	OwnerTeamID      jstr   `json:"ownerTeamId"`
	Teams            []struct {
		ID   jstr `json:"id"`
		Name jstr `json:"name"`
	} `json:"teams"`
	Responders []struct {
		Type     jstr `json:"type"`
		ID       jstr `json:"id"`
		Name     jstr `json:"name"`
		Username jstr `json:"username"`
	} `json:"responders"`
	Links *struct {
		Web jstr `json:"web"`
	} `json:"links"`
	ExtraProperties map[string]jstr `json:"extraProperties"`
}

func (o ogItem) isIncident() bool {
	return o.ImpactStartDate != nil || o.ImpactedServices != nil || o.OwnerTeam != nil
}

// ogServiceTag returns a "service:x" / "service=x" tag's service, then
// details.service.
func ogServiceTag(o ogItem) string {
	for _, t := range o.Tags {
		ts := t.String()
		for _, pre := range []string{"service:", "service="} {
			if len(ts) > len(pre) && strings.EqualFold(ts[:len(pre)], pre) {
				return strings.TrimSpace(ts[len(pre):])
			}
		}
	}
	for k, v := range o.Details {
		if strings.EqualFold(k, "service") && v.String() != "" {
			return v.String()
		}
	}
	return ""
}

// ogTeam returns the owner team: ownerTeam (incidents) or ownerTeamId,
// else the first team, else the first team responder. Opsgenie gives
// ids (map them to services with aliases) and a name where it has one.
func ogTeam(o ogItem) string {
	if o.OwnerTeam != nil && o.OwnerTeam.String() != "" {
		return o.OwnerTeam.String()
	}
	if o.OwnerTeamID.String() != "" {
		return o.OwnerTeamID.String()
	}
	for _, t := range o.Teams {
		if v := firstNonEmpty(t.Name.String(), t.ID.String()); v != "" {
			return v
		}
	}
	for _, r := range o.Responders {
		if strings.EqualFold(r.Type.String(), "team") {
			if v := firstNonEmpty(r.Name.String(), r.ID.String()); v != "" {
				return v
			}
		}
	}
	return ""
}

// ogService finds an alert's or incident's service: the first of
// impactedServices (incidents), a service tag (or details.service), the
// owner team, Options.DefaultService. An alert's source is never one: it
// is the caller (an IP address, a user's e-mail), and its entity is a
// host or domain.
func (p *parser) ogService(o ogItem) string {
	if len(o.ImpactedServices) > 0 && o.ImpactedServices[0].String() != "" {
		return o.ImpactedServices[0].String()
	}
	return firstNonEmpty(ogServiceTag(o), ogTeam(o), p.opt.DefaultService)
}

// opsgenie reads {"data":[…]} of alerts (→ pages) and/or incidents.
func (p *parser) opsgenie(in *bufio.Reader) error {
	s := newJSONStream(in)
	return s.object(map[string]bool{"data": true}, func(_ string, raw json.RawMessage, line, index int) error {
		var o ogItem
		if err := json.Unmarshal(raw, &o); err != nil {
			p.b.reject(line, snippet(raw), "data[%d]: %v", index, err)
			return nil
		}
		id := o.ID.String()
		if id == "" {
			p.b.reject(line, snippet(raw), "data[%d]: no id", index)
			return nil
		}
		if err := timeErr(namedTime{"createdAt", o.CreatedAt}, namedTime{"updatedAt", o.UpdatedAt}); err != nil {
			p.b.reject(line, snippet(raw), "data[%d]: %s: %v", index, id, err)
			return nil
		}
		if o.CreatedAt.T == nil {
			p.b.reject(line, snippet(raw), "data[%d]: %s: no createdAt", index, id)
			return nil
		}
		if o.isIncident() {
			p.ogIncident(o, raw, line, index)
			return nil
		}
		service := p.ogService(o)
		if service == "" {
			// Responder alerts of an incident name no service or team:
			// skipped with one warning, so they do not fail the file.
			p.b.skipped("alerts naming no service (no service: tag, details.service, owner team or team responder; set a default service to import them)", id)
			return nil
		}
		created := *o.CreatedAt.T
		pg := analytics.Page{
			ExternalID:  id,
			Service:     service,
			Title:       o.Message.String(),
			Urgency:     ogUrgency(o.Priority.String()),
			TriggeredAt: created,
		}
		closed := strings.EqualFold(o.Status.String(), "closed")
		if o.Report != nil {
			if o.Report.AckTime.Set && (o.Acknowledged == nil || *o.Acknowledged) {
				pg.AcknowledgedAt = ptr(created.Add(time.Duration(o.Report.AckTime.V) * time.Millisecond))
			}
			if o.Report.CloseTime.Set && closed {
				pg.ResolvedAt = ptr(created.Add(time.Duration(o.Report.CloseTime.V) * time.Millisecond))
			}
			pg.AutoResolved = closed && pg.AcknowledgedAt == nil && ogSystemCloser(strings.ToLower(o.Report.ClosedBy.String()))
		}
		if closed && pg.ResolvedAt == nil && o.UpdatedAt.T != nil {
			pg.ResolvedAt = o.UpdatedAt.T
		}
		pg.Responders = ogResponders(o)
		p.b.addPage(line, pg)
		return nil
	}, nil)
}

// ogUrgency: P1/P2 are "high" (Opsgenie's high-priority notifications), the rest "low".
func ogUrgency(prio string) string {
	switch strings.ToUpper(strings.TrimSpace(prio)) {
	case "P1", "P2":
		return "high"
	case "":
		return ""
	}
	return "low"
}

func (p *parser) ogIncident(o ogItem, raw json.RawMessage, line, index int) {
	id := o.ID.String()
	service := p.ogService(o)
	if service == "" {
		p.b.reject(line, snippet(raw), "data[%d]: incident %s: no impactedServices, service tag or owner team", index, id)
		return
	}
	if o.ImpactStartDate != nil && o.ImpactStartDate.Err != nil {
		p.b.reject(line, snippet(raw), "data[%d]: incident %s: impactStartDate: %v", index, id, o.ImpactStartDate.Err)
		return
	}
	if o.ImpactEndDate != nil && o.ImpactEndDate.Err != nil {
		p.b.reject(line, snippet(raw), "data[%d]: incident %s: impactEndDate: %v", index, id, o.ImpactEndDate.Err)
		return
	}
	out := analytics.Incident{
		ExternalID:  id,
		Service:     service,
		Title:       o.Message.String(),
		SeverityRaw: o.Priority.String(),
		DetectedAt:  *o.CreatedAt.T,
	}
	out.Severity = p.severity(out.SeverityRaw)
	p.noteUnmappedSeverity(out.SeverityRaw, out.Severity)
	if o.ImpactStartDate != nil {
		out.StartedAt = o.ImpactStartDate.T
	}
	if o.ImpactEndDate != nil {
		out.MitigatedAt = o.ImpactEndDate.T
	}
	if o.Links != nil {
		out.URL = o.Links.Web.String()
	}
	out.Responders = ogResponders(o)
	switch strings.ToLower(o.Status.String()) {
	case "resolved", "closed":
		out.Status = analytics.StatusResolved
		out.ResolvedAt = o.UpdatedAt.T
		if out.ResolvedAt == nil {
			out.ResolvedAt = out.MitigatedAt
		}
	default:
		out.Status = analytics.StatusOpen
		if out.MitigatedAt != nil {
			out.Status = analytics.StatusMitigated
		}
	}
	p.b.addIncident(line, out)
}

// ogPerson is the person an Opsgenie user field names in role: Opsgenie
// usernames are e-mail addresses, kept as the e-mail so people merge
// across sources. ok is false for nobody and for the system, the API or
// an integration acting (closedBy "System").
func ogPerson(v, role string) (analytics.Responder, bool) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return analytics.Responder{}, false
	case strings.Contains(v, "@"):
		return analytics.Responder{Role: role, Email: v}, true
	case ogSystemCloser(strings.ToLower(v)):
		return analytics.Responder{}, false
	}
	return analytics.Responder{Role: role, Name: v}, true
}

// ogSystemCloser reports whether a lower-cased closedBy is no user: empty,
// the system, the API or an integration.
func ogSystemCloser(by string) bool {
	return by == "" || by == "system" || strings.Contains(by, "api") || strings.Contains(by, "integration")
}

// ogResponders are the people of an alert or incident as the Alert and
// Incident APIs document them: the owner and the user responders (whom it
// is routed to: assigned; teams, schedules and escalations are not people),
// report.acknowledgedBy and report.closedBy.
func ogResponders(o ogItem) []analytics.Responder {
	var out []analytics.Responder
	add := func(v, role string) {
		if r, ok := ogPerson(v, role); ok {
			out = append(out, r)
		}
	}
	add(o.Owner.String(), analytics.RoleAssigned)
	for _, r := range o.Responders {
		if strings.EqualFold(r.Type.String(), "user") {
			add(firstNonEmpty(r.Username.String(), r.Name.String(), r.ID.String()), analytics.RoleAssigned)
		}
	}
	if o.Report != nil {
		add(o.Report.AcknowledgedBy.String(), analytics.RoleAcknowledged)
		add(o.Report.ClosedBy.String(), analytics.RoleResolved)
	}
	return analytics.NormalizeResponders(out)
}
