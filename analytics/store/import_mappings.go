package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"sreport/analytics/imports"
)

// SaveMapping stores a generic CSV column mapping (with its severity map
// and Jira columns) under its name, replacing one of the same name; a says
// who saves it, audited in the same transaction. Whether the mapping can
// read a file is the importers' rule: callers check it with
// ingest.ValidateMapping first; the store only needs a name to key it by.
func (s *Store) SaveMapping(ctx context.Context, m imports.Mapping, a Audit) error {
	m.Name = strings.TrimSpace(m.Name)
	if m.Name == "" {
		return errors.New("store: a mapping needs a name")
	}
	ms := mappingSpec{Columns: m.Columns, DateLayout: m.DateLayout, Source: m.Source, SeverityMap: m.SeverityMap}
	if m.Jira != (imports.JiraFields{}) {
		ms.Jira = &m.Jira
	}
	spec, err := json.Marshal(ms)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := scanMapping(tx.QueryRowContext(ctx, `SELECT name, kind, spec_json FROM import_mappings WHERE name = ?`, m.Name))
		a.Action = "update"
		switch {
		case errors.Is(err, sql.ErrNoRows):
			a.Action = "create"
		case err != nil:
			return fmt.Errorf("store: load mapping %q: %w", m.Name, err)
		default:
			a.Before = mappingAudit(before)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO import_mappings (name, kind, spec_json, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, spec_json = excluded.spec_json, updated_at = excluded.updated_at`,
			m.Name, m.Kind, string(spec), FormatTime(time.Now())); err != nil {
			return fmt.Errorf("store: save mapping %q: %w", m.Name, err)
		}
		a.Entity, a.EntityID, a.After = "import_mappings", m.Name, mappingAudit(m)
		return WriteAudit(ctx, tx, a)
	})
}

type mappingSpec struct {
	Columns     map[string]string   `json:"columns"`
	DateLayout  string              `json:"date_layout,omitempty"`
	Source      string              `json:"source,omitempty"`
	SeverityMap map[string]int      `json:"severity_map,omitempty"`
	Jira        *imports.JiraFields `json:"jira,omitempty"`
}

// mappingAudit is a mapping as the audit log shows it.
func mappingAudit(m imports.Mapping) any {
	return struct {
		Kind string `json:"kind"`
		mappingSpec
	}{m.Kind, mappingSpec{Columns: m.Columns, DateLayout: m.DateLayout, Source: m.Source, SeverityMap: m.SeverityMap, Jira: &m.Jira}}
}

func scanMapping(sc interface{ Scan(...any) error }) (imports.Mapping, error) {
	var m imports.Mapping
	var spec string
	if err := sc.Scan(&m.Name, &m.Kind, &spec); err != nil {
		return m, err
	}
	var ms mappingSpec
	if err := json.Unmarshal([]byte(spec), &ms); err != nil {
		return m, fmt.Errorf("mapping %q: %w", m.Name, err)
	}
	m.Columns, m.DateLayout, m.Source, m.SeverityMap = ms.Columns, ms.DateLayout, ms.Source, ms.SeverityMap
	if ms.Jira != nil {
		m.Jira = *ms.Jira
	}
	return m, nil
}

// Mapping returns one saved mapping or ErrNotFound.
func (s *Store) Mapping(ctx context.Context, name string) (imports.Mapping, error) {
	m, err := scanMapping(s.db.QueryRowContext(ctx, `SELECT name, kind, spec_json FROM import_mappings WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("store: mapping %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("store: load mapping %q: %w", name, err)
	}
	return m, nil
}

// Mappings returns every saved mapping by name.
func (s *Store) Mappings(ctx context.Context) ([]imports.Mapping, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, kind, spec_json FROM import_mappings ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: load mappings: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, scanMapping)
}

// DeleteMapping removes a saved mapping; a says who, audited in the same
// transaction.
func (s *Store) DeleteMapping(ctx context.Context, name string, a Audit) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := scanMapping(tx.QueryRowContext(ctx, `SELECT name, kind, spec_json FROM import_mappings WHERE name = ?`, name))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: mapping %q: %w", name, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: load mapping %q: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM import_mappings WHERE name = ?`, name); err != nil {
			return fmt.Errorf("store: delete mapping %q: %w", name, err)
		}
		a.Action, a.Entity, a.EntityID, a.Before = "delete", "import_mappings", name, mappingAudit(before)
		return WriteAudit(ctx, tx, a)
	})
}
