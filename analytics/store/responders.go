package store

import (
	"context"
	"encoding/json"
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
