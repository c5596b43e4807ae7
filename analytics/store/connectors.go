package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// ErrConnectorExists is returned when a connector's name is taken.
var ErrConnectorExists = errors.New("a connector with that name exists")

// ErrConnectorBusy is returned when another runner holds a connector's lease.
var ErrConnectorBusy = errors.New("the connector is running elsewhere")

// ErrLeaseLost is returned when a runner's lease on a connector was taken
// over (it expired while the runner was stalled): nothing of the page was
// written, and the runner must stop.
var ErrLeaseLost = errors.New("the connector's lease was taken over by another runner")

// Connector states (connectors.status).
const (
	ConnectorNew         = "new"
	ConnectorRunning     = "running"
	ConnectorOK          = "ok"
	ConnectorFailed      = "failed"
	ConnectorInterrupted = "interrupted"
	ConnectorStopped     = "stopped"
)

// Connector is one configured API source with its sync state.
type Connector struct {
	ID             int64
	Name           string
	Kind           string
	BaseURL        string
	Settings       json.RawMessage // the kind's filters
	Credential     string          // sealed (secrets.Box); never in clear
	Since          time.Time
	Every          time.Duration
	CreateServices bool
	Tier           *int
	Enabled        bool
	Status         string
	StatusMessage  string
	Cursor         json.RawMessage
	Progress       float64
	CaughtUpAt     *time.Time
	NextRunAt      *time.Time
	LeaseOwner     string
	LeaseUntil     *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// NewConnector is what CreateConnector stores.
type NewConnector struct {
	Name           string
	Kind           string
	BaseURL        string
	Settings       json.RawMessage
	Since          time.Time
	Every          time.Duration
	CreateServices bool
	Tier           *int
}

// connectorAudit is a connector as the audit log shows it: no credential.
type connectorAudit struct {
	Name           string          `json:"name"`
	Kind           string          `json:"kind"`
	BaseURL        string          `json:"base_url"`
	Settings       json.RawMessage `json:"settings"`
	Since          string          `json:"since"`
	Every          string          `json:"every"`
	CreateServices bool            `json:"create_services"`
	Tier           *int            `json:"tier,omitempty"`
	Enabled        bool            `json:"enabled"`
}

func (c Connector) audit() connectorAudit {
	return connectorAudit{Name: c.Name, Kind: c.Kind, BaseURL: c.BaseURL, Settings: c.Settings, Since: FormatTime(c.Since),
		Every: c.Every.String(), CreateServices: c.CreateServices, Tier: c.Tier, Enabled: c.Enabled}
}

const connectorCols = `id, name, kind, base_url, settings, credential, since, every_seconds, create_services, tier, enabled,
	status, status_message, cursor, progress, caught_up_at, next_run_at, COALESCE(lease_owner, ''), lease_until, created_at, updated_at`

func scanConnector(sc interface{ Scan(...any) error }) (Connector, error) {
	var (
		c                        Connector
		settings, cursor         string
		since, created, updated  string
		every                    int64
		tier                     sql.NullInt64
		caught, next, leaseUntil sql.NullString
		createServices, enabled  bool
	)
	if err := sc.Scan(&c.ID, &c.Name, &c.Kind, &c.BaseURL, &settings, &c.Credential, &since, &every, &createServices, &tier, &enabled,
		&c.Status, &c.StatusMessage, &cursor, &c.Progress, &caught, &next, &c.LeaseOwner, &leaseUntil, &created, &updated); err != nil {
		return c, err
	}
	c.Settings, c.Cursor = json.RawMessage(settings), json.RawMessage(cursor)
	c.Every = time.Duration(every) * time.Second
	c.CreateServices, c.Enabled = createServices, enabled
	if tier.Valid {
		t := int(tier.Int64)
		c.Tier = &t
	}
	var err error
	if c.Since, err = ParseTime(since); err != nil {
		return c, err
	}
	if c.CreatedAt, err = ParseTime(created); err != nil {
		return c, err
	}
	if c.UpdatedAt, err = ParseTime(updated); err != nil {
		return c, err
	}
	if c.CaughtUpAt, err = parseNullTime(caught); err != nil {
		return c, err
	}
	if c.NextRunAt, err = parseNullTime(next); err != nil {
		return c, err
	}
	if c.LeaseUntil, err = parseNullTime(leaseUntil); err != nil {
		return c, err
	}
	return c, nil
}

// CreateConnector stores a new connector. seal encrypts the credential for
// the new row's id (the id binds the sealed value to its row) inside the
// same transaction, so a connector never exists without its credential.
// Its first run is due at once.
func (s *Store) CreateConnector(ctx context.Context, n NewConnector, seal func(id int64) (string, error), a Audit) (int64, error) {
	if strings.TrimSpace(n.Name) == "" {
		return 0, errors.New("store: connector needs a name")
	}
	if len(n.Settings) == 0 {
		n.Settings = json.RawMessage(`{}`)
	}
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := FormatTime(time.Now())
		// next_run_at NULL: due at once.
		r, err := tx.ExecContext(ctx, `INSERT INTO connectors (name, kind, base_url, settings, credential, since, every_seconds,
			create_services, tier, created_at, updated_at) VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?)`,
			n.Name, n.Kind, n.BaseURL, string(n.Settings), FormatTime(n.Since), int64(n.Every/time.Second), n.CreateServices,
			nullInt(n.Tier), now, now)
		var se sqlite3.Error
		if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique {
			return fmt.Errorf("store: connector %q: %w", n.Name, ErrConnectorExists)
		}
		if err != nil {
			return fmt.Errorf("store: create connector %q: %w", n.Name, err)
		}
		if id, err = r.LastInsertId(); err != nil {
			return err
		}
		sealed, err := seal(id)
		if err != nil {
			return fmt.Errorf("store: seal connector credential: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE connectors SET credential = ? WHERE id = ?`, sealed, id); err != nil {
			return fmt.Errorf("store: save connector credential: %w", err)
		}
		c := Connector{Name: n.Name, Kind: n.Kind, BaseURL: n.BaseURL, Settings: n.Settings, Since: n.Since, Every: n.Every,
			CreateServices: n.CreateServices, Tier: n.Tier, Enabled: true}
		a.Action, a.Entity, a.EntityID, a.After = "create", "connectors", strconv.FormatInt(id, 10), c.audit()
		return WriteAudit(ctx, tx, a)
	})
	return id, err
}

// Connectors returns every connector, by name.
func (s *Store) Connectors(ctx context.Context) ([]Connector, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+connectorCols+` FROM connectors ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: load connectors: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, scanConnector)
}

// ConnectorByName returns one connector or ErrNotFound.
func (s *Store) ConnectorByName(ctx context.Context, name string) (Connector, error) {
	return s.connector(ctx, s.db, `name = ?`, name)
}

// ConnectorByID returns one connector or ErrNotFound.
func (s *Store) ConnectorByID(ctx context.Context, id int64) (Connector, error) {
	return s.connector(ctx, s.db, `id = ?`, id)
}

func (s *Store) connector(ctx context.Context, q queryRower, where string, arg any) (Connector, error) {
	c, err := scanConnector(q.QueryRowContext(ctx, `SELECT `+connectorCols+` FROM connectors WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("store: connector %v: %w", arg, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("store: load connector %v: %w", arg, err)
	}
	return c, nil
}

// UpdateConnector changes a connector's settings with fn (name, kind and
// state stay), audited with its before and after.
func (s *Store) UpdateConnector(ctx context.Context, id int64, fn func(c *Connector) error, a Audit) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := s.connector(ctx, tx, `id = ?`, id)
		if err != nil {
			return err
		}
		before := c.audit()
		if err := fn(&c); err != nil {
			return err
		}
		if len(c.Settings) == 0 {
			c.Settings = json.RawMessage(`{}`)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE connectors SET base_url = ?, settings = ?, since = ?, every_seconds = ?, create_services = ?,
			tier = ?, enabled = ?, updated_at = ? WHERE id = ?`, c.BaseURL, string(c.Settings), FormatTime(c.Since), int64(c.Every/time.Second),
			c.CreateServices, nullInt(c.Tier), c.Enabled, FormatTime(time.Now()), id); err != nil {
			return fmt.Errorf("store: update connector %d: %w", id, err)
		}
		a.Action, a.Entity, a.EntityID, a.Before, a.After = "update", "connectors", strconv.FormatInt(id, 10), before, c.audit()
		return WriteAudit(ctx, tx, a)
	})
}

// SetConnectorCredential replaces a connector's sealed credential. A
// connector stopped because its credential was refused becomes due again.
func (s *Store) SetConnectorCredential(ctx context.Context, id int64, seal func(id int64) (string, error), a Audit) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		sealed, err := seal(id)
		if err != nil {
			return fmt.Errorf("store: seal connector credential: %w", err)
		}
		now := FormatTime(time.Now())
		r, err := tx.ExecContext(ctx, `UPDATE connectors SET credential = ?, updated_at = ?,
			status = CASE WHEN status = 'stopped' THEN 'failed' ELSE status END,
			status_message = CASE WHEN status = 'stopped' THEN 'credential replaced; retrying' ELSE status_message END,
			next_run_at = CASE WHEN status = 'stopped' THEN ? ELSE next_run_at END WHERE id = ?`, sealed, now, now, id)
		if err != nil {
			return fmt.Errorf("store: save connector credential: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("store: connector %d: %w", id, ErrNotFound)
		}
		a.Action, a.Entity, a.EntityID, a.After = "set credential", "connectors", strconv.FormatInt(id, 10), map[string]string{"credential": "replaced"}
		return WriteAudit(ctx, tx, a)
	})
}

// DeleteConnector removes a connector and its run history. The records and
// imports its runs wrote stay (roll the imports back to remove them).
func (s *Store) DeleteConnector(ctx context.Context, id int64, a Audit) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := s.connector(ctx, tx, `id = ?`, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM connectors WHERE id = ?`, id); err != nil {
			return fmt.Errorf("store: delete connector %d: %w", id, err)
		}
		a.Action, a.Entity, a.EntityID, a.Before = "delete", "connectors", strconv.FormatInt(id, 10), c.audit()
		return WriteAudit(ctx, tx, a)
	})
}

// RequestConnectorRun makes a connector due now ("sync now"). With reset
// its cursor goes back to the start, so the next run reads everything from
// since again (e.g. after mapping a service whose records were rejected).
func (s *Store) RequestConnectorRun(ctx context.Context, id int64, reset bool, a Audit) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := FormatTime(time.Now())
		q := `UPDATE connectors SET next_run_at = ?, updated_at = ? WHERE id = ?`
		if reset {
			q = `UPDATE connectors SET next_run_at = ?, updated_at = ?, cursor = '{}', progress = 0 WHERE id = ?`
		}
		r, err := tx.ExecContext(ctx, q, now, now, id)
		if err != nil {
			return fmt.Errorf("store: request connector run: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("store: connector %d: %w", id, ErrNotFound)
		}
		if reset {
			// Reading everything again reports its rejects again.
			if _, err := tx.ExecContext(ctx, `DELETE FROM connector_rejects WHERE connector_id = ?`, id); err != nil {
				return fmt.Errorf("store: forget connector rejects: %w", err)
			}
		}
		action := "sync now"
		if reset {
			action = "sync from start"
		}
		a.Action, a.Entity, a.EntityID = action, "connectors", strconv.FormatInt(id, 10)
		return WriteAudit(ctx, tx, a)
	})
}

// DueConnectors returns the enabled connectors whose next run is due at now
// and that no runner holds, oldest due first. Stopped connectors (refused
// credential) are never due.
func (s *Store) DueConnectors(ctx context.Context, now time.Time) ([]Connector, error) {
	n := FormatTime(now)
	rows, err := s.db.QueryContext(ctx, `SELECT `+connectorCols+` FROM connectors
		WHERE enabled = 1 AND status <> 'stopped' AND (next_run_at IS NULL OR next_run_at <= ?)
		AND (lease_until IS NULL OR lease_until <= ?) ORDER BY COALESCE(next_run_at, ''), id`, n, n)
	if err != nil {
		return nil, fmt.Errorf("store: load due connectors: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, scanConnector)
}
