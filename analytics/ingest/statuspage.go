package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"

	"sreport/analytics"
)

// Atlassian Statuspage incidents: the public status API (GET
// /api/v2/incidents.json → {"page":{…},"incidents":[…]}) and the manage API
// (GET /v1/pages/{page_id}/incidents → […]; one incident → {…}).

type spIncident struct {
	ID           jstr  `json:"id"`
	Name         jstr  `json:"name"`
	Status       jstr  `json:"status"`
	Impact       jstr  `json:"impact"`
	Shortlink    jstr  `json:"shortlink"`
	CreatedAt    jtime `json:"created_at"`
	StartedAt    jtime `json:"started_at"`
	MonitoringAt jtime `json:"monitoring_at"`
	ResolvedAt   jtime `json:"resolved_at"`
	ScheduledFor jtime `json:"scheduled_for"`
	Components   []struct {
		Name jstr `json:"name"`
	} `json:"components"`
	IncidentUpdates []struct {
		AffectedComponents []struct {
			Code jstr `json:"code"`
			Name jstr `json:"name"`
		} `json:"affected_components"`
	} `json:"incident_updates"`
}

// spImpact is Statuspage's four impact levels.
var spImpact = map[string]int{"critical": analytics.Sev1, "major": analytics.Sev2, "minor": analytics.Sev3, "none": analytics.Sev4}

// statuspage reads Statuspage incidents. The service is the first affected
// component; an incident without components belongs to the page itself
// (its name), unless a default service is set.
func (p *parser) statuspage(in *bufio.Reader) error {
	s := newJSONStream(in)
	pageName := ""
	return s.topLevel([]string{"incidents", "page"}, func(key string, raw json.RawMessage, line, index int) error {
		if key == "page" {
			var pg struct {
				Name jstr `json:"name"`
			}
			if json.Unmarshal(raw, &pg) == nil {
				pageName = pg.Name.String()
			}
			return nil
		}
		p.spIncident(raw, line, index, pageName)
		return nil
	}, func(raw json.RawMessage) error {
		p.spIncident(raw, 1, 0, "")
		return nil
	})
}

func (p *parser) spIncident(raw json.RawMessage, line, index int, pageName string) {
	where := fmt.Sprintf("incidents[%d]", index)
	var x spIncident
	if err := json.Unmarshal(raw, &x); err != nil {
		p.b.reject(line, snippet(raw), "%s: %v", where, err)
		return
	}
	id := x.ID.String()
	if err := timeErr(namedTime{"created_at", x.CreatedAt}, namedTime{"started_at", x.StartedAt},
		namedTime{"monitoring_at", x.MonitoringAt}, namedTime{"resolved_at", x.ResolvedAt}); err != nil {
		p.b.reject(line, snippet(raw), "%s: incident %s: %v", where, id, err)
		return
	}
	impact := strings.ToLower(x.Impact.String())
	status := strings.ToLower(x.Status.String())
	if impact == "maintenance" || x.ScheduledFor.T != nil {
		p.b.skipped("scheduled maintenances", id)
		return
	}
	out := analytics.Incident{
		ExternalID:        id,
		Title:             x.Name.String(),
		SeverityRaw:       x.Impact.String(),
		URL:               x.Shortlink.String(),
		StartedAt:         x.StartedAt.T,
		MitigatedAt:       x.MonitoringAt.T,
		ResolvedAt:        x.ResolvedAt.T,
		CustomerImpacting: impact == "minor" || impact == "major" || impact == "critical",
	}
	if x.CreatedAt.T != nil {
		out.DetectedAt = *x.CreatedAt.T
	}
	if sev, ok := spImpact[impact]; ok && !p.hasSeverityOverride(out.SeverityRaw) {
		out.Severity = sev // minor is the third of four levels here, not Sev4
	}
	for _, c := range x.Components {
		if c.Name.String() != "" {
			out.Service = c.Name.String()
			break
		}
	}
	for _, u := range x.IncidentUpdates {
		for _, c := range u.AffectedComponents {
			// An entry without a code is Statuspage's placeholder "No
			// components were affected by this update.", not a component.
			if out.Service == "" && c.Code.String() != "" && c.Name.String() != "" {
				out.Service = c.Name.String()
			}
		}
	}
	if out.Service == "" && strings.TrimSpace(p.opt.DefaultService) == "" {
		out.Service = pageName
	}
	switch status {
	case "investigating":
		out.Status = analytics.StatusOpen
	case "identified":
		out.Status = analytics.StatusAcknowledged
	case "monitoring":
		out.Status = analytics.StatusMitigated
	case "resolved", "postmortem":
		out.Status = analytics.StatusResolved
	case "scheduled", "in_progress", "verifying", "completed":
		p.b.skipped("scheduled maintenances", id)
		return
	case "":
	default:
		p.b.reject(line, snippet(raw), "%s: incident %s: status %q is not one Statuspage documents", where, id, x.Status.String())
		return
	}
	p.addVendorIncident(line, raw, where, out)
}
