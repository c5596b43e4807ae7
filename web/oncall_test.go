package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sreport/analytics/store"
	"sreport/web"
)

// TestOnCallVisibility checks that viewers see team figures only, editors
// see each person, and that the seeded e-mail responders merge into their
// people (no person row is an e-mail address).
func TestOnCallVisibility(t *testing.T) {
	srv, st, viewer := followupServer(t, web.RoleViewer)
	status, body, _ := getWith(t, viewer, srv.URL+"/oncall?period=2026-10")
	if status != http.StatusOK || !strings.Contains(body, `data-testid="oncall-teams"`) || !strings.Contains(body, `data-testid="health-payments"`) {
		t.Fatalf("viewer page: %d", status)
	}
	if strings.Contains(body, `data-testid="oncall-people"`) || !strings.Contains(body, `data-testid="people-hidden"`) ||
		strings.Contains(body, "Anna Schmidt") || strings.Contains(body, `data-testid="people-link"`) {
		t.Error("viewer sees per-person figures or the people link")
	}
	var api struct {
		People bool `json:"people_shown"`
		Teams  []struct {
			Team       string            `json:"team"`
			Responders int               `json:"responders"`
			People     []json.RawMessage `json:"people"`
			Health     struct {
				Value *float64 `json:"value"`
			} `json:"oncall_health_index"`
		} `json:"teams"`
	}
	status, body, _ = getWith(t, viewer, srv.URL+"/api/v1/oncall?period=2026-10")
	if status != http.StatusOK || json.Unmarshal([]byte(body), &api) != nil || api.People || len(api.Teams) == 0 {
		t.Fatalf("viewer api: %d %s", status, body)
	}
	for _, tm := range api.Teams {
		if len(tm.People) != 0 || tm.Responders == 0 || tm.Health.Value == nil {
			t.Errorf("viewer api team %s: %d people rows, %d responders, index %v", tm.Team, len(tm.People), tm.Responders, tm.Health.Value)
		}
	}
	if status, _, _ := postWith(t, viewer, srv.URL+"/oncall/people", url.Values{"name": {"X"}}, true); status != http.StatusForbidden {
		t.Errorf("viewer may add a person: %d", status)
	}

	// The setting lets viewers see people.
	if err := st.SetSetting(context.Background(), store.SettingPeopleViewers, "1"); err != nil {
		t.Fatal(err)
	}
	if _, body, _ := getWith(t, viewer, srv.URL+"/oncall?period=2026-10&team=payments"); !strings.Contains(body, `data-testid="oncall-people"`) {
		t.Error("viewer does not see people with the setting on")
	}
	if _, body, _ := getWith(t, viewer, srv.URL+"/oncall?team=nope"); !strings.Contains(body, "not found") {
		t.Error("unknown team is not a 404 page")
	}
}

func TestOnCallPeopleForm(t *testing.T) {
	srv, st, editor := followupServer(t, web.RoleEditor)
	ctx := context.Background()
	status, body, _ := getWith(t, editor, srv.URL+"/oncall?period=2026-10&team=payments")
	if status != http.StatusOK || !strings.Contains(body, `data-testid="oncall-people"`) || !strings.Contains(body, "Anna Schmidt") {
		t.Fatalf("editor page: %d", status)
	}
	if strings.Contains(body, "@acme.example") {
		t.Error("an e-mail responder was not merged into its person")
	}

	// Validation keeps the input and answers 422.
	status, body, _ = postWith(t, editor, srv.URL+"/oncall/people", url.Values{"name": {" "}, "email": {"nope"}, "aliases": {"x1"}}, true)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Enter the person&#39;s name") || !strings.Contains(body, "x1") {
		t.Fatalf("invalid person: %d", status)
	}
	// An alias that is another person's e-mail is refused: a responder must mean one person.
	status, body, _ = postWith(t, editor, srv.URL+"/oncall/people", url.Values{"name": {"Ann S."}, "aliases": {"anna.schmidt@acme.example"}}, true)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "already belongs to another person") {
		t.Fatalf("taken alias: %d", status)
	}

	status, _, hdr := postWith(t, editor, srv.URL+"/oncall/people", url.Values{"name": {"Pat Doe"}, "email": {"pat@acme.example"},
		"aliases": {"pdoe\nP. Doe, pdoe"}}, true)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/oncall/people?done=saved" {
		t.Fatalf("create: %d %s", status, hdr.Get("Location"))
	}
	people, err := st.OnCallPeople(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var pat store.OnCallPerson
	for _, p := range people {
		if p.Name == "Pat Doe" {
			pat = p
		}
	}
	if pat.ID == 0 || pat.Email != "pat@acme.example" || strings.Join(pat.Aliases, "|") != "P. Doe|pdoe" {
		t.Fatalf("saved person %+v", pat)
	}
	m, _ := st.ResponderPeople(ctx)
	if m["pdoe"] != "Pat Doe" || m["pat@acme.example"] != "Pat Doe" || m["anna.schmidt@acme.example"] != "Anna Schmidt" {
		t.Errorf("responder map: pdoe=%q pat=%q anna=%q", m["pdoe"], m["pat@acme.example"], m["anna.schmidt@acme.example"])
	}
	id := itoa(pat.ID)
	if status, body, _ := getWith(t, editor, srv.URL+"/oncall/people?edit="+id); status != http.StatusOK || !strings.Contains(body, "Edit Pat Doe") {
		t.Fatalf("edit form: %d", status)
	}
	status, _, _ = postWith(t, editor, srv.URL+"/oncall/people/"+id, url.Values{"name": {"Pat Doe"}, "aliases": {"patd"}}, true)
	if status != http.StatusSeeOther {
		t.Fatalf("update: %d", status)
	}
	if p, _ := st.OnCallPersonByID(ctx, pat.ID); p.Email != "" || strings.Join(p.Aliases, "|") != "patd" {
		t.Errorf("updated person %+v", p)
	}
	if status, _, _ := postWith(t, editor, srv.URL+"/oncall/people/"+id+"/delete", url.Values{}, true); status != http.StatusSeeOther {
		t.Fatalf("delete: %d", status)
	}
	if _, err := st.OnCallPersonByID(ctx, pat.ID); err == nil {
		t.Error("person still there after delete")
	}
	rows, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "oncall_people"})
	if len(rows) != 3 {
		t.Fatalf("audit rows: %d, want create, update, delete", len(rows))
	}
	if status, _, _ := postWith(t, editor, srv.URL+"/oncall/people/99999/delete", url.Values{}, true); status != http.StatusNotFound {
		t.Errorf("delete unknown: %d", status)
	}
}

// TestOnCallExplainHidesNames checks that the explain page of a fairness
// KPI names responders to editors and ranks them anonymously for viewers.
func TestOnCallExplainHidesNames(t *testing.T) {
	srv, st, viewer := followupServer(t, web.RoleViewer)
	u := srv.URL + "/explain?kpi=oncall_load_gini&period=2026-10"
	status, body, _ := getWith(t, viewer, u)
	if status != http.StatusOK || !strings.Contains(body, "Responder 1: ") || strings.Contains(body, "Anna Schmidt") {
		t.Fatalf("viewer explain: %d, names shown or no ranks", status)
	}
	editor := signIn(t, st, srv.URL, web.RoleEditor).client
	if _, body, _ := getWith(t, editor, u); !strings.Contains(body, "Anna Schmidt: ") || strings.Contains(body, "Responder 1: ") {
		t.Error("editor explain does not name responders")
	}
}
