package ingest

import (
	"bufio"
	"errors"
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
	svcCols := j.pick(jf.Service, "custom_field_service", "custom_field_affected_service", "service", "component")
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
	idToKey := map[string]string{}
	type pendingAI struct {
		line int
		a    analytics.ActionItem
	}
	var ais []pendingAI

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
		typ := strings.ToLower(cell(rec, itype))
		isIncident := itype < 0 || strings.Contains(typ, "incident")
		isAction := !isIncident && (strings.Contains(typ, "action") || strings.Contains(typ, "task") || strings.Contains(typ, "follow") || strings.Contains(typ, "remediation"))
		if !isIncident && !isAction {
			p.b.warn("Jira issues of type %q skipped (neither incident nor action item)", cell(rec, itype))
			continue
		}
		if isAction {
			link := firstCell(rec, linkCols)
			if link == "" {
				p.b.reject(line, rawRow(rec), "action item %s: no linked incident (set the action item link column)", k)
				continue
			}
			a := analytics.ActionItem{
				ExternalID:  k,
				IncidentRef: link,
				Service:     firstCell(rec, svcCols),
				Title:       cell(rec, summary),
				Owner:       cell(rec, assignee),
				DueAt:       tf.opt("Due date", cell(rec, due)),
				ClosedAt:    tf.opt("Resolved", cell(rec, resolved)),
			}
			if tf.err != nil {
				p.b.reject(line, rawRow(rec), "action item %s: %v", k, tf.err)
				continue
			}
			ais = append(ais, pendingAI{line, a})
			continue
		}

		service := firstCell(rec, svcCols)
		if service == "" {
			p.b.reject(line, rawRow(rec), "incident %s: no service (set the Jira service column)", k)
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
		if k, ok := idToKey[x.a.IncidentRef]; ok {
			x.a.IncidentRef = k
		}
		p.b.addActionItem(x.line, x.a)
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
