package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"

	"sreport/analytics"
)

// Grafana OnCall (Grafana Cloud IRM) public API alert groups: GET
// /api/v1/alert_groups/ → {"count","next","previous","results":[…]}; one
// alert group (GET …/alert_groups/{id}, or the escalation API's answer)
// → {…}. Every alert group is one page.

type gocAlertGroup struct {
	ID             jstr  `json:"id"`
	IntegrationID  jstr  `json:"integration_id"`
	TeamID         jstr  `json:"team_id"`
	State          jstr  `json:"state"`
	Title          jstr  `json:"title"`
	CreatedAt      jtime `json:"created_at"`
	AcknowledgedAt jtime `json:"acknowledged_at"`
	ResolvedAt     jtime `json:"resolved_at"`
	ResolvedBy     jstr  `json:"resolved_by"`
	AcknowledgedBy jstr  `json:"acknowledged_by"`
	Labels         []struct {
		Key   struct{ Name jstr } `json:"key"`
		Value struct{ Name jstr } `json:"value"`
	} `json:"labels"`
	LastAlert *struct {
		Payload json.RawMessage `json:"payload"`
	} `json:"last_alert"`
}

// gocServiceLabels are the label keys that name a service, in order.
var gocServiceLabels = []string{"service", "service_name", "app", "application"}

// gocPayloadService finds a service label in the last alert's payload:
// Alertmanager / Grafana Alerting webhooks carry commonLabels and labels.
func gocPayloadService(payload json.RawMessage) string {
	if len(payload) == 0 {
		return ""
	}
	var pl struct {
		CommonLabels map[string]jstr `json:"commonLabels"`
		Labels       map[string]jstr `json:"labels"`
		Title        jstr            `json:"title"`
	}
	if json.Unmarshal(payload, &pl) != nil {
		return ""
	}
	for _, set := range []map[string]jstr{pl.CommonLabels, pl.Labels} {
		for _, k := range gocServiceLabels {
			if v := set[k].String(); v != "" {
				return v
			}
		}
	}
	return ""
}

// grafanaOnCall reads Grafana OnCall alert groups as pages.
func (p *parser) grafanaOnCall(in *bufio.Reader) error {
	s := newJSONStream(in)
	return s.topLevel([]string{"results"}, func(_ string, raw json.RawMessage, line, index int) error {
		p.gocAlertGroup(raw, line, index)
		return nil
	}, func(raw json.RawMessage) error {
		p.gocAlertGroup(raw, 1, 0)
		return nil
	})
}

func (p *parser) gocAlertGroup(raw json.RawMessage, line, index int) {
	where := fmt.Sprintf("results[%d]", index)
	var g gocAlertGroup
	if err := json.Unmarshal(raw, &g); err != nil {
		p.b.reject(line, snippet(raw), "%s: %v", where, err)
		return
	}
	id := g.ID.String()
	if id == "" {
		p.b.reject(line, snippet(raw), "%s: no id", where)
		return
	}
	if err := timeErr(namedTime{"created_at", g.CreatedAt}, namedTime{"acknowledged_at", g.AcknowledgedAt}, namedTime{"resolved_at", g.ResolvedAt}); err != nil {
		p.b.reject(line, snippet(raw), "%s: alert group %s: %v", where, id, err)
		return
	}
	if g.CreatedAt.T == nil {
		p.b.reject(line, snippet(raw), "%s: alert group %s: no created_at", where, id)
		return
	}
	service := ""
	for _, k := range gocServiceLabels {
		for _, l := range g.Labels {
			if service == "" && strings.EqualFold(l.Key.Name.String(), k) {
				service = l.Value.Name.String()
			}
		}
	}
	if service == "" && g.LastAlert != nil {
		service = gocPayloadService(g.LastAlert.Payload)
	}
	if service == "" {
		service = strings.TrimSpace(p.opt.DefaultService)
	}
	if service == "" {
		// Alerts reach OnCall through an integration, usually one per
		// monitored system: its id stands for the service until a service
		// alias maps it to a name.
		service = g.IntegrationID.String()
		if service != "" {
			p.b.warn("alert groups without a service label use their integration id as the service: map each id to a service name with a service alias")
		}
	}
	if service == "" {
		p.b.reject(line, snippet(raw), "%s: alert group %s: no service (a service label, or the integration id)", where, id)
		return
	}
	pg := analytics.Page{
		ExternalID:     id,
		Service:        service,
		Title:          g.Title.String(),
		TriggeredAt:    *g.CreatedAt.T,
		AcknowledgedAt: g.AcknowledgedAt.T,
	}
	state := strings.ToLower(g.State.String())
	switch state {
	case "resolved":
		pg.ResolvedAt = g.ResolvedAt.T
		// Resolved by no user and never acknowledged: the alert source
		// resolved it (the condition cleared by itself).
		pg.AutoResolved = g.ResolvedBy.String() == "" && pg.AcknowledgedAt == nil
	case "new", "firing", "acknowledged", "silenced", "":
	default:
		p.b.reject(line, snippet(raw), "%s: alert group %s: state %q is not one Grafana OnCall documents (new, acknowledged, resolved, silenced)", where, id, g.State.String())
		return
	}
	// acknowledged_by and resolved_by are OnCall user ids ("UCGEIXI1MR1NZ"):
	// an alias on the people page ties one to its person.
	for _, r := range []analytics.Responder{{Role: analytics.RoleAcknowledged, Name: g.AcknowledgedBy.String()},
		{Role: analytics.RoleResolved, Name: g.ResolvedBy.String()}} {
		if r.Name != "" {
			pg.Responders = append(pg.Responders, r)
		}
	}
	pg.Responders = analytics.NormalizeResponders(pg.Responders)
	p.b.addPage(line, pg)
}
