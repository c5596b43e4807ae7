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

	"sreport/analytics"
	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

var roadmapHiddenRE = regexp.MustCompile(`<input type="hidden" name="(file_name|payload|expect)" value="([^"]*)"`)

// confirmForm is the preview page's Apply form as a browser would post it.
func confirmForm(t *testing.T, body string) url.Values {
	t.Helper()
	f := url.Values{}
	for _, m := range roadmapHiddenRE.FindAllStringSubmatch(body, -1) {
		f.Set(m[1], html.UnescapeString(m[2]))
	}
	if f.Get("payload") == "" {
		t.Fatalf("the preview has no Apply form: %.1500s", body)
	}
	return f
}

// TestRoadmapImportPreview uploads an edited export: the preview lists
// the added, updated (field by field) and unchanged rows and writes
// nothing; Apply writes them; a preview gone stale is refused whole.
func TestRoadmapImportPreview(t *testing.T) {
	ctx := context.Background()
	s := newRiskServer(t, testutil.DemoStore(t))
	_, csvText, _ := getWith(t, s.viewer, s.url+"/roadmap.csv")
	before, err := s.st.Initiatives(ctx)
	if err != nil || len(before) < 2 {
		t.Fatalf("demo roadmap: %d initiatives, %v", len(before), err)
	}
	first, second := before[0], before[1]
	// Change the first initiative's owner, keep the rest, add one.
	lines := strings.Split(strings.TrimSuffix(csvText, "\n"), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, `"`+first.Code+`",`) {
			lines[i] = strings.Replace(l, `"`+first.Owner+`"`, `"new-owner@test.example"`, 1)
		}
	}
	file := strings.Join(lines, "\n") + "\n,Runbooks for tier 0,,ann,2027-Q1,2027-Q1,planned,mttr_minutes,change,-10 min,checkout,,,\n"
	audits := countAudit(t, s)

	status, body, _ := uploadRoadmap(t, s.editor, s.url, []byte(file))
	if status != http.StatusOK || !strings.Contains(body, `data-testid="roadmap-preview"`) {
		t.Fatalf("preview: %d %.1500s", status, body)
	}
	for _, want := range []string{"1 to add, 1 to update, " + strconv.Itoa(len(before)-1) + " unchanged; 0 rejected.",
		`data-testid="change-owner"`, html.EscapeString(first.Owner) + " → new-owner@test.example", `data-testid="confirm-import"`} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %s", want)
		}
	}
	if strings.Count(body, `class="import-unchanged"`) != len(before)-1 || strings.Count(body, `class="import-new"`) != 1 {
		t.Errorf("preview rows: %d unchanged, %d new", strings.Count(body, `class="import-unchanged"`), strings.Count(body, `class="import-new"`))
	}
	if n := countAudit(t, s); n != audits {
		t.Fatalf("the preview wrote %d audit rows", n-audits)
	}
	if now, _ := s.st.Initiatives(ctx); len(now) != len(before) {
		t.Fatalf("the preview changed the roadmap: %d → %d", len(before), len(now))
	}
	apply := confirmForm(t, body)

	// Viewers cannot apply; the form needs its token.
	if status, _, _ := postWith(t, s.viewer, s.url+"/roadmap/import/confirm", apply, true); status != http.StatusForbidden {
		t.Errorf("viewer apply: %d, want 403", status)
	}
	if status, _, _ := postWith(t, s.editor, s.url+"/roadmap/import/confirm", apply, false); status != http.StatusForbidden {
		t.Errorf("apply without CSRF token: %d, want 403", status)
	}

	// Someone edits the second initiative between preview and apply: the
	// file would not touch it, so the apply goes ahead.
	if _, _, err := s.st.UpdateInitiative(ctx, second.Code, withTitle(second, second.Title+" (v2)"), auditBy("other@test.example")); err != nil {
		t.Fatal(err)
	}
	// But the first, which the file updates, changed too: refused whole,
	// with a fresh preview and no Apply button.
	if _, _, err := s.st.UpdateInitiative(ctx, first.Code, withTitle(first, first.Title+" (edited)"), auditBy("other@test.example")); err != nil {
		t.Fatal(err)
	}
	audits = countAudit(t, s)
	status, body, _ = postWith(t, s.editor, s.url+"/roadmap/import/confirm", apply, true)
	if status != http.StatusConflict || !strings.Contains(body, first.Code+" changed (by other@test.example) since the preview; nothing was imported.") ||
		strings.Contains(body, `data-testid="confirm-import"`) || !strings.Contains(body, `data-testid="change-title"`) {
		t.Fatalf("stale apply: %d %.2000s", status, body)
	}
	if n := countAudit(t, s); n != audits {
		t.Fatalf("a refused apply wrote %d audit rows", n-audits)
	}
	if now, _ := s.st.Initiatives(ctx); len(now) != len(before) {
		t.Fatalf("a refused apply changed the roadmap: %d → %d", len(before), len(now))
	}

	// A fresh preview applies: one added, two updated (the file now also
	// reverts the title edits, as its preview showed).
	status, body, _ = uploadRoadmap(t, s.editor, s.url, []byte(file))
	if status != http.StatusOK || !strings.Contains(body, "1 to add, 2 to update") {
		t.Fatalf("second preview: %d %.1500s", status, body)
	}
	status, _, hdr := postWith(t, s.editor, s.url+"/roadmap/import/confirm", confirmForm(t, body), true)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/roadmap?imported=3&unchanged="+strconv.Itoa(len(before)-2) {
		t.Fatalf("apply: %d %s", status, hdr.Get("Location"))
	}
	got, err := s.st.InitiativeByCode(ctx, first.Code)
	if err != nil || got.Owner != "new-owner@test.example" || got.Title != first.Title {
		t.Errorf("after apply %s: %+v %v", first.Code, got, err)
	}
	if now, _ := s.st.Initiatives(ctx); len(now) != len(before)+1 {
		t.Errorf("after apply %d initiatives, want %d", len(now), len(before)+1)
	}
	// Re-importing the new export previews as all unchanged.
	_, csvText, _ = getWith(t, s.viewer, s.url+"/roadmap.csv")
	status, body, _ = uploadRoadmap(t, s.editor, s.url, []byte(csvText))
	if status != http.StatusOK || !strings.Contains(body, "0 to add, 0 to update, "+strconv.Itoa(len(before)+1)+" unchanged") {
		t.Errorf("re-import of the export: %d %.800s", status, body)
	}
}

// TestRoadmapImportAdmin: admins preview and apply too; a deleted
// initiative the preview showed as an update is refused, not recreated.
func TestRoadmapImportAdmin(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	srv := httptest.NewServer(web.New(st, web.Config{Now: testutil.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	pw := testutil.CreateUser(t, st, "ad@test.example", store.RoleAdmin)
	admin := loginClient(t, srv.URL, "ad@test.example", pw, false)
	ins, err := st.Initiatives(ctx)
	if err != nil || len(ins) == 0 {
		t.Fatal(err)
	}
	_, csvText, _ := getWith(t, admin, srv.URL+"/roadmap.csv")
	file := strings.Replace(csvText, `"`+ins[0].Code+`","`+ins[0].Title+`"`, `"`+ins[0].Code+`","Renamed"`, 1)
	status, body, _ := uploadRoadmap(t, admin, srv.URL, []byte(file))
	if status != http.StatusOK || !strings.Contains(body, "0 to add, 1 to update") {
		t.Fatalf("admin preview: %d %.1200s", status, body)
	}
	apply := confirmForm(t, body)
	if err := st.DeleteInitiative(ctx, ins[0].Code, auditBy("other@test.example")); err != nil {
		t.Fatal(err)
	}
	status, body, _ = postWith(t, admin, srv.URL+"/roadmap/import/confirm", apply, true)
	if status != http.StatusConflict || !strings.Contains(body, ins[0].Code+" was deleted since the preview") {
		t.Fatalf("apply after delete: %d %.1200s", status, body)
	}
	if _, err := st.InitiativeByCode(ctx, ins[0].Code); err == nil {
		t.Error("a stale apply recreated a deleted initiative")
	}
}

// auditBy is another user's audit identity, for edits made behind a preview.
func auditBy(actor string) store.Audit { return store.Audit{Actor: actor, ClientAddr: "192.0.2.7"} }

func withTitle(in analytics.Initiative, title string) analytics.Initiative {
	in.Title = title
	return in
}
