package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sreport/analytics/store"
	"sreport/testutil"
	"sreport/web"
)

// TestReportCommentary saves editors' notes on a team's quarterly report
// through the form: shown on that report only, versioned, audited, guarded
// by role and CSRF, and never overwriting another editor's save.
func TestReportCommentary(t *testing.T) {
	srv := newDemoServer(t)
	st := srvStore(t, srv.URL)
	editor := loginClient(t, srv.URL, "ed@test.example", testutil.CreateUser(t, st, "ed@test.example", web.RoleEditor), true)
	viewer := loginClient(t, srv.URL, "vi@test.example", testutil.CreateUser(t, st, "vi@test.example", web.RoleViewer), true)
	report := srv.URL + "/reports/2026-Q3?team=payments"
	save := srv.URL + "/reports/2026-Q3/commentary?team=payments"
	notes := func(base, hi string) url.Values {
		return url.Values{"base": {base}, "highlights": {hi}, "lowlights": {"Checkout MTTR doubled."}, "asks": {"Fund the DB failover drill."}}
	}

	// The editor sees the form; a viewer does not.
	if _, body, _ := getWith(t, editor, report); !strings.Contains(body, `data-testid="commentary-form"`) {
		t.Fatal("editor sees no commentary form")
	}
	if _, body, _ := getWith(t, viewer, report); strings.Contains(body, `data-testid="commentary-form"`) {
		t.Fatal("viewer sees the commentary form")
	}
	if status, _, _ := postWith(t, viewer, save, notes("0", "viewer wrote this"), true); status != http.StatusForbidden {
		t.Errorf("viewer save: status %d, want 403", status)
	}
	if status, _, _ := postWith(t, editor, save, notes("0", "no token"), false); status != http.StatusForbidden {
		t.Errorf("save without CSRF token: status %d, want 403", status)
	}
	if _, err := st.Commentary(context.Background(), "2026-Q3", "payments", nil); err != store.ErrNotFound {
		t.Fatalf("refused saves stored something: %v", err)
	}

	status, body, _ := postWith(t, editor, save, notes("0", "Zero Sev1 in payments."), true)
	if status != http.StatusOK || !strings.Contains(body, `data-testid="exec-commentary"`) || !strings.Contains(body, "Zero Sev1 in payments.") ||
		!strings.Contains(body, "Fund the DB failover drill.") || !strings.Contains(body, "Version 1, saved by ed@test.example") {
		t.Fatalf("after save: status %d, commentary not shown", status)
	}
	// Scoped: the organisation's report does not show the team's notes.
	if _, body, _ := getWith(t, editor, srv.URL+"/reports/2026-Q3"); strings.Contains(body, "Zero Sev1 in payments.") {
		t.Error("the organisation report shows team payments' commentary")
	}

	// A second editor's form still started from no version: refused, text kept.
	status, body, _ = postWith(t, editor, save, notes("0", "Stale edit."), true)
	if status != http.StatusConflict || !strings.Contains(body, `data-testid="commentary-conflict"`) || !strings.Contains(body, "Stale edit.") ||
		!strings.Contains(body, `name="base" value="1"`) {
		t.Errorf("stale save: status %d, want 409 with the typed text and base 1", status)
	}
	if status, body, _ := postWith(t, editor, save, notes("1", strings.Repeat("x", 1201)), true); status != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "under 1,200 characters") {
		t.Errorf("over-long note: status %d", status)
	}
	status, body, _ = postWith(t, editor, save, notes("1", "Zero Sev1; MTTR halved."), true)
	if status != http.StatusOK || !strings.Contains(body, "Zero Sev1; MTTR halved.") || !strings.Contains(body, "Version 2") ||
		!strings.Contains(body, "1 earlier version") {
		t.Errorf("second save: status %d, new version or history missing", status)
	}
	vs, err := st.CommentaryVersions(context.Background(), "2026-Q3", "payments", nil)
	if err != nil || len(vs) != 2 || vs[0].Version != 2 || vs[1].Highlights != "Zero Sev1 in payments." {
		t.Fatalf("versions = %+v, %v", vs, err)
	}
	audit, err := st.AuditEntries(context.Background(), store.AuditFilter{Entity: "report_commentary", Limit: 10})
	if err != nil || len(audit) != 2 {
		t.Fatalf("audit entries = %d, %v", len(audit), err)
	}
	if a := audit[0]; a.Action != "update" || a.EntityID != "2026-Q3 team payments" || !strings.Contains(a.Actor, "ed@test.example") ||
		!strings.Contains(a.After, "MTTR halved") || !strings.Contains(a.Before, "Zero Sev1 in payments.") {
		t.Errorf("latest audit entry = %+v", a)
	}
}
