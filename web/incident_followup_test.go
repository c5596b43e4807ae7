package web_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/scorecard"
	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

// followupServer serves a demo copy signed in with role; the returned
// client does not follow redirects, so tests see the 303 of a saved form.
func followupServer(t *testing.T, role string) (*httptest.Server, *store.Store, *http.Client) {
	t.Helper()
	st := testutil.DemoStore(t)
	app := web.New(st, web.Config{Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	s := signIn(t, st, srv.URL, role)
	return srv, st, loginClient(t, srv.URL, s.email, s.password, false)
}

// lateIncident finds an incident of October 2026: with wantInferred one
// the engine links to a deploy by rule (b) in the October scorecard, else
// a resolved sev1/sev2 incident whose postmortem was never published.
func lateIncident(t *testing.T, st *store.Store, wantInferred bool) (analytics.Incident, int64) {
	t.Helper()
	ctx := context.Background()
	from, to := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	incs, err := st.IncidentsInRange(ctx, nil, store.TimeRange{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	links := map[int64]int64{}
	if wantInferred {
		env, err := scorecard.LoadEnv(ctx, st, testutil.Now())
		if err != nil {
			t.Fatal(err)
		}
		res, err := scorecard.Result(ctx, st, env, analytics.NewMonth(2026, 10, time.UTC), scorecard.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		// The incidents behind failed changes, as Compute explains them.
		re := regexp.MustCompile(`^inferred link to deploy #(\d+)`)
		for _, row := range res.Evidence.For(analytics.KPIFailedDeployRecoveryMedianMinutes) {
			if m := re.FindStringSubmatch(row.Note); m != nil {
				dep, _ := strconv.ParseInt(m[1], 10, 64)
				links[row.ID] = dep
			}
		}
	}
	for _, in := range incs {
		dep, ok := links[in.ID]
		if wantInferred {
			if ok {
				return in, dep
			}
			continue
		}
		if in.ResolvedAt != nil && !in.ResolvedAt.After(to) && in.Severity > 0 && in.Severity <= 2 && in.PostmortemPublishedAt == nil {
			return in, dep
		}
	}
	t.Fatal("no suitable incident in the demo data")
	return analytics.Incident{}, 0
}

func TestIncidentEdit(t *testing.T) {
	srv, st, c := followupServer(t, web.RoleEditor)
	ctx := context.Background()
	in, _ := lateIncident(t, st, false)
	page := srv.URL + "/incidents/" + idStr(in.ID)

	status, body, _ := getWith(t, c, page)
	if status != 200 || !strings.Contains(body, `data-testid="incident-form"`) || !strings.Contains(body, "Postmortem due") {
		t.Fatalf("editor page: %d", status)
	}
	version := formVersion(t, body)
	if status, _, _ := postWith(t, c, page, url.Values{"severity": {"1"}}, true); status != http.StatusBadRequest {
		t.Errorf("form without its version: %d, want 400", status)
	}
	cases := []struct {
		name   string
		form   url.Values
		field  string
		errMsg string
	}{
		{"bad time", url.Values{"started_at": {"yesterday"}}, "started_at", "Enter a date and time"},
		{"start after detection", url.Values{"started_at": {in.DetectedAt.Add(time.Hour).Format("2006-01-02T15:04")}}, "started_at", "cannot start after detection"},
		{"severity", url.Values{"severity": {"9"}}, "severity", "Choose Sev1 to Sev4"},
		{"postmortem url", url.Values{"postmortem_url": {"javascript:alert(1)"}}, "postmortem_url", "http:// or https://"},
		{"deploy not a candidate", url.Values{"caused_by_deploy_id": {"1"}}, "caused_by_deploy_id", "Choose one of this service"},
		{"published in the future", url.Values{"postmortem_published_at": {"2030-01-01T00:00"}}, "postmortem_published_at", "future"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"version": {version}}
			for k, v := range tc.form {
				form[k] = v
			}
			status, body, _ := postWith(t, c, page, form, true)
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, tc.errMsg) {
				t.Fatalf("status %d, want 422 with %q", status, tc.errMsg)
			}
			// The input is kept.
			for _, v := range tc.form {
				if !strings.Contains(body, `value="`+strings.ReplaceAll(v[0], "&", "&amp;")+`"`) && tc.field != "severity" && tc.field != "caused_by_deploy_id" {
					t.Errorf("input %q not kept", v[0])
				}
			}
		})
	}
	if rows, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "incident_overrides"}); len(rows) != 0 {
		t.Fatalf("rejected edits wrote %d audit rows", len(rows))
	}

	pub := in.ResolvedAt.Add(time.Hour).UTC().Format("2006-01-02T15:04")
	status, _, hdr := postWith(t, c, page, url.Values{"version": {version}, "severity": {"1"}, "customer_impacting": {"yes"},
		"postmortem_published_at": {pub}, "postmortem_url": {"https://wiki.example/pm/1"}, "fingerprint": {"db-failover"},
		"not_deploy_related": {"1"}}, true)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/incidents/"+idStr(in.ID)+"?done=saved" {
		t.Fatalf("save: %d %s", status, hdr.Get("Location"))
	}
	got, err := st.IncidentByID(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Severity != 1 || !got.CustomerImpacting || got.PostmortemPublishedAt == nil || got.Fingerprint != "db-failover" || !got.NotDeployRelated {
		t.Errorf("saved incident: %+v", got)
	}
	imp, _ := st.ImportedIncident(ctx, in.ID)
	_, body, _ = getWith(t, c, page+"?done=saved")
	// The imported severity stays visible next to the override.
	if !strings.Contains(body, "Saved.") || !strings.Contains(body, sevText(imp.Severity)) || !strings.Contains(body, "wiki.example/pm/1") {
		t.Errorf("page after save lacks flash, imported severity or postmortem link")
	}
	if !strings.Contains(body, "Postmortem published") || !strings.Contains(body, "Since previous event") {
		t.Error("timeline lacks the postmortem or durations")
	}
	rows, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "incident_overrides"})
	if len(rows) != 1 || rows[0].Actor != "editor@test.example" || !strings.Contains(rows[0].After, "db-failover") {
		t.Errorf("audit: %+v", rows)
	}

	// Viewers read but cannot edit.
	vs := signIn(t, st, srv.URL, web.RoleViewer)
	vc := loginClient(t, srv.URL, vs.email, vs.password, false)
	_, body, _ = getWith(t, vc, page)
	if strings.Contains(body, `data-testid="editor-controls"`) {
		t.Error("viewer sees the edit form")
	}
	if status, _, _ := postWith(t, vc, page, url.Values{"version": {version}, "severity": {"2"}}, true); status != http.StatusForbidden {
		t.Errorf("viewer POST: %d", status)
	}
}

var incidentVersionRE = regexp.MustCompile(`name="version" value="(\d+)"`)

// formVersion is the override version an incident page's edit form carries.
func formVersion(t *testing.T, body string) string {
	t.Helper()
	m := incidentVersionRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the incident form carries no version")
	}
	return m[1]
}

func sevText(s int) string { return "Sev" + string(rune('0'+s)) }

// TestIncidentDeployLink confirms and removes an inferred deploy link and
// checks the change failure rule sees it.
func TestIncidentDeployLink(t *testing.T) {
	srv, st, c := followupServer(t, web.RoleEditor)
	ctx := context.Background()
	in, dep := lateIncident(t, st, true)
	page := srv.URL + "/incidents/" + idStr(in.ID)
	_, body, _ := getWith(t, c, page)
	if !strings.Contains(body, `data-testid="inferred-link"`) || !strings.Contains(body, `data-testid="link-confirm"`) {
		t.Fatal("inferred link not shown")
	}
	if status, _, _ := postWith(t, c, page+"/deploy-link", url.Values{"action": {"confirm"}}, true); status != http.StatusSeeOther {
		t.Fatalf("confirm: %d", status)
	}
	got, _ := st.IncidentByID(ctx, in.ID)
	if got.CausedByDeployID == nil || *got.CausedByDeployID != dep {
		t.Fatalf("confirmed link: %v, want %d", got.CausedByDeployID, dep)
	}
	if status, _, _ := postWith(t, c, page+"/deploy-link", url.Values{"action": {"remove"}}, true); status != http.StatusSeeOther {
		t.Fatalf("remove: %d", status)
	}
	got, _ = st.IncidentByID(ctx, in.ID)
	if got.CausedByDeployID != nil || !got.InferredLinkRejected {
		t.Fatalf("removed link: %+v", got)
	}
	stt, _ := st.Settings(ctx)
	deps, _ := st.DeploysInRange(ctx, []int64{in.ServiceID}, store.TimeRange{From: in.DetectedAt.AddDate(0, 0, -2), To: in.DetectedAt.Add(time.Hour)})
	if _, ok := analytics.InferDeployLinks([]analytics.Incident{got}, deps, stt)[in.ID]; ok {
		t.Error("the engine still infers the removed link")
	}
	_, body, _ = getWith(t, c, page)
	if !strings.Contains(body, `data-testid="link-restore"`) {
		t.Error("removed link offers no restore")
	}
	if status, _, _ := postWith(t, c, page+"/deploy-link", url.Values{"action": {"bogus"}}, true); status != http.StatusBadRequest {
		t.Errorf("bogus action: %d", status)
	}
}

// TestActionItemFlow adds, edits, closes and reopens an action item and
// lists it on /action-items.
func TestActionItemFlow(t *testing.T) {
	srv, st, c := followupServer(t, web.RoleEditor)
	ctx := context.Background()
	in, _ := lateIncident(t, st, false)
	page := srv.URL + "/incidents/" + idStr(in.ID)

	status, body, _ := postWith(t, c, page+"/action-items", url.Values{"title": {""}, "owner": {"kim"}, "due_at": {"soon"}, "url": {"ftp://x"}}, true)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Enter what has to be done.") ||
		!strings.Contains(body, "http:// or https://") || !strings.Contains(body, `value="kim"`) {
		t.Fatalf("invalid item: %d", status)
	}
	// A due date before 2000, or before the item is created (now), is a typo.
	for due, want := range map[string]string{"1999-12-31 17:00": "2000 or later", "2026-11-14 17:00": "cannot be due before it was created (2026-11-15)"} {
		status, body, _ := postWith(t, c, page+"/action-items", url.Values{"title": {"Add replica alarm"}, "due_at": {due}}, true)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, want) || !strings.Contains(body, `data-testid="error-summary"`) {
			t.Fatalf("due %s: %d, want 422 with %q", due, status, want)
		}
	}
	status, _, hdr := postWith(t, c, page+"/action-items", url.Values{"title": {"Add replica alarm"}, "owner": {"kim"},
		"due_at": {"2026-11-20T17:00"}, "url": {"https://jira.example/OPS-1"}}, true)
	if status != http.StatusSeeOther || !strings.HasSuffix(hdr.Get("Location"), "?done=item") {
		t.Fatalf("add: %d %s", status, hdr.Get("Location"))
	}
	items, _ := st.ActionItemsForIncident(ctx, in.ID)
	var item analytics.ActionItem
	for _, a := range items {
		if a.Title == "Add replica alarm" {
			item = a
		}
	}
	if item.ID == 0 || item.DueAt == nil || item.Owner != "kim" {
		t.Fatalf("item not stored: %+v", items)
	}
	edit := srv.URL + "/action-items/" + idStr(item.ID)
	if status, body, _ := getWith(t, c, edit+"/edit?next=/action-items"); status != 200 || !strings.Contains(body, "Add replica alarm") {
		t.Fatalf("edit page: %d", status)
	}
	status, body, _ = postWith(t, c, edit, url.Values{"title": {"Add replica alarm"}, "due_at": {"31/12/2026"}}, true)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Enter a date and time") || !strings.Contains(body, `value="31/12/2026"`) {
		t.Fatalf("invalid edit: %d", status)
	}
	status, _, hdr = postWith(t, c, edit, url.Values{"title": {"Add replica lag alarm"}, "owner": {"lee"}, "due_at": {"2026-11-25 17:00"},
		"next": {"/action-items"}}, true)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/action-items" {
		t.Fatalf("edit: %d %s", status, hdr.Get("Location"))
	}
	// An off-site next is ignored.
	if status, _, hdr := postWith(t, c, edit+"/close?next=//evil.example", nil, true); status != http.StatusSeeOther || strings.Contains(hdr.Get("Location"), "evil") {
		t.Fatalf("close: %d %s", status, hdr.Get("Location"))
	}
	got, _ := st.ActionItemByID(ctx, item.ID)
	if got.ClosedAt == nil || got.Owner != "lee" {
		t.Fatalf("closed item: %+v", got)
	}
	_, body, _ = getWith(t, c, srv.URL+"/action-items?state=closed&owner=lee")
	if !strings.Contains(body, "Add replica lag alarm") {
		t.Error("closed item not listed")
	}
	if status, _, _ := postWith(t, c, edit+"/reopen", nil, true); status != http.StatusSeeOther {
		t.Fatalf("reopen: %d", status)
	}
	// Open items across services, filtered by service and owner.
	_, body, _ = getWith(t, c, srv.URL+"/action-items?service="+url.QueryEscape(in.Service)+"&owner=lee")
	if !strings.Contains(body, "Add replica lag alarm") || !strings.Contains(body, `data-testid="action-items"`) {
		t.Error("reopened item not listed as open")
	}
	_, body, _ = getWith(t, c, srv.URL+"/action-items?state=overdue")
	if !strings.Contains(body, "overdue") {
		t.Error("no overdue items in the demo data")
	}
	if status, _, _ := getWith(t, c, srv.URL+"/action-items?state=bogus"); status != http.StatusBadRequest {
		t.Errorf("bad state: %d", status)
	}
	rows, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "action_items"})
	if len(rows) != 4 {
		t.Errorf("audit rows %d, want 4 (create, update, close, reopen)", len(rows))
	}
}

func idStr(n int64) string { return strconv.FormatInt(n, 10) }

// TestIncidentEditConflict saves an incident from a stale form: the save is
// refused (409) with the other editor's change shown and the input kept,
// and saving again from the conflict page goes through.
func TestIncidentEditConflict(t *testing.T) {
	srv, st, a := followupServer(t, web.RoleEditor)
	ctx := context.Background()
	in, _ := lateIncident(t, st, false)
	page := srv.URL + "/incidents/" + idStr(in.ID)
	bs := signIn(t, st, srv.URL, web.RoleAdmin)
	b := loginClient(t, srv.URL, bs.email, bs.password, false)

	_, body, _ := getWith(t, a, page)
	stale := formVersion(t, body)
	_, body, _ = getWith(t, b, page)
	pub := in.ResolvedAt.Add(3 * time.Hour).UTC().Format("2006-01-02T15:04")
	if status, _, _ := postWith(t, b, page, url.Values{"version": {formVersion(t, body)}, "postmortem_published_at": {pub}}, true); status != http.StatusSeeOther {
		t.Fatalf("B's save: %d", status)
	}
	// A's form still says "no publication date" and sets the severity.
	mine := url.Values{"version": {stale}, "severity": {"1"}, "fingerprint": {"replica-lag"}}
	status, body, _ := postWith(t, a, page, mine, true)
	if status != http.StatusConflict {
		t.Fatalf("stale save: %d, want 409", status)
	}
	for _, want := range []string{`data-testid="conflict"`, bs.email, "Postmortem published", strings.Replace(pub, "T", " ", 1),
		`value="replica-lag"`, `<option value="1" selected`} {
		if !strings.Contains(body, want) {
			t.Errorf("409 page lacks %q", want)
		}
	}
	got, _ := st.IncidentByID(ctx, in.ID)
	if got.PostmortemPublishedAt == nil || got.Fingerprint == "replica-lag" {
		t.Fatalf("stale save changed the incident: published %v fingerprint %q", got.PostmortemPublishedAt, got.Fingerprint)
	}
	// Saving from the conflict page (now at B's version) is deliberate.
	mine.Set("version", formVersion(t, body))
	if status, _, _ := postWith(t, a, page, mine, true); status != http.StatusSeeOther {
		t.Fatalf("resubmit: %d", status)
	}
	if got, _ := st.IncidentByID(ctx, in.ID); got.Fingerprint != "replica-lag" || got.Severity != 1 {
		t.Errorf("resubmitted save: %+v", got)
	}
}

// TestIncidentDateChecks rejects override times that contradict the
// incident's other times, with the message beside the field.
func TestIncidentDateChecks(t *testing.T) {
	srv, st, c := followupServer(t, web.RoleEditor)
	ctx := context.Background()
	in, _ := lateIncident(t, st, false)
	page := srv.URL + "/incidents/" + idStr(in.ID)
	_, body, _ := getWith(t, c, page)
	version := formVersion(t, body)
	at := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04") }
	det, res := in.DetectedAt, *in.ResolvedAt
	cases := []struct {
		name, field, value, msg string
	}{
		{"impact after detection", "started_at", at(det.Add(time.Minute)), "Impact cannot start after detection"},
		{"mitigated before detection", "mitigated_at", at(det.Add(-time.Minute)), "Mitigation cannot come before detection"},
		{"mitigated after resolution", "mitigated_at", at(res.Add(time.Hour)), "Mitigation cannot come after resolution"},
		{"published before resolution", "postmortem_published_at", at(res.Add(-time.Minute)), "cannot be published before the incident was resolved"},
		{"due before resolution", "postmortem_due_at", at(res.Add(-time.Hour)), "cannot be due before the incident was resolved"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := postWith(t, c, page, url.Values{"version": {version}, tc.field: {tc.value}}, true)
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, tc.msg) {
				t.Fatalf("%s=%s: %d, want 422 with %q", tc.field, tc.value, status, tc.msg)
			}
			// The message sits beside its field, and the input is kept.
			i := strings.Index(body, `name="`+tc.field+`" value="`+tc.value+`"`)
			if i < 0 || !strings.Contains(body[i:min(len(body), i+600)], tc.msg) {
				t.Errorf("message not beside %s, or input not kept", tc.field)
			}
		})
	}
	if rows, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "incident_overrides"}); len(rows) != 0 {
		t.Fatalf("rejected edits wrote %d audit rows", len(rows))
	}
	// Times in order are accepted.
	ok := url.Values{"version": {version}, "mitigated_at": {at(det.Add(time.Minute))}, "postmortem_published_at": {at(res.Add(time.Hour))},
		"postmortem_due_at": {at(res.Add(48 * time.Hour))}}
	if status, body, _ := postWith(t, c, page, ok, true); status != http.StatusSeeOther {
		t.Fatalf("times in order: %d %s", status, body)
	}
}

// TestActionItemEditKeepsSource edits only the owner of an open imported
// item through the form; when the source later closes the item and moves
// its due date, both still apply.
func TestActionItemEditKeepsSource(t *testing.T) {
	srv, st, c := followupServer(t, web.RoleEditor)
	ctx := context.Background()
	items, err := st.ActionItems(ctx, store.ActionItemFilter{State: "open"})
	if err != nil {
		t.Fatal(err)
	}
	var item analytics.ActionItem
	for _, a := range items {
		if a.DueAt != nil {
			item = a
			break
		}
	}
	if item.ID == 0 {
		t.Fatal("no open action item with a due date in the demo data")
	}
	// The demo's items are the app's; make this one an imported item.
	if _, err := st.Writer().Exec(`UPDATE action_items SET source = 'jira' WHERE id = ?`, item.ID); err != nil {
		t.Fatal(err)
	}
	edit := srv.URL + "/action-items/" + idStr(item.ID)
	_, body, _ := getWith(t, c, edit+"/edit")
	form := url.Values{}
	for _, name := range []string{"title", "owner", "due_at", "url", "was", "was_title", "was_owner", "was_due_at", "was_url"} {
		m := regexp.MustCompile(`name="` + name + `"[^>]*? value="([^"]*)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("edit form lacks %s", name)
		}
		form.Set(name, html.UnescapeString(m[1]))
	}
	form.Set("owner", "new-owner")
	if status, _, _ := postWith(t, c, edit, form, true); status != http.StatusSeeOther {
		t.Fatalf("edit: %d", status)
	}
	// The source closes the item and moves its due date.
	due, closed := item.DueAt.Add(72*time.Hour), item.DueAt.Add(48*time.Hour)
	if _, err := st.Writer().Exec(`UPDATE action_items SET due_at = ?, closed_at = ? WHERE id = ?`,
		store.FormatTime(due), store.FormatTime(closed), item.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := st.ActionItemByID(ctx, item.ID)
	if got.Owner != "new-owner" || got.ClosedAt == nil || !got.ClosedAt.Equal(closed) || got.DueAt == nil || !got.DueAt.Equal(due) {
		t.Errorf("after the source changed: owner %q closed %v due %v", got.Owner, got.ClosedAt, got.DueAt)
	}
}
