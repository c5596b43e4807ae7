package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"sreport/analytics"
)

// SourceApp is the source of records created in the app rather than imported.
const SourceApp = "app"

// ActionItemInput is what a user enters for an action item.
type ActionItemInput struct {
	Title string     `json:"title"`
	Owner string     `json:"owner"`
	DueAt *time.Time `json:"due_at,omitempty"`
	URL   string     `json:"url"`
}

// actionItemJSON is an action item as the audit log records it.
type actionItemJSON struct {
	IncidentID *int64     `json:"incident_id,omitempty"`
	ServiceID  int64      `json:"service_id"`
	Title      string     `json:"title"`
	Owner      string     `json:"owner"`
	DueAt      *time.Time `json:"due_at,omitempty"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	URL        string     `json:"url"`
	Source     string     `json:"source"`
}

func auditItem(a analytics.ActionItem) actionItemJSON {
	return actionItemJSON{IncidentID: a.IncidentID, ServiceID: a.ServiceID, Title: a.Title, Owner: a.Owner,
		DueAt: a.DueAt, ClosedAt: a.ClosedAt, URL: a.URL, Source: a.Source}
}

// ActionItemByID returns one action item with its effective values, or ErrNotFound.
func (s *Store) ActionItemByID(ctx context.Context, id int64) (analytics.ActionItem, error) {
	return actionItemByID(ctx, s.db, id)
}

func actionItemByID(ctx context.Context, q queryRower, id int64) (analytics.ActionItem, error) {
	a, err := scanActionItem(q.QueryRowContext(ctx, `SELECT `+actionItemCols+actionItemFrom+` WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("store: action item %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("store: load action item %d: %w", id, err)
	}
	return a, nil
}

// ActionItemCreatedAt returns when an action item's row was created: in the
// app, when a user added it; imported, when the import first wrote it.
func (s *Store) ActionItemCreatedAt(ctx context.Context, id int64) (time.Time, error) {
	var at string
	err := s.db.QueryRowContext(ctx, `SELECT created_at FROM action_items WHERE id = ?`, id).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, fmt.Errorf("store: action item %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: load action item %d: %w", id, err)
	}
	t, err := ParseTime(at)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: action item %d created_at: %w", id, err)
	}
	return t, nil
}

// CreateActionItem adds an action item to an incident (its service is the
// incident's) and audits it in the same transaction.
func (s *Store) CreateActionItem(ctx context.Context, incidentID int64, in ActionItemInput, a Audit) (analytics.ActionItem, error) {
	var item analytics.ActionItem
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var serviceID int64
		err := tx.QueryRowContext(ctx, `SELECT service_id FROM incidents WHERE id = ?`, incidentID).Scan(&serviceID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: incident %d: %w", incidentID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: load incident %d: %w", incidentID, err)
		}
		// The external id of an app item only has to be unique among app items.
		ext := "app-" + NewToken()[:16]
		at := a.At
		if at.IsZero() {
			at = time.Now()
		}
		r, err := tx.ExecContext(ctx, `INSERT INTO action_items (incident_id, service_id, title, owner, due_at, url, source, external_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, incidentID, serviceID, in.Title, in.Owner, NullTime(in.DueAt), in.URL, SourceApp, ext, FormatTime(at))
		if err != nil {
			return fmt.Errorf("store: create action item: %w", err)
		}
		id, err := r.LastInsertId()
		if err != nil {
			return err
		}
		if item, err = actionItemByID(ctx, tx, id); err != nil {
			return err
		}
		a.Action, a.Entity, a.EntityID, a.After = "create", "action_items", strconv.FormatInt(id, 10), auditItem(item)
		return WriteAudit(ctx, tx, a)
	})
	return item, err
}

// UpdateActionItem applies an edit made on a form that showed was (the
// item's effective values when the form was loaded): only the fields where
// in differs from was change. An unchanged field keeps whatever applies
// now, so on an imported item it goes on following the source (a re-import
// that moves the due date still moves it) and a concurrent edit of another
// field is not undone.
func (s *Store) UpdateActionItem(ctx context.Context, id int64, was, in ActionItemInput, a Audit) error {
	return s.changeActionItem(ctx, id, a, "update", func(it *analytics.ActionItem, ov *itemOverride, imp analytics.ActionItem) {
		if in.Title != was.Title {
			it.Title, ov.title = in.Title, overrideText(in.Title, imp.Title)
		}
		if in.Owner != was.Owner {
			it.Owner, ov.owner = in.Owner, overrideText(in.Owner, imp.Owner)
		}
		if !sameTime(in.DueAt, was.DueAt) {
			it.DueAt, ov.due = in.DueAt, overrideTime(in.DueAt, imp.DueAt)
		}
		if in.URL != was.URL {
			it.URL, ov.url = in.URL, overrideText(in.URL, imp.URL)
		}
	})
}

// CloseActionItem marks an item closed at the given time.
func (s *Store) CloseActionItem(ctx context.Context, id int64, at time.Time, a Audit) error {
	return s.changeActionItem(ctx, id, a, "close", func(it *analytics.ActionItem, ov *itemOverride, _ analytics.ActionItem) {
		it.ClosedAt = &at
		ov.closed, ov.reopened = &at, false
	})
}

// ReopenActionItem marks a closed item open again. On an imported item the
// source has closed, the reopen is kept as a flag that wins over the source
// until a user closes the item again; on one the source has open, it only
// undoes the user's close, so a later close in the source still applies.
func (s *Store) ReopenActionItem(ctx context.Context, id int64, a Audit) error {
	return s.changeActionItem(ctx, id, a, "reopen", func(it *analytics.ActionItem, ov *itemOverride, imp analytics.ActionItem) {
		it.ClosedAt = nil
		ov.closed, ov.reopened = nil, imp.ClosedAt != nil
	})
}

// itemOverride is a user's override of an imported action item, field by
// field: nil = no override (the imported value applies). due points to
// nil when the user removed the due date. reopened keeps the item open
// whatever the source says.
type itemOverride struct {
	title, owner, url *string
	due               **time.Time
	closed            *time.Time
	reopened          bool
}

func (o itemOverride) isZero() bool {
	return o.title == nil && o.owner == nil && o.url == nil && o.due == nil && o.closed == nil && !o.reopened
}

// overrideText is the override storing v: none when v is the imported value.
func overrideText(v, imported string) *string {
	if v == imported {
		return nil
	}
	return &v
}

// overrideTime is the override storing t: none when t is the imported value.
func overrideTime(t, imported *time.Time) **time.Time {
	if sameTime(t, imported) {
		return nil
	}
	return &t
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// changeActionItem applies change to the effective item and stores the
// result, audited in the same transaction: in place for items created in
// the app, and for imported items as per-field overrides, which change
// edits (so a re-import never undoes the user's edit, and still moves the
// fields the user left alone).
func (s *Store) changeActionItem(ctx context.Context, id int64, a Audit, action string,
	change func(it *analytics.ActionItem, ov *itemOverride, imported analytics.ActionItem)) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := actionItemByID(ctx, tx, id)
		if err != nil {
			return err
		}
		imported, ov, err := loadItemOverride(ctx, tx, id)
		if err != nil {
			return err
		}
		after := before
		change(&after, &ov, imported)
		at := a.At
		if at.IsZero() {
			at = time.Now()
		}
		if before.Source == SourceApp {
			if _, err := tx.ExecContext(ctx, `UPDATE action_items SET title = ?, owner = ?, due_at = ?, closed_at = ?, url = ? WHERE id = ?`,
				after.Title, after.Owner, NullTime(after.DueAt), NullTime(after.ClosedAt), after.URL, id); err != nil {
				return fmt.Errorf("store: save action item %d: %w", id, err)
			}
		} else if err := writeItemOverride(ctx, tx, id, ov, a.UserID, at); err != nil {
			return err
		}
		a.Action, a.Entity, a.EntityID = action, "action_items", strconv.FormatInt(id, 10)
		a.Before, a.After = auditItem(before), auditItem(after)
		return WriteAudit(ctx, tx, a)
	})
}

// loadItemOverride returns an item's imported values and the user's
// override of it (zero when there is none).
func loadItemOverride(ctx context.Context, q queryRower, id int64) (analytics.ActionItem, itemOverride, error) {
	var (
		imp                            analytics.ActionItem
		ov                             itemOverride
		impDue, impClosed              sql.NullString
		title, owner, due, closed, url sql.NullString
		reopened                       sql.NullInt64
	)
	err := q.QueryRowContext(ctx, `SELECT a.title, a.owner, a.due_at, a.closed_at, a.url,
		ao.title, ao.owner, ao.due_at, ao.closed_at, ao.url, ao.reopened
		FROM action_items a LEFT JOIN action_item_overrides ao ON ao.action_item_id = a.id WHERE a.id = ?`, id).
		Scan(&imp.Title, &imp.Owner, &impDue, &impClosed, &imp.URL, &title, &owner, &due, &closed, &url, &reopened)
	if errors.Is(err, sql.ErrNoRows) {
		return imp, ov, fmt.Errorf("store: action item %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return imp, ov, fmt.Errorf("store: load override of action item %d: %w", id, err)
	}
	if imp.DueAt, err = parseNullTime(impDue); err == nil {
		imp.ClosedAt, err = parseNullTime(impClosed)
	}
	if err != nil {
		return imp, ov, fmt.Errorf("store: action item %d: %w", id, err)
	}
	for _, f := range []struct {
		src sql.NullString
		dst **string
	}{{title, &ov.title}, {owner, &ov.owner}, {url, &ov.url}} {
		if f.src.Valid {
			v := f.src.String
			*f.dst = &v
		}
	}
	if due.Valid {
		t, err := parseNullTime(due) // '' = the user removed the due date
		if err != nil {
			return imp, ov, fmt.Errorf("store: override of action item %d: %w", id, err)
		}
		ov.due = &t
	}
	if ov.closed, err = parseNullTime(closed); err != nil {
		return imp, ov, fmt.Errorf("store: override of action item %d: %w", id, err)
	}
	ov.reopened = reopened.Int64 != 0
	return imp, ov, nil
}

// writeItemOverride stores the user's per-field override of an imported
// item; one that overrides nothing removes the row.
func writeItemOverride(ctx context.Context, tx *sql.Tx, id int64, ov itemOverride, userID int64, at time.Time) error {
	if ov.isZero() {
		if _, err := tx.ExecContext(ctx, `DELETE FROM action_item_overrides WHERE action_item_id = ?`, id); err != nil {
			return fmt.Errorf("store: clear override of action item %d: %w", id, err)
		}
		return nil
	}
	text := func(p *string) any {
		if p == nil {
			return nil
		}
		return *p
	}
	var due, by any
	if ov.due != nil {
		due = "" // the user removed the due date
		if *ov.due != nil {
			due = FormatTime(**ov.due)
		}
	}
	if userID != 0 {
		by = userID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO action_item_overrides (action_item_id, title, owner, due_at, closed_at, url, reopened, updated_by, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (action_item_id) DO UPDATE SET title = excluded.title, owner = excluded.owner, due_at = excluded.due_at,
		closed_at = excluded.closed_at, url = excluded.url, reopened = excluded.reopened, updated_by = excluded.updated_by,
		updated_at = excluded.updated_at`,
		id, text(ov.title), text(ov.owner), due, NullTime(ov.closed), text(ov.url), boolInt(ov.reopened), by, FormatTime(at))
	if err != nil {
		return fmt.Errorf("store: save override of action item %d: %w", id, err)
	}
	return nil
}

// ActionItemFilter narrows the action-items list; zero values match everything.
type ActionItemFilter struct {
	ServiceID int64
	Owner     string // exact owner, case-insensitive
	// State is "open" (not closed, the default), "overdue" (open and due
	// before Now), "closed", or "all".
	State string
	Now   time.Time
	Limit int
}

// ActionItems lists action items across services, open ones by due date
// (undated last), closed ones most recently closed first.
func (s *Store) ActionItems(ctx context.Context, f ActionItemFilter) ([]analytics.ActionItem, error) {
	var w where
	if f.ServiceID != 0 {
		w.add("a.service_id = ?", f.ServiceID)
	}
	if f.Owner != "" {
		w.add("COALESCE(ao.owner, a.owner) = ? COLLATE NOCASE", f.Owner)
	}
	order := ` ORDER BY ` + itemDue + ` IS NULL, ` + itemDue + `, a.id`
	switch f.State {
	case "", "open":
		w.add(itemClosed + " IS NULL")
	case "overdue":
		w.add(itemClosed+" IS NULL AND "+itemDue+" < ?", FormatTime(f.Now))
	case "closed":
		w.add(itemClosed + " IS NOT NULL")
		order = ` ORDER BY ` + itemClosed + ` DESC, a.id DESC`
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 500
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+actionItemCols+actionItemFrom+w.sql()+order+` LIMIT `+strconv.Itoa(limit), w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: load action items: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, scanActionItem)
}

// ActionItemOwners lists the distinct owners of action items, for the filter.
func (s *Store) ActionItemOwners(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT COALESCE(ao.owner, a.owner) AS o FROM action_items a
		LEFT JOIN action_item_overrides ao ON ao.action_item_id = a.id WHERE o != '' ORDER BY o COLLATE NOCASE`)
	if err != nil {
		return nil, fmt.Errorf("store: load action item owners: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, func(sc interface{ Scan(...any) error }) (string, error) {
		var o string
		err := sc.Scan(&o)
		return o, err
	})
}

// Effective values of an action item: a user's override of an imported item
// wins field by field (action_item_overrides; NULL = no override, an empty
// due_at = due date removed by the user, reopened = open whatever the
// source says).
const (
	itemDue        = `CASE WHEN ao.due_at IS NULL THEN a.due_at ELSE NULLIF(ao.due_at, '') END`
	itemClosed     = `CASE WHEN ao.reopened = 1 THEN NULL ELSE COALESCE(ao.closed_at, a.closed_at) END`
	actionItemFrom = ` FROM action_items a JOIN services s ON s.id = a.service_id
	LEFT JOIN action_item_overrides ao ON ao.action_item_id = a.id`
)
