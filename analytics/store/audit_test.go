package store_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"sreport/analytics/store"
	"sreport/testutil"
)

// TestWithAuditAtomic checks that a change and its audit row commit together
// and that a failed change leaves neither.
func TestWithAuditAtomic(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	a := store.Audit{UserID: 0, Actor: "ann@example.com", Action: "update", Entity: "settings", EntityID: "reporting_tz",
		Before: map[string]string{"value": "UTC"}, After: map[string]string{"value": "Europe/Berlin"}, ClientAddr: "192.0.2.7"}

	boom := errors.New("boom")
	err := st.WithAudit(ctx, a, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES ('reporting_tz', 'Europe/Berlin')`); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if rows, _ := st.AuditEntries(ctx, store.AuditFilter{}); len(rows) != 0 {
		t.Fatalf("failed change left %d audit rows", len(rows))
	}
	if s, _ := st.Settings(ctx); s.ReportingTZ == "Europe/Berlin" {
		t.Fatal("failed change was stored")
	}

	err = st.WithAudit(ctx, a, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES ('reporting_tz', 'Europe/Berlin')`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.AuditEntries(ctx, store.AuditFilter{Entity: "settings"})
	if err != nil || len(rows) != 1 {
		t.Fatalf("audit rows %v %v", rows, err)
	}
	r := rows[0]
	if r.Actor != "ann@example.com" || r.Action != "update" || r.EntityID != "reporting_tz" || r.ClientAddr != "192.0.2.7" ||
		r.Before != `{"value":"UTC"}` || r.After != `{"value":"Europe/Berlin"}` {
		t.Fatalf("audit row %+v", r)
	}
	// A failing audit write (no entity) rolls the change back too.
	err = st.WithAudit(ctx, store.Audit{Action: "update"}, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE settings SET value = 'Asia/Tokyo' WHERE key = 'reporting_tz'`)
		return err
	})
	if err == nil {
		t.Fatal("audit without entity accepted")
	}
	if s, _ := st.Settings(ctx); s.ReportingTZ != "Europe/Berlin" {
		t.Fatalf("change kept without audit row: %s", s.ReportingTZ)
	}
}

// TestAuditAppendOnly checks that the database refuses edits and deletes of audit rows.
func TestAuditAppendOnly(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	testutil.CreateUser(t, st, "ann@example.com", store.RoleViewer)
	if _, err := st.Writer().ExecContext(ctx, `UPDATE audit_log SET actor = 'mallory'`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("update: %v", err)
	}
	if _, err := st.Writer().ExecContext(ctx, `DELETE FROM audit_log`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("delete: %v", err)
	}
}

func TestUsersAndSessions(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	pw := testutil.CreateUser(t, st, "Ann@Example.com", store.RoleEditor)
	u, err := st.UserByEmail(ctx, "ANN@example.com")
	if err != nil || u.Email != "ann@example.com" || !store.CheckPassword(u.PasswordHash, pw) || store.CheckPassword(u.PasswordHash, "nope") {
		t.Fatalf("user %+v %v", u, err)
	}
	if _, err := st.CreateUser(ctx, "ann@example.com", store.RoleViewer, "", store.Audit{}); !errors.Is(err, store.ErrEmailTaken) {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := st.CreateUser(ctx, "not-an-email", store.RoleViewer, "", store.Audit{}); !errors.Is(err, store.ErrInvalidUser) {
		t.Fatalf("bad email: %v", err)
	}
	if _, err := st.CreateUser(ctx, "bob@example.com", "root", "", store.Audit{}); !errors.Is(err, store.ErrInvalidUser) {
		t.Fatalf("bad role: %v", err)
	}
	now := testutil.Now()
	a := testutil.SessionToken(t, st, "ann@example.com", now)
	b := testutil.SessionToken(t, st, "ann@example.com", now)
	if _, err := st.SetUserPassword(ctx, u.ID, "x", a, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.SessionByToken(ctx, a); err != nil {
		t.Errorf("kept session ended: %v", err)
	}
	if _, _, err := st.SessionByToken(ctx, b); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("other session survived: %v", err)
	}
	if _, err := st.SetUserDisabled(ctx, u.ID, true, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.SessionCount(ctx, u.ID); n != 0 {
		t.Errorf("disabled user keeps %d sessions", n)
	}
	rows, _ := st.AuditEntries(ctx, store.AuditFilter{Entity: "users"})
	for _, r := range rows {
		// must_change_password is a flag, not a secret; no key may start with "password".
		if strings.Contains(r.Before+r.After, "$2a$") || strings.Contains(r.Before+r.After, `"password`) {
			t.Errorf("audit row leaks the password hash: %+v", r)
		}
	}
}
