package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"sreport/analytics/imports"
)

// ServiceAlias is how one source names a service (a PagerDuty service name,
// a ServiceNow cmdb_ci, a repository, an Opsgenie service id…). Source is
// where it was made; it applies to every source unless SourceOnly.
type ServiceAlias struct {
	Source     string
	Alias      string
	ServiceID  int64
	Service    string
	SourceOnly bool
}

// ServiceAliases returns every alias ordered by source and alias.
func (s *Store) ServiceAliases(ctx context.Context) ([]ServiceAlias, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a.source, a.alias, a.service_id, s.name, a.any_source = 0
		FROM service_aliases a JOIN services s ON s.id = a.service_id ORDER BY a.source, a.alias`)
	if err != nil {
		return nil, fmt.Errorf("store: load service aliases: %w", err)
	}
	defer rows.Close()
	return collectAll(rows, func(sc interface{ Scan(...any) error }) (ServiceAlias, error) {
		var a ServiceAlias
		err := sc.Scan(&a.Source, &a.Alias, &a.ServiceID, &a.Service, &a.SourceOnly)
		return a, err
	})
}

// ErrAlias marks an alias or source name that cannot be saved.
var ErrAlias = errors.New("not a valid alias")

// CheckAlias checks a source's name for a service. An alias is what a
// file calls the service, so it may hold what service names may not (a
// "/"), but like any name in a file it is at most imports.MaxNameChars
// characters of text without control characters; the source is a short
// label such as "pagerduty".
func CheckAlias(source, alias string) error {
	bad := func(what string) error {
		return fmt.Errorf("store: alias %q of %q: %s: %w", alias, source, what, ErrAlias)
	}
	switch {
	case source == "" || alias == "":
		return bad("an alias needs a source and a name")
	case !utf8.ValidString(source) || !utf8.ValidString(alias):
		return bad("not valid UTF-8 text")
	case utf8.RuneCountInString(source) > imports.MaxLabelChars:
		return bad(fmt.Sprintf("a source has at most %d characters", imports.MaxLabelChars))
	case utf8.RuneCountInString(alias) > imports.MaxNameChars:
		return bad(fmt.Sprintf("an alias has at most %d characters", imports.MaxNameChars))
	case strings.IndexFunc(source+alias, unicode.IsControl) >= 0:
		return bad("control characters are not allowed")
	}
	return nil
}

// SaveServiceAlias makes alias (as named by source) mean the service called
// service in every source, replacing an earlier alias of the same name.
func (s *Store) SaveServiceAlias(ctx context.Context, source, alias, service string) error {
	return s.SaveScopedServiceAlias(ctx, source, alias, service, false)
}

// SaveScopedServiceAlias is SaveServiceAlias for an alias that, when
// sourceOnly, applies only to the source that named it.
func (s *Store) SaveScopedServiceAlias(ctx context.Context, source, alias, service string, sourceOnly bool) error {
	source, alias = strings.TrimSpace(source), strings.TrimSpace(alias)
	if err := CheckAlias(source, alias); err != nil {
		return err
	}
	var id int64
	err := s.w.QueryRowContext(ctx, `SELECT id FROM services WHERE name = ?`, service).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: service %q: %w", service, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: load service %q: %w", service, err)
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO service_aliases (source, alias, service_id, any_source) VALUES (?, ?, ?, ?)
		ON CONFLICT (source, alias) DO UPDATE SET service_id = excluded.service_id, any_source = excluded.any_source`, source, alias, id, !sourceOnly); err != nil {
		return fmt.Errorf("store: save alias %s/%s: %w", source, alias, err)
	}
	return nil
}

// DeleteServiceAlias removes one alias, or returns ErrNotFound.
func (s *Store) DeleteServiceAlias(ctx context.Context, source, alias string) error {
	r, err := s.w.ExecContext(ctx, `DELETE FROM service_aliases WHERE source = ? AND alias = ?`, source, alias)
	if err != nil {
		return fmt.Errorf("store: delete alias %s/%s: %w", source, alias, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("store: alias %s/%s: %w", source, alias, ErrNotFound)
	}
	return nil
}
