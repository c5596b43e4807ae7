package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"strings"
)

// ErrUndetectable is returned when neither content nor file name tell the format.
var ErrUndetectable = errors.New("ingest: cannot tell the file's format; choose one")

// ErrRiskRegister is returned by Detect for a risk register CSV (likelihood
// and impact columns): risks are not imported here but on /risks/import.
var ErrRiskRegister = errors.New("ingest: this is a risk register CSV; import it on the risk register's import page (/risks/import)")

// Detect tells a file's format from its first bytes (up to 64 KiB; gzip,
// BOM and windows-1252 are undone first). The file name is only a hint, used
// when the content is ambiguous (e.g. an empty JSON array). An unrecognised
// CSV is "csv" (generic: needs a Mapping).
func Detect(name string, head []byte) (string, error) {
	head = decodeHead(head)
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 {
		return "", errors.New("ingest: empty file")
	}
	if trimmed[0] == '{' || trimmed[0] == '[' {
		if f := detectJSON(trimmed); f != "" {
			return f, nil
		}
		// The name only decides for a file whose content cannot: one that
		// holds no record ([] or an envelope of empty arrays). A file of
		// records nothing recognised is some other tool's export, and a
		// name such as circleci_workflows.json must not send it to the
		// GitHub Actions parser.
		if emptyJSON(trimmed) {
			if f := detectName(name, true); f != "" {
				return f, nil
			}
		}
		return "", ErrUndetectable
	}
	if bytes.IndexByte(head[:min(len(head), 4096)], 0) >= 0 {
		return "", errors.New("ingest: binary file (not CSV or JSON)")
	}
	if f := sloYAMLFormat(trimmed); f != "" {
		return f, nil
	}
	if isArgoYAML(trimmed) {
		return "argocd-yaml", nil
	}
	if isRiskRegister(head) {
		return "", ErrRiskRegister
	}
	if f := detectCSV(head); f != "" {
		return f, nil
	}
	if f := detectName(name, false); f != "" {
		return f, nil
	}
	return "csv", nil
}

// decodeHead undoes gzip and the text encodings on a (possibly truncated) head.
func decodeHead(head []byte) []byte {
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		if zr, err := gzip.NewReader(bytes.NewReader(head)); err == nil {
			out, _ := io.ReadAll(io.LimitReader(zr, detectSize))
			head = out
		}
	}
	in, err := openInput(bytes.NewReader(head))
	if err != nil {
		return head
	}
	out, _ := io.ReadAll(io.LimitReader(in, detectSize))
	return out
}

func detectJSON(h []byte) string {
	if f := detectVendorJSON(h); f != "" {
		return f
	}
	has := func(s string) bool { return bytes.Contains(h, []byte(s)) }
	switch {
	case has(`"workflow_runs"`):
		return "github-actions-runs"
	case has(`"log_entries"`), (has(`"incidents"`) || has(`"incident"`)) && (has(`"incident_number"`) || has(`"escalation_policy"`) || has(`"first_trigger_log_entry"`) || has(`pagerduty.com`)):
		return "pagerduty-api"
	case has(`"data"`) && has(`"seconds_to_first_ack"`) && has(`"service_name"`):
		return "pagerduty-api" // Analytics raw incidents
	case has(`"deployable"`):
		return "gitlab-deployments"
	case has(`"project_id"`) && has(`/pipelines/`) && !has(`"stage"`):
		return "gitlab-pipelines" // jobs also name their pipeline, and have a stage
	case has(`"statuses_url"`), has(`"production_environment"`), has(`"statuses"`) && has(`"task"`):
		return "github-deployments"
	case has(`argoproj.io`), has(`"operationState"`), has(`"deployedAt"`):
		return "argocd-app"
	case has(`"builds"`) && !has(`"object_kind"`) && (has(`hudson.`) || has(`"timestamp"`) || has(`"result"`)), has(`"_class"`) && has(`hudson.`):
		// A GitLab pipeline event (object_kind) lists its jobs as "builds" too.
		return "jenkins-builds"
	case has(`"tinyId"`), has(`"impactStartDate"`), has(`"impactedServices"`):
		return "opsgenie-api"
	case has(`"incidents"`):
		return "pagerduty-api"
	}
	return ""
}

// emptyJSON reports a JSON document that holds no record: an empty array,
// or an object whose arrays are all empty and which holds no object (an
// envelope such as {"total_count":0,"workflow_runs":[]}).
func emptyJSON(h []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(h))
	t, err := dec.Token()
	if err != nil {
		return false
	}
	switch t {
	case json.Delim('['):
		t, err := dec.Token()
		return err == nil && t == json.Delim(']')
	case json.Delim('{'):
	default:
		return false
	}
	arrays := 0
	for dec.More() {
		if _, err := dec.Token(); err != nil { // key
			return false
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return false
		}
		switch x := v.(type) {
		case []any:
			if len(x) > 0 {
				return false
			}
			arrays++
		case map[string]any:
			return false
		}
	}
	return arrays > 0
}

// csvHeaderSet returns the normalised header cells of a CSV head.
func csvHeaderSet(head []byte) map[string]bool {
	r := csv.NewReader(bufio.NewReader(bytes.NewReader(head)))
	r.Comma = sniffDelimiter(head)
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	h, err := r.Read()
	if err != nil || len(h) < 2 {
		return nil
	}
	set := map[string]bool{}
	for _, c := range h {
		set[normHeader(c)] = true
	}
	return set
}

// isRiskRegister reports a risk register export (sreport's own or a
// spreadsheet): a title plus likelihood and impact columns.
func isRiskRegister(head []byte) bool {
	set := csvHeaderSet(head)
	return set["likelihood"] && set["impact"] && (set["title"] || set["risk"] || set["code"])
}

func detectCSV(head []byte) string {
	set := csvHeaderSet(head)
	if set == nil {
		return ""
	}
	any := func(ks ...string) bool {
		for _, k := range ks {
			if set[k] {
				return true
			}
		}
		return false
	}
	switch {
	case any("seconds_to_first_ack"), set["incident_id"] && any("tta", "ttr"), set["incident_number"] && set["service_name"] && set["urgency"]:
		return "pagerduty-insights-csv"
	case set["issue_key"]:
		return "jira-csv"
	case set["number"] && any("opened_at", "opened"):
		return "servicenow-csv"
	case set["number"] && any("work_start", "work_end", "close_code", "planned_start_date", "actual_start", "actual_start_date", "start_date"):
		return "servicenow-change-csv"
	case set["number"] && any("created", "sys_created_on") && any("state", "incident_state", "priority", "severity", "urgency", "short_description", "assignment_group"):
		// A label export of a list without Opened: Number, State, Created…
		return "servicenow-csv"
	case set["service"] && set["slo"] && any("day", "date") && set["good"] && set["total"]:
		return "sli-csv"
	case set["team"] && any("week", "week_start") && any("toil_hours", "toil"):
		return "toil-csv"
	case set["reference"] && set["severity"] && any("reported_at", "impact_started_at", "status_category", "incident_type", "incident_lead"):
		return "incidentio-csv"
	case any("tinyid", "tiny_id") && set["message"]:
		return "opsgenie-alerts-csv"
	}
	return ""
}

// detectName guesses from a file name; only used when content is ambiguous.
func detectName(name string, isJSON bool) string {
	n := strings.ToLower(filepath.Base(name))
	n = strings.TrimSuffix(n, ".gz")
	has := func(s string) bool { return strings.Contains(n, s) }
	if isJSON {
		if f := detectVendorName(n); f != "" {
			return f
		}
		switch {
		case has("pagerduty"), has("pd_"):
			return "pagerduty-api"
		case has("opsgenie"):
			return "opsgenie-api"
		case has("gitlab"):
			return "gitlab-deployments"
		case has("workflow") || has("actions"):
			return "github-actions-runs"
		case has("github"):
			return "github-deployments"
		case has("jenkins"):
			return "jenkins-builds"
		case has("argo"):
			return "argocd-app"
		}
		return ""
	}
	switch {
	case has("incidentio"), has("incident_io"), has("incident-io"), has("incident.io"):
		return "incidentio-csv"
	case has("opsgenie"):
		return "opsgenie-alerts-csv"
	case has("servicenow") && has("change"):
		return "servicenow-change-csv"
	case has("servicenow"):
		return "servicenow-csv"
	case has("jira"):
		return "jira-csv"
	case has("pagerduty"):
		return "pagerduty-insights-csv"
	case has("sli"):
		return "sli-csv"
	case has("toil"):
		return "toil-csv"
	}
	return ""
}
