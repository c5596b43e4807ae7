package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"sreport/analytics"
	"sreport/analytics/imports"
	"sreport/analytics/store"
	"sreport/migrations"
	"sreport/testutil"
)

func ptrTime(t time.Time) *time.Time { return &t }

// oneIncidentBatch is a source export holding one incident.
func oneIncidentBatch(title string, sev int) *imports.Batch {
	det := time.Date(2026, 10, 5, 10, 0, 0, 0, time.UTC)
	return &imports.Batch{Format: "test", Source: "pagerduty", Incidents: []analytics.Incident{{
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
	if err := st.SaveIncidentOverride(ctx, id, 0, ov, store.Audit{Actor: "editor@example.com"}); err != nil {
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
	if err := st.SaveIncidentOverride(ctx, id, 1, store.IncidentOverride{}, store.Audit{Actor: "editor@example.com"}); err != nil {
		t.Fatal(err)
	}
	if in, _ := st.IncidentByID(ctx, id); in.Severity != 4 || in.PostmortemPublishedAt != nil {
		t.Errorf("cleared override still applies: %+v", in)
	}
	// A caused-by deploy must exist; a failed save writes no audit row.
	bad := int64(999)
	if err := st.SaveIncidentOverride(ctx, id, 2, store.IncidentOverride{CausedByDeployID: &bad}, store.Audit{Actor: "x"}); !errors.Is(err, store.ErrNotFound) {
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
	if err := st.UpdateActionItem(ctx, item.ID, store.ActionItemInput{Title: "Write runbook", Owner: "bob", DueAt: &due},
		store.ActionItemInput{Title: "Write the runbook", Owner: "carol"}, a); err != nil {
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
	if err := st.UpdateActionItem(ctx, importedID, store.ActionItemInput{Title: "Add failover", Owner: "ann", DueAt: &due},
		store.ActionItemInput{Title: "Add failover", Owner: "dave", DueAt: &due}, a); err != nil {
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

// incidentID returns the id of the incident oneIncidentBatch imports.
func incidentID(t *testing.T, st *store.Store) int64 {
	t.Helper()
	var id int64
	if err := st.Writer().QueryRow(`SELECT id FROM incidents WHERE external_id = 'P123'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestIncidentOverrideConflict saves two edits made on forms loaded at the
// same version: the second is refused with the first one's values, and
// nothing of it is stored or audited.
func TestIncidentOverrideConflict(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	if _, err := st.ApplyBatch(ctx, oneIncidentBatch("DB down", 2), store.ApplyOptions{CreateServices: true}); err != nil {
		t.Fatal(err)
	}
	id := incidentID(t, st)
	ov, err := st.IncidentOverride(ctx, id)
	if err != nil || ov.Version != 0 {
		t.Fatalf("unedited incident: version %d %v", ov.Version, err)
	}
	// Editor B publishes the postmortem; editor A, on a form loaded before, sets the severity.
	pub := time.Date(2026, 10, 6, 9, 0, 0, 0, time.UTC)
	if err := st.SaveIncidentOverride(ctx, id, 0, store.IncidentOverride{PostmortemPublishedAt: &pub}, store.Audit{Actor: "b"}); err != nil {
		t.Fatal(err)
	}
	sev := 1
	err = st.SaveIncidentOverride(ctx, id, 0, store.IncidentOverride{Severity: &sev}, store.Audit{Actor: "a"})
	var ce *store.IncidentOverrideConflictError
	if !errors.As(err, &ce) || ce.Current.Version != 1 || ce.Current.PostmortemPublishedAt == nil || !ce.Current.PostmortemPublishedAt.Equal(pub) {
		t.Fatalf("stale save: %v", err)
	}
	in, _ := st.IncidentByID(ctx, id)
	if in.PostmortemPublishedAt == nil || in.Severity != 2 {
		t.Errorf("stale save changed the incident: %+v", in)
	}
	if rows, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "incident_overrides"}); len(rows) != 1 {
		t.Errorf("audit rows %d, want 1", len(rows))
	}
	// A saves again knowing B's version: both edits stand.
	if err := st.SaveIncidentOverride(ctx, id, 1, store.IncidentOverride{Severity: &sev, PostmortemPublishedAt: &pub}, store.Audit{Actor: "a"}); err != nil {
		t.Fatal(err)
	}
	// The deploy-link buttons bump the version too.
	if err := st.UpdateIncidentOverride(ctx, id, store.Audit{Actor: "c"}, func(o *store.IncidentOverride) error {
		o.InferredLinkRejected = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveIncidentOverride(ctx, id, 2, store.IncidentOverride{}, store.Audit{Actor: "a"}); !errors.As(err, &ce) {
		t.Errorf("save over the link decision: %v", err)
	}
	// Clearing every override keeps counting versions, so a form loaded
	// before the clear cannot slip through after a new edit.
	if err := st.SaveIncidentOverride(ctx, id, 3, store.IncidentOverride{}, store.Audit{Actor: "a"}); err != nil {
		t.Fatal(err)
	}
	if in, _ := st.IncidentByID(ctx, id); in.Severity != 2 || in.PostmortemPublishedAt != nil {
		t.Errorf("cleared override still applies: %+v", in)
	}
	if ov, _ := st.IncidentOverride(ctx, id); ov.Version != 4 || !ov.IsZero() {
		t.Errorf("after clear: %+v", ov)
	}
	if err := st.SaveIncidentOverride(ctx, id, 0, store.IncidentOverride{Severity: &sev}, store.Audit{Actor: "a"}); !errors.As(err, &ce) {
		t.Errorf("save from a form loaded before any edit: %v", err)
	}
	// Saving what is stored changes nothing and audits nothing.
	n, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "incident_overrides"})
	if err := st.SaveIncidentOverride(ctx, id, 4, store.IncidentOverride{}, store.Audit{Actor: "a"}); err != nil {
		t.Fatal(err)
	}
	if rows, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "incident_overrides"}); len(rows) != len(n) {
		t.Errorf("no-op save wrote an audit row")
	}
}

// TestActionItemEditFollowsReimport edits one field of an open imported
// item; a re-import that closes it and moves its due date still applies,
// while the edited field and a user's reopen win.
func TestActionItemEditFollowsReimport(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	due := time.Date(2026, 10, 20, 17, 0, 0, 0, time.UTC)
	batch := func(due time.Time, closed *time.Time) *imports.Batch {
		b := oneIncidentBatch("DB down", 1)
		b.ActionItems = []analytics.ActionItem{{ExternalID: "JIRA-1", IncidentRef: "P123", Title: "Add failover", Owner: "ann",
			DueAt: &due, ClosedAt: closed, URL: "https://jira.example/JIRA-1"}}
		return b
	}
	if _, err := st.ApplyBatch(ctx, batch(due, nil), store.ApplyOptions{CreateServices: true}); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := st.Writer().QueryRow(`SELECT id FROM action_items WHERE external_id = 'JIRA-1'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	a := store.Audit{Actor: "editor@example.com"}
	loaded := store.ActionItemInput{Title: "Add failover", Owner: "ann", DueAt: &due, URL: "https://jira.example/JIRA-1"}
	edit := loaded
	edit.Owner = "dave"
	if err := st.UpdateActionItem(ctx, id, loaded, edit, a); err != nil {
		t.Fatal(err)
	}
	// The source closes the item (on time) and moves its due date.
	moved, closed := due.AddDate(0, 0, 7), due.AddDate(0, 0, 5)
	if _, err := st.ApplyBatch(ctx, batch(moved, &closed), store.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _ := st.ActionItemByID(ctx, id)
	if got.Owner != "dave" || got.ClosedAt == nil || !got.ClosedAt.Equal(closed) || got.DueAt == nil || !got.DueAt.Equal(moved) {
		t.Fatalf("after re-import: owner %q closed %v due %v; want dave, closed and due from the source", got.Owner, got.ClosedAt, got.DueAt)
	}
	// The on-time KPI sees the close and the moved date: on time.
	kpi, err := st.ActionItemsInRange(ctx, nil, store.TimeRange{From: moved.Add(-time.Hour), To: moved.Add(time.Hour)})
	if err != nil || len(kpi) != 1 || kpi[0].ClosedAt == nil || kpi[0].ClosedAt.After(*kpi[0].DueAt) {
		t.Errorf("KPI input: %+v %v", kpi, err)
	}

	// A due date the user changes wins over the source; the same form's
	// unchanged fields do not.
	userDue := due.AddDate(0, 0, 3)
	loaded = store.ActionItemInput{Title: "Add failover", Owner: "dave", DueAt: &moved, URL: "https://jira.example/JIRA-1"}
	edit = loaded
	edit.DueAt = &userDue
	if err := st.UpdateActionItem(ctx, id, loaded, edit, a); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ApplyBatch(ctx, batch(moved.AddDate(0, 0, 1), &closed), store.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.ActionItemByID(ctx, id); got.DueAt == nil || !got.DueAt.Equal(userDue) || got.Owner != "dave" || got.ClosedAt == nil {
		t.Errorf("user's due date: %+v", got)
	}
	// Removing the due date is an override too.
	loaded.DueAt, edit.DueAt = &userDue, nil
	if err := st.UpdateActionItem(ctx, id, loaded, edit, a); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.ActionItemByID(ctx, id); got.DueAt != nil {
		t.Errorf("removed due date still applies: %v", got.DueAt)
	}

	// A user's reopen wins over the source saying closed, until a user closes it.
	if err := st.ReopenActionItem(ctx, id, a); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ApplyBatch(ctx, batch(moved, &closed), store.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.ActionItemByID(ctx, id); got.ClosedAt != nil {
		t.Errorf("reopened item closed by the re-import: %v", got.ClosedAt)
	}
	at := closed.AddDate(0, 0, 10)
	if err := st.CloseActionItem(ctx, id, at, a); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.ActionItemByID(ctx, id); got.ClosedAt == nil || !got.ClosedAt.Equal(at) {
		t.Errorf("closed by the user: %v", got.ClosedAt)
	}

	// Changing a field back to the imported value drops its override, so the
	// source applies again.
	loaded = store.ActionItemInput{Title: "Add failover", Owner: "dave", URL: "https://jira.example/JIRA-1"}
	edit = loaded
	edit.Owner = "ann"
	if err := st.UpdateActionItem(ctx, id, loaded, edit, a); err != nil {
		t.Fatal(err)
	}
	var owner *string
	if err := st.Writer().QueryRow(`SELECT owner FROM action_item_overrides WHERE action_item_id = ?`, id).Scan(&owner); err != nil || owner != nil {
		t.Errorf("owner override after changing back: %v %v", owner, err)
	}
}

// TestActionItemOverrideMigration stores overrides the way the app did
// before per-field overrides (every field, an empty closed_at for an open item),
// migrates, and checks that an edit of an open item no longer freezes it
// while a reopen of a closed one still wins.
func TestActionItemOverrideMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO services (id, name) VALUES (1, 'api')`,
		`INSERT INTO action_items (id, service_id, title, owner, due_at, closed_at, source, external_id) VALUES
			(1, 1, 'Edited while open', 'ann', '2026-10-20T17:00:00Z', NULL, 'jira', 'J-1'),
			(2, 1, 'Reopened', 'bob', '2026-10-20T17:00:00Z', '2026-10-19T10:00:00Z', 'jira', 'J-2')`,
		`INSERT INTO action_item_overrides (action_item_id, title, owner, due_at, closed_at, url, updated_at) VALUES
			(1, 'Edited while open', 'dave', '2026-10-20T17:00:00Z', '', '', '2026-10-10T00:00:00Z'),
			(2, 'Reopened', 'bob', '2026-10-20T17:00:00Z', '', '', '2026-10-10T00:00:00Z')`,
		`INSERT INTO tier_targets (tier, kpi, target, direction) VALUES (0, 'mttr_minutes', 30, 'min')
			ON CONFLICT (tier, kpi) DO UPDATE SET direction = 'min'`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The source closes item 1 and moves its due date.
	if _, err := st.Writer().Exec(`UPDATE action_items SET closed_at = '2026-10-25T09:00:00Z', due_at = '2026-10-27T17:00:00Z' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	one, _ := st.ActionItemByID(ctx, 1)
	if one.ClosedAt == nil || one.DueAt == nil || one.DueAt.Day() != 27 || one.Owner != "dave" {
		t.Errorf("item edited while open: closed %v due %v owner %q", one.ClosedAt, one.DueAt, one.Owner)
	}
	if two, _ := st.ActionItemByID(ctx, 2); two.ClosedAt != nil {
		t.Errorf("reopened item is closed: %v", two.ClosedAt)
	}
	targets, _ := st.TierTargets(ctx)
	for _, tg := range targets {
		if tg.KPI == analytics.KPIMTTRMinutes && tg.Direction != analytics.DirectionMax {
			t.Errorf("MTTR target direction %q after migration", tg.Direction)
		}
	}
}
