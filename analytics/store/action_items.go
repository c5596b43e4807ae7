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

// UpdateActionItem changes an item's title, owner, due date and link.
func (s *Store) UpdateActionItem(ctx context.Context, id int64, in ActionItemInput, a Audit) error {
	return s.changeActionItem(ctx, id, a, "update", func(it *analytics.ActionItem) {
		it.Title, it.Owner, it.DueAt, it.URL = in.Title, in.Owner, in.DueAt, in.URL
	})
}

// CloseActionItem marks an item closed at the given time.
func (s *Store) CloseActionItem(ctx context.Context, id int64, at time.Time, a Audit) error {
	return s.changeActionItem(ctx, id, a, "close", func(it *analytics.ActionItem) { it.ClosedAt = &at })
}

// ReopenActionItem marks a closed item open again.
func (s *Store) ReopenActionItem(ctx context.Context, id int64, a Audit) error {
	return s.changeActionItem(ctx, id, a, "reopen", func(it *analytics.ActionItem) { it.ClosedAt = nil })
}

// changeActionItem applies change to the effective item and stores the
// result: in place for items created in the app, as an override for
// imported items (so a re-import never undoes the edit), audited in the
// same transaction.
func (s *Store) changeActionItem(ctx context.Context, id int64, a Audit, action string, change func(*analytics.ActionItem)) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := actionItemByID(ctx, tx, id)
		if err != nil {
			return err
		}
		after := before
		change(&after)
		at := a.At
		if at.IsZero() {
			at = time.Now()
		}
		if before.Source == SourceApp {
			_, err = tx.ExecContext(ctx, `UPDATE action_items SET title = ?, owner = ?, due_at = ?, closed_at = ?, url = ? WHERE id = ?`,
				after.Title, after.Owner, NullTime(after.DueAt), NullTime(after.ClosedAt), after.URL, id)
		} else {
			if err := s.writeItemOverride(ctx, tx, id, after, a.UserID, at); err != nil {
				return err
			}
		}
		if err != nil {
			return fmt.Errorf("store: save action item %d: %w", id, err)
		}
		a.Action, a.Entity, a.EntityID = action, "action_items", strconv.FormatInt(id, 10)
		a.Before, a.After = auditItem(before), auditItem(after)
		return WriteAudit(ctx, tx, a)
	})
}

// writeItemOverride stores every user-editable field of an imported item as
// an override: the item as the user now sees it. An open item is stored as
// closed_at ” so it stays open even when the source says closed.
func (s *Store) writeItemOverride(ctx context.Context, tx *sql.Tx, id int64, it analytics.ActionItem, userID int64, at time.Time) error {
	closed := ""
	if it.ClosedAt != nil {
		closed = FormatTime(*it.ClosedAt)
	}
	var by any
	if userID != 0 {
		by = userID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO action_item_overrides (action_item_id, title, owner, due_at, closed_at, url, updated_by, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (action_item_id) DO UPDATE SET title = excluded.title, owner = excluded.owner, due_at = excluded.due_at,
		closed_at = excluded.closed_at, url = excluded.url, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		id, it.Title, it.Owner, NullTime(it.DueAt), closed, it.URL, by, FormatTime(at))
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
// wins (action_item_overrides; closed_at ” = reopened by the user).
const (
	itemDue        = `COALESCE(ao.due_at, a.due_at)`
	itemClosed     = `CASE WHEN ao.closed_at IS NULL THEN a.closed_at ELSE NULLIF(ao.closed_at, '') END`
	actionItemFrom = ` FROM action_items a JOIN services s ON s.id = a.service_id
	LEFT JOIN action_item_overrides ao ON ao.action_item_id = a.id`
)
