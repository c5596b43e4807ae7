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

// jiraCols resolves JiraFields (header names) to positions. A name can
// match several columns (Jira repeats headers); the first non-empty cell wins.
type jiraCols struct {
	f *csvFile
}

// positions of a header given by the user or guessed; "-" = none.
func (j jiraCols) named(name string) []int {
	if name == "" || name == "-" {
		return nil
	}
	return j.f.colsOf(name)
}

// guess finds columns whose normalised header contains any of the needles
// (tried in order), preferring "Custom field (…)" columns.
func (j jiraCols) guess(needles ...string) []int {
	for _, n := range needles {
		var custom, other []int
		for i, h := range j.f.header {
			nh := normHeader(h)
			if !strings.Contains(nh, n) {
				continue
			}
			if strings.HasPrefix(nh, "custom_field") {
				custom = append(custom, i)
			} else {
				other = append(other, i)
			}
		}
		if len(custom) > 0 {
			return custom
		}
		if len(other) > 0 {
			return other
		}
	}
	return nil
}

func (j jiraCols) pick(user string, needles ...string) []int {
	if user == "-" {
		return nil
	}
	if user != "" {
		return j.named(user)
	}
	return j.guess(needles...)
}

func firstCell(rec []string, pos []int) string {
	for _, i := range pos {
		if v := cell(rec, i); v != "" {
			return v
		}
	}
	return ""
}

var reMitigation = regexp.MustCompile(`(?i)mitigat`)

// jiraServiceCols resolves where a Jira issue's service is read: the
// column Options.Jira.Service names, else the field Options.ServiceFrom
// chooses (affected_services, components, project), else the first of a
// "Service" custom field, Affected services, Components and the project
// that holds a value.
func (p *parser) jiraServiceCols(j jiraCols, f *csvFile) ([][]int, error) {
	if name := p.opt.Jira.Service; name != "" {
		return [][]int{j.pick(name)}, nil
	}
	affected := j.guess("custom_field_affected_service", "affected_service")
	components := append(f.colsOf("Component/s"), f.colsOf("Components")...)
	project := []int{}
	if i := f.col("Project name", "Project key"); i >= 0 {
		project = []int{i}
	}
	switch normHeader(p.opt.ServiceFrom) {
	case "":
	case "affected_services", "affected_service":
		return [][]int{affected}, nil
	case "components", "component", "component_s":
		return [][]int{components}, nil
	case "project", "project_name", "project_key":
		return [][]int{project}, nil
	default:
		return nil, fmt.Errorf("service from %q: Jira names the service in affected_services, components or project", p.opt.ServiceFrom)
	}
	custom := j.guess("custom_field_service")
	return [][]int{custom, affected, components, project}, nil
}

func firstOf(rec []string, chain [][]int) string {
	for _, pos := range chain {
		if v := firstCell(rec, pos); v != "" {
			return v
		}
	}
	return ""
}

func (p *parser) jira(in *bufio.Reader) error {
	f, err := openCSV(in)
	if err != nil {
		return err
	}
	j := jiraCols{f}
	key := f.col("Issue key", "Key")
	issueID := f.col("Issue id", "Id")
	if key < 0 && issueID < 0 {
		return errors.New("not a Jira export: no Issue key column")
	}
	summary := f.col("Summary")
	itype := f.col("Issue Type", "Issue type", "Type")
	status := f.col("Status")
	statusCat := f.col("Status Category")
	created := f.col("Created")
	resolved := f.col("Resolved", "Resolution date")
	due := f.col("Due date", "Due Date")
	assignee := f.col("Assignee")
	priority := f.col("Priority")
	comments := f.colsOf("Comment")

	jf := p.opt.Jira
	svcChain, err := p.jiraServiceCols(j, f)
	if err != nil {
		return err
	}
	sevCols := j.pick(jf.Severity, "custom_field_severity", "severity")
	impactCols := j.pick(jf.ImpactStart, "impact_start", "incident_start", "start_time")
	mitCols := j.pick(jf.MitigatedAt, "mitigated", "mitigation_time", "time_mitigated")
	linkCols := j.pick(jf.ActionItemLink, "parent_key", "parent_id", "parent", "inward_issue_link", "outward_issue_link", "linked_issue")
	useCommentMitigation := jf.MitigatedAt == "" && len(mitCols) == 0

	layout := goLayout(p.opt.DateLayout)
	if layout == "" {
		layout = layoutJira
	}
	tf := &timeField{layout: layout, loc: p.loc()}
	// Every issue of the file, by key and by id, and whether it is an
	// incident: a task is an action item only when its parent is one.
	idToKey := map[string]string{}
	isIncident := map[string]bool{}
	type pendingAI struct {
		line int
		typ  string
		a    analytics.ActionItem
	}
	var ais []pendingAI
	skipped := map[string]int{} // issue type → issues that are neither incidents nor children of one
	var skipOrder []string
	skip := func(typ string) {
		if typ == "" {
			typ = "(no type)"
		}
		if skipped[typ] == 0 {
			skipOrder = append(skipOrder, typ)
		}
		skipped[typ]++
	}

	for {
		rec, line, err := f.next(p.b)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		tf.err = nil
		k := cell(rec, key)
		if k == "" {
			k = cell(rec, issueID)
		}
		if k == "" {
			p.b.reject(line, rawRow(rec), "no issue key")
			continue
		}
		if id := cell(rec, issueID); id != "" {
			idToKey[id] = k
		}
		typName := cell(rec, itype)
		typ := strings.ToLower(typName)
		incident := itype < 0 || strings.Contains(typ, "incident")
		isIncident[k] = incident
		if !incident {
			link := firstCell(rec, linkCols)
			taskLike := strings.Contains(typ, "action") || strings.Contains(typ, "task") || strings.Contains(typ, "follow") || strings.Contains(typ, "remediation")
			if !taskLike || link == "" {
				skip(typName)
				continue
			}
			a := analytics.ActionItem{
				ExternalID:  k,
				IncidentRef: link,
				Service:     firstOf(rec, svcChain),
				Title:       cell(rec, summary),
				Owner:       cell(rec, assignee),
				DueAt:       tf.opt("Due date", cell(rec, due)),
				ClosedAt:    tf.opt("Resolved", cell(rec, resolved)),
			}
			if tf.err != nil {
				p.b.reject(line, rawRow(rec), "action item %s: %v", k, tf.err)
				continue
			}
			ais = append(ais, pendingAI{line, typName, a})
			continue
		}

		service := firstOf(rec, svcChain)
		if service == "" {
			service = p.opt.DefaultService
		}
		if service == "" {
			p.b.reject(line, rawRow(rec), "incident %s: no service (no Affected services, Components or project; set the Jira service column)", k)
			continue
		}
		out := analytics.Incident{
			ExternalID: k,
			Service:    service,
			Title:      cell(rec, summary),
		}
		out.DetectedAt = tf.req("Created", cell(rec, created))
		out.StartedAt = tf.opt("impact start", firstCell(rec, impactCols))
		out.MitigatedAt = tf.opt("mitigated at", firstCell(rec, mitCols))
		out.ResolvedAt = tf.opt("Resolved", cell(rec, resolved))
		if tf.err != nil {
			p.b.reject(line, rawRow(rec), "incident %s: %v", k, tf.err)
			continue
		}
		if useCommentMitigation && out.MitigatedAt == nil {
			out.MitigatedAt = jiraCommentMitigation(rec, comments, layout, p.loc())
		}
		sevRaw := firstCell(rec, sevCols)
		if sevRaw == "" || p.severity(sevRaw) == analytics.SevUnknown && !p.hasSeverityOverride(sevRaw) {
			if pr := cell(rec, priority); pr != "" {
				sevRaw = pr
			}
		}
		out.SeverityRaw = sevRaw
		out.Severity = p.severity(sevRaw)
		p.noteUnmappedSeverity(sevRaw, out.Severity)
		out.Status = jiraStatus(cell(rec, status), cell(rec, statusCat), out)
		p.b.addIncident(line, out)
	}
	for _, x := range ais {
		ref := x.a.IncidentRef
		if k, ok := idToKey[ref]; ok {
			ref = k // Parent id values are issue ids
		}
		x.a.IncidentRef = ref
		inc, inFile := isIncident[ref]
		switch {
		case inFile && !inc:
			// A task of an epic or a story: project work, not a follow-up.
			skip(x.typ)
			continue
		case !inFile:
			// Its parent may be an incident imported before: the store
			// keeps it only then.
			if p.b.LinkedOnly == nil {
				p.b.LinkedOnly = map[string]bool{}
			}
			p.b.LinkedOnly[x.a.ExternalID] = true
		}
		p.b.addActionItem(x.line, x.a)
	}
	if len(skipOrder) > 0 {
		total := 0
		parts := make([]string, len(skipOrder))
		for i, t := range skipOrder {
			total += skipped[t]
			parts[i] = fmt.Sprintf("%d %s", skipped[t], t)
		}
		p.b.warn("%d Jira issues skipped: neither incidents (an Issue Type containing \"Incident\") nor tasks of an incident (%s)", total, strings.Join(parts, ", "))
	}
	return nil
}

func jiraStatus(status, category string, in analytics.Incident) string {
	switch strings.ToLower(status) {
	case "resolved", "closed", "done", "cancelled", "canceled", "completed":
		return analytics.StatusResolved
	case "mitigated", "monitoring":
		return analytics.StatusMitigated
	case "in progress", "work in progress", "investigating", "identified", "acknowledged":
		return analytics.StatusAcknowledged
	}
	switch strings.ToLower(category) {
	case "done", "complete":
		return analytics.StatusResolved
	case "in progress":
		return analytics.StatusAcknowledged
	}
	switch {
	case in.ResolvedAt != nil:
		return analytics.StatusResolved
	case in.MitigatedAt != nil:
		return analytics.StatusMitigated
	}
	return analytics.StatusOpen
}

// jiraCommentMitigation returns the time of the earliest comment whose body
// mentions mitigation. Jira exports comments as "date;author;body".
func jiraCommentMitigation(rec []string, cols []int, layout string, loc *time.Location) *time.Time {
	var best *time.Time
	for _, i := range cols {
		c := cell(rec, i)
		parts := strings.SplitN(c, ";", 3)
		if len(parts) < 3 || !reMitigation.MatchString(parts[2]) {
			continue
		}
		t, err := parseTime(parts[0], layout, loc)
		if err != nil {
			continue
		}
		if best == nil || t.Before(*best) {
			best = ptr(t)
		}
	}
	return best
}
