package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mattn/go-sqlite3"

	"sreport/analytics"
)

// ErrPersonTaken is returned when a person's name, e-mail or alias is
// already another person's.
var ErrPersonTaken = errors.New("name, e-mail or alias belongs to another person")

// OnCallPerson is one person who takes pages, with the other names sources
// use for them.
type OnCallPerson struct {
	ID      int64    `json:"id"`
	Name    string   `json:"name"`
	Email   string   `json:"email"`
	Aliases []string `json:"aliases"`
}

// OnCallPeople returns every person ordered by name, with their aliases.
func (s *Store) OnCallPeople(ctx context.Context) ([]OnCallPerson, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.name, p.email, COALESCE(a.alias, '')
		FROM oncall_people p LEFT JOIN oncall_person_aliases a ON a.person_id = p.id
		ORDER BY p.name COLLATE NOCASE, p.id, a.alias COLLATE NOCASE`)
	if err != nil {
		return nil, fmt.Errorf("store: load on-call people: %w", err)
	}
	defer rows.Close()
	var out []OnCallPerson
	for rows.Next() {
		var p OnCallPerson
		var alias string
		if err := rows.Scan(&p.ID, &p.Name, &p.Email, &alias); err != nil {
			return nil, fmt.Errorf("store: scan on-call person: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].ID != p.ID {
			out = append(out, p)
		}
		if alias != "" {
			last := &out[len(out)-1]
			last.Aliases = append(last.Aliases, alias)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: load on-call people: %w", err)
	}
	return out, nil
}

// OnCallPersonByID returns one person, or ErrNotFound.
func (s *Store) OnCallPersonByID(ctx context.Context, id int64) (OnCallPerson, error) {
	people, err := s.OnCallPeople(ctx)
	if err != nil {
		return OnCallPerson{}, err
	}
	for _, p := range people {
		if p.ID == id {
			return p, nil
		}
	}
	return OnCallPerson{}, fmt.Errorf("store: on-call person %d: %w", id, ErrNotFound)
}

// normalisePerson trims p's fields and drops empty and repeated aliases
// and aliases equal to the name or e-mail (those match already).
func normalisePerson(p OnCallPerson) OnCallPerson {
	p.Name, p.Email = strings.TrimSpace(p.Name), strings.TrimSpace(p.Email)
	var aliases []string
	seen := map[string]bool{strings.ToLower(p.Name): true, strings.ToLower(p.Email): true, "": true}
	for _, a := range p.Aliases {
		a = strings.TrimSpace(a)
		if k := strings.ToLower(a); !seen[k] {
			seen[k] = true
			aliases = append(aliases, a)
		}
	}
	p.Aliases = aliases
	return p
}

// SaveOnCallPerson creates p (ID 0) or replaces person p.ID's name, e-mail
// and aliases, with audit row a (Action and Entity are filled in), and
// returns the person's id. A name, e-mail or alias another person already
// has, as any of the three, is ErrPersonTaken.
func (s *Store) SaveOnCallPerson(ctx context.Context, a Audit, p OnCallPerson) (int64, error) {
	p = normalisePerson(p)
	if p.Name == "" {
		return 0, errors.New("store: a person needs a name")
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		p.ID, err = s.savePersonTx(ctx, tx, a, p)
		return err
	})
	return p.ID, err
}

// savePersonTx creates p (ID 0) or replaces person p.ID inside tx, with
// audit row a; p is normalised and named.
func (s *Store) savePersonTx(ctx context.Context, tx *sql.Tx, a Audit, p OnCallPerson) (int64, error) {
	a.Entity = "oncall_people"
	a.After = p
	if err := personNamesFree(ctx, tx, p); err != nil {
		return 0, err
	}
	if p.ID == 0 {
		a.Action = "create"
		r, err := tx.ExecContext(ctx, `INSERT INTO oncall_people (name, email) VALUES (?, ?)`, p.Name, p.Email)
		if err != nil {
			return 0, personWriteErr(err)
		}
		if p.ID, err = r.LastInsertId(); err != nil {
			return 0, fmt.Errorf("store: new person id: %w", err)
		}
	} else {
		a.Action = "update"
		before, err := s.onCallPersonTx(ctx, tx, p.ID)
		if err != nil {
			return 0, err
		}
		a.Before = before
		if _, err := tx.ExecContext(ctx, `UPDATE oncall_people SET name = ?, email = ?,
			updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?`, p.Name, p.Email, p.ID); err != nil {
			return 0, personWriteErr(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM oncall_person_aliases WHERE person_id = ?`, p.ID); err != nil {
			return 0, fmt.Errorf("store: clear aliases of person %d: %w", p.ID, err)
		}
	}
	for _, al := range p.Aliases {
		if _, err := tx.ExecContext(ctx, `INSERT INTO oncall_person_aliases (alias, person_id) VALUES (?, ?)`, al, p.ID); err != nil {
			return 0, personWriteErr(err)
		}
	}
	a.EntityID = fmt.Sprint(p.ID)
	a.After = p
	return p.ID, WriteAudit(ctx, tx, a)
}

// PeopleImport counts what ImportOnCallPeople did.
type PeopleImport struct{ Created, Updated, Unchanged int }

// PersonRowError is the error of the row at Index of an import: the whole
// import is rolled back.
type PersonRowError struct {
	Index int
	Err   error
}

func (e *PersonRowError) Error() string { return fmt.Sprintf("person %d: %v", e.Index, e.Err) }
func (e *PersonRowError) Unwrap() error { return e.Err }

// ImportOnCallPeople saves people in one transaction, all or none: ID 0
// creates a person, an ID replaces that person unless nothing changes
// (then no audit row is written). A row whose name, e-mail or alias is
// another person's fails the import with a *PersonRowError wrapping
// ErrPersonTaken.
func (s *Store) ImportOnCallPeople(ctx context.Context, a Audit, people []OnCallPerson) (PeopleImport, error) {
	var res PeopleImport
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res = PeopleImport{}
		for i, p := range people {
			p = normalisePerson(p)
			if p.Name == "" {
				return &PersonRowError{Index: i, Err: errors.New("store: a person needs a name")}
			}
			if p.ID != 0 {
				before, err := s.onCallPersonTx(ctx, tx, p.ID)
				if err != nil {
					return &PersonRowError{Index: i, Err: err}
				}
				if samePerson(before, p) {
					res.Unchanged++
					continue
				}
				res.Updated++
			} else {
				res.Created++
			}
			if _, err := s.savePersonTx(ctx, tx, a, p); err != nil {
				return &PersonRowError{Index: i, Err: err}
			}
		}
		return nil
	})
	return res, err
}

// samePerson says whether a and b have the same name, e-mail and aliases
// (in any order, ignoring the case of aliases, as matching does).
func samePerson(a, b OnCallPerson) bool {
	norm := func(al []string) []string {
		out := make([]string, len(al))
		for i, x := range al {
			out[i] = strings.ToLower(x)
		}
		slices.Sort(out)
		return out
	}
	return a.Name == b.Name && a.Email == b.Email && slices.Equal(norm(a.Aliases), norm(b.Aliases))
}

// personNamesFree checks that none of p's names is another person's name,
// e-mail or alias: a responder must resolve to one person only.
func personNamesFree(ctx context.Context, tx *sql.Tx, p OnCallPerson) error {
	names := append([]string{p.Name}, p.Aliases...)
	if p.Email != "" {
		names = append(names, p.Email)
	}
	for _, n := range names {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM oncall_people WHERE id <> ? AND (name = ? OR (email <> '' AND email = ?))
			UNION ALL SELECT person_id FROM oncall_person_aliases WHERE person_id <> ? AND alias = ? LIMIT 1`,
			p.ID, n, n, p.ID, n).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("store: check person name %q: %w", n, err)
		}
		return fmt.Errorf("store: %q: %w", n, ErrPersonTaken)
	}
	return nil
}

func personWriteErr(err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrConstraint {
		return fmt.Errorf("store: save person: %w", ErrPersonTaken)
	}
	return fmt.Errorf("store: save person: %w", err)
}

func (s *Store) onCallPersonTx(ctx context.Context, tx *sql.Tx, id int64) (OnCallPerson, error) {
	p := OnCallPerson{ID: id}
	err := tx.QueryRowContext(ctx, `SELECT name, email FROM oncall_people WHERE id = ?`, id).Scan(&p.Name, &p.Email)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("store: on-call person %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("store: load on-call person %d: %w", id, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT alias FROM oncall_person_aliases WHERE person_id = ? ORDER BY alias COLLATE NOCASE`, id)
	if err != nil {
		return p, fmt.Errorf("store: load aliases of person %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var al string
		if err := rows.Scan(&al); err != nil {
			return p, fmt.Errorf("store: scan alias: %w", err)
		}
		p.Aliases = append(p.Aliases, al)
	}
	return p, rows.Err()
}

// DeleteOnCallPerson removes a person and their aliases with audit row a;
// their pages count under the raw responder names again.
func (s *Store) DeleteOnCallPerson(ctx context.Context, a Audit, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := s.onCallPersonTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM oncall_people WHERE id = ?`, id); err != nil {
			return fmt.Errorf("store: delete person %d: %w", id, err)
		}
		a.Action, a.Entity, a.EntityID, a.Before = "delete", "oncall_people", fmt.Sprint(id), before
		return WriteAudit(ctx, tx, a)
	})
}

// ResponderPeople returns the map the KPI engine resolves responders with:
// every person's name, e-mail and aliases, lower-cased, to their name, and
// the people that imported responders' e-mails reveal (People.WithEmails).
func (s *Store) ResponderPeople(ctx context.Context) (analytics.People, error) {
	people, err := s.OnCallPeople(ctx)
	if err != nil {
		return nil, err
	}
	m := analytics.People{}
	for _, p := range people {
		for _, k := range slices.Concat([]string{p.Name, p.Email}, p.Aliases) {
			if k != "" {
				m[strings.ToLower(k)] = p.Name
			}
		}
	}
	seen, err := s.seenWithEmail(ctx)
	if err != nil {
		return nil, err
	}
	return m.WithEmails(seen), nil
}
