package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"sreport/analytics"
)

type pdRef struct {
	ID      jstr `json:"id"`
	Type    jstr `json:"type"`
	Summary jstr `json:"summary"`
	Name    jstr `json:"name"`
	HTMLURL jstr `json:"html_url"`
	Self    jstr `json:"self"`
	// Email is a user's, present where the API expands the reference
	// into a User (include[]=assignees / acknowledgers / users).
	Email jstr `json:"email"`
}

type pdNotification struct {
	Type jstr `json:"type"`
}

type pdLogEntry struct {
	ID        jstr  `json:"id"`
	Type      jstr  `json:"type"`
	CreatedAt jtime `json:"created_at"`
	Summary   jstr  `json:"summary"`
	Channel   struct {
		Type         jstr            `json:"type"`
		Notification *pdNotification `json:"notification"`
	} `json:"channel"`
	Notification *pdNotification `json:"notification"`
	Agent        *pdRef          `json:"agent"`
	User         *pdRef          `json:"user"` // notify_log_entry: who was notified
	Incident     *pdRef          `json:"incident"`
	Service      *pdRef          `json:"service"`
}

// channel returns how a notify_log_entry reached its user: "phone", "sms",
// "push", "email", or "" when the entry does not say. The API writes it in
// channel.notification.type ("sms", "phone", "email", or the OpenAPI's
// "sms_notification"…), some exports at the top level, and the summary
// always ends "by email" / "by SMS" / "by phone" / "by push notification".
func (e pdLogEntry) channel() string {
	var kinds []string
	if n := e.Channel.Notification; n != nil {
		kinds = append(kinds, n.Type.String())
	}
	if n := e.Notification; n != nil {
		kinds = append(kinds, n.Type.String())
	}
	if _, by, ok := strings.Cut(strings.ToLower(e.Summary.String()), " by "); ok {
		kinds = append(kinds, by)
	}
	for _, k := range kinds {
		k = strings.ToLower(k)
		switch {
		case strings.Contains(k, "email"):
			return "email"
		case strings.Contains(k, "sms"):
			return "sms"
		case strings.Contains(k, "phone"), strings.Contains(k, "voice"), strings.Contains(k, "call"):
			return "phone"
		case strings.Contains(k, "push"):
			return "push"
		}
	}
	return ""
}

// responder is who a notification reached: the user's name, else id,
// else the name in the entry's summary ("Notified Keon Amini by email."),
// which is all some recorded entries carry.
func (e pdLogEntry) responder() string {
	if e.User != nil {
		if v := firstNonEmpty(e.User.Summary.String(), e.User.Name.String(), e.User.ID.String()); v != "" {
			return v
		}
	}
	if rest, ok := strings.CutPrefix(e.Summary.String(), "Notified "); ok {
		if i := strings.LastIndex(rest, " by "); i > 0 {
			return strings.TrimSpace(rest[:i])
		}
	}
	return ""
}

type pdIncident struct {
	ID                   jstr   `json:"id"`
	Type                 jstr   `json:"type"`
	IncidentNumber       jint   `json:"incident_number"`
	Title                jstr   `json:"title"`
	Summary              jstr   `json:"summary"`
	Status               jstr   `json:"status"`
	Urgency              jstr   `json:"urgency"`
	CreatedAt            jtime  `json:"created_at"`
	ResolvedAt           jtime  `json:"resolved_at"`
	LastStatusChangeAt   jtime  `json:"last_status_change_at"`
	Service              *pdRef `json:"service"`
	Priority             *pdRef `json:"priority"`
	HTMLURL              jstr   `json:"html_url"`
	FirstTriggerLogEntry *pdRef `json:"first_trigger_log_entry"`
	Acknowledgements     []struct {
		At           jtime  `json:"at"`
		Acknowledger *pdRef `json:"acknowledger"`
	} `json:"acknowledgements"`
	Assignments []struct {
		Assignee *pdRef `json:"assignee"`
	} `json:"assignments"`
	LastStatusChangeBy *pdRef       `json:"last_status_change_by"`
	LogEntries         []pdLogEntry `json:"log_entries"`
}

type pdEntryAt struct {
	e    pdLogEntry
	line int
}

// pagerDutyAPI reads {"incidents":[…]} (log_entries optionally embedded per
// incident), {"incident":{…}} (GET /incidents/{id}), {"log_entries":[…]},
// a bare array of either, or the Analytics raw incidents response
// {"data":[…]} (POST /analytics/raw/incidents).
func (p *parser) pagerDutyAPI(in *bufio.Reader) error {
	s := newJSONStream(in)
	// Stand-alone log entries are grouped per incident and turned into pages
	// at the end, because whether the trigger counts as a page depends on
	// whether the incident has notify entries.
	var order []string
	byInc := map[string][]pdEntryAt{}
	// Analytics rows are read at the end: their times have no offset and
	// are in the response's time_zone, which follows the data.
	type rowAt struct {
		raw  json.RawMessage
		line int
	}
	var analyticsRows []rowAt
	others := map[string]json.RawMessage{}
	err := s.walk(shape{arrays: map[string]bool{"incidents": true, "log_entries": true, "data": true},
		singles: map[string]bool{"incident": true, "log_entry": true}}, func(key string, raw json.RawMessage, line, index int) error {
		if key == "data" {
			analyticsRows = append(analyticsRows, rowAt{raw, line})
			return nil
		}
		var probe struct {
			Type jstr `json:"type"`
		}
		json.Unmarshal(raw, &probe)
		isEntry := key == "log_entries" || key == "log_entry" || key == "" && strings.HasSuffix(probe.Type.String(), "log_entry")
		if isEntry {
			var e pdLogEntry
			if err := json.Unmarshal(raw, &e); err != nil {
				p.b.reject(line, snippet(raw), "log_entries[%d]: %v", index, err)
				return nil
			}
			inc := ""
			if e.Incident != nil {
				inc = e.Incident.ID.String()
			}
			if inc == "" {
				p.b.reject(line, snippet(raw), "log_entries[%d]: log entry %s names no incident", index, e.ID)
				return nil
			}
			if _, ok := byInc[inc]; !ok {
				order = append(order, inc)
			}
			byInc[inc] = append(byInc[inc], pdEntryAt{e, line})
			return nil
		}
		var inc pdIncident
		if err := json.Unmarshal(raw, &inc); err != nil {
			p.b.reject(line, snippet(raw), "incidents[%d]: %v", index, err)
			return nil
		}
		p.pdIncident(inc, line, index, raw)
		return nil
	}, others)
	if err != nil {
		return err
	}
	if len(analyticsRows) > 0 {
		tf := &timeField{loc: p.loc(), layout: goLayout(p.opt.DateLayout)}
		var zone jstr
		if raw, ok := others["time_zone"]; ok && json.Unmarshal(raw, &zone) == nil && zone.String() != "" {
			loc, err := time.LoadLocation(zone.String())
			if err != nil {
				return fmt.Errorf("time_zone %q: %w", zone.String(), err)
			}
			tf.loc = loc
		}
		for _, r := range analyticsRows {
			var m map[string]jstr
			if err := json.Unmarshal(r.raw, &m); err != nil {
				p.b.reject(r.line, snippet(r.raw), "data: %v", err)
				continue
			}
			cells := make(map[string]string, len(m))
			for k, v := range m {
				cells[normHeader(k)] = v.String()
			}
			get := func(k string) string {
				for _, a := range pdCSVAliases[k] {
					if v, ok := cells[normHeader(a)]; ok {
						return v
					}
				}
				return ""
			}
			tf.err = nil
			p.pdAnalyticsIncident(r.line, snippet(r.raw), get, get("id"), tf)
		}
	}
	for _, id := range order {
		p.pdPages(id, "", "", "", byInc[id], nil, pdUsers(pdIncident{}, byInc[id]))
	}
	if p.pdEmails > 0 {
		p.b.warn("%d e-mail notifications are not pages: PagerDuty Analytics counts interruptions by phone, SMS and push only", p.pdEmails)
	}
	if p.pdUnknownChannel > 0 {
		p.b.warn("%d notifications that do not say their channel (phone, SMS, push or e-mail) were counted as pages", p.pdUnknownChannel)
	}
	if len(order) > 0 {
		// The title comes from the entry's incident summary ("[#4] Crash
		// reported"), urgency is unknown: an incident's own title wins.
		p.b.Derived = map[string][]string{"pages": {"title"}}
		p.b.warn("log entries only: pages carry the PagerDuty incident id (IncidentRef) but no service unless the entry names one; incident ack/resolve times are not updated from a log-entries file")
	}
	return nil
}

func (p *parser) pdIncident(inc pdIncident, line, index int, raw json.RawMessage) {
	id := inc.ID.String()
	if id == "" {
		p.b.reject(line, snippet(raw), "incidents[%d]: no id", index)
		return
	}
	if err := timeErr(namedTime{"created_at", inc.CreatedAt}, namedTime{"resolved_at", inc.ResolvedAt}, namedTime{"last_status_change_at", inc.LastStatusChangeAt}); err != nil {
		p.b.reject(line, snippet(raw), "incident %s: %v", id, err)
		return
	}
	if inc.CreatedAt.T == nil {
		p.b.reject(line, snippet(raw), "incident %s: no created_at", id)
		return
	}
	service := ""
	if inc.Service != nil {
		service = inc.Service.Summary.String()
		if service == "" {
			service = inc.Service.Name.String()
		}
		if service == "" {
			service = inc.Service.ID.String()
		}
	}
	if service == "" {
		p.b.reject(line, snippet(raw), "incident %s: no service", id)
		return
	}
	out := analytics.Incident{
		ExternalID: id,
		Service:    service,
		Title:      inc.Title.String(),
		DetectedAt: *inc.CreatedAt.T,
		URL:        inc.HTMLURL.String(),
	}
	if out.Title == "" {
		out.Title = inc.Summary.String()
	}
	// Severity: priority P1..P5, else urgency high→2 / low→3.
	prio := ""
	if inc.Priority != nil {
		prio = inc.Priority.Summary.String()
		if prio == "" {
			prio = inc.Priority.Name.String()
		}
	}
	if prio != "" {
		out.SeverityRaw = prio
		out.Severity = p.severity(prio)
		p.noteUnmappedSeverity(prio, out.Severity)
	} else {
		out.SeverityRaw = inc.Urgency.String()
		out.Severity = p.urgencySeverity(out.SeverityRaw)
	}
	switch strings.ToLower(inc.Status.String()) {
	case "acknowledged":
		out.Status = analytics.StatusAcknowledged
	case "resolved":
		out.Status = analytics.StatusResolved
	default:
		out.Status = analytics.StatusOpen
	}
	// Ack: first acknowledge_log_entry, else the acknowledgements array.
	var entries []pdEntryAt
	for _, e := range inc.LogEntries {
		entries = append(entries, pdEntryAt{e, line})
	}
	ack, res, _ := pdAckResolve(entries)
	if ack == nil {
		for _, a := range inc.Acknowledgements {
			if a.At.T != nil && (ack == nil || a.At.T.Before(*ack)) {
				ack = a.At.T
			}
		}
	}
	out.AcknowledgedAt = ack
	users := pdUsers(inc, entries)
	switch {
	case inc.ResolvedAt.T != nil:
		out.ResolvedAt = inc.ResolvedAt.T
	case res != nil:
		out.ResolvedAt = res
	case out.Status == analytics.StatusResolved && inc.LastStatusChangeAt.T != nil:
		out.ResolvedAt = inc.LastStatusChangeAt.T
	}
	if out.Status == analytics.StatusResolved && out.ResolvedAt == nil {
		p.b.warn("resolved PagerDuty incident without a resolve time")
	}
	out.Responders = pdIncidentResponders(inc, entries, out.Status, users)
	p.b.addIncident(line, out)

	if len(inc.LogEntries) > 0 {
		p.pdPages(id, service, out.Title, inc.Urgency.String(), entries, out.ResolvedAt, users)
		return
	}
	// No log entries: the trigger is the incident's one page.
	pg := analytics.Page{
		ExternalID:     id,
		Service:        service,
		IncidentRef:    id,
		Title:          out.Title,
		Urgency:        strings.ToLower(inc.Urgency.String()),
		TriggeredAt:    out.DetectedAt,
		AcknowledgedAt: out.AcknowledgedAt,
		ResolvedAt:     out.ResolvedAt,
		// Without log entries nothing says whom the trigger notified: the
		// incident's people stand in (Page.Interrupted takes who
		// acknowledged, else who resolved, else who it was assigned to).
		Responders: out.Responders,
	}
	if inc.FirstTriggerLogEntry != nil && inc.FirstTriggerLogEntry.ID.String() != "" {
		pg.ExternalID = inc.FirstTriggerLogEntry.ID.String()
	}
	p.b.addFallbackPage(line, pg)
}

// pdTitle turns an incident summary "[#4] Crash reported" into its title.
func pdTitle(summary string) string {
	if rest, ok := strings.CutPrefix(summary, "[#"); ok {
		if i := strings.Index(rest, "] "); i > 0 && strings.Trim(rest[:i], "0123456789") == "" {
			return rest[i+2:]
		}
	}
	return summary
}

// pdAckResolve finds the first acknowledge and the last resolve entry.
func pdAckResolve(entries []pdEntryAt) (ack, res *time.Time, resolveEntry *pdLogEntry) {
	for i := range entries {
		e := &entries[i].e
		if e.CreatedAt.T == nil {
			continue
		}
		switch e.Type.String() {
		case "acknowledge_log_entry":
			if ack == nil || e.CreatedAt.T.Before(*ack) {
				ack = e.CreatedAt.T
			}
		case "resolve_log_entry":
			if res == nil || e.CreatedAt.T.After(*res) {
				res, resolveEntry = e.CreatedAt.T, e
			}
		}
	}
	return
}

// pdPages turns an incident's log entries into pages: every notify_log_entry
// is a page; an incident without any notify entry gets its trigger_log_entry
// as its one page. Each page's ack is the first acknowledge at/after it.
func (p *parser) pdPages(incID, service, title, urgency string, entries []pdEntryAt, resolved *time.Time, users pdDirectory) {
	sort.SliceStable(entries, func(i, j int) bool {
		a, b := entries[i].e.CreatedAt.T, entries[j].e.CreatedAt.T
		if a == nil || b == nil {
			return b != nil
		}
		return a.Before(*b)
	})
	_, res, resEntry := pdAckResolve(entries)
	if resolved == nil {
		resolved = res
	}
	auto := resEntry != nil && (resEntry.Channel.Type.String() == "auto" || resEntry.Channel.Type.String() == "timeout" ||
		resEntry.Agent != nil && strings.HasPrefix(resEntry.Agent.Type.String(), "service"))
	var acks []time.Time
	var ackers []*pdRef
	for _, pe := range entries {
		if pe.e.Type.String() == "acknowledge_log_entry" && pe.e.CreatedAt.T != nil {
			acks = append(acks, *pe.e.CreatedAt.T)
			ackers = append(ackers, pe.e.Agent)
		}
	}
	var resolver []analytics.Responder
	if resEntry != nil {
		if r, ok := users.person(resEntry.Agent, analytics.RoleResolved); ok {
			resolver = append(resolver, r)
		}
	}
	hasNotify := false
	for _, pe := range entries {
		if pe.e.Type.String() == "notify_log_entry" {
			hasNotify = true
			break
		}
	}

	want := "notify_log_entry"
	if !hasNotify {
		want = "trigger_log_entry"
	} else {
		// An earlier file without these notify entries may have stored the
		// trigger (or the incident itself) as the incident's one page.
		p.b.SupersededPages = append(p.b.SupersededPages, incID)
		for _, pe := range entries {
			if pe.e.Type.String() == "trigger_log_entry" && pe.e.ID.String() != "" {
				p.b.SupersededPages = append(p.b.SupersededPages, pe.e.ID.String())
			}
		}
	}
	for _, pe := range entries {
		e := pe.e
		if e.Type.String() != want {
			continue
		}
		// A page is an interruption as PagerDuty Analytics counts them: a
		// notification by phone, SMS or push. E-mail interrupts no one.
		if want == "notify_log_entry" {
			switch e.channel() {
			case "email":
				p.pdEmails++
				continue
			case "":
				p.pdUnknownChannel++
			}
		}
		if e.CreatedAt.Err != nil || e.CreatedAt.T == nil {
			p.b.reject(pe.line, "", "log entry %s: bad or missing created_at", e.ID)
			continue
		}
		if e.ID.String() == "" {
			p.b.reject(pe.line, "", "log entry of incident %s without id", incID)
			continue
		}
		pg := analytics.Page{
			ExternalID:  e.ID.String(),
			Service:     service,
			IncidentRef: incID,
			Title:       title,
			Urgency:     strings.ToLower(urgency),
			TriggeredAt: *e.CreatedAt.T,
			ResolvedAt:  resolved,
			Responder:   e.responder(),
		}
		if pg.Service == "" && e.Service != nil {
			pg.Service = e.Service.Summary.String()
		}
		if pg.Title == "" && e.Incident != nil {
			pg.Title = pdTitle(e.Incident.Summary.String())
		}
		if r, ok := users.person(e.User, analytics.RoleNotified); ok {
			pg.Responders = append(pg.Responders, r)
		} else if pg.Responder != "" {
			pg.Responders = append(pg.Responders, analytics.Responder{Role: analytics.RoleNotified, Name: pg.Responder})
		}
		for i, a := range acks {
			if !a.Before(pg.TriggeredAt) {
				pg.AcknowledgedAt = ptr(a)
				if r, ok := users.person(ackers[i], analytics.RoleAcknowledged); ok {
					pg.Responders = append(pg.Responders, r)
				}
				break
			}
		}
		pg.Responders = analytics.NormalizeResponders(append(pg.Responders, resolver...))
		pg.AutoResolved = auto && pg.AcknowledgedAt == nil
		if hasNotify {
			p.b.addPage(pe.line, pg)
		} else {
			p.b.addFallbackPage(pe.line, pg)
		}
	}
}
