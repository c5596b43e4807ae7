package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"sreport/analytics"
)

// packedDeploys returns exactly what leanDeploys returns, reading clean
// days from their blobs (record_days.go).
func (s *Store) packedDeploys(ctx context.Context, ids []int64, r TimeRange) ([]analytics.Deploy, error) {
	return loadDays(ctx, s, dayReader[analytics.Deploy]{
		kind:   deployDays,
		raw:    leanDeploys,
		days:   deploysOfDays,
		decode: decodeDeploys,
	}, ids, r)
}

// packedPages returns exactly what leanPages returns, reading clean days
// from their blobs.
func (s *Store) packedPages(ctx context.Context, ids []int64, r TimeRange) ([]analytics.Page, error) {
	return loadDays(ctx, s, dayReader[analytics.Page]{
		kind:   pageDays,
		raw:    leanPages,
		days:   pagesOfDays,
		decode: decodePages,
	}, ids, r)
}

// dayReader is one kind's loads: from the records (raw), from the
// records of some days only (days, which also returns each record's day),
// and from a blob (decode).
type dayReader[T any] struct {
	kind   recordKind
	raw    func(context.Context, querier, []int64, TimeRange) ([]T, error)
	days   func(context.Context, querier, []int64, TimeRange, []string) ([]T, []string, error)
	decode func([]byte, *dayFilter, *daySlabs, []T) ([]T, error)
}

// dayBlob is a clean day's blob.
type dayBlob struct {
	day  string
	n    int // records of the load's services, once counted
	data []byte
}

// loadDays loads rd's records of the services (nil = all) in r, in one
// read transaction: blobs of the clean days, the records of the dirty
// days and of those that cannot be packed, merged in day order (each day
// comes whole from one of the two, and every record of a day sorts after
// those of the days before it). Whatever it cannot do exactly — an open
// range, a bound or a day not in the canonical layout, a blob that does
// not decode, mostly dirty days — it leaves to rd.raw in the same
// transaction, which is the lean load itself.
func loadDays[T any](ctx context.Context, s *Store, rd dayReader[T], ids []int64, r TimeRange) ([]T, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: load %s: %w", rd.kind.table, err)
	}
	defer tx.Rollback()
	f, lo, hi, ok := dayRange(r)
	if !ok || (ids != nil && len(ids) == 0) {
		return rd.raw(ctx, tx, ids, r)
	}
	if ids != nil {
		f.all, f.in = false, make(map[int64]bool, len(ids))
		for _, id := range ids {
			f.in[id] = true
		}
	}
	dirty, plain, err := dirtyDays(ctx, tx, rd.kind, lo, hi)
	if err != nil {
		return nil, err
	}
	blobs, rawDays, plain2, err := cleanDays(ctx, tx, rd.kind, lo, hi, dirty)
	if err != nil {
		return nil, err
	}
	if !plain || !plain2 || len(rawDays) > len(blobs) {
		return rd.raw(ctx, tx, ids, r)
	}
	var raw []T
	var rawDay []string
	if len(rawDays) > 0 {
		if raw, rawDay, err = rd.days(ctx, tx, ids, r, rawDays); err != nil {
			// A record that does not convert: the lean load reports it.
			return rd.raw(ctx, tx, ids, r)
		}
	}
	// Sized once, from the blobs' counts of the load's services: growing
	// a slice of records copies them, with write barriers.
	n := len(raw)
	for i, b := range blobs {
		c := scopeCount(b.data, &f)
		if c < 0 {
			return rd.raw(ctx, tx, ids, r)
		}
		n += c
		blobs[i].n = c
	}
	out := make([]T, 0, n)
	var (
		sl daySlabs
		j  int
	)
	for _, b := range blobs {
		for ; j < len(raw) && rawDay[j] < b.day; j++ {
			out = append(out, raw[j])
		}
		if b.n == 0 {
			continue // none of the load's services that day
		}
		if out, err = rd.decode(b.data, &f, &sl, out); err != nil {
			return rd.raw(ctx, tx, ids, r)
		}
	}
	out = append(out, raw[j:]...)
	if len(out) == 0 {
		return nil, nil // as the lean load returns no records
	}
	return out, nil
}

// dayRange is r's filter on unix seconds and its first and last days. It
// is not ok for an open range or a bound outside the canonical layout's
// years: the load then reads the records.
func dayRange(r TimeRange) (f dayFilter, lo, hi string, ok bool) {
	if r.From.IsZero() || r.To.IsZero() {
		return f, "", "", false
	}
	from, to := FormatTime(r.From), FormatTime(r.To)
	if !canonicalTime(from) || !canonicalTime(to) {
		return f, "", "", false
	}
	ft, _ := ParseTime(from)
	tt, _ := ParseTime(to)
	return dayFilter{from: ft.Unix(), to: tt.Unix(), all: true}, from[:10], to[:10], true
}

// dirtyDays returns k's dirty days in [lo, hi], and whether they are all
// plain (plainDay).
func dirtyDays(ctx context.Context, tx *sql.Tx, k recordKind, lo, hi string) (map[string]bool, bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT day FROM record_days_dirty WHERE kind = ? AND day >= ? AND day <= ?`, k.code, lo, hi)
	if err != nil {
		return nil, false, fmt.Errorf("store: load dirty %s days: %w", k.table, err)
	}
	defer rows.Close()
	dirty := map[string]bool{}
	plain := true
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, false, fmt.Errorf("store: load dirty %s days: %w", k.table, err)
		}
		dirty[d] = true
		plain = plain && plainDay(d)
	}
	return dirty, plain, rows.Err()
}

// cleanDays returns k's blobs in [lo, hi] that are clean and packed, in
// day order, and the days to read from the records: the dirty ones and
// those kept without a blob. plain is false when one of those is not a
// plain day.
func cleanDays(ctx context.Context, tx *sql.Tx, k recordKind, lo, hi string, dirty map[string]bool) (blobs []dayBlob, raw []string, plain bool, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT day, data FROM `+k.days+` WHERE day >= ? AND day <= ? ORDER BY day`, lo, hi)
	if err != nil {
		return nil, nil, false, fmt.Errorf("store: load %s: %w", k.days, err)
	}
	defer rows.Close()
	plain = true
	for rows.Next() {
		var b dayBlob
		if err := rows.Scan(&b.day, &b.data); err != nil {
			return nil, nil, false, fmt.Errorf("store: load %s: %w", k.days, err)
		}
		switch {
		case dirty[b.day]:
		case b.data == nil:
			plain = plain && plainDay(b.day)
			raw = append(raw, b.day)
		default:
			blobs = append(blobs, b)
		}
	}
	for d := range dirty {
		raw = append(raw, d)
	}
	return blobs, raw, plain, rows.Err()
}

// dayBounds renders plain days as a JSON array of [day, dayEnd] pairs,
// for json_each.
func dayBounds(days []string) (string, error) {
	pairs := make([][2]string, len(days))
	for i, d := range days {
		pairs[i] = [2]string{d, dayEnd(d)}
	}
	b, err := json.Marshal(pairs)
	return string(b), err
}

// deploysOfDays is leanDeploys restricted to the plain days, with each
// deploy's day.
func deploysOfDays(ctx context.Context, q querier, serviceIDs []int64, r TimeRange, days []string) ([]analytics.Deploy, []string, error) {
	bounds, err := dayBounds(days)
	if err != nil {
		return nil, nil, fmt.Errorf("store: load deploys: %w", err)
	}
	w := where{conds: []string{"d.finished_at >= json_extract(j.value, '$[0]') AND d.finished_at < json_extract(j.value, '$[1]')"}, args: []any{bounds}}
	ListFilter{Range: r}.scope(&w, "d.service_id", "d.finished_at")
	inIDs(&w, "d.service_id", serviceIDs)
	rows, err := q.QueryContext(ctx, `SELECT `+leanDeployCols+` FROM json_each(?) j CROSS JOIN deploys d`+w.sql()+` ORDER BY d.finished_at, d.id`, w.args...)
	if err != nil {
		return nil, nil, fmt.Errorf("store: load deploys: %w", err)
	}
	defer rows.Close()
	var (
		names interner
		row   leanDeployRow
		out   []analytics.Deploy
		of    []string
	)
	for rows.Next() {
		if err := row.scan(rows); err != nil {
			return nil, nil, fmt.Errorf("store: scan: %w", err)
		}
		d, err := row.deploy(&names)
		if err != nil {
			return nil, nil, fmt.Errorf("store: scan: %w", err)
		}
		out = append(out, d)
		of = append(of, names.of(row.finished[:10]))
	}
	return out, of, rows.Err()
}

// pagesOfDays is leanPages restricted to the plain days, with each page's
// day.
func pagesOfDays(ctx context.Context, q querier, serviceIDs []int64, r TimeRange, days []string) ([]analytics.Page, []string, error) {
	bounds, err := dayBounds(days)
	if err != nil {
		return nil, nil, fmt.Errorf("store: load pages: %w", err)
	}
	w := where{conds: []string{"p.triggered_at >= json_extract(j.value, '$[0]') AND p.triggered_at < json_extract(j.value, '$[1]')"}, args: []any{bounds}}
	ListFilter{Range: r}.scope(&w, "p.service_id", "p.triggered_at")
	inIDs(&w, "p.service_id", serviceIDs)
	rows, err := q.QueryContext(ctx, `SELECT `+leanPageCols+` FROM json_each(?) j CROSS JOIN pages p`+w.sql()+` ORDER BY p.triggered_at, p.id`, w.args...)
	if err != nil {
		return nil, nil, fmt.Errorf("store: load pages: %w", err)
	}
	defer rows.Close()
	var (
		names interner
		row   leanPageRow
		out   []analytics.Page
		of    []string
	)
	for rows.Next() {
		if err := row.scan(rows); err != nil {
			return nil, nil, fmt.Errorf("store: scan: %w", err)
		}
		p, err := row.page(&names)
		if err != nil {
			return nil, nil, fmt.Errorf("store: scan: %w", err)
		}
		out = append(out, p)
		of = append(of, names.of(row.triggered[:10]))
	}
	return out, of, rows.Err()
}
