package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sreport/analytics/store"
	"sreport/web"
)

// TestOnCallPeopleCSV exports the demo company's people, imports the file
// back (nothing changes, no audit row), then imports an edited file: one
// person gains aliases, one is added, and the responder map merges the
// new names; a file with bad rows is refused whole with each row's line.
// Viewers can neither download nor upload the per-person file.
func TestOnCallPeopleCSV(t *testing.T) {
	srv, st, ed := followupServer(t, web.RoleEditor)
	ctx := context.Background()
	people, err := st.OnCallPeople(ctx)
	if err != nil || len(people) == 0 {
		t.Fatalf("demo people: %d, %v", len(people), err)
	}
	status, csv1, hdr := getWith(t, ed, srv.URL+"/oncall/people.csv")
	if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.HasPrefix(csv1, `"name","email","aliases"`+"\n") ||
		strings.Count(csv1, "\n") != len(people)+1 || !strings.Contains(csv1, `"Anna Schmidt","anna.schmidt@acme.example",""`+"\n") {
		t.Fatalf("export: %d %q, %d lines for %d people:\n%.300s", status, hdr.Get("Content-Type"), strings.Count(csv1, "\n"), len(people), csv1)
	}
	upload := func(data string) (int, string, http.Header) {
		return uploadCSV(t, ed, srv.URL+"/oncall/people", "people-upload", srv.URL+"/oncall/people/import", []byte(data))
	}
	audits := auditCount(t, st, "oncall_people")
	status, _, hdr = upload(csv1)
	want := "0 added, 0 updated, " + itoa(int64(len(people))) + " unchanged"
	if status != http.StatusSeeOther || !strings.Contains(hdr.Get("Location"), url.QueryEscape(want)) {
		t.Fatalf("re-import: %d %s, want %q", status, hdr.Get("Location"), want)
	}
	if got := auditCount(t, st, "oncall_people"); got != audits {
		t.Errorf("re-import wrote %d audit rows", got-audits)
	}

	// Anna gains two aliases (matched by name, in other case); a new person
	// is matched by nobody and added.
	edited := strings.Replace(csv1, `"Anna Schmidt","anna.schmidt@acme.example",""`+"\n", "anna schmidt,anna.schmidt@acme.example,\"aschmidt, A. Schmidt\"\n", 1) +
		"Pat Doe,pat@acme.example,pdoe\n"
	status, _, hdr = upload(edited)
	if status != http.StatusSeeOther || !strings.Contains(hdr.Get("Location"), url.QueryEscape("1 added, 1 updated, "+itoa(int64(len(people)-1))+" unchanged")) {
		t.Fatalf("edited import: %d %s", status, hdr.Get("Location"))
	}
	if got := auditCount(t, st, "oncall_people"); got != audits+2 {
		t.Errorf("edited import wrote %d audit rows, want 2 (one update, one create)", got-audits)
	}
	m, err := st.ResponderPeople(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m["aschmidt"] != "anna schmidt" || m["a. schmidt"] != "anna schmidt" || m["pdoe"] != "Pat Doe" || m["pat@acme.example"] != "Pat Doe" {
		t.Errorf("responder map: aschmidt=%q a. schmidt=%q pdoe=%q pat=%q", m["aschmidt"], m["a. schmidt"], m["pdoe"], m["pat@acme.example"])
	}
	status, body, _ := getWith(t, ed, srv.URL+"/oncall/people?done=imported&n="+url.QueryEscape("1 added"))
	if status != http.StatusOK || !strings.Contains(body, "Imported: 1 added.") {
		t.Errorf("flash after import: %d", status)
	}

	// Bad rows refuse the whole file, each named by its line.
	before, _ := st.OnCallPeople(ctx)
	bad := "email,name,aliases\n" +
		"new@acme.example,New Person,\n" + // line 2: fine
		"nope,Someone,\n" + // line 3
		",,x\n" + // line 4
		"x@acme.example,new person,\n" + // line 5: line 2's name again
		"jonas.weber@acme.example,Jonas W.,\n" + // line 6: Jonas by e-mail
		"other@acme.example,Jonas Weber,\n" // line 7: Jonas by name, as line 6
	status, body, _ = upload(bad)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="people-import-refused"`) {
		t.Fatalf("bad file: %d", status)
	}
	for _, w := range []string{
		`<td class="num">3</td><td>email: Enter an e-mail address, or leave it empty.</td>`,
		`<td class="num">4</td><td>name: Enter the person&#39;s name.</td>`,
		`<td class="num">5</td><td>the same name as line 2</td>`,
		`<td class="num">7</td><td>the same person as line 6</td>`,
	} {
		if !strings.Contains(body, w) {
			t.Errorf("refusal lacks %s", w)
		}
	}
	if strings.Contains(body, `<td class="num">2</td>`) || strings.Contains(body, `<td class="num">6</td>`) {
		t.Error("a good row is listed as refused")
	}
	// A row whose alias is another person's e-mail is refused in the
	// store's transaction: nothing of the file is kept.
	status, body, _ = upload("name,email,aliases\nNew Person,new@acme.example,\nLea F.,,jonas.weber@acme.example\n")
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `<td class="num">3</td><td>a name, the e-mail or an alias already belongs to another person`) {
		t.Errorf("taken alias: %d", status)
	}
	if status, body, _ = upload("name,email\nX,\n"); status != http.StatusUnprocessableEntity || !strings.Contains(body, "the header must name name, email, aliases") {
		t.Errorf("missing column: %d", status)
	}
	if after, _ := st.OnCallPeople(ctx); len(after) != len(before) {
		t.Errorf("refused files changed the people: %d → %d", len(before), len(after))
	}
	if _, err := st.AuditEntries(ctx, store.AuditFilter{Entity: "oncall_people"}); err != nil {
		t.Fatal(err)
	}

	// Per-person data is for editors and admins.
	srvV, _, viewer := followupServer(t, web.RoleViewer)
	if status, _, _ := getWith(t, viewer, srvV.URL+"/oncall/people.csv"); status != http.StatusForbidden {
		t.Errorf("viewer download: %d", status)
	}
	if status, _, _ := postWith(t, viewer, srvV.URL+"/oncall/people/import", url.Values{}, true); status != http.StatusForbidden {
		t.Errorf("viewer upload: %d", status)
	}
}
