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
		var stored string
		err := a.tx.QueryRowContext(a.ctx, `SELECT responders FROM `+table+` WHERE source = ? AND external_id = ?`, a.b.Source, externalID).Scan(&stored)
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
func (s *Store) seenWithEmail(ctx context.Context) ([]analytics.Responder, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT COALESCE(json_extract(r.value, '$.name'), ''), json_extract(r.value, '$.email')
		FROM pages p, json_each(p.responders) r
		WHERE p.responders LIKE '%@%' AND json_extract(r.value, '$.email') <> ''
		UNION
		SELECT COALESCE(json_extract(r.value, '$.name'), ''), json_extract(r.value, '$.email')
		FROM incidents i, json_each(i.responders) r
		WHERE i.responders LIKE '%@%' AND json_extract(r.value, '$.email') <> ''`)
	if err != nil {
		return nil, fmt.Errorf("store: load responders' e-mails: %w", err)
	}
	defer rows.Close()
	var out []analytics.Responder
	for rows.Next() {
		var r analytics.Responder
		if err := rows.Scan(&r.Name, &r.Email); err != nil {
			return nil, fmt.Errorf("store: scan responder: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: load responders' e-mails: %w", err)
	}
	return out, nil
}
