package analytics

import (
	"reflect"
	"testing"
)

func TestNormalizeResponders(t *testing.T) {
	got := NormalizeResponders([]Responder{
		{Role: RoleAssigned, Name: " Jane Doe "},
		{Role: RoleResolved, Email: "tim@example.com"},
		{Role: RoleAcknowledged, Name: "Tim"},
		{Role: RoleAssigned, Name: "jane doe"}, // repeat, other case
		{Role: RoleNotified, Name: " "},        // nobody
		{Role: "", Name: "Roleless"},
		{Role: RoleIncident, Label: "Scribe", Name: "Ann"},
		{Role: RoleIncident, Label: "Commander", Name: "Ann"},
		{Role: RoleNotified, Name: "Tim"},
	})
	want := []Responder{{Role: RoleNotified, Name: "Tim"}, {Role: RoleAcknowledged, Name: "Tim"}, {Role: RoleResolved, Email: "tim@example.com"},
		{Role: RoleAssigned, Name: "Jane Doe"}, {Role: RoleIncident, Label: "Commander", Name: "Ann"}, {Role: RoleIncident, Label: "Scribe", Name: "Ann"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if NormalizeResponders([]Responder{{Role: RoleNotified}}) != nil {
		t.Error("nobody is nil")
	}
}

func TestPageInterrupted(t *testing.T) {
	ack := Responder{Role: RoleAcknowledged, Email: "ann@example.com"}
	for _, tc := range []struct {
		name string
		pg   Page
		want Responder
		ok   bool
	}{
		{"notified column", Page{Responder: "Tim", Responders: []Responder{{Role: RoleNotified, Name: "tim", Email: "tim@example.com"}, ack}},
			Responder{Role: RoleNotified, Name: "Tim", Email: "tim@example.com"}, true},
		{"acknowledged before resolved and assigned", Page{Responders: []Responder{{Role: RoleAssigned, Name: "Jo"}, {Role: RoleResolved, Name: "Bo"}, ack}}, ack, true},
		{"resolved before assigned", Page{Responders: []Responder{{Role: RoleAssigned, Name: "Jo"}, {Role: RoleResolved, Name: "Bo"}}}, Responder{Role: RoleResolved, Name: "Bo"}, true},
		{"incident roles are not interruptions", Page{Responders: []Responder{{Role: RoleIncident, Name: "Lead"}}}, Responder{}, false},
		{"nobody", Page{}, Responder{}, false},
	} {
		if got, ok := tc.pg.Interrupted(); got != tc.want || ok != tc.ok {
			t.Errorf("%s: %+v %v", tc.name, got, ok)
		}
	}
}

func TestPeopleWithEmails(t *testing.T) {
	recorded := People{"ann lee": "Ann Lee", "ann@example.com": "Ann Lee", "annie": "Ann Lee"}
	p := recorded.WithEmails([]Responder{
		{Name: "Tim Wright", Email: "tim@example.com"},
		{Name: "", Email: "tim@example.com"},
		{Name: "Rob", Email: "rob@a.example"}, // one name, two e-mails: two people
		{Name: "Rob", Email: "rob@b.example"},
		{Email: "solo@example.com"},
		{Name: "Annie", Email: "ann.lee@example.org"}, // a recorded alias: Ann's second e-mail
		{Name: "Ann Lee", Email: "ann@example.com"},   // recorded already
	})
	for _, tc := range []struct {
		r    Responder
		want string
	}{
		{Responder{Email: "TIM@example.com"}, "Tim Wright"},
		{Responder{Name: "tim wright"}, "Tim Wright"},
		{Responder{Name: "Timothy", Email: "tim@example.com"}, "Tim Wright"}, // the e-mail decides
		{Responder{Email: "rob@a.example"}, "Rob <rob@a.example>"},
		{Responder{Email: "rob@b.example"}, "Rob <rob@b.example>"},
		{Responder{Name: "Rob"}, "Rob"},
		{Responder{Email: "solo@example.com"}, "solo@example.com"},
		{Responder{Email: "ann.lee@example.org"}, "Ann Lee"},
		{Responder{Email: "ann@example.com"}, "Ann Lee"},
		{Responder{Name: "Someone Else"}, "Someone Else"},
		{Responder{}, ""},
	} {
		if got := p.Person(tc.r); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.r, got, tc.want)
		}
	}
	if len(recorded) != 3 {
		t.Errorf("WithEmails changed its receiver: %v", recorded)
	}
}
