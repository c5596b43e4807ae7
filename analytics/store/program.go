package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"sreport/analytics/program"
)

// The program inputs (analytics/program) share one store: the SQL is built
// from each input's field definitions, whose keys, columns and tables are
// constants of that package; every value is a bound parameter.

// ErrProgramDuplicate is returned when a record would take the natural key
// of another record of the same input.
var ErrProgramDuplicate = errors.New("store: another record has the same key")

// ProgramImportResult counts what an import did.
type ProgramImportResult struct {
	Inserted, Updated, Unchanged int
}

// selectExpr is the expression that reads f as text: a reference reads the
// service's or team's name.
func selectExpr(f program.Field) string {
	switch f.Kind {
	case program.Service:
		return `(SELECT name FROM services WHERE id = t.service_id) AS ` + f.Key
	case program.Team:
		return `(SELECT name FROM teams WHERE id = t.team_id) AS ` + f.Key
	}
	return `t.` + f.Column() + ` AS ` + f.Key
}

// valueExpr is the placeholder that writes f: a reference looks the
// name up, so a stored row always names an existing service or team.
func valueExpr(f program.Field) string {
	switch f.Kind {
	case program.Service:
		return `(SELECT id FROM services WHERE name = ? COLLATE NOCASE)`
	case program.Team:
		return `(SELECT id FROM teams WHERE name = ? COLLATE NOCASE)`
	}
	return `?`
}

// bind is v as the parameter of f: NULL when empty, a number for numbers.
func bind(f program.Field, v string) any {
	if v == "" {
		return nil
	}
	if f.Numeric() {
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			return n
		}
	}
	return v
}

// text is a scanned column as canonical text.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []byte:
		return string(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

func selectList(in program.Input) string {
	cols := make([]string, 0, len(in.Fields)+1)
	cols = append(cols, "t.id")
	for _, f := range in.Fields {
		cols = append(cols, selectExpr(f))
	}
	return `SELECT ` + strings.Join(cols, ", ") + ` FROM ` + in.Table() + ` t`
}

func scanProgram(in program.Input, sc interface{ Scan(...any) error }) (program.Record, error) {
	raw := make([]any, len(in.Fields)+1)
	ptrs := make([]any, len(raw))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if err := sc.Scan(ptrs...); err != nil {
		return program.Record{}, err
	}
	r := program.Record{ID: raw[0].(int64), Values: make(program.Values, len(in.Fields))}
	for i, f := range in.Fields {
		r.Values[f.Key] = text(raw[i+1])
	}
	return r, nil
}

// ProgramRecords lists every record of an input in its order.
func (s *Store) ProgramRecords(ctx context.Context, in program.Input) ([]program.Record, error) {
	return programRecords(ctx, s.db, in)
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func programRecords(ctx context.Context, q queryer, in program.Input) ([]program.Record, error) {
	rows, err := q.QueryContext(ctx, selectList(in)+` ORDER BY `+in.OrderBy+`, t.id`)
	if err != nil {
		return nil, fmt.Errorf("store: list %s: %w", in.Key, err)
	}
	defer rows.Close()
	out, err := collectAll(rows, func(sc interface{ Scan(...any) error }) (program.Record, error) { return scanProgram(in, sc) })
	if err != nil {
		return nil, fmt.Errorf("store: list %s: %w", in.Key, err)
	}
	return out, nil
}

// ProgramRecord returns one record of an input.
func (s *Store) ProgramRecord(ctx context.Context, in program.Input, id int64) (program.Record, error) {
	r, err := scanProgram(in, s.db.QueryRowContext(ctx, selectList(in)+` WHERE t.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("store: load %s %d: %w", in.Key, id, err)
	}
	return r, nil
}

// findByKey returns the id and values of the record with v's natural key.
func findByKey(ctx context.Context, tx *sql.Tx, in program.Input, v program.Values) (program.Record, bool, error) {
	var conds []string
	var args []any
	for _, k := range in.Natural {
		f, _ := in.Field(k)
		conds = append(conds, `t.`+f.Column()+` IS `+valueExpr(f))
		args = append(args, bind(f, v[k]))
	}
	r, err := scanProgram(in, tx.QueryRowContext(ctx, selectList(in)+` WHERE `+strings.Join(conds, " AND "), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("store: find %s: %w", in.Key, err)
	}
	return r, true, nil
}

func insertProgram(ctx context.Context, tx *sql.Tx, in program.Input, v program.Values) (int64, error) {
	cols := make([]string, len(in.Fields))
	vals := make([]string, len(in.Fields))
	args := make([]any, len(in.Fields))
	for i, f := range in.Fields {
		cols[i], vals[i], args[i] = f.Column(), valueExpr(f), bind(f, v[f.Key])
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO `+in.Table()+` (`+strings.Join(cols, ", ")+`) VALUES (`+strings.Join(vals, ", ")+`)`, args...)
	if err != nil {
		return 0, fmt.Errorf("store: insert %s: %w", in.Key, err)
	}
	return res.LastInsertId()
}

func updateProgram(ctx context.Context, tx *sql.Tx, in program.Input, id int64, v program.Values) error {
	sets := make([]string, len(in.Fields))
	args := make([]any, 0, len(in.Fields)+1)
	for i, f := range in.Fields {
		sets[i] = f.Column() + ` = ` + valueExpr(f)
		args = append(args, bind(f, v[f.Key]))
	}
	_, err := tx.ExecContext(ctx, `UPDATE `+in.Table()+` SET `+strings.Join(sets, ", ")+` WHERE id = ?`, append(args, id)...)
	if err != nil {
		return fmt.Errorf("store: update %s %d: %w", in.Key, id, err)
	}
	return nil
}

// changed is the field-level change for an audit row: the changed fields'
// values before and after.
func changed(in program.Input, before, after program.Values) (map[string]string, map[string]string) {
	b, a := map[string]string{}, map[string]string{}
	for _, k := range in.Changes(before, after) {
		b[k], a[k] = before[k], after[k]
	}
	return b, a
}

// saveOne creates (id 0) or updates one record inside tx and writes its
// audit row; it reports whether anything changed.
func saveOne(ctx context.Context, tx *sql.Tx, a Audit, in program.Input, id int64, v program.Values) (int64, bool, error) {
	other, found, err := findByKey(ctx, tx, in, v)
	if err != nil {
		return 0, false, err
	}
	if found && other.ID != id {
		return 0, false, ErrProgramDuplicate
	}
	a.Entity = in.Key
	if id == 0 {
		if id, err = insertProgram(ctx, tx, in, v); err != nil {
			return 0, false, err
		}
		a.Action, a.EntityID, a.After = "create", strconv.FormatInt(id, 10), v
		return id, true, WriteAudit(ctx, tx, a)
	}
	cur, err := scanProgram(in, tx.QueryRowContext(ctx, selectList(in)+` WHERE t.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, ErrNotFound
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: load %s %d: %w", in.Key, id, err)
	}
	if len(in.Changes(cur.Values, v)) == 0 {
		return id, false, nil
	}
	if err := updateProgram(ctx, tx, in, id, v); err != nil {
		return 0, false, err
	}
	a.Action, a.EntityID = "update", strconv.FormatInt(id, 10)
	a.Before, a.After = changed(in, cur.Values, v)
	return id, true, WriteAudit(ctx, tx, a)
}

// SaveProgramRecord creates a record (id 0) or updates one, with its audit
// row (the changed fields before and after); ErrProgramDuplicate when
// another record has the same natural key, ErrNotFound for an unknown id.
// v must come from in.Normalise.
func (s *Store) SaveProgramRecord(ctx context.Context, a Audit, in program.Input, id int64, v program.Values) (int64, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, _, err = saveOne(ctx, tx, a, in, id, v)
		return err
	})
	return id, err
}

// DeleteProgramRecord deletes a record with its audit row (the record as it was).
func (s *Store) DeleteProgramRecord(ctx context.Context, a Audit, in program.Input, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := scanProgram(in, tx.QueryRowContext(ctx, selectList(in)+` WHERE t.id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("store: load %s %d: %w", in.Key, id, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+in.Table()+` WHERE id = ?`, id); err != nil {
			return fmt.Errorf("store: delete %s %d: %w", in.Key, id, err)
		}
		a.Action, a.Entity, a.EntityID, a.Before = "delete", in.Key, strconv.FormatInt(id, 10), cur.Values
		return WriteAudit(ctx, tx, a)
	})
}

// ImportProgramRecords applies validated rows in one transaction: a row
// whose natural key matches a record updates it (when a value differs), the
// others are added; every change has its audit row. Rows must come from
// in.Normalise with distinct natural keys.
func (s *Store) ImportProgramRecords(ctx context.Context, a Audit, in program.Input, rows []program.Values) (ProgramImportResult, error) {
	var res ProgramImportResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res = ProgramImportResult{}
		for _, v := range rows {
			cur, found, err := findByKey(ctx, tx, in, v)
			if err != nil {
				return err
			}
			_, did, err := saveOne(ctx, tx, a, in, cur.ID, v)
			if err != nil {
				return err
			}
			switch {
			case !found:
				res.Inserted++
			case did:
				res.Updated++
			default:
				res.Unchanged++
			}
		}
		return nil
	})
	return res, err
}
