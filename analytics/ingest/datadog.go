package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"

	"sreport/analytics"
)

// Datadog Incident Management API v2: GET /api/v2/incidents →
// {"data":[{"type":"incidents","id","attributes":{…}}],"included":…,
// "meta":…}; one incident → {"data":{…}}; GET /api/v2/incidents/search →
// {"data":{"type":"incidents_search_results","attributes":{"incidents":
// [{"data":{…}}]}}}.

// ddField is one of an incident's fields: {"type":"dropdown","value":…};
// the value is a string, a list of strings or null.
type ddField struct {
	Value json.RawMessage `json:"value"`
}

// first is the field's value, or its first element when it is a list.
func (f *ddField) first() string {
	if f == nil || len(f.Value) == 0 {
		return ""
	}
	if v := strings.TrimSpace(string(f.Value)); !strings.HasPrefix(v, "[") {
		var one jstr
		if json.Unmarshal(f.Value, &one) == nil && !strings.HasPrefix(v, "{") {
			return one.String()
		}
		return ""
	}
	var many []jstr
	if json.Unmarshal(f.Value, &many) == nil {
		for _, v := range many {
			if v.String() != "" {
				return v.String()
			}
		}
	}
	return ""
}

type ddIncident struct {
	ID         jstr `json:"id"`
	Type       jstr `json:"type"`
	Attributes struct {
		PublicID            jstr                `json:"public_id"`
		Title               jstr                `json:"title"`
		Severity            jstr                `json:"severity"`
		State               jstr                `json:"state"`
		Created             jtime               `json:"created"`
		Modified            jtime               `json:"modified"`
		Detected            jtime               `json:"detected"`
		Resolved            jtime               `json:"resolved"`
		CustomerImpacted    bool                `json:"customer_impacted"`
		CustomerImpactStart jtime               `json:"customer_impact_start"`
		CustomerImpactEnd   jtime               `json:"customer_impact_end"`
		IsTest              bool                `json:"is_test"`
		Archived            jtime               `json:"archived"`
		Fields              map[string]*ddField `json:"fields"`
		// search results
		Incidents []struct {
			Data json.RawMessage `json:"data"`
		} `json:"incidents"`
	} `json:"attributes"`
}

// datadogIncidents reads Datadog API v2 incidents.
func (p *parser) datadogIncidents(in *bufio.Reader) error {
	s := newJSONStream(in)
	return s.topLevel([]string{"data"}, func(_ string, raw json.RawMessage, line, index int) error {
		p.ddIncident(raw, line, index)
		return nil
	}, nil)
}

func (p *parser) ddIncident(raw json.RawMessage, line, index int) {
	where := fmt.Sprintf("data[%d]", index)
	var x ddIncident
	if err := json.Unmarshal(raw, &x); err != nil {
		p.b.reject(line, snippet(raw), "%s: %v", where, err)
		return
	}
	a := x.Attributes
	if x.Type.String() == "incidents_search_results" {
		for i, it := range a.Incidents {
			p.ddIncident(it.Data, line, i)
		}
		return
	}
	if t := x.Type.String(); t != "" && t != "incidents" {
		p.b.skipped("resources that are not incidents", x.ID.String()+" "+t)
		return
	}
	id := x.ID.String()
	if err := timeErr(namedTime{"created", a.Created}, namedTime{"modified", a.Modified}, namedTime{"detected", a.Detected},
		namedTime{"resolved", a.Resolved}, namedTime{"customer_impact_start", a.CustomerImpactStart},
		namedTime{"customer_impact_end", a.CustomerImpactEnd}); err != nil {
		p.b.reject(line, snippet(raw), "%s: incident %s: %v", where, id, err)
		return
	}
	if a.IsTest || a.Archived.T != nil {
		p.b.skipped("test or archived incidents", id)
		return
	}
	out := analytics.Incident{
		ExternalID:        id,
		Title:             a.Title.String(),
		CustomerImpacting: a.CustomerImpacted,
		StartedAt:         a.CustomerImpactStart.T,
		MitigatedAt:       a.CustomerImpactEnd.T,
		ResolvedAt:        a.Resolved.T,
		Service:           a.Fields["services"].first(),
		RootCause:         a.Fields["root_cause"].first(),
	}
	if sev := a.Severity.String(); !strings.EqualFold(sev, "unknown") {
		out.SeverityRaw = sev // UNKNOWN is Datadog's "not set"
	}
	switch {
	case a.Detected.T != nil:
		out.DetectedAt = *a.Detected.T
	case a.Created.T != nil:
		out.DetectedAt = *a.Created.T
	}
	state := strings.ToLower(firstNonEmpty(a.State.String(), a.Fields["state"].first()))
	switch state {
	case "active":
		out.Status = analytics.StatusOpen
		if out.MitigatedAt != nil {
			out.Status = analytics.StatusMitigated
		}
	case "stable":
		out.Status = analytics.StatusMitigated
	case "resolved", "completed":
		out.Status = analytics.StatusResolved
		if out.ResolvedAt == nil && a.Modified.T != nil {
			out.ResolvedAt = a.Modified.T
			p.b.warn("Datadog incidents resolved without a resolved time: resolved time = modified")
		}
	case "":
	default:
		p.b.warn("Datadog incident state %q is not active, stable, resolved or completed; status taken from the incident's times", state)
	}
	p.addVendorIncident(line, raw, where, out)
}
