package ingest

import (
	"errors"
	"strings"
	"testing"
)

// TestParsePageWithoutRecords: an API page without records is an empty
// batch (its warnings kept) where the same bytes as a file are
// ErrNothingRecognised.
func TestParsePageWithoutRecords(t *testing.T) {
	mr := `[{"id": 5, "ref": "refs/merge-requests/7/head", "source": "merge_request_event", "status": "success",
	  "finished_at": "2026-01-02T10:05:00Z", "web_url": "https://gitlab.example.com/shop/checkout/-/pipelines/5"}]`
	for _, doc := range []string{`[]`, mr} {
		b, err := ParsePage([]byte(doc), "p.json", Options{Format: "gitlab-pipelines"})
		if err != nil || b.Records() != 0 || len(b.Rejects) != 0 || b.Format != "gitlab-pipelines" {
			t.Fatalf("page %s: %+v %v", doc, b, err)
		}
		if doc == mr && len(b.Warnings) != 1 {
			t.Errorf("merge-request page: warnings %v", b.Warnings)
		}
		if _, err := Parse(strings.NewReader(doc), "p.json", Options{Format: "gitlab-pipelines"}); !errors.Is(err, ErrNothingRecognised) {
			t.Errorf("file %s: %v, want ErrNothingRecognised", doc, err)
		}
	}
}

// TestJiraSearchPageShapes: an empty page, a v3 (Atlassian Document)
// comment body, a cascading select and a translated status category.
func TestJiraSearchPageShapes(t *testing.T) {
	b, err := JiraSearchPage([]byte(`{"issues":[],"isLast":true}`), Options{})
	if err != nil || b.Records() != 0 || b.Format != "jira-csv" {
		t.Fatalf("empty page: %+v %v", b, err)
	}
	page := `{"names": {"customfield_1": "Service", "customfield_2": "Impact start"}, "issues": [{"id": "7", "key": "OPS-7", "fields": {
	  "summary": "Checkout down", "issuetype": {"name": "Incident"},
	  "status": {"name": "Erledigt", "statusCategory": {"key": "done", "name": "Fertig"}},
	  "priority": {"name": "High"}, "created": "2026-03-01T10:00:00.000+0100", "resolutiondate": "2026-03-01T12:00:00.000+0100",
	  "customfield_1": {"value": "Shop", "child": {"value": "checkout"}}, "customfield_2": "2026-03-01T09:50:00.000+0100",
	  "comment": {"comments": [{"created": "2026-03-01T10:30:00.000+0100", "author": {"accountId": "abc"},
	    "body": {"type": "doc", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Mitigation applied"}]}]}}]}}}]}`
	b, err = JiraSearchPage([]byte(page), Options{})
	if err != nil || len(b.Incidents) != 1 {
		t.Fatalf("%+v %v", b, err)
	}
	in := b.Incidents[0]
	if in.ExternalID != "OPS-7" || in.Service != "Shop" || in.Status != "resolved" || in.Severity != 2 ||
		in.DetectedAt.Format("15:04") != "09:00" || in.StartedAt == nil || in.StartedAt.Format("15:04") != "08:50" ||
		in.MitigatedAt == nil || in.MitigatedAt.Format("15:04") != "09:30" {
		t.Errorf("incident: %+v", in)
	}
}

// TestServiceNowTablePageShapes: plain display values
// (sysparm_display_value=true), pairs, an unknown table, an empty page.
func TestServiceNowTablePageShapes(t *testing.T) {
	plain := `{"result": [{"number": "INC1", "opened_at": "2026-03-01 10:00:00", "priority": "1 - Critical", "state": "Resolved",
	  "cmdb_ci": "checkout-api", "resolved_at": "2026-03-01 11:00:00", "sys_updated_on": "2026-03-01 11:00:00"}]}`
	b, err := ServiceNowTablePage("incident", []byte(plain), Options{})
	if err != nil || len(b.Incidents) != 1 || b.Incidents[0].Severity != 1 || b.Incidents[0].Status != "resolved" {
		t.Fatalf("plain: %+v %v", b, err)
	}
	pairs := `{"result": [{"number": {"display_value": "CHG1", "value": "CHG1"}, "state": {"display_value": "Closed", "value": "3"},
	  "close_code": {"display_value": "Successful", "value": "successful"}, "cmdb_ci": {"display_value": "checkout-api", "value": "9f1e"},
	  "work_end": {"display_value": "03/01/2026 02:00:00 AM", "value": "2026-03-01 10:00:00"}}]}`
	b, err = ServiceNowTablePage("change_request", []byte(pairs), Options{})
	if err != nil || len(b.Deploys) != 1 || b.Deploys[0].FinishedAt.Format("2006-01-02 15:04") != "2026-03-01 10:00" || b.Deploys[0].Service != "checkout-api" {
		t.Fatalf("pairs: %+v %v", b, err)
	}
	if _, err := ServiceNowTablePage("problem", []byte(`{"result":[]}`), Options{}); err == nil {
		t.Error("table problem accepted")
	}
	if b, err := ServiceNowTablePage("incident", []byte(`{"result":[]}`), Options{}); err != nil || b.Records() != 0 {
		t.Errorf("empty page: %v", err)
	}
}
