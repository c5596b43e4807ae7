package ingest

import (
	"strings"
	"testing"
)

func TestParseMappingSpec(t *testing.T) {
	m, err := ParseMappingSpec("", `external_id=Ticket, service="Affected service, primary", detected_at=Opened, date_layout=dd/mm/yyyy`)
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != "incidents" || m.Columns["service"] != "Affected service, primary" || m.Columns["external_id"] != "Ticket" || m.DateLayout != "dd/mm/yyyy" {
		t.Errorf("%+v", m)
	}
	// The kind is inferred only when one kind fits.
	if m, err := ParseMappingSpec("", "service=Repo,finished_at=Done,status=Result"); err != nil || m.Kind != "deploys" {
		t.Errorf("deploys: %+v %v", m, err)
	}
	if m, err := ParseMappingSpec("", "service=Svc,title=Name"); err != nil || m.Kind != "action_items" {
		t.Errorf("action items: %+v %v", m, err)
	}
	if _, err := ParseMappingSpec("", "service=Svc,external_id=ID"); err == nil || !strings.Contains(err.Error(), "name the kind") {
		t.Errorf("no kind fits: %v", err)
	}
	if _, err := ParseMappingSpec("pages", "service=Svc,detected_at=Opened"); err == nil || !strings.Contains(err.Error(), `field "detected_at" is not a pages field`) {
		t.Errorf("wrong field: %v", err)
	}
	if _, err := ParseMappingSpec("incidents", "service"); err == nil || !strings.Contains(err.Error(), "is not field=Header") {
		t.Errorf("no header: %v", err)
	}
	if _, err := ParseMappingSpec("incidents", "service=A,service=B,detected_at=C"); err == nil || !strings.Contains(err.Error(), "mapped twice") {
		t.Errorf("twice: %v", err)
	}
	m, err = ReadMappingFile(strings.NewReader("# tickets\nkind = incidents\nservice = Component\ndetected_at = Opened\n"))
	if err != nil || m.Kind != "incidents" || m.Columns["service"] != "Component" {
		t.Errorf("lines: %+v %v", m, err)
	}
	if _, err := ReadMappingFile(strings.NewReader(`{"kind":"incidents","colums":{}}`)); err == nil {
		t.Error("a misspelt JSON key is accepted")
	}
}
