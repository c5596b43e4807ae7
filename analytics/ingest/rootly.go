package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"

	"sreport/analytics"
)

// Rootly API (JSON:API): GET /v1/incidents → {"data":[{"id","type":
// "incidents","attributes":{…}}],"included":…,"meta":…}; GET
// /v1/incidents/{id} → {"data":{…}}.

// rootlyRes is one embedded resource: {"data":{"id","attributes":{…}}},
// {"id","attributes":{…}} or a bare {"name":…}.
type rootlyRes struct {
	Data *struct {
		ID         jstr            `json:"id"`
		Attributes rootlyResFields `json:"attributes"`
	} `json:"data"`
	ID         jstr            `json:"id"`
	Attributes rootlyResFields `json:"attributes"`
	rootlyResFields
}

type rootlyResFields struct {
	Name     jstr `json:"name"`
	Slug     jstr `json:"slug"`
	Severity jstr `json:"severity"`
}

func (r rootlyRes) fields() rootlyResFields {
	switch {
	case r.Data != nil:
		return r.Data.Attributes
	case r.Attributes.Name != "":
		return r.Attributes
	}
	return r.rootlyResFields
}

// rootlyResList is a to-many relation as Rootly writes it: an array of
// resources (the OpenAPI schema) or {"data":[…]} (what the API and its
// own CLI use).
type rootlyResList []rootlyRes

func (l *rootlyResList) UnmarshalJSON(b []byte) error {
	b = []byte(strings.TrimSpace(string(b)))
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] == '[' {
		return json.Unmarshal(b, (*[]rootlyRes)(l))
	}
	var wrapped struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &wrapped); err != nil {
		return err
	}
	d := strings.TrimSpace(string(wrapped.Data))
	switch {
	case d == "" || d == "null":
		return nil
	case d[0] == '[':
		var items []struct {
			ID         jstr            `json:"id"`
			Attributes rootlyResFields `json:"attributes"`
		}
		if err := json.Unmarshal(wrapped.Data, &items); err != nil {
			return err
		}
		for _, it := range items {
			*l = append(*l, rootlyRes{ID: it.ID, Attributes: it.Attributes})
		}
		return nil
	}
	var one rootlyRes
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*l = append(*l, one)
	return nil
}

func (l rootlyResList) firstName() string {
	for _, r := range l {
		if n := r.fields().Name.String(); n != "" {
			return n
		}
	}
	return ""
}

type rootlyIncident struct {
	ID         jstr `json:"id"`
	Type       jstr `json:"type"`
	Attributes struct {
		SequentialID   jstr          `json:"sequential_id"`
		Title          jstr          `json:"title"`
		Kind           jstr          `json:"kind"`
		Status         jstr          `json:"status"`
		URL            jstr          `json:"url"`
		Severity       *rootlyRes    `json:"severity"`
		Services       rootlyResList `json:"services"`
		IncidentTypes  rootlyResList `json:"incident_types"`
		CreatedAt      jtime         `json:"created_at"`
		StartedAt      jtime         `json:"started_at"`
		DetectedAt     jtime         `json:"detected_at"`
		AcknowledgedAt jtime         `json:"acknowledged_at"`
		MitigatedAt    jtime         `json:"mitigated_at"`
		ResolvedAt     jtime         `json:"resolved_at"`
		ClosedAt       jtime         `json:"closed_at"`
		CancelledAt    jtime         `json:"cancelled_at"`
	} `json:"attributes"`
}

// rootlyLevels are the four severity levels every Rootly severity belongs
// to (its attribute "severity"); they win over its name unless the
// severity map names it.
var rootlyLevels = map[string]int{"critical": analytics.Sev1, "high": analytics.Sev2, "medium": analytics.Sev3, "low": analytics.Sev4}

// rootly reads Rootly API incidents.
func (p *parser) rootly(in *bufio.Reader) error {
	s := newJSONStream(in)
	return s.topLevel([]string{"data"}, func(_ string, raw json.RawMessage, line, index int) error {
		p.rootlyIncident(raw, line, index)
		return nil
	}, nil)
}

func (p *parser) rootlyIncident(raw json.RawMessage, line, index int) {
	where := fmt.Sprintf("data[%d]", index)
	var x rootlyIncident
	if err := json.Unmarshal(raw, &x); err != nil {
		p.b.reject(line, snippet(raw), "%s: %v", where, err)
		return
	}
	if t := x.Type.String(); t != "" && t != "incidents" {
		p.b.skipped("resources that are not incidents", x.ID.String()+" "+t)
		return
	}
	a := x.Attributes
	id := x.ID.String()
	if err := timeErr(namedTime{"created_at", a.CreatedAt}, namedTime{"started_at", a.StartedAt}, namedTime{"detected_at", a.DetectedAt},
		namedTime{"acknowledged_at", a.AcknowledgedAt}, namedTime{"mitigated_at", a.MitigatedAt}, namedTime{"resolved_at", a.ResolvedAt},
		namedTime{"closed_at", a.ClosedAt}); err != nil {
		p.b.reject(line, snippet(raw), "%s: incident %s: %v", where, id, err)
		return
	}
	switch strings.ToLower(a.Kind.String()) {
	case "test", "example", "scheduled":
		p.b.skipped("test, example and scheduled-maintenance incidents", id+" "+a.Kind.String())
		return
	}
	out := analytics.Incident{
		ExternalID:     id,
		Title:          a.Title.String(),
		URL:            a.URL.String(),
		Service:        a.Services.firstName(),
		Category:       a.IncidentTypes.firstName(),
		StartedAt:      a.StartedAt.T,
		AcknowledgedAt: a.AcknowledgedAt.T,
		MitigatedAt:    a.MitigatedAt.T,
		ResolvedAt:     a.ResolvedAt.T,
	}
	switch {
	case a.DetectedAt.T != nil:
		out.DetectedAt = *a.DetectedAt.T
	case a.CreatedAt.T != nil:
		out.DetectedAt = *a.CreatedAt.T
	}
	if a.Severity != nil {
		f := a.Severity.fields()
		out.SeverityRaw = firstNonEmpty(f.Name.String(), f.Severity.String())
		// The level (critical, high, medium, low) is Rootly's own scale;
		// names are whatever the account calls them ("SEV0").
		if lvl, ok := rootlyLevels[strings.ToLower(f.Severity.String())]; ok && !p.hasSeverityOverride(out.SeverityRaw) {
			out.Severity = lvl
		}
	}
	st := strings.ToLower(a.Status.String())
	switch st {
	case "in_triage", "started", "detected":
		out.Status = analytics.StatusOpen
	case "acknowledged":
		out.Status = analytics.StatusAcknowledged
	case "mitigated":
		out.Status = analytics.StatusMitigated
	case "resolved", "closed":
		out.Status = analytics.StatusResolved
		if out.ResolvedAt == nil {
			out.ResolvedAt = a.ClosedAt.T
		}
	case "cancelled", "canceled":
		p.b.skipped("cancelled incidents", id)
		return
	case "scheduled", "in_progress", "completed":
		p.b.skipped("scheduled maintenances", id+" "+st)
		return
	case "":
	default:
		p.b.reject(line, snippet(raw), "%s: incident %s: status %q is not one Rootly documents", where, id, a.Status.String())
		return
	}
	p.addVendorIncident(line, raw, where, out)
}
