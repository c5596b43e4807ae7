package ingest

import (
	"bufio"
	"errors"
	"io"
	"strings"

	"sreport/analytics"
)

// Header aliases of the two PagerDuty CSV exports: the Analytics raw export
// (snake_case) and the Insights "Incident Activity" export (UI labels).
var pdCSVAliases = map[string][]string{
	"id":            {"id", "incident_id", "Incident ID"},
	"number":        {"incident_number", "Number", "Incident Number"},
	"title":         {"description", "title", "Title", "Incident Title", "summary"},
	"service":       {"service_name", "Service", "Service Name"},
	"urgency":       {"urgency", "Urgency"},
	"priority":      {"priority_name", "priority", "Priority"},
	"status":        {"status", "Status"},
	"created":       {"created_at", "Created at", "Created On", "Created"},
	"resolved":      {"resolved_at", "Resolved at", "Resolved On", "Resolved"},
	"tta":           {"seconds_to_first_ack", "TTA", "Time to Acknowledge", "Seconds to First Ack"},
	"ttm":           {"seconds_to_mitigate", "TTM", "Time to Mitigate"},
	"ttr":           {"seconds_to_resolve", "TTR", "Time to Resolve"},
	"auto_resolved": {"auto_resolved", "Auto Resolved"},
	"major":         {"major", "Major", "Major Incident"},
	"url":           {"html_url", "url", "Incident URL", "Link"},
	// People (pdAnalyticsResponders).
	"assigned_users":     {"assigned_user_names"},
	"acknowledged_users": {"acknowledged_user_names"},
	"resolved_by":        {"resolved_by_user_name", "Resolved by"},
}

func (p *parser) pagerDutyCSV(in *bufio.Reader) error {
	f, err := openCSV(in)
	if err != nil {
		return err
	}
	c := map[string]int{}
	for k, al := range pdCSVAliases {
		c[k] = f.col(al...)
	}
	if c["id"] < 0 && c["number"] < 0 {
		return errors.New("no incident id column (id / Incident ID)")
	}
	tf := &timeField{loc: p.loc(), layout: goLayout(p.opt.DateLayout)}
	for {
		rec, line, err := f.next(p.b)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		tf.err = nil
		get := func(k string) string { return cell(rec, c[k]) }
		// The incident number is only the id of a file without an id
		// column: falling back per row would store one incident under two
		// keys (its id from the API, its number from here).
		id := get("id")
		if c["id"] < 0 {
			id = get("number")
		}
		if id == "" {
			if c["id"] >= 0 {
				p.b.reject(line, rawRow(rec), "no incident id (the %s cell is empty)", f.header[c["id"]])
			} else {
				p.b.reject(line, rawRow(rec), "no incident number")
			}
			continue
		}
		p.pdAnalyticsIncident(line, rawRow(rec), get, id, tf)
	}
}

// pdAnalyticsIncident turns one Analytics incident (a CSV row or an
// element of the raw incidents API response) into an incident; get reads
// a field by its pdCSVAliases key.
func (p *parser) pdAnalyticsIncident(line int, raw string, get func(string) string, id string, tf *timeField) {
	service := get("service")
	if service == "" {
		service = p.opt.DefaultService
	}
	if service == "" {
		p.b.reject(line, raw, "incident %s: no service", id)
		return
	}
	created := tf.req("created_at", get("created"))
	resolved := tf.opt("resolved_at", get("resolved"))
	if tf.err != nil {
		p.b.reject(line, raw, "incident %s: %v", id, tf.err)
		return
	}
	out := analytics.Incident{
		ExternalID: id,
		Service:    service,
		Title:      get("title"),
		DetectedAt: created,
		ResolvedAt: resolved,
		URL:        get("url"),
	}
	var bad, err error
	if out.AcknowledgedAt, err = addSeconds(created, get("tta")); err != nil {
		bad = err
	}
	if out.MitigatedAt, err = addSeconds(created, get("ttm")); err != nil && bad == nil {
		bad = err
	}
	if out.ResolvedAt == nil {
		if out.ResolvedAt, err = addSeconds(created, get("ttr")); err != nil && bad == nil {
			bad = err
		}
	}
	if bad != nil {
		p.b.reject(line, raw, "incident %s: %v", id, bad)
		return
	}
	major, _ := parseBool(get("major"))
	switch prio := get("priority"); {
	case prio != "":
		out.SeverityRaw = prio
		out.Severity = p.severity(prio)
		p.noteUnmappedSeverity(prio, out.Severity)
	case major:
		out.SeverityRaw = "major"
		out.Severity = analytics.Sev1
	default:
		out.SeverityRaw = get("urgency")
		out.Severity = p.urgencySeverity(out.SeverityRaw)
	}
	switch strings.ToLower(get("status")) {
	case "resolved":
		out.Status = analytics.StatusResolved
	case "acknowledged":
		out.Status = analytics.StatusAcknowledged
	case "triggered", "open":
		out.Status = analytics.StatusOpen
	default:
		switch {
		case out.ResolvedAt != nil:
			out.Status = analytics.StatusResolved
		case out.AcknowledgedAt != nil:
			out.Status = analytics.StatusAcknowledged
		default:
			out.Status = analytics.StatusOpen
		}
	}
	out.Responders = pdAnalyticsResponders(get)
	p.b.addIncident(line, out)
}
