package ingest

import (
	"bufio"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"sreport/analytics"
	"sreport/analytics/imports"
)

// KindFields lists, per mapping kind, the fields a Mapping can fill; the
// required ones are marked in RequiredFields.
var KindFields = map[string][]string{
	"incidents": {"external_id", "service", "title", "severity", "status", "customer_impacting", "started_at", "detected_at",
		"acknowledged_at", "mitigated_at", "resolved_at", "root_cause", "category", "problem_ref", "caused_by_ref",
		"postmortem_url", "postmortem_due_at", "postmortem_published_at", "url"},
	"deploys":      {"external_id", "service", "environment", "version", "started_at", "finished_at", "status", "is_rollback", "is_hotfix", "commit_at", "url", "perf_regression"},
	"pages":        {"external_id", "service", "incident_ref", "title", "urgency", "triggered_at", "acknowledged_at", "resolved_at", "auto_resolved", "actionable", "responder"},
	"sli":          {"service", "slo", "day", "good", "total", "objective"},
	"toil":         {"team", "week", "toil_hours", "total_hours", "note"},
	"action_items": {"external_id", "incident_ref", "service", "title", "owner", "due_at", "closed_at", "url"},
}

// RequiredFields are the fields a Mapping must map for each kind.
var RequiredFields = map[string][]string{
	"incidents":    {"service", "detected_at"},
	"deploys":      {"service", "finished_at", "status"},
	"pages":        {"service", "triggered_at"},
	"sli":          {"service", "slo", "day", "good", "total"},
	"toil":         {"team", "week", "toil_hours", "total_hours"},
	"action_items": {"title"},
}

// builtin mappings: fixed headers with a few aliases.
type fieldAliases map[string][]string

var sliAliases = fieldAliases{
	"service":   {"service", "service_name"},
	"slo":       {"slo", "slo_name", "sli"},
	"day":       {"day", "date"},
	"good":      {"good", "good_events"},
	"total":     {"total", "total_events", "valid", "valid_events"},
	"objective": {"objective", "target"},
}

var toilAliases = fieldAliases{
	"team":        {"team", "team_name"},
	"week":        {"week", "week_start", "week_of"},
	"toil_hours":  {"toil_hours", "toil"},
	"total_hours": {"total_hours", "total", "hours"},
	"note":        {"note", "notes", "comment"},
}

var (
	sliMapping  = &imports.Mapping{Name: "sli-csv", Kind: "sli", Source: "sli-csv"}
	toilMapping = &imports.Mapping{Name: "toil-csv", Kind: "toil", Source: "toil-csv"}
)

// ErrNeedsMapping is returned for a generic CSV read without a Mapping: no
// importer knows its columns, so the user says which holds what.
var ErrNeedsMapping = errors.New("this CSV is not an export sreport knows; map its columns (which column holds which field)")

// ValidateMapping checks a Mapping's kind, fields and required fields. Parse
// runs it before reading a file; callers run it before saving a mapping,
// because the store keeps whatever it is given.
func ValidateMapping(m *imports.Mapping) error {
	if m == nil {
		return ErrNeedsMapping
	}
	fields, ok := KindFields[m.Kind]
	if !ok {
		return fmt.Errorf("mapping %q: unknown kind %q (incidents, deploys, pages, sli, toil, action_items)", m.Name, m.Kind)
	}
	known := map[string]bool{}
	for _, f := range fields {
		known[f] = true
	}
	for f := range m.Columns {
		if !known[f] {
			return fmt.Errorf("mapping %q: field %q is not a %s field", m.Name, f, m.Kind)
		}
	}
	if m == sliMapping || m == toilMapping {
		return nil
	}
	var missing []string
	for _, f := range RequiredFields[m.Kind] {
		if strings.TrimSpace(m.Columns[f]) == "" {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("mapping %q: required fields not mapped: %s", m.Name, strings.Join(missing, ", "))
	}
	return nil
}

// genericCSV reads a CSV through a Mapping (also used by sli-csv and toil-csv).
func (p *parser) genericCSV(in *bufio.Reader, m *imports.Mapping) error {
	if err := ValidateMapping(m); err != nil {
		return err
	}
	f, err := openCSV(in)
	if err != nil {
		return err
	}
	if m.Source != "" {
		p.b.Source = m.Source
	}
	// Resolve columns.
	cols := map[string]int{}
	switch m {
	case sliMapping, toilMapping:
		al := sliAliases
		if m == toilMapping {
			al = toilAliases
		}
		var missing []string
		for field, names := range al {
			cols[field] = f.col(names...)
		}
		for _, field := range KindFields[m.Kind] {
			if cols[field] < 0 && field != "objective" && field != "note" {
				missing = append(missing, field)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return fmt.Errorf("missing columns: %s (header: %s)", strings.Join(missing, ", "), strings.Join(f.header, ", "))
		}
	default:
		var missing []string
		for field, header := range m.Columns {
			if strings.TrimSpace(header) == "" {
				continue
			}
			cols[field] = f.col(header)
			if cols[field] < 0 {
				missing = append(missing, fmt.Sprintf("%s → %q", field, header))
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return fmt.Errorf("mapping %q: columns not in the file: %s", m.Name, strings.Join(missing, "; "))
		}
	}
	layout := goLayout(m.DateLayout)
	if layout == "" {
		layout = goLayout(p.opt.DateLayout)
	}
	tf := &timeField{layout: layout, loc: p.loc()}
	for {
		rec, line, err := f.next(p.b)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		tf.err = nil
		r := row{rec: rec, cols: cols}
		var rowErr error
		switch m.Kind {
		case "sli":
			rowErr = p.genSLI(r, line, layout)
		case "toil":
			rowErr = p.genToil(r, line, layout)
		case "incidents":
			rowErr = p.genIncident(r, line, tf)
		case "deploys":
			rowErr = p.genDeploy(r, line, tf)
		case "pages":
			rowErr = p.genPage(r, line, tf)
		case "action_items":
			rowErr = p.genActionItem(r, line, tf)
		}
		if rowErr != nil {
			p.b.reject(line, rawRow(rec), "%v", rowErr)
		}
	}
}

type row struct {
	rec  []string
	cols map[string]int
}

func (r row) get(field string) string {
	i, ok := r.cols[field]
	if !ok {
		return ""
	}
	return cell(r.rec, i)
}

// stableID derives an external id from the fields that identify a record
// when the file has no id column.
func stableID(parts ...string) string {
	h := sha1.Sum([]byte(strings.Join(parts, "\x1f")))
	return "row-" + hex.EncodeToString(h[:8])
}

// parseCount parses a non-negative integer; "1,234", "1 234" and "12.0" are accepted.
func parseCount(field, s string) (int64, error) {
	v := strings.NewReplacer(",", "", " ", "", "_", "").Replace(strings.TrimSpace(s))
	if v == "" {
		return 0, fmt.Errorf("%s is empty", field)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		fl, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil || fl != math.Trunc(fl) || math.IsInf(fl, 0) {
			return 0, fmt.Errorf("%s %q is not a whole number", field, s)
		}
		n = int64(fl)
	}
	if n < 0 {
		return 0, fmt.Errorf("%s %d is negative", field, n)
	}
	return n, nil
}

func parseHours(field, s string) (float64, error) {
	v := strings.TrimSpace(s)
	if v == "" {
		return 0, fmt.Errorf("%s is empty", field)
	}
	if strings.Count(v, ",") == 1 && !strings.Contains(v, ".") {
		v = strings.Replace(v, ",", ".", 1) // decimal comma
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%s %q is not a number", field, s)
	}
	if f < 0 {
		return 0, fmt.Errorf("%s %v is negative", field, f)
	}
	return f, nil
}

func (p *parser) genSLI(r row, line int, layout string) error {
	d := analytics.SLIDay{Service: r.get("service"), SLO: r.get("slo")}
	if d.Service == "" || d.SLO == "" {
		return errors.New("service and slo are required")
	}
	var err error
	if d.Day, err = parseDay(r.get("day"), layout); err != nil {
		return fmt.Errorf("day: %v", err)
	}
	if d.Good, err = parseCount("good", r.get("good")); err != nil {
		return err
	}
	if d.Total, err = parseCount("total", r.get("total")); err != nil {
		return err
	}
	if d.Good > d.Total {
		return fmt.Errorf("good %d > total %d", d.Good, d.Total)
	}
	if o := r.get("objective"); o != "" {
		obj, err := strconv.ParseFloat(strings.TrimSuffix(o, "%"), 64)
		if err != nil {
			return fmt.Errorf("objective %q is not a number", o)
		}
		if strings.HasSuffix(o, "%") || obj >= 1 {
			obj /= 100
		}
		if obj <= 0 || obj >= 1 {
			return fmt.Errorf("objective %q must be between 0 and 1 (or 0%% and 100%%)", o)
		}
		d.Objective = obj
	}
	p.b.addSLI(line, d)
	return nil
}

func (p *parser) genToil(r row, line int, layout string) error {
	t := analytics.ToilWeek{Team: r.get("team"), Note: r.get("note")}
	if t.Team == "" {
		return errors.New("team is required")
	}
	day, err := parseDay(r.get("week"), layout)
	if err != nil {
		return fmt.Errorf("week: %v", err)
	}
	if wd := day.Weekday(); wd != time.Monday {
		back := (int(wd) + 6) % 7
		day = day.AddDate(0, 0, -back)
		p.b.warn("toil weeks not starting on a Monday were moved to their week's Monday")
	}
	t.WeekStart = day
	if t.ToilHours, err = parseHours("toil_hours", r.get("toil_hours")); err != nil {
		return err
	}
	if t.TotalHours, err = parseHours("total_hours", r.get("total_hours")); err != nil {
		return err
	}
	if t.TotalHours <= 0 {
		return errors.New("total_hours must be > 0")
	}
	if t.ToilHours > t.TotalHours {
		return fmt.Errorf("toil_hours %v > total_hours %v", t.ToilHours, t.TotalHours)
	}
	p.b.addToil(line, t)
	return nil
}

func boolField(r row, field string) (bool, error) {
	v, ok := parseBool(r.get(field))
	if !ok {
		return false, fieldErr(field, "%s %q is not yes/no", field, r.get(field))
	}
	return v, nil
}

func normStatus(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "open", "new", "triggered", "investigating":
		return analytics.StatusOpen, true
	case "acknowledged", "ack", "in progress", "identified":
		return analytics.StatusAcknowledged, true
	case "mitigated", "monitoring":
		return analytics.StatusMitigated, true
	case "resolved", "closed", "done", "postmortem":
		return analytics.StatusResolved, true
	}
	return "", false
}

func normDeployStatus(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "success", "succeeded", "successful", "ok", "passed", "completed", "deployed":
		return analytics.DeploySuccess, true
	case "failed", "failure", "error", "unsuccessful", "rolled_back", "timed_out":
		return analytics.DeployFailed, true
	case "cancelled", "canceled", "aborted":
		return analytics.DeployCancelled, true
	}
	return "", false
}

func (p *parser) genIncident(r row, line int, tf *timeField) error {
	in := analytics.Incident{
		ExternalID:    r.get("external_id"),
		Service:       r.get("service"),
		Title:         r.get("title"),
		SeverityRaw:   r.get("severity"),
		RootCause:     r.get("root_cause"),
		Category:      r.get("category"),
		ProblemRef:    r.get("problem_ref"),
		CausedByRef:   r.get("caused_by_ref"),
		PostmortemURL: r.get("postmortem_url"),
		URL:           r.get("url"),
	}
	if in.Service == "" {
		return fieldErr("service", "service is empty")
	}
	in.DetectedAt = tf.req("detected_at", r.get("detected_at"))
	in.StartedAt = tf.opt("started_at", r.get("started_at"))
	in.AcknowledgedAt = tf.opt("acknowledged_at", r.get("acknowledged_at"))
	in.MitigatedAt = tf.opt("mitigated_at", r.get("mitigated_at"))
	in.ResolvedAt = tf.opt("resolved_at", r.get("resolved_at"))
	// A file with a publication or postmortem-link column says, row by
	// row, whether a postmortem exists: an empty cell is "none", not
	// "unknown" (docs/metrics.md, "Postmortem on-time rate").
	_, hasPublished := r.cols["postmortem_published_at"]
	_, hasURL := r.cols["postmortem_url"]
	in.PostmortemTracked = hasPublished || hasURL
	in.PostmortemDueAt = tf.opt("postmortem_due_at", r.get("postmortem_due_at"))
	in.PostmortemPublishedAt = tf.opt("postmortem_published_at", r.get("postmortem_published_at"))
	if tf.err != nil {
		return tf.err
	}
	var err error
	if in.CustomerImpacting, err = boolField(r, "customer_impacting"); err != nil {
		return err
	}
	in.Severity = p.severity(in.SeverityRaw)
	p.noteUnmappedSeverity(in.SeverityRaw, in.Severity)
	st, ok := normStatus(r.get("status"))
	if !ok {
		return fieldErr("status", "unknown status %q", r.get("status"))
	}
	if r.get("status") == "" {
		switch {
		case in.ResolvedAt != nil:
			st = analytics.StatusResolved
		case in.MitigatedAt != nil:
			st = analytics.StatusMitigated
		case in.AcknowledgedAt != nil:
			st = analytics.StatusAcknowledged
		}
	}
	in.Status = st
	if in.ExternalID == "" {
		in.ExternalID = stableID(in.Service, in.DetectedAt.Format(time.RFC3339), in.Title)
	}
	p.b.addIncident(line, in)
	return nil
}

func (p *parser) genDeploy(r row, line int, tf *timeField) error {
	d := analytics.Deploy{
		ExternalID:  r.get("external_id"),
		Service:     r.get("service"),
		Environment: strings.ToLower(r.get("environment")),
		Version:     r.get("version"),
		URL:         r.get("url"),
	}
	if d.Service == "" {
		return fieldErr("service", "service is empty")
	}
	d.FinishedAt = tf.req("finished_at", r.get("finished_at"))
	d.StartedAt = tf.opt("started_at", r.get("started_at"))
	d.CommitAt = tf.opt("commit_at", r.get("commit_at"))
	if tf.err != nil {
		return tf.err
	}
	st, ok := normDeployStatus(r.get("status"))
	if !ok {
		return fieldErr("status", "unknown deploy status %q", r.get("status"))
	}
	d.Status = st
	var err error
	if d.IsRollback, err = boolField(r, "is_rollback"); err != nil {
		return err
	}
	if d.IsHotfix, err = boolField(r, "is_hotfix"); err != nil {
		return err
	}
	// Unlike the flags above, an empty cell is "not known", not "no":
	// perf_regression_rate counts only deploys someone checked.
	if v := r.get("perf_regression"); v != "" {
		b, ok := parseBool(v)
		if !ok {
			return fieldErr("perf_regression", "perf_regression %q is not yes/no", v)
		}
		d.PerfRegression = &b
	}
	if d.ExternalID == "" {
		d.ExternalID = stableID(d.Service, d.Environment, d.FinishedAt.Format(time.RFC3339))
	}
	p.b.addDeploy(line, d)
	return nil
}

func (p *parser) genPage(r row, line int, tf *timeField) error {
	pg := analytics.Page{
		ExternalID:  r.get("external_id"),
		Service:     r.get("service"),
		IncidentRef: r.get("incident_ref"),
		Title:       r.get("title"),
		Urgency:     strings.ToLower(r.get("urgency")),
		Responder:   r.get("responder"),
	}
	if pg.Service == "" {
		return fieldErr("service", "service is empty")
	}
	pg.TriggeredAt = tf.req("triggered_at", r.get("triggered_at"))
	pg.AcknowledgedAt = tf.opt("acknowledged_at", r.get("acknowledged_at"))
	pg.ResolvedAt = tf.opt("resolved_at", r.get("resolved_at"))
	if tf.err != nil {
		return tf.err
	}
	var err error
	if pg.AutoResolved, err = boolField(r, "auto_resolved"); err != nil {
		return err
	}
	if v := r.get("actionable"); v != "" {
		b, ok := parseBool(v)
		if !ok {
			return fieldErr("actionable", "actionable %q is not yes/no", v)
		}
		pg.Actionable = &b
	}
	if pg.ExternalID == "" {
		pg.ExternalID = stableID(pg.Service, pg.TriggeredAt.Format(time.RFC3339), pg.Title)
	}
	p.b.addPage(line, pg)
	return nil
}

func (p *parser) genActionItem(r row, line int, tf *timeField) error {
	a := analytics.ActionItem{
		ExternalID:  r.get("external_id"),
		IncidentRef: r.get("incident_ref"),
		Service:     r.get("service"),
		Title:       r.get("title"),
		Owner:       r.get("owner"),
		URL:         r.get("url"),
	}
	if a.Title == "" {
		return errors.New("title is empty")
	}
	if a.Service == "" && a.IncidentRef == "" {
		return errors.New("needs a service or an incident reference")
	}
	a.DueAt = tf.opt("due_at", r.get("due_at"))
	a.ClosedAt = tf.opt("closed_at", r.get("closed_at"))
	if tf.err != nil {
		return tf.err
	}
	if a.ExternalID == "" {
		a.ExternalID = stableID(a.IncidentRef, a.Service, a.Title)
	}
	p.b.addActionItem(line, a)
	return nil
}
