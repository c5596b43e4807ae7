package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"sreport/analytics"
)

// encodeResponders is the stored form of a record's responders (the
// responders column, migration 00023): their normalised JSON array, or ""
// when the source names nobody.
func encodeResponders(rs []analytics.Responder) (string, error) {
	rs = analytics.NormalizeResponders(rs)
	if len(rs) == 0 {
		return "", nil
	}
	b, err := json.Marshal(rs)
	if err != nil {
		return "", fmt.Errorf("store: encode responders: %w", err)
	}
	return string(b), nil
}

// responders is the responders value to store for record externalID of
// table (pages or incidents). A batch of overlapping exports (KeepStored:
// PagerDuty's incidents with and without log entries, its Analytics CSV)
// adds its people to the stored ones instead of replacing them, as it
// keeps every stored value it lacks: each export names some of the people
// (only the log entries say who acknowledged in them), so the union makes
// the files converge in any order and a re-import changes nothing.
func (a *applier) responders(table, externalID string, rs []analytics.Responder) (string, error) {
	if a.b.KeepStored && len(rs) > 0 {
		// Prepared once per table and file: a statement prepared per record
		// cost a PagerDuty import a tenth of its time.
		q := a.respOf[table]
		if q == nil {
			var err error
			if q, err = a.tx.PrepareContext(a.ctx, `SELECT responders FROM `+table+` WHERE source = ? AND external_id = ?`); err != nil {
				return "", fmt.Errorf("store: prepare responders of %s: %w", table, err)
			}
			if a.respOf == nil {
				a.respOf = map[string]*sql.Stmt{}
			}
			a.respOf[table] = q
			a.stmts = append(a.stmts, q)
		}
		var stored string
		err := q.QueryRowContext(a.ctx, a.b.Source, externalID).Scan(&stored)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", fmt.Errorf("store: look up responders of %s: %w", externalID, err)
		}
		old, err := decodeResponders(stored)
		if err != nil {
			return "", err
		}
		rs = append(old, rs...)
	}
	return encodeResponders(rs)
}

// respondersFor is responders for a record written through u, whose
// responders are the last of its values. While records come in new (u's
// insert is tried first) a KeepStored batch's people are stored as they
// are — a new record has no stored people to merge with — and the look-up
// happens only should the key be stored after all (u.late): looking up
// every record of a million-row PagerDuty file cost a tenth of its import.
func (a *applier) respondersFor(u *upserter, table, externalID string, rs []analytics.Responder) (string, error) {
	u.late = nil
	if !a.b.KeepStored || len(rs) == 0 || !u.tryInsert {
		return a.responders(table, externalID, rs)
	}
	u.late = func(vals []any) error {
		v, err := a.responders(table, externalID, rs)
		vals[len(vals)-1] = v
		return err
	}
	return encodeResponders(rs)
}

// decodeResponders reads a responders column.
func decodeResponders(s string) ([]analytics.Responder, error) {
	if s == "" {
		return nil, nil
	}
	var rs []analytics.Responder
	if err := json.Unmarshal([]byte(s), &rs); err != nil {
		return nil, fmt.Errorf("store: decode responders: %w", err)
	}
	return rs, nil
}

// seenWithEmail returns every distinct name and e-mail pair of the pages'
// and incidents' responders that carry an e-mail, for People.WithEmails.
// Records naming the same people store the same text (encodeResponders),
// so the distinct lists are few however many records there are.
func (s *Store) seenWithEmail(ctx context.Context) ([]analytics.Responder, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT responders FROM pages WHERE instr(responders, '"email":') > 0
		UNION SELECT DISTINCT responders FROM incidents WHERE instr(responders, '"email":') > 0`)
	if err != nil {
		return nil, fmt.Errorf("store: load responders' e-mails: %w", err)
	}
	defer rows.Close()
	type pair struct{ name, email string }
	seen := map[pair]bool{}
	var out []analytics.Responder
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, fmt.Errorf("store: scan responders: %w", err)
		}
		rs, err := decodeResponders(raw)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if k := (pair{r.Name, r.Email}); r.Email != "" && !seen[k] {
				seen[k] = true
				out = append(out, analytics.Responder{Name: r.Name, Email: r.Email})
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: load responders' e-mails: %w", err)
	}
	return out, nil
}
