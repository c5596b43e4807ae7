package ingest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"sreport/analytics"
)

var snIncidentAliases = map[string][]string{
	"number":           {"number", "Number"},
	"opened":           {"opened_at", "Opened", "Opened at"},
	"created":          {"sys_created_on", "Created", "Created on"},
	"updated":          {"sys_updated_on", "Updated", "Last update"},
	"title":            {"short_description", "Short description"},
	"priority":         {"priority", "Priority"},
	"severity":         {"severity", "Severity"},
	"urgency":          {"urgency", "Urgency"},
	"state":            {"state", "State", "incident_state", "Incident state"},
	"category":         {"category", "Category"},
	"cmdb_ci":          {"cmdb_ci", "Configuration item", "CI"},
	"service":          {"business_service", "Service", "Business service"},
	"service_offering": {"service_offering", "Service offering"},
	"assignment_group": {"assignment_group", "Assignment group"},
	"resolved":         {"resolved_at", "Resolved", "Resolved at"},
	"closed":           {"closed_at", "Closed", "Closed at"},
	"caused_by":        {"caused_by", "Caused by Change", "Caused by", "rfc", "Change Request"},
	"problem":          {"problem_id", "Problem"},
	"impact":           {"u_impact_start", "Impact start"},
	"mitigated":        {"u_mitigated_at", "Mitigated at", "Mitigated"},
	"acked":            {"u_acknowledged_at", "Acknowledged at", "Acknowledged"},
	"root_cause":       {"u_root_cause", "Root cause"},
	"major":            {"major_incident_state", "Major incident state"},
	"url":              {"url", "URL", "Link"},
	// People: the user the incident is assigned to and who resolved it.
	"assigned_to": {"assigned_to", "Assigned to"},
	"resolved_by": {"resolved_by", "Resolved by"},
}

var snChangeAliases = map[string][]string{
	"number":      {"number", "Number"},
	"title":       {"short_description", "Short description"},
	"type":        {"type", "Type"},
	"state":       {"state", "State"},
	"start_date":  {"start_date", "Planned start date"},
	"end_date":    {"end_date", "Planned end date"},
	"work_start":  {"work_start", "Actual start", "Actual start date"},
	"work_end":    {"work_end", "Actual end", "Actual end date"},
	"close_code":  {"close_code", "Close code"},
	"close_notes": {"close_notes", "Close notes"},
	"cmdb_ci":     {"cmdb_ci", "Configuration item", "CI"},
	"service":     {"business_service", "Service", "Business service"},
	"env":         {"u_environment", "environment", "Environment"},
	"version":     {"u_version", "version", "Version"},
	"url":         {"url", "URL", "Link"},
}

func resolveAliases(f *csvFile, aliases map[string][]string) map[string]int {
	c := map[string]int{}
	for k, al := range aliases {
		c[k] = f.col(al...)
	}
	return c
}

func (p *parser) snTimes() *timeField {
	l := goLayout(p.opt.DateLayout)
	if l == "" {
		l = layoutServiceNow
	}
	return &timeField{layout: l, loc: p.loc()}
}

// snState maps an incident state (display value or number) to ours.
func snState(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "resolved", "closed", "canceled", "cancelled", "6", "7", "8":
		return analytics.StatusResolved
	case "in progress", "on hold", "work in progress", "awaiting", "2", "3":
		return analytics.StatusAcknowledged
	}
	return analytics.StatusOpen
}

// snServiceFields are the ServiceNow fields that can name an incident's
// service, in the order they are tried: the CI is the technical service
// (checkout-api), business_service and service_offering the broader
// offering, the assignment group the team — the only one a default list
// export has. Options.ServiceFrom picks one.
var snServiceFields = []string{"cmdb_ci", "service", "service_offering", "assignment_group"}

// snServiceField resolves Options.ServiceFrom ("cmdb_ci",
// "business_service", "service_offering", "assignment_group" or their
// labels) to a snIncidentAliases key.
func snServiceField(from string) (string, error) {
	switch normHeader(from) {
	case "":
		return "", nil
	case "cmdb_ci", "configuration_item", "ci":
		return "cmdb_ci", nil
	case "business_service", "service":
		return "service", nil
	case "service_offering":
		return "service_offering", nil
	case "assignment_group":
		return "assignment_group", nil
	}
	return "", fmt.Errorf("service from %q: ServiceNow names the service in cmdb_ci, business_service, service_offering or assignment_group", from)
}

// snNull is how some exports write an empty reference or string field.
func snNull(v string) string {
	if strings.EqualFold(v, "null") {
		return ""
	}
	return v
}

func (p *parser) serviceNowIncidents(in *bufio.Reader) error {
	f, err := openCSV(in)
	if err != nil {
		return err
	}
	c := resolveAliases(f, snIncidentAliases)
	openedCol := "opened"
	if c["opened"] < 0 {
		// The label export of a list without "Opened" has "Created"
		// (sys_created_on): the record is created when it is opened.
		openedCol = "created"
	}
	if c["number"] < 0 || c[openedCol] < 0 {
		return errors.New("not a ServiceNow incident export: no number and opened_at (or Created) column")
	}
	from, err := snServiceField(p.opt.ServiceFrom)
	if err != nil {
		return err
	}
	fields := snServiceFields
	if from != "" {
		fields = []string{from}
	}
	// Closed incidents without a resolved_at column take the closest time
	// the export has, said in a warning: closed_at (closed after the
	// resolution, often days later), else the last update.
	resolvedFrom := "resolved"
	switch {
	case c["resolved"] >= 0:
	case c["closed"] >= 0:
		resolvedFrom = "closed"
	case c["updated"] >= 0:
		resolvedFrom = "updated"
	default:
		resolvedFrom = ""
	}
	tf := p.snTimes()
	fromGroup, fromClosed, fromUpdated, noResolve := 0, 0, 0, 0
	for {
		rec, line, err := f.next(p.b)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		tf.err = nil
		get := func(k string) string { return snNull(cell(rec, c[k])) }
		num := get("number")
		if num == "" {
			p.b.reject(line, rawRow(rec), "no incident number")
			continue
		}
		service, field := "", ""
		for _, k := range fields {
			if service = get(k); service != "" {
				field = k
				break
			}
		}
		if service == "" {
			service = p.opt.DefaultService
		}
		if service == "" {
			p.b.reject(line, rawRow(rec), "incident %s: no service: %s empty or not in the export (choose the field, or set a default service)",
				num, snFieldList(fields))
			continue
		}
		// Severity: priority, else severity, else urgency (a list export
		// without Priority still has one of them).
		sevRaw := get("priority")
		if sevRaw == "" {
			sevRaw = firstNonEmpty(get("severity"), get("urgency"))
		}
		out := analytics.Incident{
			ExternalID:  num,
			Service:     service,
			Title:       get("title"),
			SeverityRaw: sevRaw,
			Status:      snState(get("state")),
			Category:    get("category"),
			CausedByRef: get("caused_by"),
			ProblemRef:  get("problem"),
			RootCause:   get("root_cause"),
			URL:         get("url"),
		}
		out.DetectedAt = tf.req(f.header[c[openedCol]], get(openedCol))
		out.StartedAt = tf.opt("impact start", get("impact"))
		out.AcknowledgedAt = tf.opt("acknowledged", get("acked"))
		out.MitigatedAt = tf.opt("mitigated", get("mitigated"))
		out.ResolvedAt = tf.opt("resolved_at", get("resolved"))
		closed := tf.opt("closed_at", get("closed"))
		var updated *time.Time
		if resolvedFrom == "updated" {
			updated = tf.opt("sys_updated_on", get("updated"))
		}
		if tf.err != nil {
			p.b.reject(line, rawRow(rec), "incident %s: %v", num, tf.err)
			continue
		}
		if out.ResolvedAt == nil && out.Status == analytics.StatusResolved {
			switch {
			case closed != nil:
				out.ResolvedAt = closed
				if resolvedFrom == "closed" {
					fromClosed++
				}
			case updated != nil:
				out.ResolvedAt = updated
				fromUpdated++
			case resolvedFrom != "resolved":
				noResolve++
			}
		}
		out.Severity = p.severity(out.SeverityRaw)
		p.noteUnmappedSeverity(out.SeverityRaw, out.Severity)
		out.Responders = analytics.NormalizeResponders([]analytics.Responder{
			{Role: analytics.RoleAssigned, Name: get("assigned_to")}, {Role: analytics.RoleResolved, Name: get("resolved_by")}})
		p.b.addIncident(line, out)
		if field == "assignment_group" && from == "" {
			fromGroup++
		}
	}
	if fromGroup > 0 {
		p.b.warn("%d incidents name no cmdb_ci, business_service or service_offering: their service is the assignment group (choose another field, or map the names to services)", fromGroup)
	}
	if fromClosed > 0 {
		p.b.warn("%d resolved or closed incidents: the export has no resolved_at column, so their resolve time is closed_at (closing often follows resolution by days; add Resolved to the list view for exact times)", fromClosed)
	}
	if fromUpdated > 0 {
		p.b.warn("%d resolved or closed incidents: the export has neither resolved_at nor closed_at, so their resolve time is the last update (sys_updated_on), an upper bound; add Resolved to the list view for exact times", fromUpdated)
	}
	if noResolve > 0 {
		p.b.warn("%d resolved or closed incidents have no resolve time in the export (no resolved_at, closed_at or sys_updated_on): they are stored resolved, without a time to resolve", noResolve)
	}
	return nil
}

// snFieldList names the service fields for a reject.
func snFieldList(keys []string) string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = snIncidentAliases[k][0]
	}
	return strings.Join(names, ", ")
}

var (
	reRollback = regexp.MustCompile(`(?i)\b(roll[\s-]?back|rolled[\s-]?back|back[\s-]?out|backed[\s-]?out|revert)`)
	reVersion  = regexp.MustCompile(`(?i)\b(?:release|version|ver|v)\s*v?(\d+(?:\.\d+)+[0-9A-Za-z.+-]*)`)
	reVersion2 = regexp.MustCompile(`\bv?(\d+\.\d+(?:\.\d+)*[0-9A-Za-z.+-]*)\b`)
)

func versionFrom(s string) string {
	if m := reVersion.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	if m := reVersion2.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

func (p *parser) serviceNowChanges(in *bufio.Reader) error {
	f, err := openCSV(in)
	if err != nil {
		return err
	}
	c := resolveAliases(f, snChangeAliases)
	if c["number"] < 0 {
		return errors.New("not a ServiceNow change export: no number column")
	}
	tf := p.snTimes()
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
		num := get("number")
		if num == "" {
			p.b.reject(line, rawRow(rec), "no change number")
			continue
		}
		service := get("cmdb_ci")
		if service == "" {
			service = get("service")
		}
		if service == "" {
			p.b.reject(line, rawRow(rec), "change %s: no cmdb_ci or business_service", num)
			continue
		}
		started := tf.opt("work_start", get("work_start"))
		if started == nil {
			started = tf.opt("start_date", get("start_date"))
		}
		finished := tf.opt("work_end", get("work_end"))
		if finished == nil {
			finished = tf.opt("end_date", get("end_date"))
		}
		if tf.err != nil {
			p.b.reject(line, rawRow(rec), "change %s: %v", num, tf.err)
			continue
		}
		state := strings.ToLower(get("state"))
		code := strings.ToLower(strings.Join(strings.Fields(get("close_code")), "_"))
		code = strings.ReplaceAll(code, "-", "_")
		var status string
		switch {
		case state == "cancelled" || state == "canceled" || state == "4":
			status = analytics.DeployCancelled
		case code == "successful" || code == "successful_issues" || code == "successful_with_issues":
			status = analytics.DeploySuccess
		case code == "unsuccessful":
			status = analytics.DeployFailed
		case code != "":
			p.b.reject(line, rawRow(rec), "change %s: unknown close_code %q", num, get("close_code"))
			continue
		case state == "closed" || state == "review" || state == "3" || state == "0":
			p.b.reject(line, rawRow(rec), "change %s: state %q without a close_code", num, get("state"))
			continue
		default:
			p.b.pending("changes", num+" "+strings.ToLower(get("state")))
			continue
		}
		if finished == nil {
			p.b.reject(line, rawRow(rec), "change %s: no work_end or end_date", num)
			continue
		}
		desc := get("title")
		d := analytics.Deploy{
			ExternalID:  num,
			Service:     service,
			Environment: strings.ToLower(get("env")),
			Version:     get("version"),
			StartedAt:   started,
			FinishedAt:  *finished,
			Status:      status,
			IsHotfix:    strings.EqualFold(get("type"), "emergency") || strings.EqualFold(get("type"), "expedited"),
			IsRollback:  reRollback.MatchString(desc) || reRollback.MatchString(get("close_code")) || reRollback.MatchString(get("close_notes")),
			URL:         get("url"),
		}
		if d.Version == "" {
			d.Version = versionFrom(desc)
		}
		p.b.addDeploy(line, d)
	}
}
