package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"sreport/analytics/imports"
)

// The API pages below have no export file of their own shape: Jira's and
// ServiceNow's exports are CSV. Their entry points render each API record
// as the row the CSV export holds for it and run the CSV importer on the
// rows, so a connector reading the API and a file import of the export
// apply the same column rules (aliases, guesses, severities, states,
// action-item links) and produce the same records with the same external
// ids.

// ParsePage reads one API response page in a file format (opt.Format):
// unlike Parse, a page without records is an empty batch, not
// ErrNothingRecognised — a connector's last page, or a page of merge-request
// pipelines only, is a normal answer, and its warnings are kept.
func ParsePage(body []byte, name string, opt Options) (*imports.Batch, error) {
	b, _, err := parse(bytes.NewReader(body), name, opt, nil)
	if err != nil {
		return nil, err
	}
	return b.Batch, nil
}

// rowsCSV renders a header and rows as CSV for the CSV importers.
func rowsCSV(header []string, rows [][]string) *bufio.Reader {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(header)
	for _, r := range rows {
		_ = w.Write(r)
	}
	w.Flush()
	return bufio.NewReader(&buf)
}

// table collects rows whose cells are keyed by header; a header may repeat
// (Jira's Labels, Comment, multi-value custom fields).
type table struct {
	header []string
	count  map[string]int // header → columns so far
	rows   []map[string][]string
}

func (t *table) add(row map[string][]string) {
	if t.count == nil {
		t.count = map[string]int{}
	}
	for h, vs := range row {
		n := max(len(vs), 1)
		for t.count[h] < n {
			t.header = append(t.header, h)
			t.count[h]++
		}
	}
	t.rows = append(t.rows, row)
}

func (t *table) render() *bufio.Reader {
	out := make([][]string, len(t.rows))
	for i, row := range t.rows {
		rec := make([]string, len(t.header))
		used := map[string]int{}
		for j, h := range t.header {
			if vs := row[h]; used[h] < len(vs) {
				rec[j] = vs[used[h]]
			}
			used[h]++
		}
		out[i] = rec
	}
	return rowsCSV(t.header, out)
}

// JiraSearchPage maps one page of Jira's issue search (GET
// /rest/api/2/search or /rest/api/2/search/jql with fields=*navigable and
// expand=names) with the jira-csv rules. Each issue becomes the row of
// Jira's CSV export: Issue key, Issue id, Summary, Issue Type, Status,
// Status Category, Priority, Assignee, Created, Updated, Resolved, Due date,
// Component/s, Labels, Comment ("date;author;body"), Parent key, Inward /
// Outward issue link (type) holding issue keys, and every custom field as
// "Custom field (<name>)" with the name from the page's names map.
// opt.Jira names the fields as in a file import (header text).
func JiraSearchPage(body []byte, opt Options) (*imports.Batch, error) {
	var page struct {
		Issues []struct {
			ID     string                     `json:"id"`
			Key    string                     `json:"key"`
			Fields map[string]json.RawMessage `json:"fields"`
		} `json:"issues"`
		Names map[string]string `json:"names"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("ingest jira search page: %w", err)
	}
	if len(page.Issues) == 0 {
		return emptyBatch("jira-csv"), nil
	}
	var t table
	for _, is := range page.Issues {
		row := map[string][]string{"Issue key": {is.Key}, "Issue id": {is.ID}}
		for id, raw := range is.Fields {
			jiraField(row, id, page.Names[id], raw)
		}
		t.add(row)
	}
	opt.Format = "jira-csv"
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	return parseRendered(t.render(), opt)
}

// jiraSystem maps system field ids to the export's headers.
var jiraSystem = map[string]string{
	"summary": "Summary", "issuetype": "Issue Type", "priority": "Priority", "assignee": "Assignee",
	"reporter": "Reporter", "created": "Created", "updated": "Updated", "resolutiondate": "Resolved",
	"duedate": "Due date", "components": "Component/s", "labels": "Labels", "resolution": "Resolution",
	"project": "Project key",
}

// Status categories by key: names are translated with the user's
// language, keys are not.
var jiraCategory = map[string]string{"new": "To Do", "indeterminate": "In Progress", "done": "Done"}

func jiraField(row map[string][]string, id, name string, raw json.RawMessage) {
	switch id {
	case "status":
		var st struct {
			Name     string `json:"name"`
			Category struct {
				Key  string `json:"key"`
				Name string `json:"name"`
			} `json:"statusCategory"`
		}
		if json.Unmarshal(raw, &st) == nil {
			row["Status"] = []string{st.Name}
			cat := jiraCategory[st.Category.Key]
			if cat == "" {
				cat = st.Category.Name
			}
			row["Status Category"] = []string{cat}
		}
		return
	case "parent":
		var p struct {
			Key string `json:"key"`
		}
		if json.Unmarshal(raw, &p) == nil && p.Key != "" {
			row["Parent key"] = []string{p.Key}
		}
		return
	case "issuelinks":
		var links []struct {
			Type struct {
				Name string `json:"name"`
			} `json:"type"`
			Inward  *struct{ Key string } `json:"inwardIssue"`
			Outward *struct{ Key string } `json:"outwardIssue"`
		}
		if json.Unmarshal(raw, &links) == nil {
			for _, l := range links {
				if l.Inward != nil {
					h := "Inward issue link (" + l.Type.Name + ")"
					row[h] = append(row[h], l.Inward.Key)
				}
				if l.Outward != nil {
					h := "Outward issue link (" + l.Type.Name + ")"
					row[h] = append(row[h], l.Outward.Key)
				}
			}
		}
		return
	case "comment":
		var c struct {
			Comments []struct {
				Created string `json:"created"`
				Body    any    `json:"body"`
				Author  struct {
					AccountID string `json:"accountId"`
					Name      string `json:"name"`
				} `json:"author"`
			} `json:"comments"`
		}
		if json.Unmarshal(raw, &c) == nil {
			for _, cm := range c.Comments {
				author := cm.Author.AccountID
				if author == "" {
					author = cm.Author.Name
				}
				row["Comment"] = append(row["Comment"], cm.Created+";"+author+";"+plainText(cm.Body))
			}
		}
		return
	}
	header := jiraSystem[id]
	if header == "" {
		if !strings.HasPrefix(id, "customfield_") || name == "" {
			return
		}
		header = "Custom field (" + name + ")"
	}
	if vs := flatten(raw); len(vs) > 0 {
		row[header] = vs
	}
}

// flatten turns a field value into cells: option and user objects by
// their value, name or key, arrays into one cell per element.
func flatten(raw json.RawMessage) []string {
	var v any
	if json.Unmarshal(raw, &v) != nil || v == nil {
		return nil
	}
	var out []string
	var walk func(x any)
	walk = func(x any) {
		switch t := x.(type) {
		case nil:
		case string:
			if t != "" {
				out = append(out, t)
			}
		case float64, bool:
			out = append(out, fmt.Sprint(t))
		case []any:
			for _, e := range t {
				walk(e)
			}
		case map[string]any:
			for _, k := range []string{"value", "name", "displayName", "key"} {
				if s, ok := t[k].(string); ok && s != "" {
					out = append(out, s)
					if child, ok := t["child"].(map[string]any); ok { // cascading select
						walk(child)
					}
					return
				}
			}
		}
	}
	walk(v)
	return out
}

// plainText is a comment body as text: API v2 gives wiki text, v3 an
// Atlassian Document (nested nodes with "text").
func plainText(body any) string {
	switch b := body.(type) {
	case string:
		return b
	case map[string]any:
		var parts []string
		var walk func(n map[string]any)
		walk = func(n map[string]any) {
			if s, ok := n["text"].(string); ok {
				parts = append(parts, s)
			}
			if kids, ok := n["content"].([]any); ok {
				for _, k := range kids {
					if m, ok := k.(map[string]any); ok {
						walk(m)
					}
				}
			}
		}
		walk(b)
		return strings.Join(parts, " ")
	}
	return ""
}

// snDateTime is ServiceNow's internal date-time (UTC): what the Table API
// returns as "value" with sysparm_display_value=all.
var snDateTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$`)

// ServiceNowTablePage maps one page of the ServiceNow Table API ({"result":
// [...]} of table incident → servicenow-csv rules, change_request →
// servicenow-change-csv rules) like the list export with field names as
// headers. Fields may be plain strings or, with sysparm_display_value=all,
// {"display_value", "value"} pairs: the display value is kept (priority
// "1 - Critical", state "Closed", a CI's name) except for date-times,
// whose internal value is UTC where the display value is in the API user's
// time zone and format.
func ServiceNowTablePage(tableName string, body []byte, opt Options) (*imports.Batch, error) {
	var page struct {
		Result []map[string]json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("ingest servicenow %s page: %w", tableName, err)
	}
	var t table
	for _, rec := range page.Result {
		row := map[string][]string{}
		keys := make([]string, 0, len(rec))
		for k := range rec {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			row[k] = []string{snValue(rec[k])}
		}
		t.add(row)
	}
	switch tableName {
	case "incident":
		opt.Format = "servicenow-csv"
	case "change_request":
		opt.Format = "servicenow-change-csv"
	default:
		return nil, fmt.Errorf("ingest servicenow: no importer for table %q", tableName)
	}
	// Values come as ServiceNow stores them (UTC, its internal layout),
	// whatever the API user's preferences.
	opt.Location, opt.DateLayout = time.UTC, ""
	if len(t.rows) == 0 {
		return emptyBatch(opt.Format), nil
	}
	return parseRendered(t.render(), opt)
}

func snValue(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var pair struct {
		DisplayValue any    `json:"display_value"`
		Value        any    `json:"value"`
		Link         string `json:"link"`
	}
	if json.Unmarshal(raw, &pair) != nil {
		return ""
	}
	value, display := fmt.Sprint(nz(pair.Value)), fmt.Sprint(nz(pair.DisplayValue))
	if snDateTime.MatchString(value) {
		return value
	}
	return display
}

func nz(v any) any {
	if v == nil {
		return ""
	}
	return v
}

// parseRendered runs the CSV importer of opt.Format on rendered rows.
func parseRendered(in *bufio.Reader, opt Options) (*imports.Batch, error) {
	info, ok := formatInfo(opt.Format)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownFormat, opt.Format)
	}
	b := newBuilder(info.ID, info.Source)
	p := &parser{opt: opt, b: b}
	var err error
	switch info.ID {
	case "jira-csv":
		err = p.jira(in)
	case "servicenow-csv":
		err = p.serviceNowIncidents(in)
	case "servicenow-change-csv":
		err = p.serviceNowChanges(in)
	default:
		err = fmt.Errorf("no rendered-rows importer for %s", info.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("ingest %s page: %w", info.ID, err)
	}
	b.finish()
	return b.Batch, nil
}

func emptyBatch(format string) *imports.Batch {
	info, _ := formatInfo(format)
	return newBuilder(info.ID, info.Source).Batch
}
