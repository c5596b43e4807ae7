package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"sreport/analytics"
	"sreport/analytics/ingest"
	"sreport/analytics/store"
	"sreport/testutil"
)

func ptrTime(t time.Time) *time.Time { return &t }

// oneIncidentBatch is a source export holding one incident.
func oneIncidentBatch(title string, sev int) *ingest.Batch {
	det := time.Date(2026, 10, 5, 10, 0, 0, 0, time.UTC)
	return &ingest.Batch{Format: "test", Source: "pagerduty", Incidents: []analytics.Incident{{
		ExternalID: "P123", Service: "api", Title: title, Severity: sev, SeverityRaw: "P" + string(rune('0'+sev)),
		Status: analytics.StatusResolved, DetectedAt: det, ResolvedAt: ptrTime(det.Add(2 * time.Hour)),
	}}}
}

// TestIncidentOverrideSurvivesReimport edits an imported incident, then
// imports the source again (changed and unchanged) and upserts the row
// directly, and checks the edit still wins while the imported value moves.
func TestIncidentOverrideSurvivesReimport(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	if _, err := st.ApplyBatch(ctx, oneIncidentBatch("DB down", 3), store.ApplyOptions{CreateServices: true}); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := st.Writer().QueryRow(`SELECT id FROM incidents WHERE external_id = 'P123'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	sev := 1
	pub := time.Date(2026, 10, 7, 9, 0, 0, 0, time.UTC)
	fp := "db-outage"
	ov := store.IncidentOverride{Severity: &sev, PostmortemPublishedAt: &pub, Fingerprint: &fp, NotDeployRelated: true}
	if err := st.SaveIncidentOverride(ctx, id, ov, store.Audit{Actor: "editor@example.com"}); err != nil {
		t.Fatal(err)
	}

	check := func(when string, wantImportedSev int) {
		t.Helper()
		in, err := st.IncidentByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if in.Severity != 1 || in.PostmortemPublishedAt == nil || !in.PostmortemPublishedAt.Equal(pub) || in.Fingerprint != fp || !in.NotDeployRelated {
			t.Errorf("%s: override lost: %+v", when, in)
		}
		imp, err := st.ImportedIncident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if imp.Severity != wantImportedSev || imp.PostmortemPublishedAt != nil {
			t.Errorf("%s: imported severity %d, want %d (published %v)", when, imp.Severity, wantImportedSev, imp.PostmortemPublishedAt)
		}
	}
	check("after edit", 3)

	// The source changes the incident; the import updates the row.
	res, err := st.ApplyBatch(ctx, oneIncidentBatch("DB down (updated)", 2), store.ApplyOptions{})
	if err != nil || res.Updated != 1 {
		t.Fatalf("re-import: %+v %v", res, err)
	}
	check("after re-import", 2)

	// A raw upsert of the same source row, as any importer would do.
	if _, err := st.Writer().Exec(`INSERT INTO incidents (source, external_id, service_id, title, severity, detected_at)
		SELECT 'pagerduty', 'P123', service_id, 'again', 4, detected_at FROM incidents WHERE id = ?
		ON CONFLICT (source, external_id) DO UPDATE SET title = excluded.title, severity = excluded.severity`, id); err != nil {
		t.Fatal(err)
	}
	check("after upsert", 4)

	// The edit was audited with before and after.
	rows, err := st.AuditEntries(ctx, store.AuditFilter{Entity: "incident_overrides"})
	if err != nil || len(rows) != 1 {
		t.Fatalf("audit rows %d %v", len(rows), err)
	}
	if rows[0].Before != "" || !strings.Contains(rows[0].After, `"severity":1`) || rows[0].Actor != "editor@example.com" {
		t.Errorf("audit row %+v", rows[0])
	}

	// Clearing every override brings the imported values back.
	if err := st.SaveIncidentOverride(ctx, id, store.IncidentOverride{}, store.Audit{Actor: "editor@example.com"}); err != nil {
		t.Fatal(err)
	}
	if in, _ := st.IncidentByID(ctx, id); in.Severity != 4 || in.PostmortemPublishedAt != nil {
		t.Errorf("cleared override still applies: %+v", in)
	}
	// A caused-by deploy must exist; a failed save writes no audit row.
	bad := int64(999)
	if err := st.SaveIncidentOverride(ctx, id, store.IncidentOverride{CausedByDeployID: &bad}, store.Audit{Actor: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown deploy: %v", err)
	}
	if rows, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "incident_overrides"}); len(rows) != 2 {
		t.Errorf("audit rows after failed save: %d", len(rows))
	}
}

// TestActionItemEdits covers app items (edited in place) and imported items
// (edited through overrides that a re-import leaves alone).
func TestActionItemEdits(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	b := oneIncidentBatch("DB down", 1)
	due := time.Date(2026, 10, 20, 17, 0, 0, 0, time.UTC)
	b.ActionItems = []analytics.ActionItem{{ExternalID: "JIRA-1", IncidentRef: "P123", Title: "Add failover", Owner: "ann", DueAt: &due,
		ClosedAt: ptrTime(due.Add(-time.Hour))}}
	if _, err := st.ApplyBatch(ctx, b, store.ApplyOptions{CreateServices: true}); err != nil {
		t.Fatal(err)
	}
	var incID, importedID int64
	if err := st.Writer().QueryRow(`SELECT incident_id, id FROM action_items WHERE external_id = 'JIRA-1'`).Scan(&incID, &importedID); err != nil {
		t.Fatal(err)
	}
	a := store.Audit{Actor: "editor@example.com", At: time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC)}
	item, err := st.CreateActionItem(ctx, incID, store.ActionItemInput{Title: "Write runbook", Owner: "bob", DueAt: &due}, a)
	if err != nil || item.Source != store.SourceApp || item.Service != "api" {
		t.Fatalf("create: %+v %v", item, err)
	}
	if err := st.UpdateActionItem(ctx, item.ID, store.ActionItemInput{Title: "Write the runbook", Owner: "carol"}, a); err != nil {
		t.Fatal(err)
	}
	if err := st.CloseActionItem(ctx, item.ID, a.At, a); err != nil {
		t.Fatal(err)
	}
	got, _ := st.ActionItemByID(ctx, item.ID)
	if got.Title != "Write the runbook" || got.Owner != "carol" || got.DueAt != nil || got.ClosedAt == nil {
		t.Errorf("app item after edit and close: %+v", got)
	}
	// Reopen the imported (closed) item and change its owner.
	if err := st.ReopenActionItem(ctx, importedID, a); err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateActionItem(ctx, importedID, store.ActionItemInput{Title: "Add failover", Owner: "dave", DueAt: &due}, a); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ApplyBatch(ctx, b, store.ApplyOptions{}); err != nil { // the source still says closed, owner ann
		t.Fatal(err)
	}
	got, _ = st.ActionItemByID(ctx, importedID)
	if got.ClosedAt != nil || got.Owner != "dave" {
		t.Errorf("imported item after re-import: closed %v owner %q", got.ClosedAt, got.Owner)
	}
	open, err := st.ActionItems(ctx, store.ActionItemFilter{State: "open"})
	if err != nil || len(open) != 1 || open[0].ID != importedID {
		t.Errorf("open items: %+v %v", open, err)
	}
	overdue, _ := st.ActionItems(ctx, store.ActionItemFilter{State: "overdue", Now: due.Add(time.Hour)})
	if len(overdue) != 1 {
		t.Errorf("overdue items: %d", len(overdue))
	}
	byOwner, _ := st.ActionItems(ctx, store.ActionItemFilter{State: "all", Owner: "CAROL"})
	if len(byOwner) != 1 || byOwner[0].ID != item.ID {
		t.Errorf("by owner: %+v", byOwner)
	}
	// The KPI loader sees the effective values: the reopened item is late.
	in, err := st.ActionItemsInRange(ctx, nil, store.TimeRange{From: due.Add(-time.Hour), To: due.Add(time.Hour)})
	if err != nil || len(in) != 1 || in[0].ClosedAt != nil {
		t.Errorf("KPI input: %+v %v", in, err)
	}
	rows, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "action_items"})
	if len(rows) != 5 {
		t.Errorf("audit rows: %d, want 5 (create, update, close, reopen, update)", len(rows))
	}
}

// TestMergeServices merges two demo services and checks every record moved
// and the organisation's totals did not change.
func TestMergeServices(t *testing.T) {
	ctx := context.Background()
	st := testutil.DemoStore(t)
	from, err := st.ServiceByName(ctx, "search-api")
	if err != nil {
		t.Fatal(err)
	}
	into, err := st.ServiceByName(ctx, "checkout")
	if err != nil {
		t.Fatal(err)
	}
	count := func(q string, args ...any) int {
		var n int
		if err := st.Writer().QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	tables := []string{"incidents", "deploys", "pages", "action_items", "slos"}
	before := map[string][3]int{}
	for _, tb := range tables {
		before[tb] = [3]int{count(`SELECT COUNT(*) FROM `+tb+` WHERE service_id = ?`, from.ID),
			count(`SELECT COUNT(*) FROM `+tb+` WHERE service_id = ?`, into.ID), count(`SELECT COUNT(*) FROM ` + tb)}
	}
	sliBefore := count(`SELECT COUNT(*) FROM sli_daily`)
	res, err := st.MergeServices(ctx, from.ID, into.ID, store.Audit{Actor: "admin@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if int(res.Incidents) != before["incidents"][0] || before["incidents"][0] == 0 {
		t.Errorf("moved %d incidents, search had %d", res.Incidents, before["incidents"][0])
	}
	for _, tb := range tables {
		b := before[tb]
		if got := count(`SELECT COUNT(*) FROM `+tb+` WHERE service_id = ?`, into.ID); got != b[0]+b[1] {
			t.Errorf("%s of checkout: %d, want %d + %d", tb, got, b[0], b[1])
		}
		if got := count(`SELECT COUNT(*) FROM ` + tb); got != b[2] {
			t.Errorf("%s total: %d, want %d", tb, got, b[2])
		}
	}
	if got := count(`SELECT COUNT(*) FROM sli_daily`); got != sliBefore {
		t.Errorf("sli days %d, want %d", got, sliBefore)
	}
	if _, err := st.ServiceByName(ctx, "search-api"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("source still exists: %v", err)
	}
	if n := count(`SELECT COUNT(*) FROM service_aliases WHERE alias = 'search-api' AND service_id = ?`, into.ID); n == 0 {
		t.Error("the old name does not resolve to the target")
	}
	if rows, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "services"}); len(rows) != 1 || rows[0].Action != "merge" {
		t.Errorf("audit: %+v", rows)
	}
	if _, err := st.MergeServices(ctx, into.ID, into.ID, store.Audit{Actor: "x"}); err == nil {
		t.Error("merged a service into itself")
	}
}
