package ingest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"sreport/analytics"
)

// incident.io API v2 (GET /v2/incidents → {"incidents":[…],"pagination_meta":…},
// GET /v2/incidents/{id} → {"incident":{…}}) and its incidents CSV.

type iioNamed struct {
	ID       jstr `json:"id"`
	Name     jstr `json:"name"`
	Category jstr `json:"category"`
}

type iioValue struct {
	ValueCatalogEntry *struct {
		Name jstr `json:"name"`
	} `json:"value_catalog_entry"`
	ValueOption *struct {
		Value jstr `json:"value"`
	} `json:"value_option"`
	ValueText jstr `json:"value_text"`
}

// text is what a custom field value says, whatever its type.
func (v iioValue) text() string {
	switch {
	case v.ValueCatalogEntry != nil && v.ValueCatalogEntry.Name.String() != "":
		return v.ValueCatalogEntry.Name.String()
	case v.ValueOption != nil && v.ValueOption.Value.String() != "":
		return v.ValueOption.Value.String()
	}
	return v.ValueText.String()
}

type iioIncident struct {
	ID                    jstr      `json:"id"`
	Reference             jstr      `json:"reference"`
	Name                  jstr      `json:"name"`
	Mode                  jstr      `json:"mode"`
	Permalink             jstr      `json:"permalink"`
	PostmortemDocumentURL jstr      `json:"postmortem_document_url"`
	CreatedAt             jtime     `json:"created_at"`
	ReportedAt            jtime     `json:"reported_at"`
	UpdatedAt             jtime     `json:"updated_at"`
	IncidentStatus        *iioNamed `json:"incident_status"`
	Severity              *iioNamed `json:"severity"`
	IncidentType          *iioNamed `json:"incident_type"`
	CustomFieldEntries    []struct {
		CustomField struct {
			Name jstr `json:"name"`
		} `json:"custom_field"`
		Values []iioValue `json:"values"`
	} `json:"custom_field_entries"`
	IncidentTimestampValues []struct {
		IncidentTimestamp struct {
			Name jstr `json:"name"`
		} `json:"incident_timestamp"`
		Value *struct {
			Value jtime `json:"value"`
		} `json:"value"`
	} `json:"incident_timestamp_values"`
	IncidentRoleAssignments []struct {
		Assignee *struct {
			ID    jstr `json:"id"`
			Name  jstr `json:"name"`
			Email jstr `json:"email"`
		} `json:"assignee"`
		Role struct {
			Name     jstr `json:"name"`
			RoleType jstr `json:"role_type"`
		} `json:"role"`
	} `json:"incident_role_assignments"`
}

// responders are the incident's role holders (incident_role_assignments:
// Incident Lead, Reporter and the account's own roles), each with the
// role's name as label; a role nobody holds has no assignee.
func (x iioIncident) responders() []analytics.Responder {
	var out []analytics.Responder
	for _, a := range x.IncidentRoleAssignments {
		if a.Assignee == nil {
			continue
		}
		out = append(out, analytics.Responder{Role: analytics.RoleIncident,
			Label: firstNonEmpty(a.Role.Name.String(), a.Role.RoleType.String()),
			Name:  firstNonEmpty(a.Assignee.Name.String(), a.Assignee.ID.String()), Email: a.Assignee.Email.String()})
	}
	return analytics.NormalizeResponders(out)
}

// iioTimestampNames are incident.io's default incident timestamps (and the
// names accounts commonly rename them to), normalised, per our field.
var iioTimestampNames = map[string][]string{
	"reported":     {"reported_at", "reported"},
	"impact_start": {"impact_started_at", "impact_started", "impact_start", "impact_start_at"},
	"accepted":     {"accepted_at", "accepted", "acknowledged_at", "acknowledged"},
	"mitigated":    {"fixed_at", "fixed", "mitigated_at", "mitigated", "stabilized_at", "stabilised_at"},
	"resolved":     {"resolved_at", "resolved"},
	"closed":       {"closed_at", "closed"},
}

// iioCategory maps a status category (the API's incident_status.category,
// or a status name in the CSV) to our status. skip marks incidents that
// never were one (declined, merged into another, canceled).
func iioCategory(s string) (status string, skip, ok bool) {
	switch normHeader(s) {
	case "triage":
		return analytics.StatusOpen, false, true
	case "live", "active", "paused", "investigating", "fixing", "identified":
		return analytics.StatusAcknowledged, false, true
	case "monitoring":
		return analytics.StatusMitigated, false, true
	case "learning", "post_incident", "documenting", "closed", "resolved":
		return analytics.StatusResolved, false, true
	case "declined", "merged", "canceled", "cancelled":
		return "", true, true
	}
	return "", false, false
}

// incidentIOAPI reads incident.io API v2 incidents.
func (p *parser) incidentIOAPI(in *bufio.Reader) error {
	s := newJSONStream(in)
	return s.topLevel([]string{"incidents", "incident"}, func(_ string, raw json.RawMessage, line, index int) error {
		p.iioIncident(raw, line, index)
		return nil
	}, func(raw json.RawMessage) error {
		p.iioIncident(raw, 1, 0)
		return nil
	})
}

func (p *parser) iioIncident(raw json.RawMessage, line, index int) {
	var x iioIncident
	if err := json.Unmarshal(raw, &x); err != nil {
		p.b.reject(line, snippet(raw), "incidents[%d]: %v", index, err)
		return
	}
	id := x.ID.String()
	where := fmt.Sprintf("incidents[%d]", index)
	if err := timeErr(namedTime{"created_at", x.CreatedAt}, namedTime{"reported_at", x.ReportedAt}, namedTime{"updated_at", x.UpdatedAt}); err != nil {
		p.b.reject(line, snippet(raw), "%s: incident %s: %v", where, id, err)
		return
	}
	switch strings.ToLower(x.Mode.String()) {
	case "test", "tutorial":
		p.b.skipped("test and tutorial incidents", id)
		return
	}
	ts := map[string]*time.Time{}
	for _, v := range x.IncidentTimestampValues {
		if v.Value == nil {
			continue
		}
		if v.Value.Value.Err != nil {
			p.b.reject(line, snippet(raw), "%s: incident %s: timestamp %q: %v", where, id, v.IncidentTimestamp.Name.String(), v.Value.Value.Err)
			return
		}
		name := normHeader(v.IncidentTimestamp.Name.String())
		for field, names := range iioTimestampNames {
			for _, n := range names {
				if name == n && ts[field] == nil {
					ts[field] = v.Value.Value.T
				}
			}
		}
	}
	out := analytics.Incident{
		ExternalID:     id,
		Title:          x.Name.String(),
		URL:            x.Permalink.String(),
		PostmortemURL:  x.PostmortemDocumentURL.String(),
		StartedAt:      ts["impact_start"],
		AcknowledgedAt: ts["accepted"],
		MitigatedAt:    ts["mitigated"],
		ResolvedAt:     ts["resolved"],
	}
	if x.Severity != nil {
		out.SeverityRaw = x.Severity.Name.String()
	}
	if x.IncidentType != nil {
		out.Category = x.IncidentType.Name.String()
	}
	switch {
	case x.ReportedAt.T != nil:
		out.DetectedAt = *x.ReportedAt.T
	case ts["reported"] != nil:
		out.DetectedAt = *ts["reported"]
	case x.CreatedAt.T != nil:
		out.DetectedAt = *x.CreatedAt.T
	}
	for _, e := range x.CustomFieldEntries {
		if !strings.Contains(strings.ToLower(e.CustomField.Name.String()), "service") {
			continue
		}
		for _, v := range e.Values {
			if t := v.text(); t != "" {
				out.Service = t
				break
			}
		}
		if out.Service != "" {
			break
		}
	}
	category := ""
	if x.IncidentStatus != nil {
		category = x.IncidentStatus.Category.String()
	}
	status, skip, ok := iioCategory(category)
	if skip {
		p.b.skipped("declined, merged or canceled incidents", id+" "+category)
		return
	}
	if !ok && category != "" {
		p.b.reject(line, snippet(raw), "%s: incident %s: status category %q is not one incident.io documents (triage, live, paused, learning, closed, declined, merged, canceled)", where, id, category)
		return
	}
	if status == analytics.StatusResolved && out.ResolvedAt == nil {
		out.ResolvedAt = ts["closed"]
	}
	if status == analytics.StatusResolved && out.ResolvedAt == nil && x.UpdatedAt.T != nil {
		out.ResolvedAt = x.UpdatedAt.T
		p.b.warn("incident.io incidents closed without a \"Resolved at\" or \"Closed at\" timestamp: resolved time = updated_at")
	}
	if status == analytics.StatusAcknowledged && out.MitigatedAt != nil {
		status = analytics.StatusMitigated
	}
	out.Status = status
	out.Responders = x.responders()
	p.addVendorIncident(line, raw, where, out)
}

// incidentIOCSV reads an incident.io incidents CSV: the columns are the
// incident's fields and timestamps by name (Reference, Name, Status,
// Severity, Incident type, Reported at, Impact started at, Fixed at,
// Resolved at, Closed at, …); the service is the first column whose
// name contains "service".
func (p *parser) incidentIOCSV(in *bufio.Reader) error {
	f, err := openCSV(in)
	if err != nil {
		return err
	}
	cID := f.col("id", "incident_id")
	cRef := f.col("reference", "ref")
	cName := f.col("name", "title")
	cStatus := f.col("status", "incident_status")
	cCategory := f.col("status_category")
	cSev := f.col("severity")
	cType := f.col("incident_type", "type")
	cCreated := f.col("created_at", "created")
	cURL := f.col("permalink", "url", "link")
	cPM := f.col("postmortem_document_url", "postmortem", "post_mortem_url")
	cService := -1
	for i, h := range f.header {
		if strings.Contains(normHeader(h), "service") {
			cService = i
			break
		}
	}
	cTS := map[string]int{}
	for field, names := range iioTimestampNames {
		cTS[field] = f.col(names...)
	}
	if cRef < 0 && cID < 0 {
		return errors.New("not an incident.io export: no Reference or ID column")
	}
	for {
		rec, line, err := f.next(p.b)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		id := firstNonEmpty(cell(rec, cRef), cell(rec, cID))
		tf := timeField{layout: goLayout(p.opt.DateLayout), loc: p.loc()}
		out := analytics.Incident{
			ExternalID:     id,
			Title:          cell(rec, cName),
			SeverityRaw:    cell(rec, cSev),
			Category:       cell(rec, cType),
			URL:            cell(rec, cURL),
			PostmortemURL:  cell(rec, cPM),
			Service:        cell(rec, cService),
			StartedAt:      tf.opt("impact started", cell(rec, cTS["impact_start"])),
			AcknowledgedAt: tf.opt("accepted", cell(rec, cTS["accepted"])),
			MitigatedAt:    tf.opt("fixed", cell(rec, cTS["mitigated"])),
			ResolvedAt:     tf.opt("resolved", cell(rec, cTS["resolved"])),
		}
		closed := tf.opt("closed", cell(rec, cTS["closed"]))
		if v := firstNonEmpty(cell(rec, cTS["reported"]), cell(rec, cCreated)); v != "" {
			out.DetectedAt = tf.req("reported", v)
		}
		if tf.err != nil {
			p.b.reject(line, rawRow(rec), "incident %s: %v", id, tf.err)
			continue
		}
		raw := firstNonEmpty(cell(rec, cCategory), cell(rec, cStatus))
		status, skip, ok := iioCategory(raw)
		if skip {
			p.b.skipped("declined, merged or canceled incidents", id+" "+raw)
			continue
		}
		if !ok && raw != "" {
			// Accounts name their own statuses: go by the times instead.
			p.b.warn("incident.io status %q is not a known category; status taken from the incident's timestamps", raw)
		}
		if status == analytics.StatusResolved && out.ResolvedAt == nil {
			out.ResolvedAt = closed
		}
		if status == analytics.StatusAcknowledged && out.MitigatedAt != nil {
			status = analytics.StatusMitigated
		}
		out.Status = status
		p.addVendorIncident(line, json.RawMessage(rawRow(rec)), "row", out)
	}
}
